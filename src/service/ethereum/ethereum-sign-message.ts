/**
 * personal_sign: an EIP-191 (version 0x45) signature over a message, with an enabled secp256k1 key.
 */
import { toHex } from '../../protocol/hex.js';
import type { EthereumSignMessageResponse, MessageEncoding } from '../../protocol/ethereum.js';
import { parseMessage, personalMessageHash } from '../../chains/ethereum/personal-message.js';
import { MAX_MESSAGE_BYTES } from '../shared/sign-payload.js';
import type { KeyRef } from '../shared/resolve-key.js';
import { resolveEthereumKey, signDigestRecoverable, toEthereumSignature, type EthereumSignContext } from './ethereum-signer.js';

export interface EthereumSignMessageParameters {
  key: KeyRef;
  /** the message: a UTF-8 string (default) or 0x-hex bytes with encoding `hex` */
  message: string;
  encoding?: MessageEncoding;
}

export async function ethereumSignMessage(ctx: EthereumSignContext, params: EthereumSignMessageParameters): Promise<EthereumSignMessageResponse> {
  const record = await resolveEthereumKey(ctx, params.key);
  const hash = personalMessageHash(parseMessage(params.message, params.encoding, MAX_MESSAGE_BYTES));
  const signature = await signDigestRecoverable(ctx, record, hash);
  return { signature: toHex(toEthereumSignature(signature)), hash: toHex(hash) };
}
