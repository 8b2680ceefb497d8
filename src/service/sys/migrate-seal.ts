/**
 * Seal migration between providers (shamir ↔ pkcs11 ↔ awskms), offline, with the server stopped. The
 * root key is recovered through the old provider and sealed by the new one; no stored key, secret or
 * audit record is re-encrypted (they sit under the keyring, which sits under the unchanged root key).
 * Authorization: Shamir unseal shares when leaving Shamir; recovery shares when leaving an HSM/KMS seal.
 * The new sealed root key is checked to open with the new provider before anything is written.
 */
import { StrongboxError } from '../../protocol/errors.js';
import { constantTimeEqual } from '../../crypto/compare.js';
import { wipe } from '../../crypto/wipe.js';
import { commitShares, createShamirProvider } from '../../providers/shamir/index.js';
import { UnsealRejectedError, type SealConfig, type UnsealProvider } from '../../providers/types.js';
import type { Store } from '../../storage/types.js';
import { SYS } from '../shared/context.js';
import { encodeSealConfig, readSealConfig } from './seal-config.js';
import { RECOVERY_CHECK } from './sys-init.js';

export interface MigrateSealParameters {
  store: Store;
  from: UnsealProvider;
  to: UnsealProvider;
  /** unseal shares (leaving Shamir) or recovery shares (leaving pkcs11/awskms) */
  shares: Uint8Array[];
  /** size of the new share set when one is made (to Shamir: unseal shares; shamir → HSM/KMS: recovery shares) */
  newShares: number;
  newThreshold: number;
}

export async function migrateSeal(p: MigrateSealParameters): Promise<{ from: string; to: string; shares: Uint8Array[]; sharesKind: 'unseal' | 'recovery' | null }> {
  const config = await readSealConfig({ store: p.store });
  if (config === undefined) throw new StrongboxError('NOT_INITIALIZED');
  if (config.type !== p.from.type) throw new StrongboxError('SEAL_TYPE_MISMATCH', `the data is sealed with ${config.type}, not ${p.from.type}`, { field: 'from' });
  if (p.from.type === p.to.type && p.to.type === 'shamir') throw new StrongboxError('INVALID_ARGUMENT', 'shamir to shamir is a rekey (strongbox operator rekey)', { field: 'to' });
  const shamir = createShamirProvider();
  const sealedRootKey = await p.store.getSysValue(SYS.sealedRootKey);
  if (sealedRootKey === undefined) throw new StrongboxError('INTEGRITY_CHECK_FAILED', 'sealed root key missing from storage');

  // 1. Authorization and the root key.
  if (p.from.autoUnseal) {
    const check = await p.store.getSysValue(SYS.sealedRecoveryCheck);
    if (check === undefined) throw new StrongboxError('INTEGRITY_CHECK_FAILED', 'recovery check missing from storage');
    try {
      wipe(await shamir.recover(check, { shares: p.shares }, config));
    } catch (err) {
      if (err instanceof UnsealRejectedError) throw new StrongboxError('UNSEAL_FAILED', 'the recovery shares given do not form a quorum', { field: 'shares' });
      throw err;
    }
  }
  let rootKey: Uint8Array;
  try {
    rootKey = await p.from.recover(sealedRootKey, { shares: p.shares }, config);
  } catch (err) {
    if (err instanceof UnsealRejectedError) throw new StrongboxError('UNSEAL_FAILED', `the ${p.from.type} seal did not give up the root key: ${err.message}`, { field: 'shares' });
    throw err;
  }

  try {
    // 2. Seal it with the new provider, and prove the result opens before writing anything.
    const keepRecovery = p.from.autoUnseal && p.to.autoUnseal;
    const newConfig: SealConfig = keepRecovery ? { ...config, type: p.to.type } : { type: p.to.type, shares: p.newShares, threshold: p.newThreshold };
    const sealed = await p.to.protect(rootKey.slice(), newConfig);
    const check = await p.to.recover(sealed.sealedRootKey, { shares: sealed.shares.slice(0, newConfig.threshold) }, newConfig);
    const same = constantTimeEqual(check, rootKey);
    wipe(check);
    if (!same) throw new StrongboxError('INTERNAL', 'the new seal does not give back the same root key; nothing was changed');

    const values: Record<string, Uint8Array> = { [SYS.sealedRootKey]: sealed.sealedRootKey, [SYS.sealConfig]: encodeSealConfig(newConfig) };
    let shares = sealed.shares;
    let sharesKind: 'unseal' | 'recovery' | null = p.to.autoUnseal ? null : 'unseal';
    if (p.to.autoUnseal && !keepRecovery) {
      const recovery = await shamir.protect(RECOVERY_CHECK.slice(), newConfig);
      values[SYS.sealedRecoveryCheck] = recovery.sealedRootKey;
      shares = recovery.shares;
      sharesKind = 'recovery';
    }
    // New shares get new commitments; recovery shares kept as they are keep theirs (in `config`).
    if (shares.length > 0) values[SYS.sealConfig] = encodeSealConfig({ ...newConfig, commitments: commitShares(shares) });
    await p.store.putSysValues(values);
    return { from: p.from.type, to: p.to.type, shares, sharesKind };
  } finally {
    wipe(rootKey);
  }
}
