/**
 * SigV4 verification: AWS's published example values (General Reference, "Signature Version 4
 * test suite", get-vanilla; and the signing-key derivation example), then round trips against
 * @smithy/signature-v4 (the AWS SDK's signer) as an independent implementation.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { computeSignature, signingKey, verifySigV4, SigV4Error, type SignedRequest } from './sigv4.js';

/** The Checksum constructor the SDK signer takes (SHA-256, or HMAC-SHA256 when given a secret), on node:crypto. */
const toBytes = (d: string | ArrayBuffer | ArrayBufferView): string | Uint8Array =>
  typeof d === 'string' ? d : ArrayBuffer.isView(d) ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength) : new Uint8Array(d);

class Sha256 {
  readonly #h: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#h = secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.#h.update(toBytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#h.digest());
  }
  reset(): void {}
}

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';

describe('SigV4 published examples', () => {
  it('signing key derivation (secret example, 20120215/us-east-1/iam)', () => {
    assert.equal(signingKey(SECRET, '20120215', 'us-east-1', 'iam').toString('hex'), 'f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d');
  });
  it('get-vanilla: GET / host + x-amz-date, 20150830/us-east-1/service', () => {
    const req: SignedRequest = { method: 'GET', url: '/', rawHeaders: ['Host', 'example.amazonaws.com', 'X-Amz-Date', '20150830T123600Z'], body: new Uint8Array() };
    const sig = computeSignature(req, { date: '20150830', region: 'us-east-1', service: 'service', signedHeaders: ['host', 'x-amz-date'] }, '20150830T123600Z', SECRET);
    assert.equal(sig, '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31');
  });
});

describe('SigV4 against the AWS SDK signer', () => {
  const now = Date.UTC(2026, 0, 2, 3, 4, 5);
  const body = JSON.stringify({ KeyId: 'alias/x', Message: 'aGVsbG8=' });
  async function signed(opts: { secret?: string; region?: string; service?: string; at?: number; path?: string } = {}): Promise<SignedRequest> {
    const signer = new SignatureV4({
      credentials: { accessKeyId: 'SBXAAAAAAAAAAAAAAAAA', secretAccessKey: opts.secret ?? SECRET },
      region: opts.region ?? 'eu-west-3',
      service: opts.service ?? 'kms',
      sha256: Sha256,
    });
    const path = opts.path ?? '/';
    const req = await signer.sign(
      { method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: 8200, path, query: { b: '2 3', a: '1' }, headers: { host: '127.0.0.1:8200', 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.Sign' }, body },
      { signingDate: new Date(opts.at ?? now) },
    );
    const rawHeaders = Object.entries(req.headers).flat();
    return { method: 'POST', url: `${path}?a=1&b=2%203`, rawHeaders, body: new TextEncoder().encode(body) };
  }
  const verify = (req: SignedRequest, nowMs = now) =>
    verifySigV4(req, { service: 'kms', nowMs, secretOf: async (id) => (id === 'SBXAAAAAAAAAAAAAAAAA' ? { secret: new TextEncoder().encode(SECRET), value: id } : undefined) });
  const failure = async (p: Promise<unknown>): Promise<string> => {
    try {
      await p;
    } catch (err) {
      assert.ok(err instanceof SigV4Error, String(err));
      return err.failure;
    }
    return 'none';
  };

  it('accepts an SDK-signed request (any region)', async () => {
    const r = await verify(await signed());
    assert.equal(r.value, 'SBXAAAAAAAAAAAAAAAAA');
    assert.equal(r.auth.region, 'eu-west-3');
    assert.equal((await verify(await signed({ region: 'us-east-1', path: '/a b/c' }))).auth.region, 'us-east-1');
  });
  it('rejects a wrong secret, a changed body, a changed header', async () => {
    assert.equal(await failure(verify(await signed({ secret: 'x'.repeat(40) }))), 'mismatch');
    const req = await signed();
    assert.equal(await failure(verify({ ...req, body: new TextEncoder().encode(body.replace('alias/x', 'alias/y')) })), 'mismatch');
    const headers = [...req.rawHeaders];
    headers[headers.findIndex((h) => h.toLowerCase() === 'x-amz-target') + 1] = 'TrentService.Decrypt';
    assert.equal(await failure(verify({ ...req, rawHeaders: headers })), 'mismatch');
  });
  it('rejects clock skew beyond 5 minutes either way, accepts within', async () => {
    assert.equal(await failure(verify(await signed(), now + 5 * 60_000 + 1000)), 'expired');
    assert.equal(await failure(verify(await signed(), now - 5 * 60_000 - 1000)), 'expired');
    await verify(await signed(), now + 4 * 60_000);
  });
  it('rejects an unknown key id, another service, a missing header', async () => {
    const req = await signed();
    const other = { ...req, rawHeaders: req.rawHeaders.map((h) => h.replace('SBXAAAAAAAAAAAAAAAAA', 'SBXBBBBBBBBBBBBBBBBB')) };
    assert.equal(await failure(verify(other)), 'unknown-key');
    assert.equal(await failure(verify(await signed({ service: 's3' }))), 'malformed');
    assert.equal(await failure(verify({ ...req, rawHeaders: [] })), 'missing');
  });
  it('payload hash is over the raw body', () => {
    assert.equal(createHash('sha256').update('').digest('hex'), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
