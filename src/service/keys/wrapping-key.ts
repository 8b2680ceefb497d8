/**
 * The installation's import wrapping key: an RSA-4096 key pair generated once, on first use while
 * unsealed, whose public half callers wrap key material to (RSA_AES_KEY_WRAP_SHA_256) so that no
 * plaintext key crosses the network on import. The private key (PKCS#8) is stored sealed by the
 * barrier in a sys value; the public key (SPKI) is stored beside it in the clear. Both are written in
 * one transaction with `ifAbsent`, so two nodes generating at once agree on the stored pair.
 */
import type { KeyObject } from 'node:crypto';
import { StrongboxError } from '../../protocol/errors.js';
import type { WrappingKeyResponse } from '../../protocol/types.js';
import { generateRsaWrappingKeyPair, RSA_AES_KEY_WRAP_SHA_256, rsaPrivateKeyFromPkcs8, spkiToPem } from '../../crypto/key-wrap.js';
import { wipe } from '../../crypto/wipe.js';
import type { Store } from '../../storage/types.js';
import { SYS, type ServiceContext } from '../shared/context.js';
import { ensureTerm } from '../shared/keyring-refresh.js';
import { WRAPPING_KEY_CONTEXT } from '../shared/record-identity.js';


type Ctx = Pick<ServiceContext, 'store' | 'barrier'>;

/** One generation at a time per store on this node (RSA-4096 generation takes about a second). */
const generating = new WeakMap<Store, Promise<void>>();

async function ensureWrappingKey(ctx: Ctx): Promise<void> {
  if ((await ctx.store.getSysValue(SYS.sealedWrappingKey)) !== undefined) return;
  let pending = generating.get(ctx.store);
  if (pending === undefined) {
    pending = (async () => {
      const { privateKeyPkcs8, publicKeySpki } = await generateRsaWrappingKeyPair();
      try {
        if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
        const sealed = ctx.barrier.encrypt(privateKeyPkcs8, WRAPPING_KEY_CONTEXT);
        // Another node may have stored its pair first: then ours is dropped and theirs is used.
        await ctx.store.putSysValues({ [SYS.sealedWrappingKey]: sealed, [SYS.wrappingPublicKey]: publicKeySpki }, { ifAbsent: SYS.sealedWrappingKey });
      } finally {
        wipe(privateKeyPkcs8);
      }
    })().finally(() => generating.delete(ctx.store));
    generating.set(ctx.store, pending);
  }
  await pending;
}

/** GET /v1/sys/wrapping-key: the public key to wrap key material to (created on first call). */
export async function getWrappingKey(ctx: Ctx): Promise<WrappingKeyResponse> {
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  await ensureWrappingKey(ctx);
  const spki = await ctx.store.getSysValue(SYS.wrappingPublicKey);
  if (spki === undefined) throw new StrongboxError('INTERNAL', 'the wrapping public key is missing beside its sealed private key');
  return { algorithm: RSA_AES_KEY_WRAP_SHA_256, publicKey: spkiToPem(spki) };
}

/**
 * The wrapping private key, unsealed for one import. A caller that never fetched the public key
 * cannot have wrapped anything to it, so its absence means "nothing was wrapped to this installation".
 */
export async function loadWrappingPrivateKey(ctx: Ctx): Promise<KeyObject | undefined> {
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  const sealed = await ctx.store.getSysValue(SYS.sealedWrappingKey);
  if (sealed === undefined) return undefined;
  await ensureTerm(ctx, sealed);
  const der = ctx.barrier.decrypt(sealed, WRAPPING_KEY_CONTEXT);
  try {
    // The KeyObject's copy lives in OpenSSL and cannot be zeroized from JS (docs/architecture.md).
    return rsaPrivateKeyFromPkcs8(der);
  } finally {
    wipe(der);
  }
}
