/**
 * The unseal-provider seam. A provider protects the root key at init and gives it back at
 * unseal. Shamir needs a quorum of operator shares; the PKCS#11 and AWS KMS providers (a later
 * issue) unwrap it with a key that never leaves the HSM or the cloud KMS and so auto-unseal.
 * Every provider, fakes included, passes test/contract/unseal-provider.contract.ts.
 */
export type SealType = 'shamir';

export interface SealConfig {
  type: SealType;
  /** number of shares handed out at init (Shamir shares, or recovery shares for auto-unseal providers) */
  shares: number;
  threshold: number;
}

export interface ProtectResult {
  /** the root key sealed by this provider; safe to store */
  sealedRootKey: Uint8Array;
  /** secret shares for the custodians; shown once, never stored */
  shares: Uint8Array[];
}

export interface UnsealInput {
  shares: Uint8Array[];
}

export class UnsealRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsealRejectedError';
  }
}

export interface UnsealProvider {
  readonly type: SealType;
  /** true when the provider recovers the root key with no operator input */
  readonly autoUnseal: boolean;
  protect(rootKey: Uint8Array, config: SealConfig): Promise<ProtectResult>;
  /** Gives back the root key, or throws UnsealRejectedError when the input cannot recover it. */
  recover(sealedRootKey: Uint8Array, input: UnsealInput, config: SealConfig): Promise<Uint8Array>;
}
