/**
 * The unseal-provider seam. A provider protects the root key at init and gives it back at
 * unseal. Shamir needs a quorum of operator shares; the PKCS#11 and AWS KMS providers (a later
 * issue) unwrap it with a key that never leaves the HSM or the cloud KMS and so auto-unseal.
 * Every provider, fakes included, passes test/contract/unseal-provider.contract.ts.
 */
export type SealType = 'shamir' | 'pkcs11' | 'awskms' | 'kmip';

export interface SealConfig {
  type: SealType;
  /** number of shares handed out at init (Shamir shares, or recovery shares for auto-unseal providers) */
  shares: number;
  threshold: number;
  /**
   * One commitment per share handed out (written by init, rekey, seal migration and escrow), so a share
   * that is not one of the set is refused on submission instead of spoiling the quorum. Absent in
   * installations initialized before commitments existed: their shares are checked only when combined.
   */
  commitments?: ShareCommitments;
}

/**
 * Commitments to a share set (shamir/index.ts `commitShares`). Not secret: each hash is
 * HMAC-SHA-256(salt, "strongbox/share-commitment/v1" ‖ share) over a share with 256 bits of entropy,
 * and the sealed root key stored beside it is already a verifier for the unseal key (docs/ceremonies.md).
 */
export interface ShareCommitments {
  version: 1;
  /** 32 random bytes, hex, fresh for every share set */
  salt: string;
  /** hex, one per share, in the order the shares were handed out */
  hashes: string[];
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

/**
 * The provider cannot be reached or refuses (HSM login failed, KMS key disabled or access revoked).
 * The server stays sealed and reports `reason` in /v1/sys/health. Never contains secrets.
 */
export class ProviderUnavailableError extends Error {
  readonly reason: string;
  constructor(reason: string, options?: { cause?: unknown }) {
    super(reason, options);
    this.name = 'ProviderUnavailableError';
    this.reason = reason;
  }
}

export interface UnsealProvider {
  readonly type: SealType;
  /** true when the provider recovers the root key with no operator input (HSM, cloud KMS) */
  readonly autoUnseal: boolean;
  /**
   * Seals the root key. Shamir returns the key shares; auto-unseal providers return `shares: []`
   * (their recovery shares are made by the caller). Throws ProviderUnavailableError when the HSM or
   * KMS cannot be used.
   */
  protect(rootKey: Uint8Array, config: SealConfig): Promise<ProtectResult>;
  /**
   * Gives back the root key. Shamir needs `input.shares`; auto-unseal providers ignore the input.
   * Throws UnsealRejectedError when the input or the sealed blob cannot yield the key, and
   * ProviderUnavailableError when the HSM/KMS cannot be used (key disabled, access revoked, login failed).
   */
  recover(sealedRootKey: Uint8Array, input: UnsealInput, config: SealConfig): Promise<Uint8Array>;
  /**
   * Cold storage: destroys the provider's wrapping key so the sealed root key can never be opened by
   * it again (PKCS#11: C_DestroyObject on the token). Only providers that own such a key implement it.
   */
  destroyRootOfTrust?(): Promise<void>;
  /** Releases sessions and connections (PKCS#11 session, HTTP agents). Idempotent. */
  close?(): Promise<void>;
}

/** Settings of the auto-unseal providers, from flags and STRONGBOX_* environment variables (never secrets on the command line). */
export interface ProviderOptions {
  pkcs11?: {
    /** path of the PKCS#11 module, e.g. /usr/lib/softhsm/libsofthsm2.so */
    library: string;
    tokenLabel: string;
    /** the user PIN, from STRONGBOX_PKCS11_PIN or the file named by STRONGBOX_PKCS11_PIN_FILE */
    pin: string;
    /** label of the non-extractable AES-256 wrapping key inside the token (created at init if absent) */
    keyLabel: string;
  };
  kmip?: {
    /** HOST:PORT of the external KMIP server (5696 is KMIP's port) */
    address: string;
    /** PEM files: this client's certificate and key, and the CA that signed the server's certificate */
    cert: string;
    key: string;
    ca: string;
    /** Unique Identifier of an existing AES-256 key on that server; default: the key named keyName */
    keyId?: string;
    /** name of the wrapping key to locate, or create and activate at init (default strongbox-root-wrap) */
    keyName?: string;
    /** TLS server name to verify, when it differs from the host in address */
    serverName?: string;
  };
  awskms?: {
    /** key id, ARN or alias of the customer-managed KMS key */
    keyId: string;
    region: string;
    /** e.g. http://127.0.0.1:PORT for moto_server; default: AWS */
    endpoint?: string;
  };
}
