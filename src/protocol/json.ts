/**
 * JSON text as it arrives from a client: nesting bounded before it is parsed, strings well formed
 * after. RFC 8259 §9 lets a parser limit the depth of nesting; ours is MAX_JSON_DEPTH, checked by a
 * linear scan of the text, so nothing recursive downstream (schema validation, typed-data parsing,
 * the audit HMAC, JSON.stringify) ever meets a value deep enough to exhaust the stack. A string
 * holding a lone UTF-16 surrogate (only a `\udXXX` escape can make one, RFC 8259 §8.2) is refused
 * too: it has no UTF-8 form to store, hash or normalize (BIP39's NFKD throws on it).
 * Pure (no Node-only imports): the HTTP body parser, the JSON-RPC signer and the AWS endpoint share it.
 */
import { StrongboxError } from './errors.js';

/** The deepest nesting accepted: `{"a":[1]}` is 2 deep. EIP-712 typed data and secrets stay far below it. */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
/** Path levels reported when nesting is too deep: enough to name the member (`params.0`, `transaction`). */
const NAMED_LEVELS = 2;

function unescapeKey(raw: string): string {
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw;
  }
}

/**
 * Where the text first nests deeper than `maxDepth`: the path of the member it happens under (its
 * first two levels, e.g. `['params', '0']`), or undefined when it never does. It does not validate the
 * JSON (JSON.parse does that next); malformed text only makes the path approximate. O(length), no recursion.
 */
export function tooDeepAt(text: string, maxDepth: number = MAX_JSON_DEPTH): string[] | undefined {
  let depth = 0;
  // The path so far, kept for the levels a report names only: an array's current index, or an object's current key.
  const labels: (string | number)[] = [];
  const arrays: boolean[] = [];
  let keyStart = -1;
  let keyEnd = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let j = i + 1;
      for (;;) {
        j = text.indexOf('"', j);
        if (j < 0) return undefined; // unterminated: JSON.parse refuses it
        let backslashes = 0;
        while (text.charCodeAt(j - 1 - backslashes) === BACKSLASH) backslashes++;
        if (backslashes % 2 === 0) break;
        j++;
      }
      keyStart = i + 1;
      keyEnd = j;
      i = j;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (depth >= maxDepth) return labels.slice(0, Math.min(depth, NAMED_LEVELS)).map(String);
      if (depth < NAMED_LEVELS) {
        labels[depth] = c === OPEN_ARRAY ? 0 : '';
        arrays[depth] = c === OPEN_ARRAY;
      }
      depth++;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      if (depth > 0) depth--; // more closing than opening: JSON.parse refuses it
    } else if (depth <= NAMED_LEVELS && depth > 0) {
      // Only the levels a report names need their indexes and keys (and the slice a key costs).
      const top = depth - 1;
      if (c === COMMA && arrays[top]) labels[top] = (labels[top] as number) + 1;
      else if (c === COLON && !arrays[top] && keyStart >= 0) labels[top] = unescapeKey(text.slice(keyStart, keyEnd));
    }
  }
  return undefined;
}

/** Refuses text nested deeper than MAX_JSON_DEPTH: JSON_TOO_DEEP naming the member (`field` prefixes the path). */
export function assertJsonDepth(text: string, field?: string): void {
  const at = tooDeepAt(text);
  if (at === undefined) return;
  const path = [field, ...at].filter((p) => p !== undefined && p !== '').join('.') || 'body';
  throw new StrongboxError('JSON_TOO_DEEP', `${path} nests deeper than ${MAX_JSON_DEPTH} levels (the limit for JSON input)`, { field: path });
}

// With the `u` flag a well-formed surrogate pair is one code point; only a lone surrogate matches \p{Cs}.
const LONE_SURROGATE = /\p{Cs}/u;
// A lone surrogate can only come from a \uD800-\uDFFF escape (raw bytes that are not UTF-8 decode to U+FFFD).
const SURROGATE_ESCAPE = /\\u[dD][89abcdefABCDEF]/;

/**
 * The path (dotted, like validation errors) of the first string or member name of a parsed value that
 * holds a lone UTF-16 surrogate, or undefined. `text` is the JSON it was parsed from: without a
 * surrogate escape in it there is nothing to look for. Iterative (the depth is bounded anyway).
 */
export function loneSurrogateAt(value: unknown, text: string): string | undefined {
  if (!SURROGATE_ESCAPE.test(text)) return undefined;
  const pending: [unknown, string][] = [[value, '']];
  const join = (path: string, member: string) => (path === '' ? member : `${path}.${member}`);
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [v, path] = next;
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v)) return path;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) pending.push([v[i], join(path, String(i))]);
    } else if (typeof v === 'object' && v !== null) {
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, x] = entries[i]!;
        if (LONE_SURROGATE.test(k)) return join(path, k.replace(LONE_SURROGATE, '\ufffd'));
        pending.push([x, join(path, k)]);
      }
    }
  }
  return undefined;
}

/** Refuses a parsed value holding a lone surrogate: INVALID_ARGUMENT naming it (`field` prefixes the path). */
export function assertWellFormedStrings(value: unknown, text: string, field?: string): void {
  const at = loneSurrogateAt(value, text);
  if (at === undefined) return;
  const path = [field, at].filter((p) => p !== undefined && p !== '').join('.') || 'body';
  throw new StrongboxError('INVALID_ARGUMENT', `${path} holds a lone UTF-16 surrogate (a \\ud800-\\udfff escape outside a pair): strings must be well-formed Unicode`, { field: path });
}

/**
 * JSON text from a client → its value: depth bounded, strings well formed, INVALID_JSON when it does
 * not parse. `field` names where the text came from (e.g. a JSON-RPC parameter holding JSON).
 */
export function parseClientJson(text: string, field?: string): unknown {
  assertJsonDepth(text, field);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new StrongboxError('INVALID_JSON', `${field ?? 'the body'} is not valid JSON`, field === undefined ? {} : { field });
  }
  assertWellFormedStrings(value, text, field);
  return value;
}
