/** A key's public part in the format the caller asks for (PEM/DER SubjectPublicKeyInfo, raw hex, compressed, JWK). */
import type { KeyRef } from '../shared/resolve-key.js';
import { StrongboxError } from '../../protocol/errors.js';
import { toHex } from '../../protocol/hex.js';
import type { PublicKeyFormat } from '../../protocol/types.js';
import { requireSigningAlgorithm } from '../../crypto/algorithms.js';
import type { ServiceContext } from '../shared/context.js';
import { resolveKey } from '../shared/resolve-key.js';

export type PublicKeyResult =
  | { format: 'pem'; publicKey: string }
  | { format: 'der' | 'hex' | 'compressed'; publicKey: `0x${string}` }
  | { format: 'jwk'; publicKey: Record<string, string> };

export async function getPublicKey(ctx: Pick<ServiceContext, 'store'>, params: { key: KeyRef; format: PublicKeyFormat }): Promise<PublicKeyResult> {
  const record = await resolveKey(ctx, params.key);
  const alg = requireSigningAlgorithm(record.type, 'have a public key');
  const raw = record.publicKey!;
  switch (params.format) {
    case 'pem': {
      const b64 = Buffer.from(alg.toSpki(raw)).toString('base64').replace(/.{1,64}/g, '$&\n');
      return { format: 'pem', publicKey: `-----BEGIN PUBLIC KEY-----\n${b64}-----END PUBLIC KEY-----\n` };
    }
    case 'der':
      return { format: 'der', publicKey: toHex(alg.toSpki(raw)) };
    case 'hex':
      return { format: 'hex', publicKey: toHex(raw) };
    case 'compressed':
      if (alg.compress === undefined) throw new StrongboxError('UNSUPPORTED_OPERATION', `${record.type} public keys have no compressed form`, { field: 'format' });
      return { format: 'compressed', publicKey: toHex(alg.compress(raw)) };
    case 'jwk':
      return { format: 'jwk', publicKey: alg.toJwk(raw) };
  }
}
