/**
 * Policy resources for HD-derived keys: `key:wallet/<walletId>/<path glob>` and
 * `key:wallet/name/<wallet name glob>/<path glob>`, e.g. `key:wallet/name/hot/m/44'/60'/0'/0/*`.
 *
 * A derived key's record holds its wallet id and its canonical BIP32 path (hardened indexes marked
 * `'`, never `h`; no leading zeros — crypto/hd.ts `formatPath`). A glob compares characters, so a
 * policy spelling a path `m/44h/60h` would silently match nothing: when a policy is written, the
 * path part of these globs is parsed and rewritten to the canonical spelling (`h`/`H` → `'`, the
 * wallet id lowercased), and a malformed one is refused naming the problem. Pure: no I/O.
 */

export const WALLET_KEY_PREFIX = 'key:wallet/';
/** The resource-name prefix of the by-wallet-name form; the name is looked up only for globs that could match it. */
export const WALLET_NAME_KEY_PREFIX = 'key:wallet/name/';

const SUBJECT = '${subject}';
/** Hardened indexes are below 2^31 (BIP32). */
const HARDENED = 0x8000_0000;
/** BIP32 serializes the depth in one byte. */
const MAX_DEPTH = 255;
/** A wallet-name glob: the wallet-name characters (KEY_NAME_PATTERN), the glob characters and `${subject}`. */
const NAME_GLOB = /^[A-Za-z0-9._*?-]+$/;
/** A wallet-id glob: lowercase hex, dashes and the glob characters (ids are lowercase UUIDs). */
const ID_GLOB = /^[0-9a-f*?-]+$/;
/** One path level: digits and glob characters, then an optional hardened marker. */
const SEGMENT = /^([0-9*?]+)(['hH]?)$/;

/** Thrown by canonicalWalletKeyGlob; the validator turns it into INVALID_ARGUMENT naming the field. */
export class WalletKeyGlobError extends Error {}

function canonicalPathGlob(path: string): string {
  if (path === '*') return path;
  const parts = path.split('/');
  if (parts[0] !== 'm') throw new WalletKeyGlobError(`the path part must be * or start with m/ (like m/44'/60'/0'/0/*), not ${JSON.stringify(path.slice(0, 32))}`);
  if (parts.length - 1 > MAX_DEPTH) throw new WalletKeyGlobError(`the path part is deeper than ${MAX_DEPTH} levels`);
  const out = ['m'];
  for (const [i, part] of parts.slice(1).entries()) {
    const m = SEGMENT.exec(part);
    if (m === null) throw new WalletKeyGlobError(`path level ${i + 1} (${JSON.stringify(part.slice(0, 16))}) must be an index, * or ?, with an optional ' or h`);
    const index = m[1]!;
    if (!/[*?]/.test(index)) {
      // A literal index must be spelled the way stored paths are, or it could never match.
      if (index.length > 1 && index.startsWith('0')) throw new WalletKeyGlobError(`path level ${i + 1} (${part}) has a leading zero; stored paths have none`);
      if (index.length > 10 || Number(index) >= HARDENED) throw new WalletKeyGlobError(`path level ${i + 1} (${part}) is out of range: indexes are below 2^31 (mark hardened ones with ')`);
    }
    out.push(index + (m[2] === '' ? '' : "'"));
  }
  return out.join('/');
}

/**
 * The canonical spelling of a `key:wallet/...` glob, or WalletKeyGlobError naming what is wrong:
 * - `key:wallet/*` — every derived key;
 * - `key:wallet/<wallet id or id glob>/<path glob>`;
 * - `key:wallet/name/<wallet name glob>/<path glob>` (`*` alone after `name/`: every key of every named wallet).
 * A path glob is `*` or `m/...`: levels of digits, `*` and `?` with an optional hardened marker
 * (`'`, `h` or `H`; written back as `'`).
 */
export function canonicalWalletKeyGlob(glob: string): string {
  if (!glob.startsWith(WALLET_KEY_PREFIX)) throw new WalletKeyGlobError(`must start with ${WALLET_KEY_PREFIX}`);
  const rest = glob.slice(WALLET_KEY_PREFIX.length);
  if (rest === '*') return glob;
  const byName = rest.startsWith('name/');
  const tail = byName ? rest.slice('name/'.length) : rest;
  if (byName && tail === '*') return glob;
  const slash = tail.indexOf('/');
  const form = byName ? "key:wallet/name/<wallet name>/<path>, e.g. key:wallet/name/hot/m/44'/60'/0'/0/*" : "key:wallet/<wallet id>/<path>, e.g. key:wallet/<id>/m/44'/60'/0'/0/*";
  if (slash <= 0) throw new WalletKeyGlobError(`must be ${form} (the path part is missing; * means every path)`);
  const wallet = tail.slice(0, slash);
  const path = canonicalPathGlob(tail.slice(slash + 1));
  if (byName) {
    if (!NAME_GLOB.test(wallet.replaceAll(SUBJECT, 'x'))) throw new WalletKeyGlobError(`the wallet name ${JSON.stringify(wallet.slice(0, 32))} may hold only A-Z a-z 0-9 . _ -, the globs * ? and \${subject}`);
    return `${WALLET_NAME_KEY_PREFIX}${wallet}/${path}`;
  }
  const id = wallet.toLowerCase();
  if (!ID_GLOB.test(id)) throw new WalletKeyGlobError(`the wallet id ${JSON.stringify(wallet.slice(0, 40))} must be a wallet id (a UUID) or a glob of one; name a wallet by name with key:wallet/name/<name>/<path>`);
  return `${WALLET_KEY_PREFIX}${id}/${path}`;
}

/**
 * Whether `glob` (subject already substituted) could match some resource name starting with
 * `key:wallet/name/`. Conservative (it may say yes for a glob that matches no actual name, never no
 * for one that does): the glob's literal prefix, up to its first wildcard, must agree with that prefix.
 */
export function couldMatchWalletName(glob: string): boolean {
  const wildcard = glob.search(/[*?]/);
  if (wildcard === -1) return glob.startsWith(WALLET_NAME_KEY_PREFIX);
  const literal = glob.slice(0, wildcard);
  return literal.length >= WALLET_NAME_KEY_PREFIX.length ? literal.startsWith(WALLET_NAME_KEY_PREFIX) : WALLET_NAME_KEY_PREFIX.startsWith(literal);
}
