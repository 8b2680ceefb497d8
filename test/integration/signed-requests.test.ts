/**
 * Signed requests (RFC 9421 + RFC 9530) end to end over real HTTP on one node with a SQLite file: a
 * token whose policy sets `requireSignedRequests` passes only with a fresh signature by its own
 * application key. Requests are signed by the SDK (StrongboxClient with signingKey) or by the
 * independent http-message-signatures library, then sent as raw bytes so the test can replay, age
 * and tamper with them. Every refusal is a 401 problem+json naming what failed, and its audit record
 * keeps the reason. A token without the requirement is unaffected; the replay cache survives restart.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { createSigner, httpbis } from 'http-message-signatures';
import { auditRecordOf, startTestBox, type TestBox } from '../helpers/app.js';
import { rawRequest } from '../helpers/signed-requests.js';
import { jsonOf, runCli } from '../helpers/cli.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StrongboxApiError, StrongboxClient } from '../../src/sdk/client.js';
import { createRequestSigner } from '../../src/sdk/request-signer.js';

const pem = (k: KeyObject, type: 'pkcs8' | 'spki'): string => k.export({ format: 'pem', type }) as string;

describe('signed requests (RFC 9421) on one node', () => {
  let t: TestBox;
  let addr: string;
  let signedToken: string;
  let signedAccessor: string;
  let p256Token: string;
  let plainToken: string;
  const ed = generateKeyPairSync('ed25519');
  const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const stranger = generateKeyPairSync('ed25519');

  const listen = async (): Promise<string> => {
    await t.box.http.listen({ host: '127.0.0.1', port: 0 });
    const a = t.box.http.server.address();
    assert.ok(a !== null && typeof a === 'object');
    return `http://127.0.0.1:${a.port}`;
  };

  /** A request signed by the SDK's signer, as bytes that can be sent (and resent) unchanged. */
  const signed = async (method: string, path: string, body?: unknown, keyId = 'app-ed', privateKey: KeyObject = ed.privateKey) => {
    const bytes = body === undefined ? undefined : new TextEncoder().encode(JSON.stringify(body));
    const headers = await createRequestSigner({ keyId, privateKey: pem(privateKey, 'pkcs8') }).sign(method, addr + path, bytes);
    return { method, path, body: bytes, headers: { ...headers, authorization: `Bearer ${signedToken}`, ...(bytes === undefined ? {} : { 'content-type': 'application/json' }) } };
  };

  const refusedWith = async (res: { status: number; body: any; requestId: string }, code: string, reason: string) => {
    assert.equal(res.status, 401, JSON.stringify(res.body));
    assert.equal(res.body.code, code, JSON.stringify(res.body));
    assert.equal(res.body.reason, reason, JSON.stringify(res.body));
    assert.equal(typeof res.body.field, 'string');
    const record = await auditRecordOf(t, res.requestId);
    assert.equal(record['outcome'], 'denied');
    assert.equal(record['code'], code);
    assert.match(String(record['reason']), new RegExp(`^signed_request: ${reason}`));
  };

  before(async () => {
    t = await startTestBox();
    addr = await listen();
    const statements = [{ effect: 'allow', actions: ['keys:*', 'policies:*', 'sys:*'], resources: ['*'] }];
    assert.equal((await t.call('PUT', '/v1/policies/signed-app', { statements, requireSignedRequests: true, signedRequestMaxAge: 120 })).status, 200);
    assert.equal((await t.call('PUT', '/v1/policies/plain-app', { statements })).status, 200);
    const mint = async (policies: string[]) => (await t.call('POST', '/v1/tokens', { policies })).body as { token: string; accessor: string };
    const a = await mint(['signed-app']);
    signedToken = a.token;
    signedAccessor = a.accessor;
    const b = await mint(['signed-app']);
    p256Token = b.token;
    plainToken = (await mint(['plain-app'])).token;
    const reg = await t.call('POST', '/v1/auth/app-keys', { keyId: 'app-ed', accessor: signedAccessor, publicKey: pem(ed.publicKey, 'spki') });
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
    assert.equal(reg.body.algorithm, 'ed25519');
    const jwk = p256.publicKey.export({ format: 'jwk' });
    const reg2 = await t.call('POST', '/v1/auth/app-keys', { keyId: 'app-p256', accessor: b.accessor, publicKey: jwk });
    assert.equal(reg2.status, 201, JSON.stringify(reg2.body));
    assert.equal(reg2.body.algorithm, 'ecdsa-p256-sha256');
  });
  after(async () => {
    await t?.cleanup();
  });

  it('the SDK signs with Ed25519 and with P-256 (JWK) and its requests pass, bodies included', async () => {
    const sdk = new StrongboxClient({ addr, token: signedToken, signingKey: { keyId: 'app-ed', privateKey: pem(ed.privateKey, 'pkcs8') } });
    const key = await sdk.createKey({ type: 'secp256k1', name: 'signed-1' });
    assert.equal((await sdk.getKey(key.id)).id, key.id);
    const sig = await sdk.sign(key.id, { digest: '0x' + '11'.repeat(32) });
    assert.match(sig.signature, /^0x/);
    const sdk2 = new StrongboxClient({ addr, token: p256Token, signingKey: { keyId: 'app-p256', privateKey: p256.privateKey.export({ format: 'jwk' }) as Record<string, unknown> } });
    assert.equal((await sdk2.listKeys({ limit: 1 })).keys.length, 1);
    assert.equal((await sdk2.createKey({ type: 'ed25519' })).type, 'ed25519');
  });

  it('a request signed by the independent library passes', async () => {
    const path = '/v1/keys?limit=2';
    const out = await httpbis.signMessage(
      { key: createSigner(pem(ed.privateKey, 'pkcs8'), 'ed25519', 'app-ed'), fields: ['@method', '@target-uri'], params: ['created', 'keyid', 'nonce'], paramValues: { nonce: randomBytes(24).toString('base64url') } },
      { method: 'GET', url: addr + path, headers: { authorization: `Bearer ${signedToken}` } },
    );
    const res = await rawRequest(addr, { method: 'GET', path, headers: out.headers as Record<string, string> });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  });

  it('an unsigned request of that principal is refused (SIGNATURE_REQUIRED), the SDK without a key too', async () => {
    await refusedWith(await rawRequest(addr, { method: 'GET', path: '/v1/keys', headers: { authorization: `Bearer ${signedToken}` } }), 'SIGNATURE_REQUIRED', 'signature_missing');
    const sdk = new StrongboxClient({ addr, token: signedToken });
    await assert.rejects(sdk.listKeys(), (err: unknown) => err instanceof StrongboxApiError && err.status === 401 && err.code === 'SIGNATURE_REQUIRED' && err.field === 'signature-input');
  });

  it('a replayed request is refused (SIGNATURE_REPLAYED), and a new signature over the same request passes', async () => {
    const r = await signed('POST', '/v1/keys', { type: 'ed25519' });
    assert.equal((await rawRequest(addr, r)).status, 201);
    await refusedWith(await rawRequest(addr, r), 'SIGNATURE_REPLAYED', 'replay');
    assert.equal((await rawRequest(addr, await signed('POST', '/v1/keys', { type: 'ed25519' }))).status, 201);
  });

  it('expired signatures are refused: older than the policy max age, past expires, created in the future', async () => {
    const sign = async (params: Record<string, Date>) => {
      const out = await httpbis.signMessage(
        {
          key: createSigner(pem(ed.privateKey, 'pkcs8'), 'ed25519', 'app-ed'),
          fields: ['@method', '@target-uri'],
          params: ['created', 'keyid', 'nonce', ...('expires' in params ? ['expires'] : [])],
          paramValues: { nonce: randomBytes(24).toString('base64url'), ...params },
        },
        { method: 'GET', url: `${addr}/v1/keys`, headers: { authorization: `Bearer ${signedToken}` } },
      );
      return rawRequest(addr, { method: 'GET', path: '/v1/keys', headers: out.headers as Record<string, string> });
    };
    const now = Date.now();
    await refusedWith(await sign({ created: new Date(now - 200_000) }), 'SIGNATURE_EXPIRED', 'expired'); // policy: 120 s
    await refusedWith(await sign({ created: new Date(now - 10_000), expires: new Date(now - 5_000) }), 'SIGNATURE_EXPIRED', 'expired');
    await refusedWith(await sign({ created: new Date(now + 600_000) }), 'SIGNATURE_EXPIRED', 'expired');
    assert.equal((await sign({ created: new Date(now - 60_000) })).status, 200, 'within the max age');
  });

  it('a tampered body is refused (CONTENT_DIGEST_MISMATCH), before it is parsed', async () => {
    const r = await signed('POST', '/v1/keys', { type: 'ed25519', name: 'meant' });
    const other = new TextEncoder().encode(JSON.stringify({ type: 'ed25519', name: 'evil' }));
    await refusedWith(await rawRequest(addr, { ...r, body: other }), 'CONTENT_DIGEST_MISMATCH', 'content_digest_mismatch');
    // the nonce was spent on the refused request: sending it again is a replay
    await refusedWith(await rawRequest(addr, r), 'SIGNATURE_REPLAYED', 'replay');
    // not even valid JSON: the digest is checked first
    const fresh = await signed('POST', '/v1/keys', { type: 'ed25519', name: 'meant' });
    await refusedWith(await rawRequest(addr, { ...fresh, body: new TextEncoder().encode('{"type":') }), 'CONTENT_DIGEST_MISMATCH', 'content_digest_mismatch');
    // a Content-Digest recomputed for the new body breaks the signature instead
    const digest = `sha-256=:${createHash('sha256').update(other).digest('base64')}:`;
    const again = await signed('POST', '/v1/keys', { type: 'ed25519', name: 'meant' });
    await refusedWith(await rawRequest(addr, { ...again, body: other, headers: { ...again.headers, 'content-digest': digest } }), 'SIGNATURE_INVALID', 'bad_signature');
    assert.equal((await t.call('GET', '/v1/keys/evil')).status, 404, 'nothing was created');
  });

  it('a tampered path or method is refused (SIGNATURE_INVALID)', async () => {
    assert.equal((await t.call('PUT', '/v1/policies/victim', { statements: [{ effect: 'allow', actions: ['keys:read'], resources: ['*'] }] })).status, 200);
    const read = await signed('GET', '/v1/policies/victim');
    await refusedWith(await rawRequest(addr, { ...read, method: 'DELETE' }), 'SIGNATURE_INVALID', 'bad_signature');
    await refusedWith(await rawRequest(addr, { ...(await signed('GET', '/v1/policies/victim')), path: '/v1/policies/signed-app' }), 'SIGNATURE_INVALID', 'bad_signature');
    assert.equal((await t.call('GET', '/v1/policies/victim')).status, 200, 'the policy is still there');
    assert.equal((await rawRequest(addr, await signed('DELETE', '/v1/policies/victim'))).status, 200, 'signed for DELETE, it passes');
  });

  it('a signature without a required component or parameter is refused (SIGNATURE_COMPONENT_MISSING)', async () => {
    const lib = async (fields: string[], params: string[], body?: string) => {
      const out = await httpbis.signMessage(
        { key: createSigner(pem(ed.privateKey, 'pkcs8'), 'ed25519', 'app-ed'), fields, params, paramValues: { nonce: randomBytes(24).toString('base64url') } },
        { method: 'POST', url: `${addr}/v1/keys`, headers: { authorization: `Bearer ${signedToken}`, 'content-type': 'application/json' } },
      );
      return rawRequest(addr, { method: 'POST', path: '/v1/keys', headers: out.headers as Record<string, string>, body: new TextEncoder().encode(body ?? '{"type":"ed25519"}') });
    };
    await refusedWith(await lib(['@method'], ['created', 'keyid', 'nonce']), 'SIGNATURE_COMPONENT_MISSING', 'component_missing');
    await refusedWith(await lib(['@method', '@target-uri'], ['created', 'keyid', 'nonce']), 'SIGNATURE_COMPONENT_MISSING', 'component_missing'); // body, no content-digest
    await refusedWith(await lib(['@method', '@target-uri', 'content-type'], ['created', 'keyid']), 'SIGNATURE_COMPONENT_MISSING', 'component_missing'); // no nonce
  });

  it('unknown, foreign and revoked keyids are refused (SIGNATURE_KEY_UNKNOWN), and a key signing for its keyid must be that key', async () => {
    await refusedWith(await rawRequest(addr, await signed('GET', '/v1/keys', undefined, 'no-such-key')), 'SIGNATURE_KEY_UNKNOWN', 'unknown_keyid');
    // app-p256 belongs to the other token
    await refusedWith(await rawRequest(addr, await signed('GET', '/v1/keys', undefined, 'app-p256', p256.privateKey)), 'SIGNATURE_KEY_UNKNOWN', 'unknown_keyid');
    // a stolen token with the thief's key under the right keyid
    await refusedWith(await rawRequest(addr, await signed('GET', '/v1/keys', undefined, 'app-ed', stranger.privateKey)), 'SIGNATURE_INVALID', 'bad_signature');
    // the signed principal may not bind a key of its own choosing: registering needs tokens:app-keys (and a signature)
    const sdk = new StrongboxClient({ addr, token: signedToken, signingKey: { keyId: 'app-ed', privateKey: pem(ed.privateKey, 'pkcs8') } });
    await assert.rejects(sdk.registerAppKey({ keyId: 'thief', accessor: signedAccessor, publicKey: pem(stranger.publicKey, 'spki') }), (err: unknown) => err instanceof StrongboxApiError && err.status === 403);
    // revocation takes effect at the next request
    const reg = await t.call('POST', '/v1/auth/app-keys', { keyId: 'app-ed-2', accessor: signedAccessor, publicKey: pem(stranger.publicKey, 'spki') });
    assert.equal(reg.status, 201);
    assert.equal((await rawRequest(addr, await signed('GET', '/v1/keys', undefined, 'app-ed-2', stranger.privateKey))).status, 200);
    const revoked = await t.call('DELETE', '/v1/auth/app-keys/app-ed-2');
    assert.equal(revoked.body.status, 'revoked');
    await refusedWith(await rawRequest(addr, await signed('GET', '/v1/keys', undefined, 'app-ed-2', stranger.privateKey)), 'SIGNATURE_KEY_UNKNOWN', 'unknown_keyid');
  });

  it('malformed signature headers are a 401 naming the header, never a 5xx', async () => {
    const base = { authorization: `Bearer ${signedToken}` };
    const cases: Record<string, string>[] = [
      { 'signature-input': 'sig1=("@method"', signature: 'sig1=:AAAA:' },
      { 'signature-input': 'sig1=("@method" "@target-uri");created=1;keyid="app-ed";nonce="0123456789abcdef0"' },
      { 'signature-input': 'sig1=("@method" "@target-uri");created=1;keyid="app-ed";nonce="0123456789abcdef0"', signature: 'sig2=:AAAA:' },
      { 'signature-input': 'sig1=("@method" "@target-uri");created=1;keyid="app-ed";nonce="0123456789abcdef0"', signature: 'sig1="text"' },
      { 'signature-input': `sig1=("@method" "@target-uri");created=${Math.floor(Date.now() / 1000)};keyid="app-ed";nonce="short"`, signature: 'sig1=:AAAA:' },
      { 'signature-input': 'sig1=("@method";req "@target-uri")', signature: 'sig1=:AAAA:' },
    ];
    for (const h of cases) {
      const res = await rawRequest(addr, { method: 'GET', path: '/v1/keys', headers: { ...base, ...h } });
      assert.equal(res.status, 401, JSON.stringify([h, res.body]));
      assert.equal(res.body.code, 'SIGNATURE_MALFORMED', JSON.stringify([h, res.body]));
      assert.ok(['signature-input', 'signature'].includes(res.body.field), JSON.stringify(res.body));
    }
  });

  it('KMIP over HTTPS (JSON TTLV) works for a signing principal: the HTTP layer checked the signature', async () => {
    const msg = {
      tag: 'RequestMessage',
      value: [
        { tag: 'RequestHeader', value: [{ tag: 'ProtocolVersion', value: [{ tag: 'ProtocolVersionMajor', type: 'Integer', value: 2 }, { tag: 'ProtocolVersionMinor', type: 'Integer', value: 1 }] }, { tag: 'BatchCount', type: 'Integer', value: 1 }] },
        { tag: 'BatchItem', value: [{ tag: 'Operation', type: 'Enumeration', value: 'DiscoverVersions' }, { tag: 'RequestPayload', value: [] }] },
      ],
    };
    const res = await rawRequest(addr, await signed('POST', '/kmip/2_1', msg));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.match(JSON.stringify(res.body), /"ResultStatus","type":"Enumeration","value":"Success"/);
    await refusedWith(await rawRequest(addr, { method: 'POST', path: '/kmip/2_1', headers: { authorization: `Bearer ${signedToken}`, 'content-type': 'application/json' }, body: new TextEncoder().encode(JSON.stringify(msg)) }), 'SIGNATURE_REQUIRED', 'signature_missing');
  });

  it('a principal without the requirement is unaffected', async () => {
    const sdk = new StrongboxClient({ addr, token: plainToken });
    assert.equal((await sdk.createKey({ type: 'ed25519' })).type, 'ed25519');
    assert.ok((await sdk.listKeys()).keys.length > 0);
    // root too
    assert.equal((await rawRequest(addr, { method: 'GET', path: '/v1/keys', headers: { authorization: `Bearer ${t.rootToken}` } })).status, 200);
  });

  it('registering application keys validates its input, naming the field', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const secp = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
    const cases: [unknown, number, string, string][] = [
      [{ keyId: 'x1', accessor: signedAccessor, publicKey: 'not a key' }, 400, 'INVALID_KEY_MATERIAL', 'publicKey'],
      [{ keyId: 'x2', accessor: signedAccessor, publicKey: pem(rsa.publicKey, 'spki') }, 400, 'INVALID_KEY_MATERIAL', 'publicKey'],
      [{ keyId: 'x3', accessor: signedAccessor, publicKey: pem(secp.publicKey, 'spki') }, 400, 'INVALID_KEY_MATERIAL', 'publicKey'],
      [{ keyId: 'x4', accessor: signedAccessor, publicKey: ed.privateKey.export({ format: 'jwk' }) }, 400, 'INVALID_KEY_MATERIAL', 'publicKey'],
      [{ keyId: 'x5', accessor: signedAccessor, publicKey: { kty: 'OKP', crv: 'Ed25519', x: 'AA' } }, 400, 'INVALID_KEY_MATERIAL', 'publicKey'],
      [{ keyId: 'app-ed', accessor: signedAccessor, publicKey: pem(ed.publicKey, 'spki') }, 409, 'APP_KEY_ID_TAKEN', 'keyId'],
      [{ keyId: 'x6', accessor: 'nope', publicKey: pem(ed.publicKey, 'spki') }, 404, 'TOKEN_NOT_FOUND', 'accessor'],
      [{ keyId: ' bad id', accessor: signedAccessor, publicKey: pem(ed.publicKey, 'spki') }, 400, 'INVALID_ARGUMENT', 'keyId'],
      [{ keyId: 'x7', accessor: signedAccessor }, 400, 'INVALID_ARGUMENT', 'publicKey'],
      [{ keyId: 'x8', accessor: signedAccessor, publicKey: 42 }, 400, 'INVALID_ARGUMENT', 'publicKey'],
    ];
    for (const [body, status, code, field] of cases) {
      const res = await t.call('POST', '/v1/auth/app-keys', body);
      assert.equal(res.status, status, JSON.stringify([body, res.body]));
      assert.equal(res.body.code, code, JSON.stringify(res.body));
      assert.equal(res.body.field, field, JSON.stringify(res.body));
    }
    assert.equal((await t.call('DELETE', '/v1/auth/app-keys/none')).body.code, 'APP_KEY_NOT_FOUND');
    const list = await t.call('GET', `/v1/auth/app-keys?accessor=${signedAccessor}`);
    assert.deepEqual((list.body.keys as { keyId: string }[]).map((k) => k.keyId), ['app-ed', 'app-ed-2']);
    assert.match(list.body.keys[0].publicKey, /^-----BEGIN PUBLIC KEY-----/);
  });

  it('the CLI signs with STRONGBOX_SIGNING_KEY_FILE and STRONGBOX_SIGNING_KEY_ID; app-key commands list and register', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strongbox-signed-cli-'));
    try {
      const keyFile = join(dir, 'app.key');
      writeFileSync(keyFile, pem(ed.privateKey, 'pkcs8'), { mode: 0o600 });
      const env = { STRONGBOX_ADDR: addr, STRONGBOX_TOKEN: signedToken };
      const signedList = await runCli(['key', 'list', '--json'], { ...env, STRONGBOX_SIGNING_KEY_FILE: keyFile, STRONGBOX_SIGNING_KEY_ID: 'app-ed' });
      assert.equal(signedList.code, 0, signedList.stderr);
      assert.ok(Array.isArray(jsonOf(signedList).keys));
      const unsigned = await runCli(['key', 'list'], env);
      assert.equal(unsigned.code, 4, unsigned.stderr);
      assert.match(unsigned.stderr, /signed requests/);
      const pubFile = join(dir, 'other.pub');
      writeFileSync(pubFile, pem(generateKeyPairSync('ed25519').publicKey, 'spki'));
      const reg = await runCli(['app-key', 'register', '--key-id', 'cli-key', '--accessor', signedAccessor, '--public-key', pubFile, '--json'], { STRONGBOX_ADDR: addr, STRONGBOX_TOKEN: t.rootToken });
      assert.equal(reg.code, 0, reg.stderr);
      assert.equal(jsonOf(reg).algorithm, 'ed25519');
      const list = await runCli(['app-key', 'list', '--accessor', signedAccessor], { STRONGBOX_ADDR: addr, STRONGBOX_TOKEN: t.rootToken });
      assert.match(list.stdout, /cli-key\s+active/);
      const rev = await runCli(['app-key', 'revoke', 'cli-key'], { STRONGBOX_ADDR: addr, STRONGBOX_TOKEN: t.rootToken });
      assert.match(rev.stdout, /^revoked cli-key at /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the replay cache survives a restart (SQLite table)', async () => {
    const r = await signed('GET', '/v1/keys?limit=1');
    assert.equal((await rawRequest(addr, r)).status, 200);
    const shares = t.shares;
    const root = t.rootToken;
    await t.stop();
    t = await startTestBox({ dataDir: t.dataDir, bare: true, rootToken: root });
    t.shares = shares;
    assert.equal((await t.call('POST', '/v1/sys/unseal', { share: shares[0] }, null)).status, 200);
    const port = new URL(addr).port;
    await t.box.http.listen({ host: '127.0.0.1', port: Number(port) });
    await refusedWith(await rawRequest(addr, r), 'SIGNATURE_REPLAYED', 'replay');
  });
});
