/**
 * Signs Strongbox requests with an application key (RFC 9421 HTTP Message Signatures, RFC 9530
 * Content-Digest), for principals whose policy sets `requireSignedRequests`. WebCrypto only (the
 * platform's `crypto.subtle`: Node 20+, browsers), so the SDK stays free of Node-only imports.
 * Covers `@method`, `@target-uri` and, with a body, `content-digest`; parameters `created`, `keyid`,
 * a fresh random `nonce` and `alg`.
 */
import { contentDigestValue, serializeSignatureParams, signatureBase, signatureField, SIGNATURE_LABEL, type AppKeyAlgorithm } from '../protocol/http-signature.js';

type Subtle = typeof globalThis.crypto.subtle;
/** A WebCrypto key (Ed25519, or ECDSA on P-256) with the `sign` usage. */
export type WebCryptoKey = Awaited<ReturnType<Subtle['importKey']>>;

export interface RequestSigningKey {
  /** the key id registered with POST /v1/auth/app-keys */
  keyId: string;
  /** PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"), a private JWK (OKP Ed25519 or EC P-256), or a WebCrypto key */
  privateKey: string | Record<string, unknown> | WebCryptoKey;
  /** seconds after `created` the signature expires (`expires` parameter); default: none (the server's policy bounds the age) */
  expiresInSeconds?: number;
}

interface ImportedKey {
  key: WebCryptoKey;
  algorithm: AppKeyAlgorithm;
}

const ED25519 = { name: 'Ed25519' } as const;
const P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;

function pemBody(pem: string): Uint8Array {
  const m = /-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\s]+)-----END PRIVATE KEY-----/.exec(pem);
  if (m === null) throw new TypeError('signingKey.privateKey: a PEM private key must be PKCS#8 ("-----BEGIN PRIVATE KEY-----"); convert SEC1 keys with `openssl pkcs8 -topk8 -nocrypt`');
  const binary = atob(m[1]!.replace(/\s+/g, ''));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

async function importSigningKey(privateKey: RequestSigningKey['privateKey']): Promise<ImportedKey> {
  const subtle = globalThis.crypto.subtle;
  if (typeof privateKey === 'string') {
    const der = pemBody(privateKey);
    try {
      return { key: await subtle.importKey('pkcs8', der, ED25519, false, ['sign']), algorithm: 'ed25519' };
    } catch {
      try {
        return { key: await subtle.importKey('pkcs8', der, P256, false, ['sign']), algorithm: 'ecdsa-p256-sha256' };
      } catch {
        throw new TypeError('signingKey.privateKey must be an Ed25519 or ECDSA P-256 private key');
      }
    }
  }
  if ('algorithm' in privateKey && 'type' in privateKey && typeof (privateKey as { type: unknown }).type === 'string' && !('kty' in privateKey)) {
    const key = privateKey as WebCryptoKey;
    const alg = key.algorithm as { name: string; namedCurve?: string };
    if (alg.name === 'Ed25519') return { key, algorithm: 'ed25519' };
    if (alg.name === 'ECDSA' && alg.namedCurve === 'P-256') return { key, algorithm: 'ecdsa-p256-sha256' };
    throw new TypeError('signingKey.privateKey must be an Ed25519 or ECDSA P-256 key');
  }
  const jwk = privateKey as { kty?: unknown; crv?: unknown };
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return { key: await subtle.importKey('jwk', privateKey as never, ED25519, false, ['sign']), algorithm: 'ed25519' };
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return { key: await subtle.importKey('jwk', privateKey as never, P256, false, ['sign']), algorithm: 'ecdsa-p256-sha256' };
  throw new TypeError('signingKey.privateKey: a JWK must be OKP Ed25519 or EC P-256');
}

function randomNonce(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(32));
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

export interface RequestSigner {
  /** Headers to add to a request of `method` to `url` whose body is exactly `body` (or none). */
  sign(method: string, url: string, body: Uint8Array | undefined): Promise<Record<string, string>>;
}

export function createRequestSigner(signingKey: RequestSigningKey): RequestSigner {
  let imported: Promise<ImportedKey> | undefined;
  return {
    async sign(method, url, body) {
      const { key, algorithm } = await (imported ??= importSigningKey(signingKey.privateKey));
      const subtle = globalThis.crypto.subtle;
      const headers: Record<string, string> = {};
      // The target URI as fetch sends it: WHATWG-normalized, default port dropped.
      const lines: [string, string][] = [
        ['"@method"', method.toUpperCase()],
        ['"@target-uri"', new URL(url).href],
      ];
      if (body !== undefined) {
        headers['content-digest'] = contentDigestValue(new Uint8Array(await subtle.digest('SHA-256', body)));
        lines.push(['"content-digest"', headers['content-digest']]);
      }
      const created = Math.floor(Date.now() / 1000);
      const params = serializeSignatureParams(
        lines.map(([id]) => id.slice(1, -1)),
        { created, ...(signingKey.expiresInSeconds === undefined ? {} : { expires: created + signingKey.expiresInSeconds }), keyid: signingKey.keyId, nonce: randomNonce(), alg: algorithm },
      );
      const base = new TextEncoder().encode(signatureBase(lines, params));
      const signature = new Uint8Array(algorithm === 'ed25519' ? await subtle.sign(ED25519, key, base) : await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, base));
      headers['signature-input'] = `${SIGNATURE_LABEL}=${params}`;
      headers['signature'] = signatureField(SIGNATURE_LABEL, signature);
      return headers;
    },
  };
}
