/**
 * Initialization (once per installation): generate the root key and the first keyring term,
 * let the unseal provider protect the root key (Shamir: split the unseal key into shares),
 * seal the keyring under the root key, persist only sealed values, then mint the root token
 * (stored as a hash). The server stays sealed afterwards; the shares unseal it. The seal configuration
 * keeps a commitment to each share (not the share), so a wrong share is refused when it is submitted.
 */
import { StrongboxError } from '../../protocol/errors.js';
import { toHex } from '../../protocol/hex.js';
import type { InitResponse } from '../../protocol/types.js';
import { AES_KEY_BYTES } from '../../crypto/aead.js';
import { randomBytes } from '../../crypto/random.js';
import { wipe } from '../../crypto/wipe.js';
import { Barrier } from '../../keyring/barrier.js';
import { Keyring } from '../../keyring/keyring.js';
import { commitShares, createShamirProvider, MAX_SHARES } from '../../providers/shamir/index.js';
import { ProviderUnavailableError } from '../../providers/types.js';

/** The value sealed under the recovery key (its content is irrelevant: opening it proves the quorum). */
export const RECOVERY_CHECK = new Uint8Array(Buffer.from('strongbox recovery check v1.....', 'ascii'));
import type { ServiceContext } from '../shared/context.js';
import { SYS } from '../shared/context.js';
import { encodeSealConfig, readSealConfig } from './seal-config.js';
import { mintRootToken } from './root-token.js';
import { tryAutoUnseal } from './auto-unseal.js';

export interface InitParameters {
  shares: number;
  threshold: number;
  /** dev mode only: use this root token instead of a random one */
  rootToken?: string;
}

export async function initialize(ctx: Pick<ServiceContext, 'store' | 'provider' | 'now' | 'barrier' | 'audit' | 'sealedReason' | 'rewrap' | 'integrity'>, params: InitParameters): Promise<InitResponse> {
  const { shares, threshold } = params;
  if (!Number.isInteger(shares) || shares < 1 || shares > MAX_SHARES) {
    throw new StrongboxError('INVALID_ARGUMENT', `shares must be an integer from 1 to ${MAX_SHARES}`, { field: 'shares' });
  }
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > shares) {
    throw new StrongboxError('INVALID_ARGUMENT', 'threshold must be an integer from 1 to shares', { field: 'threshold' });
  }
  if ((await readSealConfig(ctx)) !== undefined) throw new StrongboxError('ALREADY_INITIALIZED');

  const config = { type: ctx.provider.type, shares, threshold };
  const rootKey = randomBytes(AES_KEY_BYTES);
  const keyring = Keyring.create();
  try {
    let sealedRootKey: Uint8Array;
    let shareBytes: Uint8Array[];
    try {
      ({ sealedRootKey, shares: shareBytes } = await ctx.provider.protect(rootKey, config));
    } catch (err) {
      if (err instanceof ProviderUnavailableError) throw new StrongboxError('PROVIDER_UNAVAILABLE', `the ${ctx.provider.type} unseal provider cannot be used: ${err.reason}`);
      throw err;
    }
    const extra: Record<string, Uint8Array> = {};
    if (ctx.provider.autoUnseal) {
      // Recovery shares: a Shamir split of a recovery key that seals only a check value. They prove a
      // quorum (for generate-root and seal migration) but decrypt nothing.
      const recovery = await createShamirProvider().protect(RECOVERY_CHECK.slice(), config);
      extra[SYS.sealedRecoveryCheck] = recovery.sealedRootKey;
      shareBytes = recovery.shares;
    }
    const written = await ctx.store.putSysValues(
      {
        [SYS.sealConfig]: encodeSealConfig({ ...config, commitments: commitShares(shareBytes) }),
        [SYS.sealedRootKey]: sealedRootKey,
        [SYS.sealedKeyring]: Barrier.sealKeyring(rootKey, keyring),
        ...extra,
      },
      { ifAbsent: SYS.sealConfig },
    );
    if (!written) throw new StrongboxError('ALREADY_INITIALIZED');
    const { token: rootToken } = await mintRootToken(ctx, params.rootToken);
    const out: InitResponse = { shares: shareBytes.map(toHex), threshold, rootToken, sharesKind: ctx.provider.autoUnseal ? 'recovery' : 'unseal' };
    wipe(...shareBytes);
    // An HSM/KMS-sealed server unseals itself right away.
    if (ctx.provider.autoUnseal) await tryAutoUnseal(ctx);
    return out;
  } finally {
    wipe(rootKey);
    keyring.wipe();
  }
}
