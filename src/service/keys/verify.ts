/** Verify a signature against a stored key's public key (standard ECDSA: any valid S is accepted; RSA: PSS or PKCS#1 v1.5). */
import type { KeyRef } from '../shared/resolve-key.js';
import { parseHex } from '../../protocol/hex.js';
import { requireSigningAlgorithm } from '../../crypto/algorithms.js';
import type { ServiceContext } from '../shared/context.js';
import { assertUsable, resolveKey } from '../shared/resolve-key.js';
import { toEncoding, toSignPayload, type PayloadFields } from '../shared/sign-payload.js';

export interface VerifyParameters extends PayloadFields {
  key: KeyRef;
  signature: string;
}

export async function verify(ctx: Pick<ServiceContext, 'store'>, params: VerifyParameters): Promise<{ valid: boolean }> {
  const record = await resolveKey(ctx, params.key);
  const alg = requireSigningAlgorithm(record.type, 'verify');
  assertUsable(record);
  const payload = toSignPayload(alg, params);
  const encoding = toEncoding(alg, params.encoding);
  const signature = parseHex(params.signature, { field: 'signature', minBytes: 1, maxBytes: 1024 });
  return { valid: alg.verify(record.publicKey!, payload, signature, encoding) };
}
