/**
 * RFC 9421 (HTTP Message Signatures) and RFC 9530 (Content-Digest) examples, copied into
 * test/vectors/rfc9421/vectors.json (IETF Trust licence, see README.md there), against the server's
 * verifier (src/service/access/http-signature.ts); and the SDK's signer (src/sdk/request-signer.ts)
 * against an independent implementation, the http-message-signatures library — in both directions,
 * so neither the signer nor the verifier grades itself. Each assertion names the RFC section.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign as nodeSign, randomBytes, type KeyObject } from 'node:crypto';
import { createSigner, createVerifier, httpbis } from 'http-message-signatures';
import { assertContentDigest, HttpSignatureError, parseSignatures, signatureBaseOf, verifySignatureBytes, type SignedMessage } from '../../src/service/access/http-signature.js';
import { createRequestSigner } from '../../src/sdk/request-signer.js';
import type { AppKeyAlgorithm } from '../../src/protocol/http-signature.js';
import { fixture } from '../helpers/paths.js';

interface VectorKey {
  section: string;
  algorithm: AppKeyAlgorithm;
  publicKeyPem: string;
  privateKeyPem: string;
}
interface SignatureVector {
  section: string;
  comment: string;
  key: string;
  deterministic: boolean;
  message: SignedMessage & { headers: Record<string, string>; body: string };
  signatureInput: string;
  signature: string;
  signatureBase: string;
}
interface Vectors {
  keys: Record<string, VectorKey>;
  signatures: SignatureVector[];
  contentDigests: { section: string; body: string; field: string }[];
}

const vectors = JSON.parse(readFileSync(fixture('vectors', 'rfc9421', 'vectors.json'), 'utf8')) as Vectors;
const keyOf = (name: string): VectorKey => {
  assert.ok(Object.hasOwn(vectors.keys, name), `vector key ${name}`);
  return vectors.keys[name]!;
};

describe('RFC 9421 appendix B signatures, verified by the server verifier', () => {
  for (const v of vectors.signatures) {
    const label = `${v.section} (${v.comment})`;
    const key = keyOf(v.key);
    const publicKey = createPublicKey(key.publicKeyPem);

    it(`${label}: the signature base is the RFC's, byte for byte`, () => {
      const [parsed] = parseSignatures(v.signatureInput, v.signature);
      assert.ok(parsed, label);
      assert.equal(signatureBaseOf(parsed, v.message), v.signatureBase, label);
    });

    it(`${label}: the RFC's signature verifies`, () => {
      const [parsed] = parseSignatures(v.signatureInput, v.signature);
      assert.equal(verifySignatureBytes(key.algorithm, publicKey, signatureBaseOf(parsed!, v.message), parsed!.signature), true, label);
    });

    it(`${label}: a message changed in a covered component no longer verifies`, () => {
      const [parsed] = parseSignatures(v.signatureInput, v.signature);
      const changed: SignedMessage = { ...v.message, headers: { ...v.message.headers, 'content-type': 'text/plain' } };
      assert.equal(verifySignatureBytes(key.algorithm, publicKey, signatureBaseOf(parsed!, changed), parsed!.signature), false, label);
      const flipped = Uint8Array.from(parsed!.signature);
      flipped[5]! ^= 1;
      assert.equal(verifySignatureBytes(key.algorithm, publicKey, signatureBaseOf(parsed!, v.message), flipped), false, `${label}: one bit of the signature flipped`);
    });

    if (v.deterministic) {
      it(`${label}: node:crypto signing the RFC's base with the RFC's private key gives the RFC's signature`, () => {
        const signature = nodeSign(null, Buffer.from(v.signatureBase), createPrivateKey(key.privateKeyPem));
        assert.equal(`${v.signature.slice(0, v.signature.indexOf('=') + 1)}:${signature.toString('base64')}:`, v.signature, label);
      });
    }
  }

  it('RFC 9421 B.2.6: a component the message lacks is named', () => {
    const v = vectors.signatures.find((s) => s.section === 'RFC 9421 B.2.6')!;
    const [parsed] = parseSignatures(v.signatureInput, v.signature);
    const { date: _date, ...headers } = v.message.headers;
    assert.throws(() => signatureBaseOf(parsed!, { ...v.message, headers }), (err: unknown) => err instanceof HttpSignatureError && err.kind === 'component_missing' && err.field === 'date');
  });
});

describe('RFC 9530 Content-Digest', () => {
  for (const d of vectors.contentDigests) {
    it(`${d.section}: ${d.field.slice(0, 7)} of the example body matches`, () => {
      assertContentDigest(d.field, new TextEncoder().encode(d.body));
    });
    it(`${d.section}: one byte more in the body is a mismatch`, () => {
      assert.throws(() => assertContentDigest(d.field, new TextEncoder().encode(d.body + ' ')), (err: unknown) => err instanceof HttpSignatureError && err.kind === 'content_digest_mismatch', d.section);
    });
  }
  it('a Content-Digest with only unsupported algorithms is refused, not ignored', () => {
    assert.throws(() => assertContentDigest('md5=:AAAA:', new Uint8Array()), (err: unknown) => err instanceof HttpSignatureError && err.kind === 'content_digest_missing');
  });
});

/** The SDK signer in both roles against the library, for both key types. */
describe('SDK signer and server verifier against http-message-signatures 1.0.6', () => {
  const cases: { algorithm: AppKeyAlgorithm; pair: () => { privateKey: KeyObject; publicKey: KeyObject } }[] = [
    { algorithm: 'ed25519', pair: () => generateKeyPairSync('ed25519') },
    { algorithm: 'ecdsa-p256-sha256', pair: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }) },
  ];
  for (const { algorithm, pair } of cases) {
    it(`${algorithm}: a request the SDK signed verifies with the library`, async () => {
      const { privateKey, publicKey } = pair();
      const url = 'http://127.0.0.1:8230/v1/keys/k1/sign?x=1';
      const body = new TextEncoder().encode('{"digest":"0x00"}');
      const headers = await createRequestSigner({ keyId: 'app-1', privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string }).sign('POST', url, body);
      assert.match(headers['signature-input']!, /^sig1=\("@method" "@target-uri" "content-digest"\);created=\d+;keyid="app-1";nonce="[A-Za-z0-9_-]{43}";alg="/);
      // The Content-Digest is checked independently too: the library does not check digests.
      assertContentDigest(headers['content-digest'], body);
      const seen: string[] = [];
      const verified = await httpbis.verifyMessage(
        {
          keyLookup: async (params) => {
            seen.push(String(params['keyid']));
            return { id: 'app-1', algs: [algorithm], verify: createVerifier(publicKey.export({ format: 'pem', type: 'spki' }) as string, algorithm) };
          },
          requiredFields: ['@method', '@target-uri', 'content-digest'],
          requiredParams: ['created', 'keyid', 'nonce'],
        },
        { method: 'POST', url, headers: { 'content-type': 'application/json', ...headers } },
      );
      assert.equal(verified, true, algorithm);
      assert.deepEqual(seen, ['app-1']);
      // and it refuses the same signature on another path
      const other = await httpbis
        .verifyMessage({ keyLookup: async () => ({ id: 'app-1', algs: [algorithm], verify: createVerifier(publicKey.export({ format: 'pem', type: 'spki' }) as string, algorithm) }) }, { method: 'POST', url: url.replace('k1', 'k2'), headers })
        .catch(() => false);
      assert.equal(other, false, `${algorithm}: another path`);
    });

    it(`${algorithm}: a request the library signed verifies with the server verifier`, async () => {
      const { privateKey, publicKey } = pair();
      const url = 'https://strongbox.example:8443/v1/secrets/app/db';
      const nonce = randomBytes(24).toString('base64url');
      const signed = await httpbis.signMessage(
        {
          key: createSigner(privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, algorithm, 'lib-key'),
          fields: ['@method', '@target-uri'],
          params: ['created', 'keyid', 'nonce', 'alg'],
          paramValues: { nonce },
        },
        { method: 'GET', url, headers: {} },
      );
      const h = signed.headers as Record<string, string>;
      const [parsed] = parseSignatures(h['Signature-Input']!, h['Signature']!);
      assert.equal(parsed!.params.get('keyid'), 'lib-key');
      assert.equal(parsed!.params.get('nonce'), nonce);
      const message: SignedMessage = { method: 'GET', targetUri: url, headers: h };
      assert.equal(verifySignatureBytes(algorithm, publicKey, signatureBaseOf(parsed!, message), parsed!.signature), true, algorithm);
      assert.equal(verifySignatureBytes(algorithm, publicKey, signatureBaseOf(parsed!, { ...message, method: 'DELETE' }), parsed!.signature), false, `${algorithm}: method changed`);
    });
  }

  it('the SDK signs with the RFC test keys too (PKCS#8 of test-key-ecc-p256, test-key-ed25519), verified by node:crypto through the library', async () => {
    for (const name of ['test-key-ed25519', 'test-key-ecc-p256']) {
      const key = keyOf(name);
      const pkcs8 = createPrivateKey(key.privateKeyPem).export({ format: 'pem', type: 'pkcs8' }) as string;
      const url = 'https://example.com/foo?param=Value&Pet=dog';
      const headers = await createRequestSigner({ keyId: name, privateKey: pkcs8 }).sign('GET', url, undefined);
      const ok = await httpbis.verifyMessage({ keyLookup: async () => ({ id: name, algs: [key.algorithm], verify: createVerifier(key.publicKeyPem, key.algorithm) }) }, { method: 'GET', url, headers });
      assert.equal(ok, true, name);
    }
  });
});
