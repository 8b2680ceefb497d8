/**
 * EIP-191 version 0x45 ("personal_sign") message hashing:
 * keccak256("\x19Ethereum Signed Message:\n" ‖ decimal byte length ‖ message), via viem's hashMessage.
 */
import { hashMessage } from 'viem/utils';
import { StrongboxError } from '../../protocol/errors.js';
import { parseHex } from '../../protocol/hex.js';

export type MessageEncoding = 'utf8' | 'hex';

/** The message bytes: `utf8` (default) takes the string's UTF-8 bytes as is; `hex` decodes 0x-hex. */
export function parseMessage(message: unknown, encoding: MessageEncoding | undefined, maxBytes: number): Uint8Array {
  const enc = encoding ?? 'utf8';
  if (enc === 'hex') return parseHex(message, { field: 'message', maxBytes });
  if (enc !== 'utf8') throw new StrongboxError('INVALID_ARGUMENT', 'encoding must be utf8 or hex', { field: 'encoding' });
  if (typeof message !== 'string') throw new StrongboxError('INVALID_ARGUMENT', 'message must be a string', { field: 'message' });
  const bytes = new TextEncoder().encode(message);
  if (bytes.byteLength > maxBytes) throw new StrongboxError('INVALID_ARGUMENT', `message must be at most ${maxBytes} bytes, got ${bytes.byteLength}`, { field: 'message' });
  return bytes;
}

/** The 32-byte EIP-191 personal-message digest of `message`. */
export function personalMessageHash(message: Uint8Array): Uint8Array {
  return hashMessage({ raw: message }, 'bytes');
}
