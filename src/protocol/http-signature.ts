/**
 * HTTP Message Signatures (RFC 9421) and Content-Digest (RFC 9530): the parts a signer and a verifier
 * share — which components Strongbox requires, how the signature parameters are serialized
 * (RFC 9421 §2.3, as an RFC 8941 inner list) and how the signature base is laid out (§2.5).
 * Pure: used by the SDK (which signs with WebCrypto) and by the server (which parses with
 * structured-headers and verifies with node:crypto).
 */

/** The signature label the SDK uses (any label is accepted by the server). */
export const SIGNATURE_LABEL = 'sig1';

/** RFC 9421 §3.3 algorithm names of the application keys Strongbox accepts. */
export const APP_KEY_ALGORITHMS = ['ed25519', 'ecdsa-p256-sha256'] as const;
export type AppKeyAlgorithm = (typeof APP_KEY_ALGORITHMS)[number];

/** Components every signed request must cover; `content-digest` too when the request has a body. */
export const REQUIRED_COMPONENTS = ['@method', '@target-uri'] as const;

/** Default maximum age of a signature (`created` to now) when a policy sets none, and the most a policy may set. */
export const DEFAULT_SIGNATURE_MAX_AGE_SECONDS = 300;
export const MAX_SIGNATURE_MAX_AGE_SECONDS = 3600;
/** How far in the future `created` may lie (clock skew between application and server). */
export const SIGNATURE_CLOCK_SKEW_SECONDS = 30;
/** Nonce length bounds: enough entropy to be unique, short enough to bound the replay cache. */
export const NONCE_MIN_LENGTH = 16;
export const NONCE_MAX_LENGTH = 128;

export interface SignatureParameters {
  /** seconds since the epoch */
  created: number;
  expires?: number;
  keyid: string;
  nonce: string;
  alg?: string;
}

/** RFC 8941 §4.1.6 sf-string: printable ASCII, with `\` and `"` escaped. */
export function serializeSfString(value: string): string {
  if (!/^[\x20-\x7e]*$/.test(value)) throw new TypeError('a structured-field string must be printable ASCII');
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/**
 * The value of a Signature-Input member and of `@signature-params` (RFC 9421 §2.3): the covered
 * component identifiers (lowercase, without parameters) as an inner list, then the parameters.
 */
export function serializeSignatureParams(components: readonly string[], params: SignatureParameters): string {
  const list = `(${components.map(serializeSfString).join(' ')})`;
  let out = `${list};created=${Math.trunc(params.created)}`;
  if (params.expires !== undefined) out += `;expires=${Math.trunc(params.expires)}`;
  out += `;keyid=${serializeSfString(params.keyid)};nonce=${serializeSfString(params.nonce)}`;
  if (params.alg !== undefined) out += `;alg=${serializeSfString(params.alg)}`;
  return out;
}

/**
 * The signature base (RFC 9421 §2.5): one line `"<component id>": <value>` per covered component, in
 * order, then `"@signature-params": <serialized parameters>`, joined by LF with no trailing LF.
 * `components` holds the serialized component identifiers (e.g. `"@method"`).
 */
export function signatureBase(components: readonly (readonly [id: string, value: string])[], signatureParams: string): string {
  return [...components.map(([id, value]) => `${id}: ${value}`), `"@signature-params": ${signatureParams}`].join('\n');
}

/** Standard base64 of bytes, without Node's Buffer (the SDK runs in browsers too). */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** RFC 9530 Content-Digest field value for one SHA-256 digest: `sha-256=:<base64>:`. */
export function contentDigestValue(sha256: Uint8Array): string {
  return `sha-256=:${toBase64(sha256)}:`;
}

/** RFC 8941 byte sequence as a Signature dictionary member: `<label>=:<base64>:`. */
export function signatureField(label: string, signature: Uint8Array): string {
  return `${label}=:${toBase64(signature)}:`;
}
