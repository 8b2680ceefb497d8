/**
 * The audit log through the API (in-process box, real SQLite file): one record per response of
 * every kind, with the request id the client saw, the principal's accessor (never the token),
 * HMACs instead of sensitive inputs, filters and paging of GET /v1/audit, checkpoints verified with
 * an independent Ed25519 implementation, and fail-closed behaviour when the audit write fails.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, createPublicKey, randomBytes, verify as nodeVerify } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { startTestBox, type TestBox } from '../helpers/app.js';
import { cliPath } from '../helpers/paths.js';

interface ApiRecord {
  v: number;
  seq: number;
  time: string;
  requestId: string;
  interface: string;
  operation: string;
  action: string | null;
  resource: string | null;
  principal: string | null;
  clientIp: string | null;
  outcome: 'success' | 'denied' | 'error';
  status: number;
  code: string | null;
  reason: string | null;
  inputs: Record<string, string> | null;
  hash: string;
}

interface Checkpoint {
  v: 1;
  seq: number;
  hash: string;
  time: string;
  publicKey: string;
  signature: string;
}

const hex = (n: number): string => '0x' + randomBytes(n).toString('hex');

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('STRONGBOX_')) env[k] = v;
  return new Promise((resolve) => {
    execFile(process.execPath, [cliPath, ...args], { env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Every record, paging GET /v1/audit with the root token. */
async function allRecords(box: TestBox, query = ''): Promise<ApiRecord[]> {
  const out: ApiRecord[] = [];
  let after = 0;
  for (;;) {
    const res = await box.call('GET', `/v1/audit?afterSeq=${after}&limit=1000${query}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    out.push(...(res.body.records as ApiRecord[]));
    if (res.body.nextAfterSeq === null) return out;
    after = res.body.nextAfterSeq;
  }
}

describe('audit log through the API', () => {
  let box: TestBox;
  let keyId: string;
  let rootAccessor: string;
  let narrowToken: string;
  let narrowAccessor: string;
  const wrongToken = 'sbt_' + randomBytes(24).toString('hex');
  /** secrets used in requests: none may appear in any audit record */
  const secrets: string[] = [];
  const digest = hex(32);
  const otherDigest = hex(32);
  const plaintext = hex(48);
  /** request id → what its one record must say */
  const expected = new Map<string, Partial<ApiRecord> & { label: string }>();

  async function track(label: string, want: Partial<ApiRecord>, method: string, url: string, body?: unknown, token?: string | null) {
    const res = await box.call(method, url, body, token);
    const requestId = res.headers['x-request-id'];
    assert.equal(typeof requestId, 'string', `${label}: x-request-id header`);
    assert.equal(res.status, want.status, `${label}: status (${JSON.stringify(res.body)})`);
    if (want.status !== undefined && want.status >= 400) {
      assert.equal(res.body.code, want.code, `${label}: problem code`);
      assert.equal(res.body.requestId, requestId, `${label}: problem requestId`);
    }
    expected.set(requestId as string, { label, requestId: requestId as string, ...want });
    return res;
  }

  before(async () => {
    box = await startTestBox();
    secrets.push(box.rootToken, wrongToken);
    rootAccessor = (await box.call('GET', '/v1/tokens/self')).body.accessor;
    assert.equal(typeof rootAccessor, 'string');
    keyId = (await box.call('POST', '/v1/keys', { type: 'secp256k1' })).body.id;
    const pol = await box.call('PUT', '/v1/policies/narrow', { statements: [{ effect: 'allow', actions: ['keys:read'], resources: ['key:*'] }] });
    assert.equal(pol.status, 200, JSON.stringify(pol.body));
    const tok = await box.call('POST', '/v1/tokens', { policies: ['narrow'] });
    assert.equal(tok.status, 201, JSON.stringify(tok.body));
    narrowToken = tok.body.token;
    narrowAccessor = tok.body.accessor;
    secrets.push(narrowToken);
    const aesKey = (await box.call('POST', '/v1/keys', { type: 'aes256' })).body.id;
    secrets.push(digest, otherDigest, plaintext);

    const missing = '00000000-0000-4000-8000-000000000000';
    await track('sign', { status: 200, outcome: 'success', code: null, action: 'keys:sign', operation: 'sign', principal: rootAccessor, resource: `key:${keyId}` }, 'POST', `/v1/keys/${keyId}/sign`, { digest });
    await track('bad input', { status: 400, outcome: 'error', code: 'INVALID_ARGUMENT', action: 'keys:sign', operation: 'sign', principal: rootAccessor }, 'POST', `/v1/keys/${keyId}/sign`, { digest: '0x1234' });
    await track('unknown key', { status: 404, outcome: 'error', code: 'KEY_NOT_FOUND', action: 'keys:sign', operation: 'sign', principal: rootAccessor, resource: `key:${missing}` }, 'POST', `/v1/keys/${missing}/sign`, { digest: otherDigest });
    await track('no token', { status: 401, outcome: 'denied', code: 'UNAUTHENTICATED', action: 'keys:sign', operation: 'sign', principal: null }, 'POST', `/v1/keys/${keyId}/sign`, { digest }, null);
    await track('wrong token', { status: 401, outcome: 'denied', code: 'UNAUTHENTICATED', action: 'keys:sign', operation: 'sign', principal: null }, 'POST', `/v1/keys/${keyId}/sign`, { digest }, wrongToken);
    await track('denied', { status: 403, outcome: 'denied', code: 'PERMISSION_DENIED', action: 'keys:sign', operation: 'sign', principal: narrowAccessor, resource: `key:${keyId}` }, 'POST', `/v1/keys/${keyId}/sign`, { digest }, narrowToken);
    await track('allowed narrow read', { status: 200, outcome: 'success', code: null, action: 'keys:read', operation: 'getKey', principal: narrowAccessor }, 'GET', `/v1/keys/${keyId}`, undefined, narrowToken);
    await track('unknown route', { status: 404, outcome: 'error', code: 'ROUTE_NOT_FOUND', action: null, operation: 'unknown', principal: null, resource: null }, 'GET', '/v1/no-such-thing');
    await track('health', { status: 200, outcome: 'success', code: null, action: null, operation: 'getHealth', principal: null }, 'GET', '/v1/sys/health', undefined, null);
    await track('encrypt', { status: 200, outcome: 'success', code: null, action: 'keys:encrypt', principal: rootAccessor }, 'POST', `/v1/keys/${aesKey}/encrypt`, { plaintext });
    const created = await track('token create', { status: 201, outcome: 'success', code: null, action: 'tokens:create', principal: rootAccessor }, 'POST', '/v1/tokens', { policies: ['signer'] });
    secrets.push(created.body.token);
  });
  after(() => box.cleanup());

  it('every request produces exactly one record, with the request id, accessor, action, resource, outcome, status, code and client ip', async () => {
    const records = await allRecords(box);
    for (const [requestId, want] of expected) {
      const mine = records.filter((r) => r.requestId === requestId);
      assert.equal(mine.length, 1, `${want.label}: exactly one record for request ${requestId}`);
      const r = mine[0]!;
      for (const field of ['status', 'outcome', 'code', 'action', 'operation', 'principal', 'resource'] as const) {
        if (want[field] !== undefined) assert.equal(r[field], want[field], `${want.label}: ${field}`);
      }
      assert.equal(r.interface, 'http', `${want.label}: interface`);
      assert.equal(r.clientIp, '127.0.0.1', `${want.label}: clientIp`);
      assert.equal(r.v, 1);
      assert.ok(!Number.isNaN(Date.parse(r.time)), `${want.label}: time`);
    }
    const denied = records.find((r) => r.requestId === [...expected].find(([, w]) => w.label === 'denied')![0])!;
    assert.equal(typeof denied.reason, 'string', 'a denial records its reason');
    // Sequence numbers consecutive from 1, one record per seq.
    assert.deepEqual(records.map((r) => r.seq), records.map((_, i) => i + 1));
  });

  it('principal is the accessor, never the token', async () => {
    const records = await allRecords(box);
    const principals = new Set(records.map((r) => r.principal));
    assert.ok(principals.has(rootAccessor));
    assert.ok(principals.has(narrowAccessor));
    assert.notEqual(rootAccessor, box.rootToken);
    assert.notEqual(narrowAccessor, narrowToken);
    for (const p of principals) assert.ok(p === null || !secrets.includes(p));
  });

  it('the sign record holds an HMAC of the digest; POST /v1/audit/hash reproduces it, and another digest gives another HMAC', async () => {
    const records = await allRecords(box);
    const signId = [...expected].find(([, w]) => w.label === 'sign')![0];
    const rec = records.find((r) => r.requestId === signId)!;
    assert.ok(rec.inputs !== null, 'sign record has inputs');
    const recorded = rec.inputs['digest']!;
    assert.match(recorded, /^[0-9a-f]{64}$/, 'inputs.digest is an HMAC-SHA256 in hex');
    assert.notEqual(recorded, digest.slice(2));
    assert.notEqual(recorded, createHash('sha256').update(Buffer.from(digest.slice(2), 'hex')).digest('hex'), 'not a bare hash (guessable digests must not be confirmable without the key)');

    const same = await box.call('POST', '/v1/audit/hash', { field: 'digest', value: digest });
    assert.equal(same.status, 200, JSON.stringify(same.body));
    assert.equal(same.body.hmac, recorded, 'an auditor can confirm this digest was signed');
    const upper = await box.call('POST', '/v1/audit/hash', { field: 'digest', value: '0x' + digest.slice(2).toUpperCase() });
    assert.equal(upper.body.hmac, recorded, 'hex case does not matter');
    const other = await box.call('POST', '/v1/audit/hash', { field: 'digest', value: otherDigest });
    assert.equal(other.status, 200);
    assert.notEqual(other.body.hmac, recorded, 'a different digest gives a different HMAC');
    const otherField = await box.call('POST', '/v1/audit/hash', { field: 'message', value: digest });
    assert.notEqual(otherField.body.hmac, recorded, 'the field name is part of the MAC');

    // The unknown-key request signed nothing, but its record still carries the HMAC of what was asked.
    const unknownId = [...expected].find(([, w]) => w.label === 'unknown key')![0];
    assert.equal(records.find((r) => r.requestId === unknownId)!.inputs?.['digest'], other.body.hmac);
    const encId = [...expected].find(([, w]) => w.label === 'encrypt')![0];
    assert.match(records.find((r) => r.requestId === encId)!.inputs?.['plaintext'] ?? '', /^[0-9a-f]{64}$/);
  });

  it('no secret (tokens, digests, plaintexts) appears in any record', async () => {
    const text = JSON.stringify(await allRecords(box)).toLowerCase();
    for (const s of secrets) {
      const bare = s.startsWith('0x') ? s.slice(2) : s;
      assert.ok(!text.includes(bare.toLowerCase()), `secret ${bare.slice(0, 10)}… found in the audit log`);
    }
  });

  it('GET /v1/audit filters by principal, action and outcome, and pages with afterSeq/limit', async () => {
    const all = await allRecords(box);
    const head = all.at(-1)!.seq;

    const byPrincipal = await allRecords(box, `&principal=${narrowAccessor}`);
    assert.ok(byPrincipal.length >= 2);
    assert.deepEqual(byPrincipal.filter((r) => r.seq <= head).map((r) => r.seq), all.filter((r) => r.principal === narrowAccessor).map((r) => r.seq));
    assert.ok(byPrincipal.every((r) => r.principal === narrowAccessor));

    const byAction = await allRecords(box, '&action=keys:sign');
    assert.deepEqual(byAction.filter((r) => r.seq <= head).map((r) => r.seq), all.filter((r) => r.action === 'keys:sign').map((r) => r.seq));
    assert.ok(byAction.length >= 6);

    const byOutcome = await allRecords(box, '&outcome=denied');
    assert.deepEqual(byOutcome.filter((r) => r.seq <= head).map((r) => r.seq), all.filter((r) => r.outcome === 'denied').map((r) => r.seq));
    assert.equal(byOutcome.filter((r) => r.seq <= head).length, 3, 'no token, wrong token, denied');

    const combined = await allRecords(box, `&principal=${narrowAccessor}&outcome=success`);
    assert.ok(combined.length >= 1 && combined.every((r) => r.principal === narrowAccessor && r.outcome === 'success'));

    // Paging: limit 4 pages, following nextAfterSeq, reproduce the full list exactly.
    const paged: number[] = [];
    let after = 0;
    while (after < head) {
      const res = await box.call('GET', `/v1/audit?afterSeq=${after}&limit=4`);
      assert.equal(res.status, 200);
      const seqs = (res.body.records as ApiRecord[]).map((r) => r.seq);
      assert.ok(seqs.length <= 4);
      assert.ok(seqs.length === 4 ? res.body.nextAfterSeq === seqs.at(-1) : res.body.nextAfterSeq === null);
      paged.push(...seqs);
      if (res.body.nextAfterSeq === null) break;
      after = res.body.nextAfterSeq;
    }
    assert.deepEqual(paged.filter((s) => s <= head), all.map((r) => r.seq));

    // Paging a filtered view with limit 1.
    const deniedPaged: number[] = [];
    after = 0;
    for (;;) {
      const res = await box.call('GET', `/v1/audit?afterSeq=${after}&limit=1&outcome=denied`);
      deniedPaged.push(...(res.body.records as ApiRecord[]).map((r) => r.seq));
      if (res.body.nextAfterSeq === null) break;
      after = res.body.nextAfterSeq;
    }
    assert.deepEqual(deniedPaged.filter((s) => s <= head), all.filter((r) => r.outcome === 'denied').map((r) => r.seq));

    const bad = await box.call('GET', '/v1/audit?limit=0');
    assert.equal(bad.status, 400);
    const noRead = await box.call('GET', '/v1/audit', undefined, narrowToken);
    assert.equal(noRead.status, 403, 'audit:read is required');
  });

  it('GET /v1/sys/audit-key gives the Ed25519 key; checkpoints verify against it independently and pin the record hashes', async () => {
    for (let i = 0; i < 5; i++) await box.call('GET', '/v1/sys/health', undefined, null);
    const first = await box.box.ctx.audit.checkpoint();
    assert.ok(first !== undefined, 'a checkpoint was written');
    for (let i = 0; i < 5; i++) await box.call('GET', '/v1/sys/health', undefined, null);
    await box.box.ctx.audit.checkpoint();

    const key = await box.call('GET', '/v1/sys/audit-key', undefined, null);
    assert.equal(key.status, 200);
    assert.equal(key.body.algorithm, 'ed25519');
    assert.match(key.body.publicKey, /^0x[0-9a-f]{64}$/);
    const pub = Buffer.from(key.body.publicKey.slice(2), 'hex');
    const pubKeyObject = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), pub]), format: 'der', type: 'spki' });

    const res = await box.call('GET', '/v1/audit/checkpoints');
    assert.equal(res.status, 200);
    const cps = res.body.checkpoints as Checkpoint[];
    assert.ok(cps.length >= 2);
    const records = await allRecords(box);
    for (const cp of cps) {
      assert.equal(cp.publicKey, pub.toString('hex'), `checkpoint ${cp.seq}: signed by the installation key`);
      const msg = Buffer.from('strongbox/audit-checkpoint/v1\n' + JSON.stringify({ v: cp.v, seq: cp.seq, hash: cp.hash, time: cp.time, publicKey: cp.publicKey }), 'utf8');
      const sig = Buffer.from(cp.signature, 'hex');
      assert.equal(ed25519.verify(Uint8Array.from(sig), Uint8Array.from(msg), Uint8Array.from(pub)), true, `checkpoint ${cp.seq}: @noble/curves`);
      assert.equal(nodeVerify(null, msg, pubKeyObject, sig), true, `checkpoint ${cp.seq}: node:crypto`);
      const rec = records.find((r) => r.seq === cp.seq);
      assert.ok(rec, `record ${cp.seq} exists`);
      assert.equal(rec.hash, cp.hash, `checkpoint ${cp.seq} pins that record's hash`);
      const tampered = Buffer.from(msg);
      tampered[tampered.length - 3]! ^= 1;
      assert.equal(ed25519.verify(Uint8Array.from(sig), Uint8Array.from(tampered), Uint8Array.from(pub)), false);
    }
    // The record hashes chain (recomputed from the API's parsed records in canonical key order).
    let prev = Buffer.alloc(32);
    for (const r of records) {
      const text = JSON.stringify({ v: r.v, seq: r.seq, time: r.time, requestId: r.requestId, interface: r.interface, operation: r.operation, action: r.action, resource: r.resource, principal: r.principal, clientIp: r.clientIp, outcome: r.outcome, status: r.status, code: r.code, reason: r.reason, inputs: r.inputs });
      const h = createHash('sha256').update('strongbox/audit/v1').update(prev).update(text, 'utf8').digest();
      assert.equal(r.hash, h.toString('hex'), `record ${r.seq}: chain hash`);
      prev = h;
    }
  });

  it('fails closed: when the audit write fails, the signature is withheld (503 AUDIT_UNAVAILABLE); after recovery the chain verifies', async () => {
    const store = box.box.ctx.store;
    const original = store.appendAudit;
    let attempts = 0;
    store.appendAudit = async () => {
      attempts++;
      throw new Error('disk full (injected by the test)');
    };
    let failedId: string;
    try {
      const res = await box.call('POST', `/v1/keys/${keyId}/sign`, { digest: hex(32) });
      assert.equal(res.status, 503, JSON.stringify(res.body));
      assert.equal(res.body.code, 'AUDIT_UNAVAILABLE');
      assert.equal(res.body.signature, undefined, 'no signature is released');
      assert.ok(!JSON.stringify(res.body).includes('signature"'), 'no signature anywhere in the body');
      assert.match(String(res.headers['content-type']), /application\/problem\+json/);
      assert.equal(typeof res.headers['retry-after'], 'string');
      failedId = res.headers['x-request-id'] as string;
      assert.equal(res.body.requestId, failedId);
      assert.ok(attempts >= 1);

      const created = await box.call('POST', '/v1/keys', { type: 'ed25519' });
      assert.equal(created.status, 503, 'a key creation is answered 503 too');
      assert.equal(created.body.id, undefined);
      assert.equal(created.body.publicKey, undefined);
    } finally {
      store.appendAudit = original;
    }
    const ok = await box.call('POST', `/v1/keys/${keyId}/sign`, { digest: hex(32) });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.match(ok.body.signature, /^0x[0-9a-f]+$/);

    const records = await allRecords(box);
    assert.ok(!records.some((r) => r.requestId === failedId), 'the withheld response has no record');
    assert.equal(records.filter((r) => r.requestId === ok.headers['x-request-id']).length, 1);
    assert.deepEqual(records.map((r) => r.seq), records.map((_, i) => i + 1), 'no gap in the chain');

    await box.box.ctx.audit.checkpoint();
    const verify = await cli(['audit', 'verify', '--data-dir', box.dataDir]);
    assert.equal(verify.code, 0, `audit verify: ${verify.stdout}${verify.stderr}`);
    assert.match(verify.stdout, /intact/);
  });
});
