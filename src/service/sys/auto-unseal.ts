/**
 * Auto-unseal (pkcs11, awskms): recover the root key through the provider with no operator input,
 * at start, after init, on request, and periodically while the provider is unavailable. When it
 * fails the server stays sealed and `sealedReason` says why (reported by /v1/sys/health).
 * After an operator seals, the server stays sealed until asked to unseal (POST /v1/sys/unseal).
 */
import { StrongboxError } from '../../protocol/errors.js';
import { ProviderUnavailableError, UnsealRejectedError } from '../../providers/types.js';
import { loadAuditKeys } from '../../audit/keys.js';
import type { ServiceContext } from '../shared/context.js';
import { SYS } from '../shared/context.js';
import { readSealConfig } from './seal-config.js';
import { isCold } from './cold-storage.js';
import { checkInstallBeforeUnseal } from './install-measurement.js';

type Ctx = Pick<ServiceContext, 'store' | 'barrier' | 'provider' | 'audit' | 'sealedReason' | 'rewrap' | 'integrity'>;

/** Tries once; returns whether the server is now unsealed. Never throws for provider trouble. */
export async function tryAutoUnseal(ctx: Ctx): Promise<boolean> {
  if (!ctx.provider.autoUnseal) return false;
  if (!ctx.barrier.sealed) return true;
  const config = await readSealConfig(ctx);
  if (config === undefined) return false;
  const cold = await isCold(ctx.store);
  if (cold !== undefined) {
    ctx.sealedReason.value = `cold storage since ${cold}: the HSM wrapping key was destroyed; restore it with M escrow shares (strongbox operator restore-hsm)`;
    return false;
  }
  if (config.type !== ctx.provider.type) {
    ctx.sealedReason.value = `the data was initialized with seal type ${config.type}, but the server runs with --seal ${ctx.provider.type}`;
    return false;
  }
  const [sealedRootKey, sealedKeyring] = await Promise.all([ctx.store.getSysValue(SYS.sealedRootKey), ctx.store.getSysValue(SYS.sealedKeyring)]);
  if (sealedRootKey === undefined || sealedKeyring === undefined) {
    ctx.sealedReason.value = 'the sealed root key or keyring is missing from storage';
    return false;
  }
  let rootKey: Uint8Array;
  try {
    rootKey = await ctx.provider.recover(sealedRootKey, { shares: [] }, config);
  } catch (err) {
    if (err instanceof ProviderUnavailableError) ctx.sealedReason.value = `${ctx.provider.type} unavailable: ${err.reason}`;
    else if (err instanceof UnsealRejectedError) ctx.sealedReason.value = `${ctx.provider.type} rejected the sealed root key (a different HSM key or KMS key?)`;
    else ctx.sealedReason.value = `${ctx.provider.type} failed: ${(err as Error).name}`;
    return false;
  }
  try {
    await checkInstallBeforeUnseal(ctx);
  } catch (err) {
    rootKey.fill(0);
    if (err instanceof StrongboxError && err.code === 'INSTALL_INTEGRITY_FAILED') {
      ctx.sealedReason.value = err.message;
      return false;
    }
    throw err;
  }
  ctx.barrier.unseal(rootKey, sealedKeyring);
  ctx.audit.keys = await loadAuditKeys(ctx.store, ctx.barrier);
  ctx.sealedReason.value = undefined;
  if ((ctx.barrier.activeTerm ?? 1) > 1) void ctx.rewrap.kick(ctx);
  return true;
}

/** POST /v1/sys/unseal on an auto-unseal server: unseal now, or say why not. */
export async function unsealThroughProvider(ctx: Ctx): Promise<void> {
  if (await tryAutoUnseal(ctx)) return;
  throw new StrongboxError('PROVIDER_UNAVAILABLE', ctx.sealedReason.value ?? 'auto-unseal failed');
}
