/**
 * eth_signTypedData_v4: an EIP-712 signature over typed structured data, with an enabled secp256k1 key.
 */
import { toHex } from '../protocol/hex.js';
import type { EthereumSignTypedDataResponse } from '../protocol/ethereum.js';
import { parseTypedData, typedDataHash } from '../chains/ethereum/typed-data.js';
import type { KeyRef } from './resolve-key.js';
import { resolveEthereumKey, signDigestRecoverable, toEthereumSignature, type EthereumSignContext } from './ethereum-signer.js';

export interface EthereumSignTypedDataParameters {
  key: KeyRef;
  /** `{types, primaryType, domain, message}` as eth_signTypedData_v4 takes it */
  typedData: unknown;
}

export async function ethereumSignTypedData(ctx: EthereumSignContext, params: EthereumSignTypedDataParameters): Promise<EthereumSignTypedDataResponse> {
  const record = await resolveEthereumKey(ctx, params.key);
  const hash = typedDataHash(parseTypedData(params.typedData));
  const signature = await signDigestRecoverable(ctx, record, hash);
  return { signature: toHex(toEthereumSignature(signature)), hash: toHex(hash) };
}
