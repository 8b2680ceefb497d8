/**
 * RFC 9421 verification over one HTTP message, independent of Strongbox policy: parse Signature-Input and
 * Signature (RFC 8941 dictionaries, with structured-headers), rebuild the signature base of a signature
 * from the message (§2.5), and check the signature with node:crypto (Ed25519, §3.3.6; ECDSA P-256 with
 * SHA-256 and r‖s encoding, §3.3.4). Content-Digest (RFC 9530) is checked against the raw body bytes.
 * The RFC 9421 appendix B and RFC 9530 examples test this module (test/vectors/rfc9421.test.ts).
 */
import { createHash, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { isInnerList, parseDictionary, serializeInnerList, type InnerList } from 'structured-headers';
import type { AppKeyAlgorithm } from '../../protocol/http-signature.js';

/** Why a message's signature could not be checked or did not verify. */
export class HttpSignatureError extends Error {
  constructor(
    readonly kind: 'malformed' | 'component_missing' | 'bad_signature' | 'content_digest_missing' | 'content_digest_mismatch',
    message: string,
    /** the header or component that failed */
    readonly field: string,
  ) {
    super(message);
    this.name = 'HttpSignatureError';
  }
}

/** What a signature base is built from. Header names are matched case-insensitively. */
export interface SignedMessage {
  method?: string;
  /** the full target URI, `https://host[:port]/path?query` (RFC 9110 §7.1) */
  targetUri?: string;
  status?: number;
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
}

export interface ParsedSignature {
  label: string;
  /** covered component names, lowercase, in order */
  components: string[];
  /** signature parameters (integers, strings; byte sequences and tokens as strings) */
  params: Map<string, string | number | boolean>;
  /** the serialized inner list: the value of `@signature-params` */
  signatureParams: string;
  signature: Uint8Array;
}

function header(message: SignedMessage, name: string): string | undefined {
  for (const [k, v] of Object.entries(message.headers)) {
    if (k.toLowerCase() !== name || v === undefined) continue;
    // RFC 9421 §2.1: values trimmed, several field lines joined by ", ".
    return (typeof v === 'string' ? [v] : v).map((x) => x.trim()).join(', ');
  }
  return undefined;
}

/** Every signature of the message by label, in Signature-Input order. Throws HttpSignatureError('malformed'). */
export function parseSignatures(signatureInput: string, signature: string): ParsedSignature[] {
  let inputs: ReturnType<typeof parseDictionary>;
  let signatures: ReturnType<typeof parseDictionary>;
  try {
    inputs = parseDictionary(signatureInput);
  } catch (err) {
    throw new HttpSignatureError('malformed', `Signature-Input is not a structured-field dictionary: ${(err as Error).message}`, 'signature-input');
  }
  try {
    signatures = parseDictionary(signature);
  } catch (err) {
    throw new HttpSignatureError('malformed', `Signature is not a structured-field dictionary: ${(err as Error).message}`, 'signature');
  }
  const out: ParsedSignature[] = [];
  for (const [label, member] of inputs) {
    if (!isInnerList(member)) throw new HttpSignatureError('malformed', `Signature-Input member ${label} is not an inner list`, 'signature-input');
    const components: string[] = [];
    for (const [name, itemParams] of member[0]) {
      if (typeof name !== 'string') throw new HttpSignatureError('malformed', `Signature-Input member ${label}: component identifiers must be strings`, 'signature-input');
      // Component parameters (;sf ;key ;bs ;req ;name) are not accepted: Strongbox's signers never use them.
      if (itemParams.size > 0) throw new HttpSignatureError('malformed', `Signature-Input member ${label}: component parameters are not supported ("${name}")`, 'signature-input');
      if (name !== name.toLowerCase()) throw new HttpSignatureError('malformed', `Signature-Input member ${label}: component names must be lowercase ("${name}")`, 'signature-input');
      if (components.includes(name)) throw new HttpSignatureError('malformed', `Signature-Input member ${label}: "${name}" is covered twice`, 'signature-input');
      components.push(name);
    }
    const params = new Map<string, string | number | boolean>();
    for (const [k, v] of member[1]) {
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') params.set(k, v);
      else params.set(k, String(v));
    }
    const sig = signatures.get(label);
    if (sig === undefined) throw new HttpSignatureError('malformed', `Signature has no member ${label}`, 'signature');
    if (isInnerList(sig) || !(sig[0] instanceof ArrayBuffer)) throw new HttpSignatureError('malformed', `Signature member ${label} is not a byte sequence`, 'signature');
    out.push({ label, components, params, signatureParams: serializeInnerList(member as InnerList), signature: new Uint8Array(sig[0]) });
  }
  if (out.length === 0) throw new HttpSignatureError('malformed', 'Signature-Input has no members', 'signature-input');
  return out;
}

/** The value of one covered component (RFC 9421 §2.1 fields, §2.2 derived components). */
export function componentValue(name: string, message: SignedMessage): string {
  const missing = (): never => {
    throw new HttpSignatureError('component_missing', `the message has no "${name}" to sign`, name);
  };
  if (!name.startsWith('@')) return header(message, name) ?? missing();
  if (name === '@status') return message.status === undefined ? missing() : String(message.status);
  if (name === '@method') return message.method === undefined ? missing() : message.method.toUpperCase();
  if (message.targetUri === undefined) return missing();
  if (name === '@target-uri') return message.targetUri;
  let url: URL;
  try {
    url = new URL(message.targetUri);
  } catch {
    throw new HttpSignatureError('malformed', 'the target URI is not a URI', name);
  }
  switch (name) {
    case '@authority':
      return url.host.toLowerCase();
    case '@scheme':
      return url.protocol.slice(0, -1).toLowerCase();
    case '@path':
      return url.pathname || '/';
    case '@query':
      return url.search || '?';
    case '@request-target':
      return `${url.pathname}${url.search}`;
    default:
      throw new HttpSignatureError('malformed', `unsupported derived component "${name}"`, name);
  }
}

/** The signature base of one parsed signature over `message` (RFC 9421 §2.5). */
export function signatureBaseOf(parsed: ParsedSignature, message: SignedMessage): string {
  const lines = parsed.components.map((name) => `"${name}": ${componentValue(name, message)}`);
  return [...lines, `"@signature-params": ${parsed.signatureParams}`].join('\n');
}

/** Checks a signature over `base` with an application key (Ed25519, or ECDSA P-256 SHA-256 in r‖s form). */
export function verifySignatureBytes(algorithm: AppKeyAlgorithm, publicKey: KeyObject, base: string, signature: Uint8Array): boolean {
  const data = Buffer.from(base, 'utf8');
  if (algorithm === 'ed25519') return signature.length === 64 && verify(null, data, publicKey, signature);
  return signature.length === 64 && verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
}

const DIGESTS = new Map<string, string>([
  ['sha-256', 'sha256'],
  ['sha-512', 'sha512'],
]);

/**
 * Checks an RFC 9530 Content-Digest field against the exact body bytes: every sha-256 / sha-512 member
 * must match, and at least one must be present (other algorithms are ignored, §5).
 */
export function assertContentDigest(field: string | undefined, body: Uint8Array): void {
  if (field === undefined) throw new HttpSignatureError('content_digest_missing', 'the request has a body but no Content-Digest', 'content-digest');
  let dict: ReturnType<typeof parseDictionary>;
  try {
    dict = parseDictionary(field);
  } catch {
    throw new HttpSignatureError('malformed', 'Content-Digest is not a structured-field dictionary', 'content-digest');
  }
  let checked = 0;
  for (const [alg, member] of dict) {
    const hash = DIGESTS.get(alg);
    if (hash === undefined) continue;
    if (isInnerList(member) || !(member[0] instanceof ArrayBuffer)) throw new HttpSignatureError('malformed', `Content-Digest ${alg} is not a byte sequence`, 'content-digest');
    const expected = createHash(hash).update(body).digest();
    const given = new Uint8Array(member[0]);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new HttpSignatureError('content_digest_mismatch', `the body does not match its Content-Digest (${alg})`, 'content-digest');
    checked++;
  }
  if (checked === 0) throw new HttpSignatureError('content_digest_missing', 'Content-Digest has no sha-256 or sha-512 member', 'content-digest');
}
