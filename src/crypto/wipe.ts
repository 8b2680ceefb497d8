/**
 * Best-effort zeroization. JavaScript gives no guarantee that a secret was never copied
 * (the garbage collector moves objects, strings are immutable, OpenSSL KeyObjects are opaque),
 * so this only clears the buffers Strongbox owns. docs/architecture.md states the limits.
 */
export function wipe(...buffers: (Uint8Array | undefined | null)[]): void {
  for (const b of buffers) b?.fill(0);
}
