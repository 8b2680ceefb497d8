/**
 * EIP-191 version 0x45 ("personal_sign") message hashing:
 * keccak256("\x19Ethereum Signed Message:\n" ‖ decimal byte length ‖ message), via viem's hashMessage.
 *
 * And whether a message is readable text or could be something else's hash. A signature over the
 * personal-message digest of 32 bytes is what contracts verify as an owner's approval of a hash: a Gnosis
 * Safe's eth_sign signatures (Safe.sol checkNSignatures, v > 30: ecrecover of
 * keccak256("\x19Ethereum Signed Message:\n32" ‖ safeTxHash)), ERC-4337 v0.7 accounts validating
 * toEthSignedMessageHash(userOpHash) (SimpleAccount v0.7, Solady's ERC4337), and EIP-1271 checks that
 * wrap a hash the same way. Such a message is a transaction the rules never read.
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

/** The length of a hash (keccak256, sha256): a message of exactly this many bytes may be one. */
export const HASH_BYTES = 32;

/**
 * Code points a readable message may not hold: C0 controls but tab, line feed and carriage return;
 * DEL and the C1 controls; U+FFFD (what a decoder puts for bytes that are not UTF-8 — we decode fatally,
 * so it only appears when written out, and it is no reader's text either).
 */
// eslint-disable-next-line no-control-regex
const UNREADABLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffd]/u;

/**
 * Why `message` is not readable text, or null when it is. Readable = valid UTF-8 (fatal decoding),
 * no control characters other than \t \n \r, and not exactly 32 bytes long — whatever those 32 bytes
 * are: a hash ground (by varying a nonce or calldata) until it happens to look like text would take
 * about 2^46 tries for printable ASCII, which is within reach, so the length alone decides.
 * A 0x-hex string typed as text ("0x" + 64 hex digits, 66 bytes) is readable: its digest is
 * keccak256("\x19Ethereum Signed Message:\n66" ‖ text), which is not what a Safe or a 4337 account verifies.
 */
export function unreadableMessage(message: Uint8Array): string | null {
  if (message.byteLength === HASH_BYTES) return `the message is exactly ${HASH_BYTES} bytes, the length of a hash: its EIP-191 signature is what a Gnosis Safe (eth_sign owner signatures) or an ERC-4337 account (toEthSignedMessageHash(userOpHash)) accepts as approval of a transaction`;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(message);
  } catch {
    return 'the message is not UTF-8 text: binary data signed with the EIP-191 prefix can be what a contract verifies (packed calldata, a hash)';
  }
  const at = UNREADABLE.exec(text);
  if (at !== null) return `the message holds the control character U+${at[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}: it is binary data, not readable text`;
  return null;
}
