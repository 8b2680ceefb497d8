/**
 * The only source of randomness in Strongbox: the operating system CSPRNG via node:crypto.
 * Nothing else in the code base may call Math.random or roll its own generator.
 */
import { randomBytes as nodeRandomBytes, randomUUID } from 'node:crypto';

export function randomBytes(length: number): Uint8Array {
  const buf = nodeRandomBytes(length);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** RFC 9562 version-4 UUID from the CSPRNG. */
export function randomId(): string {
  return randomUUID();
}
