/**
 * Batches on sign, verify, encrypt and decrypt (issue 20) through inject on a real SQLite file:
 * per-item results in order, per-item problems naming `batch.<i>.<field>` that do not fail the other
 * items, a malformed envelope failing the whole request, per-item authorization (cross-key routes),
 * forbidBlindSigning refusing digest items, token use and rate limits counted per item, and one
 * audit record per item (request id `<id>#<i>`, HMACs of the item's inputs) beside the request's own.
 * Every signature is checked with @noble/curves, not with the server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { startTestBox, type TestBox } from '../helpers/app.js';

const bytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex.replace(/^0x/, ''), 'hex'));
const rnd = (n: number): string => '0x' + randomBytes(n).toString('hex');

describe('batches', () => {
  let box: TestBox;
  const keys: Record<'k1' | 'ed' | 'p256' | 'aes' | 'blind', { id: string; publicKey: string }> = Object.create(null);

  async function allRecords(): Promise<Record<string, any>[]> {
    const out: Record<string, any>[] = [];
    for (let after = 0; ; ) {
      const page = await box.call('GET', `/v1/audit?afterSeq=${after}&limit=1000`);
      assert.equal(page.status, 200);
      out.push(...page.body.records);
      if (page.body.nextAfterSeq === null) return out;
      after = page.body.nextAfterSeq;
    }
  }
  async function itemRecords(requestId: string): Promise<Map<string, Record<string, any>>> {
    const records = await allRecords();
    return new Map(records.filter((r) => r.requestId === requestId || r.requestId.startsWith(`${requestId}#`)).map((r) => [r.requestId, r]));
  }
  async function mint(body: Record<string, unknown>): Promise<string> {
    const res = await box.call('POST', '/v1/tokens', body);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.token;
  }

  before(async () => {
    box = await startTestBox();
    for (const [name, type] of [['k1', 'secp256k1'], ['ed', 'ed25519'], ['p256', 'p256'], ['aes', 'aes256'], ['blind', 'secp256k1']] as const) {
      const res = await box.call('POST', '/v1/keys', { type, name: `batch-${name}` });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      keys[name] = res.body;
    }
    const rules = await box.call('PUT', `/v1/keys/${keys.blind.id}/transaction-rules`, { version: 1, forbidBlindSigning: true });
    assert.equal(rules.status, 200, JSON.stringify(rules.body));
  });
  after(() => box.cleanup());

  it('signs a batch with one key: results in order, bad items answer their own problem, every signature verifies independently', async () => {
    const d0 = rnd(32);
    const m1 = rnd(50);
    const d3 = rnd(32);
    const batch = [{ digest: d0 }, { message: m1, hash: 'keccak256', encoding: 'recoverable' }, { digest: rnd(31) }, { digest: d3, encoding: 'raw' }, { digest: rnd(32), padding: 'pss' }, { digest: rnd(32), message: rnd(4) }];
    const res = await box.call('POST', `/v1/keys/${keys.k1.id}/sign`, { batch });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const results = res.body.results as Record<string, any>[];
    assert.equal(results.length, batch.length);
    const pub = bytes(keys.k1.publicKey);
    assert.equal(secp256k1.verify(bytes(results[0]!.signature), bytes(d0), pub, { prehash: false, format: 'der' }), true, 'item 0 (der)');
    assert.equal(results[0]!.encoding, 'der');
    const rec = bytes(results[1]!.signature);
    assert.equal(rec.length, 65);
    assert.equal(secp256k1.verify(rec.subarray(0, 64), keccak_256(bytes(m1)), pub, { prehash: false, format: 'compact' }), true, 'item 1 (keccak256 message, recoverable)');
    assert.equal(results[1]!.recoveryId, rec[64]);
    assert.equal(secp256k1.verify(bytes(results[3]!.signature), bytes(d3), pub, { prehash: false, format: 'compact' }), true, 'item 3 (raw)');
    const rid = res.headers['x-request-id'] as string;
    assert.deepEqual(
      [2, 4, 5].map((i) => [results[i]!.signature, results[i]!.error.code, results[i]!.error.field, results[i]!.error.status, results[i]!.error.requestId]),
      [
        [undefined, 'INVALID_ARGUMENT', 'batch.2.digest', 400, `${rid}#2`],
        [undefined, 'INVALID_ARGUMENT', 'batch.4.padding', 400, `${rid}#4`],
        [undefined, 'INVALID_ARGUMENT', 'batch.5.digest', 400, `${rid}#5`],
      ],
    );

    // One audit record per item, plus the request's own; the item records hold HMACs of their inputs.
    const records = await itemRecords(rid);
    assert.equal(records.size, batch.length + 1);
    assert.equal(records.get(rid)!.status, 200);
    for (let i = 0; i < batch.length; i++) {
      const r = records.get(`${rid}#${i}`)!;
      assert.ok(r, `record of item ${i}`);
      assert.equal(r.operation, 'sign');
      assert.equal(r.action, 'keys:sign');
      assert.equal(r.resource, `key:${keys.k1.id}`);
      assert.equal(r.outcome, [2, 4, 5].includes(i) ? 'error' : 'success', `item ${i}`);
      assert.equal(r.code, [2, 4, 5].includes(i) ? 'INVALID_ARGUMENT' : null);
    }
    const hmac = await box.call('POST', '/v1/audit/hash', { field: 'digest', value: d0 });
    assert.equal(records.get(`${rid}#0`)!.inputs.digest, hmac.body.hmac, 'item 0 record holds the HMAC of its digest');
    assert.notEqual(records.get(`${rid}#3`)!.inputs.digest, hmac.body.hmac);
    assert.equal(JSON.stringify([...records.values()]).includes(d0.slice(2)), false, 'no digest in plain text');
  });

  it('signs across keys (sign-batch): each item with the key it names; unknown keys and refused keys fail alone', async () => {
    const dk = rnd(32);
    const me = rnd(70);
    const dp = rnd(32);
    const batch = [
      { key: keys.k1.id, digest: dk },
      { key: 'batch-ed', message: me },
      { key: keys.p256.id, digest: dp },
      { key: 'no-such-key', digest: rnd(32) },
      { key: keys.blind.id, digest: rnd(32) },
      { key: keys.ed.id, digest: rnd(32) },
      { key: keys.aes.id, digest: rnd(32) },
    ];
    const res = await box.call('POST', '/v1/sign-batch', { batch });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const r = res.body.results as Record<string, any>[];
    assert.equal(secp256k1.verify(bytes(r[0]!.signature), bytes(dk), bytes(keys.k1.publicKey), { prehash: false, format: 'der' }), true);
    assert.equal(ed25519.verify(bytes(r[1]!.signature), bytes(me), bytes(keys.ed.publicKey)), true);
    assert.equal(p256.verify(bytes(r[2]!.signature), bytes(dp), bytes(keys.p256.publicKey), { prehash: false, format: 'der' }), true);
    assert.deepEqual(
      r.slice(3).map((x) => [x.error?.code, x.error?.field]),
      [
        ['KEY_NOT_FOUND', 'batch.3'],
        ['BLIND_SIGNING_FORBIDDEN', 'batch.4'],
        ['UNSUPPORTED_OPERATION', 'batch.5.digest'],
        [r[6]!.error?.code, 'batch.6'],
      ],
    );
    assert.notEqual(r[6]!.error, undefined, 'an aes256 key does not sign');
    assert.equal(r[4]!.error.reason, 'blind_signing_forbidden');
    const rid = res.headers['x-request-id'] as string;
    const records = await itemRecords(rid);
    assert.equal(records.get(`${rid}#1`)!.resource, `key:${keys.ed.id}`);
    assert.equal(records.get(`${rid}#4`)!.outcome, 'denied');
    assert.match(records.get(`${rid}#4`)!.reason, /^blind_signing_forbidden/);
    assert.equal(records.get(`${rid}#3`)!.code, 'KEY_NOT_FOUND');
    assert.equal(records.get(rid)!.operation, 'signBatch');
  });

  it('forbidBlindSigning refuses digest and message items on the per-key route, as it refuses single ones', async () => {
    const single = await box.call('POST', `/v1/keys/${keys.blind.id}/sign`, { digest: rnd(32) });
    assert.equal(single.status, 403);
    const res = await box.call('POST', `/v1/keys/${keys.blind.id}/sign`, { batch: [{ digest: rnd(32) }, { message: rnd(8) }] });
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.body.results.map((x: any) => [x.signature, x.error.code, x.error.status]),
      [
        [undefined, single.body.code, 403],
        [undefined, single.body.code, 403],
      ],
    );
  });

  it('authorizes each item on its own key: a token allowed one key gets its signatures and a denial for the other', async () => {
    const put = await box.call('PUT', '/v1/policies/batch-k1-only', { statements: [{ effect: 'allow', actions: ['keys:sign'], resources: [`key:${keys.k1.id}`] }] });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const token = await mint({ policies: ['batch-k1-only'] });
    const d = rnd(32);
    const res = await box.call('POST', '/v1/sign-batch', { batch: [{ key: keys.ed.id, message: rnd(8) }, { key: keys.k1.id, digest: d }, { key: 'no-such-key', digest: rnd(32) }] }, token);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const [denied, ok, unknown] = res.body.results;
    assert.equal(denied.error.code, 'PERMISSION_DENIED');
    assert.equal(denied.error.field, 'batch.0');
    assert.equal(secp256k1.verify(bytes(ok.signature), bytes(d), bytes(keys.k1.publicKey), { prehash: false, format: 'der' }), true);
    assert.equal(unknown.error.code, 'PERMISSION_DENIED', 'no existence oracle: an unknown key is denied, not 404');
    const rid = res.headers['x-request-id'] as string;
    const records = await itemRecords(rid);
    assert.equal(records.get(`${rid}#0`)!.outcome, 'denied');
    assert.equal(records.get(`${rid}#1`)!.outcome, 'success');
    // The per-key route authorizes the route's key first, as the single form does.
    const perKey = await box.call('POST', `/v1/keys/${keys.ed.id}/sign`, { batch: [{ message: rnd(8) }] }, token);
    assert.equal(perKey.status, 403);
  });

  it('a malformed envelope fails the whole request with 400 naming the field, and signs nothing', async () => {
    const before = Math.max(...(await allRecords()).map((r) => r.seq as number));
    const cases: [unknown, string][] = [
      [{ batch: {} }, 'batch'],
      [{ batch: [] }, 'batch'],
      [{ batch: Array.from({ length: 1001 }, () => ({ digest: rnd(32) })) }, 'batch'],
      [{ batch: [{ digest: rnd(32) }, { digest: rnd(32), extra: 1 }] }, 'batch.1.extra'],
      [{ batch: [{ digest: rnd(32) }, { digest: 7 }] }, 'batch.1.digest'],
      [{ batch: [{ digest: rnd(32) }], digest: rnd(32) }, 'digest'],
      [{ batch: ['0x00'] }, 'batch.0'],
    ];
    for (const [body, field] of cases) {
      const res = await box.call('POST', `/v1/keys/${keys.k1.id}/sign`, body);
      assert.equal(res.status, 400, `${field}: ${JSON.stringify(res.body).slice(0, 200)}`);
      assert.equal(res.body.field, field);
      assert.equal(res.body.results, undefined);
    }
    const cross = await box.call('POST', '/v1/sign-batch', { batch: [{ digest: rnd(32) }] });
    assert.equal(cross.status, 400);
    assert.equal(cross.body.field, 'batch.0.key');
    const added = (await allRecords()).filter((r) => r.seq > before && r.operation !== 'listAudit');
    assert.deepEqual(
      added.map((r) => [r.operation, r.status, r.requestId.includes('#')]),
      [...cases.map(() => ['sign', 400, false]), ['signBatch', 400, false]],
      'one record per refused request, none per item',
    );
  });

  it('token use limits count items: a token with 3 uses signs 3 items of a batch of 5, then is exhausted', async () => {
    const token = await mint({ policies: ['signer'], numUses: 3 });
    const digests = Array.from({ length: 5 }, () => rnd(32));
    const res = await box.call('POST', `/v1/keys/${keys.k1.id}/sign`, { batch: digests.map((digest) => ({ digest })) }, token);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const r = res.body.results as Record<string, any>[];
    for (let i = 0; i < 3; i++) assert.equal(secp256k1.verify(bytes(r[i]!.signature), bytes(digests[i]!), bytes(keys.k1.publicKey), { prehash: false, format: 'der' }), true, `item ${i}`);
    assert.deepEqual(r.slice(3).map((x) => x.error?.code), ['TOKEN_USES_EXHAUSTED', 'TOKEN_USES_EXHAUSTED']);
    const next = await box.call('POST', `/v1/keys/${keys.k1.id}/sign`, { digest: rnd(32) }, token);
    assert.equal(next.body.code, 'TOKEN_USES_EXHAUSTED');
  });

  it('rate limits count items: a burst of 4 signs 4 items of a batch of 6', async () => {
    const token = await mint({ policies: ['signer'], rateLimit: { perSecond: 0.001, burst: 4 } });
    const res = await box.call('POST', '/v1/sign-batch', { batch: Array.from({ length: 6 }, () => ({ key: keys.ed.id, message: rnd(16) })) }, token);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(
      res.body.results.map((x: any) => x.error?.code ?? 'signed'),
      ['signed', 'signed', 'signed', 'signed', 'RATE_LIMITED', 'RATE_LIMITED'],
    );
    const next = await box.call('POST', '/v1/sign-batch', { batch: [{ key: keys.ed.id, message: rnd(16) }] }, token);
    assert.equal(next.status, 429);
  });

  it('verifies batches on one key and across keys', async () => {
    const d = rnd(32);
    const m = rnd(20);
    const sig = secp256k1.sign(bytes(d), randomBytes(32), { prehash: false }); // another key's signature
    const good = await box.call('POST', `/v1/keys/${keys.k1.id}/sign`, { digest: d });
    const edSig = await box.call('POST', `/v1/keys/${keys.ed.id}/sign`, { message: m });
    const res = await box.call('POST', `/v1/keys/${keys.k1.id}/verify`, {
      batch: [{ digest: d, signature: good.body.signature }, { digest: d, signature: '0x' + Buffer.from(sig).toString('hex'), encoding: 'raw' }, { digest: d, signature: '0x30' }, { digest: rnd(2), signature: good.body.signature }],
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.results.slice(0, 2), [{ valid: true }, { valid: false }]);
    assert.equal(res.body.results[3].error.field, 'batch.3.digest');
    const single = await box.call('POST', `/v1/keys/${keys.k1.id}/verify`, { digest: d });
    assert.equal(single.status, 400);
    assert.equal(single.body.field, 'signature');
    const cross = await box.call('POST', '/v1/verify-batch', { batch: [{ key: keys.ed.id, message: m, signature: edSig.body.signature }, { key: keys.k1.id, digest: d, signature: good.body.signature }, { key: keys.ed.id, message: rnd(20), signature: edSig.body.signature }] });
    assert.equal(cross.status, 200, JSON.stringify(cross.body));
    assert.deepEqual(cross.body.results, [{ valid: true }, { valid: true }, { valid: false }]);
  });

  it('encrypts and decrypts batches (aes256), per key and across keys; a wrong aad fails only its item', async () => {
    const plaintexts = [rnd(10), rnd(100), '0x'];
    const enc = await box.call('POST', `/v1/keys/${keys.aes.id}/encrypt`, { batch: plaintexts.map((plaintext, i) => ({ plaintext, aad: `0x0${i}` })) });
    assert.equal(enc.status, 200, JSON.stringify(enc.body));
    const cts = enc.body.results.map((x: any) => x.ciphertext as string);
    assert.equal(new Set(cts).size, 3);
    const dec = await box.call('POST', '/v1/decrypt-batch', {
      batch: [...cts.map((ciphertext: string, i: number) => ({ key: keys.aes.id, ciphertext, aad: `0x0${i}` })), { key: keys.aes.id, ciphertext: cts[0], aad: '0x09' }, { key: keys.k1.id, ciphertext: cts[0] }],
    });
    assert.equal(dec.status, 200, JSON.stringify(dec.body));
    assert.deepEqual(dec.body.results.slice(0, 3).map((x: any) => x.plaintext), plaintexts);
    assert.equal(dec.body.results[3].error.code, 'DECRYPTION_FAILED');
    assert.equal(dec.body.results[3].error.field, 'batch.3.ciphertext');
    assert.ok(dec.body.results[4].error, 'a secp256k1 key does not decrypt');
    const crossEnc = await box.call('POST', '/v1/encrypt-batch', { batch: [{ key: keys.aes.id, plaintext: '0xabcd' }] });
    assert.equal(crossEnc.status, 200);
    const back = await box.call('POST', `/v1/keys/${keys.aes.id}/decrypt`, { batch: [{ ciphertext: crossEnc.body.results[0].ciphertext }] });
    assert.equal(back.body.results[0].plaintext, '0xabcd');
    const rid = dec.headers['x-request-id'] as string;
    const records = await itemRecords(rid);
    assert.equal(records.size, 6);
    const hmac = await box.call('POST', '/v1/audit/hash', { field: 'ciphertext', value: cts[0] });
    assert.equal(records.get(`${rid}#0`)!.inputs.ciphertext, hmac.body.hmac);
    const audit = JSON.stringify([...records.values()]);
    for (const p of plaintexts.slice(0, 2)) assert.equal(audit.includes(p.slice(2)), false, 'no plaintext in audit records');
  });

  it('signs a batch of 1,000 digests, each verifiable', async () => {
    const digests = Array.from({ length: 1000 }, () => rnd(32));
    const res = await box.call('POST', `/v1/keys/${keys.k1.id}/sign`, { batch: digests.map((digest) => ({ digest })) });
    assert.equal(res.status, 200);
    const pub = bytes(keys.k1.publicKey);
    const bad = digests.filter((d, i) => !secp256k1.verify(bytes(res.body.results[i].signature), bytes(d), pub, { prehash: false, format: 'der' }));
    assert.deepEqual(bad, []);
    // the same digest as a single request gives the same (RFC 6979) signature
    const one = await box.call('POST', `/v1/keys/${keys.k1.id}/sign`, { digest: digests[500] });
    assert.equal(one.body.signature, res.body.results[500].signature);
  });
});
