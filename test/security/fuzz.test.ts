/**
 * Schema-driven fuzzing of every operation in the route table (the table docs/openapi.json is
 * generated from): each body member, path parameter and query parameter is replaced in turn by
 * hostile values — type confusions, huge, fractional and out-of-range numbers, lone UTF-16
 * surrogates, prototype names, deep nesting, long strings, malformed percent-encoding — and whole
 * bodies by non-objects and poisoned objects. Requests go through Fastify's inject into an unsealed
 * in-process Strongbox on a real SQLite file.
 *
 * Deterministic (a seeded PRNG picks the values for each target) and bounded (FUZZ_REQUESTS_MAX).
 * Asserts that no response is a 5xx, that every error is problem+json with a requestId (the JSON-RPC
 * route answers JSON-RPC error objects, as its schema says), that every response carries
 * x-request-id, and that every request left an audit record.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBox, type TestBox } from '../helpers/app.js';
import { routes } from '../../src/http/routes/index.js';
import type { Route } from '../../src/http/route.js';

const SEED = 0x5eed_1437;
/** Values tried per target (member or parameter), out of the hostile lists below. */
const VALUES_PER_TARGET = 12;
/** A bound on the run, so the suite stays fast; the test fails if the plan outgrows it. */
const FUZZ_REQUESTS_MAX = 8000;
/** Requests in flight at once. */
const LANES = 16;

/** Operations not fuzzed, and why: succeeding would end the session for every later request. */
const SKIPPED = new Map<string, string>([['seal', 'seals the server: every later request would be 503 SEALED, by design']]);

/** mulberry32: a small seeded PRNG, so every run sends the same requests. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** JSON text spliced in as is: numbers JavaScript cannot hold, members JSON.stringify would not write. */
class Raw {
  constructor(readonly text: string) {}
}

function toJson(value: unknown): string {
  if (value instanceof Raw) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`).join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

const nested = (depth: number, leaf = '1'): Raw => new Raw('['.repeat(depth) + leaf + ']'.repeat(depth));
const nestedObject = (depth: number): Raw => new Raw('{"a":'.repeat(depth) + '1' + '}'.repeat(depth));

/** Hostile JSON values for a body member. */
const hostileValues: unknown[] = [
  // numbers
  0, -1, 1.5, 2147483648, new Raw('-0'), new Raw('1e308'), new Raw('-1e308'), new Raw('1e400'), new Raw('18446744073709551616'),
  new Raw((2n ** 256n).toString()), new Raw('9007199254740993'), new Raw('1e-320'), new Raw('1.0'),
  // strings
  '', ' ', 'x'.repeat(5000), 'y'.repeat(100_000), '\ud800', 'a\udc00b', '\u0000', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype',
  '0x', '0xzz', '0x' + 'ff'.repeat(2000), '../../etc/passwd', 'null', '-1', '1e308', '99999999999999999999999999999', '\u{1F4A5}', '\ufb01', '%00', '*', "m/44'/60'/0'/0/0", '\n', "' OR 1=1 --",
  // other types
  null, true, false, [], [null], [[]], {}, { constructor: 1 }, { toString: 'x' }, { valueOf: {} }, { hasOwnProperty: null },
  new Raw('{"__proto__":{"polluted":1}}'), new Raw('{"constructor":{"prototype":{"polluted":1}}}'),
  // nesting: below the parser's limit (reaches the validators and handlers), and far beyond it
  nested(40), nestedObject(40), nested(70), nested(6000), nestedObject(5000),
];

/** Hostile path segments, already in URL form (some deliberately not valid percent-encoding). */
const hostileSegments: string[] = [
  '__proto__', 'constructor', 'hasOwnProperty', 'toString', 'valueOf', 'prototype', 'x'.repeat(300), '%zz', '%', '%ff%fe', '%ED%A0%80', '%00', '..', '.', '%20', '%F0%9F%92%A5',
  '00000000-0000-0000-0000-000000000000', 'a%2Fb', '0x00', '-1', '1e308', 'SBXAAAAAAAAAAAAAAAAA', '%25', 'null',
];

/** Hostile query values, in URL form. */
const hostileQueryValues: string[] = ['', '0', '-1', '1e308', '18446744073709551616', 'abc', '__proto__', 'constructor', '%zz', '%ED%A0%80', 'x'.repeat(3000), '1&limit=2', '%00', '1.5'];

/** Hostile whole bodies (raw text). */
const hostileBodies: string[] = ['null', '"a string"', '123', 'true', '[]', '[{}]', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{}}}', nested(100).text, nestedObject(100).text, '{"a":' + nested(63).text + '}'];

/** Plausible values by member name, so a mutation of one member leaves the others valid enough to get far. */
const d32 = '0x' + 'ab'.repeat(32);
const transaction = { type: 'eip1559', chainId: 1, nonce: 0, to: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', value: '1', gas: 21000, maxFeePerGas: '1000000000', maxPriorityFeePerGas: '1' };
const typedData = {
  types: { EIP712Domain: [{ name: 'name', type: 'string' }, { name: 'chainId', type: 'uint256' }], Mail: [{ name: 'to', type: 'address' }, { name: 'contents', type: 'string' }, { name: 'amounts', type: 'uint256[]' }] },
  primaryType: 'Mail',
  domain: { name: 'fuzz', chainId: 1 },
  message: { to: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', contents: 'hi', amounts: ['1', 2] },
};
const byMember = new Map<string, unknown>([
  ['digest', d32], ['message', '0x01'], ['signature', '0x' + '11'.repeat(64)], ['plaintext', '0x00'], ['ciphertext', '0x' + '01'.repeat(40)], ['aad', '0x02'],
  ['mac', d32], ['share', '0x01'], ['nonce', 'n'], ['psbt', 'cHNidP8='], ['path', "m/44'/60'/0'/0/1"], ['name', 'fz-made'], ['alias', 'fz-alias'],
  ['transaction', transaction], ['typedData', typedData], ['data', { user: 'u', pass: 'p' }], ['policies', ['default-fuzz']], ['accessor', 'acc.none'],
  ['statements', [{ effect: 'allow', actions: ['keys:read'], resources: ['key:*'], conditions: { sourceIp: ['127.0.0.1/32'], timeWindow: { start: '00:00', end: '23:59', days: ['mon'] } } }]],
  ['tags', { team: 'fuzz' }], ['mnemonic', 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about'], ['passphrase', 'pp'],
  ['value', '0x01'], ['field', 'digest'],
]);

/** Whole seed bodies for operations whose schema alone says little. */
const seedBodies = new Map<string, unknown>([
  ['ethereumRpc', { jsonrpc: '2.0', id: 1, method: 'eth_signTransaction', params: [{ from: '0x0000000000000000000000000000000000000001', ...transaction, gas: '0x5208' }] }],
  ['putTransactionRules', { version: 1, allowedNetworks: { ethereum: ['1'] }, destinations: { deny: ['0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'] }, dailyLimit: '100', maxValuePerTransaction: 5, approval: { required: 1, approvers: { policy: 'admin' } } }],
  ['putWalletTransactionRules', { version: 1, dailyLimit: '100' }],
  ['importKey', { type: 'secp256k1', privateKey: d32 }],
  ['createKey', { type: 'secp256k1', name: 'fz-created', tags: { a: 'b' } }],
  ['createToken', { policies: ['signer'], ttl: 60, numUses: 3, rateLimit: { perSecond: 1, burst: 2 } }],
  ['initialize', { shares: 1, threshold: 1 }],
]);

type Schema = Record<string, any>;

/** A plausible value for a schema (the first enum member, the minimum, a hex string for hex patterns...). */
function example(schema: Schema | undefined, name: string): unknown {
  if (byMember.has(name)) return byMember.get(name);
  if (schema === undefined) return 'x';
  if (Array.isArray(schema['enum'])) return schema['enum'][0];
  if (Array.isArray(schema['anyOf'])) return example(schema['anyOf'][0], name);
  const type = Array.isArray(schema['type']) ? schema['type'][0] : schema['type'];
  switch (type) {
    case 'string':
      return typeof schema['pattern'] === 'string' && schema['pattern'].startsWith('^0x') ? '0x01' : 'fz';
    case 'integer':
    case 'number':
      return schema['minimum'] ?? 1;
    case 'boolean':
      return false;
    case 'array':
      return [example(schema['items'], name)];
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const r of (schema['required'] as string[] | undefined) ?? []) out[r] = example(schema['properties']?.[r], r);
      return out;
    }
    default:
      return 'x';
  }
}

/** Dotted paths to every member and element of a seed body (to depth 3): the mutation targets. */
function targets(value: unknown, prefix: (string | number)[] = [], depth = 0): (string | number)[][] {
  if (depth >= 3 || typeof value !== 'object' || value === null || value instanceof Raw) return [];
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return entries.flatMap(([k, v]) => [[...prefix, k], ...targets(v, [...prefix, k], depth + 1)]);
}

function withValueAt(body: unknown, path: (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  const copy: any = Array.isArray(body) ? [...body] : { ...(body as object) };
  copy[head!] = withValueAt(copy[head!], rest, replacement);
  return copy;
}

interface FuzzRequest {
  route: Route;
  method: string;
  url: string;
  payload?: string;
  what: string;
}

/** The path parameter values under which each route finds something real (keys by type, the wallet...). */
function pathFor(route: Route, override?: [param: string, segment: string]): string {
  const keyFor = (url: string) =>
    route.operationId === 'scheduleKeyDeletion' || route.operationId === 'disableKey'
      ? 'fz-victim'
      : /\/(mac|verify-mac)$/.test(url)
        ? 'fz-hmac'
        : /\/(encrypt|decrypt|data-key|rotate|rotation|wrapped|export)$/.test(url)
          ? 'fz-aes'
          : /\/solana\//.test(url)
            ? 'fz-ed'
            : 'fz-secp';
  const values: Record<string, string> = {
    id: route.url.startsWith('/v1/wallets') ? 'fz-wallet' : route.url.startsWith('/v1/approvals') ? '00000000-0000-4000-8000-000000000000' : keyFor(route.url),
    alias: 'fz-alias',
    accessKeyId: 'SBXAAAAAAAAAAAAAAAAA',
    accessor: 'acc.none',
    name: 'fz-policy',
    '*': 'fz/secret',
  };
  return route.url.replace(/:([A-Za-z]+)|\*/g, (m, p: string | undefined) => {
    const param = p ?? '*';
    return override !== undefined && override[0] === param ? override[1] : encodeURI(values[param] ?? 'x');
  });
}

/** The whole plan, deterministic for SEED. */
function plan(): FuzzRequest[] {
  const random = prng(SEED);
  const pick = <T>(list: readonly T[]): T[] => {
    const copy = [...list];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy.slice(0, VALUES_PER_TARGET);
  };
  const out: FuzzRequest[] = [];
  for (const route of routes) {
    if (SKIPPED.has(route.operationId)) continue;
    const base = pathFor(route);
    const bodySchema = route.schema.body as Schema | undefined;
    const seed = bodySchema === undefined ? undefined : (seedBodies.get(route.operationId) ?? example(bodySchema, 'body'));
    const send = (what: string, url: string, body?: unknown) => out.push({ route, method: route.method, url, ...(body === undefined ? {} : { payload: toJson(body) }), what });
    // Body members: every member of the seed (nested too) and every member the schema declares.
    if (seed !== undefined) {
      const paths = targets(seed);
      for (const name of Object.keys((bodySchema?.['properties'] as Schema | undefined) ?? {})) if (!paths.some((p) => p.length === 1 && p[0] === name)) paths.push([name]);
      for (const path of paths) for (const v of pick(hostileValues)) send(`body.${path.join('.')} = ${toJson(v).slice(0, 40)}`, base, withValueAt(seed, path, v));
      for (const text of pick(hostileBodies)) out.push({ route, method: route.method, url: base, payload: text, what: `body ${text.slice(0, 40)}` });
    }
    // Path parameters.
    for (const m of route.url.matchAll(/:([A-Za-z]+)|\*/g)) {
      const param = m[1] ?? '*';
      for (const segment of pick(hostileSegments)) send(`path ${param} = ${segment.slice(0, 40)}`, pathFor(route, [param, segment]), seed);
    }
    // Query parameters, and unknown ones named like prototype members.
    const query = route.schema.querystring as Schema | undefined;
    for (const name of Object.keys((query?.['properties'] as Schema | undefined) ?? {})) {
      for (const v of pick(hostileQueryValues)) send(`query ${name} = ${v.slice(0, 40)}`, `${base}?${name}=${v}`, seed);
    }
    for (const name of ['__proto__', 'constructor', 'toString']) send(`query ${name}`, `${base}?${name}=1`, seed);
    // A body where the operation takes none.
    if (seed === undefined && route.method !== 'GET') for (const text of pick(hostileBodies).slice(0, 3)) out.push({ route, method: route.method, url: base, payload: text, what: `body ${text.slice(0, 40)}` });
  }
  return out;
}

let box: TestBox;

describe('fuzz: every operation, hostile values in every field', () => {
  before(async () => {
    // Every fuzz request comes from one address, many of them without a valid token: lift the
    // unauthenticated-traffic budgets so each one is audited on its own (the aggregation beyond the
    // budgets is test/integration/auth-throttle.test.ts's subject).
    box = await startTestBox({ sourceThrottle: { failureBurst: 1e9, auditBurst: 1e9 } });
    for (const [type, name] of [['secp256k1', 'fz-secp'], ['aes256', 'fz-aes'], ['hmac256', 'fz-hmac'], ['ed25519', 'fz-ed'], ['secp256k1', 'fz-victim']]) {
      assert.equal((await box.call('POST', '/v1/keys', { type, name, ...(name === 'fz-aes' ? { exportable: true } : {}) })).status, 201);
    }
    assert.equal((await box.call('POST', '/v1/keys/fz-secp/aliases', { alias: 'fz-alias' })).status, 200);
    assert.equal((await box.call('POST', '/v1/wallets', { name: 'fz-wallet' })).status, 201);
    assert.equal((await box.call('PUT', '/v1/policies/fz-policy', { statements: [{ effect: 'allow', actions: ['keys:read'], resources: ['key:*'] }] })).status, 200);
    assert.equal((await box.call('PUT', '/v1/secrets/fz/secret', { data: { a: 1 } })).status, 200);
  });
  after(() => box.cleanup());

  it(`no 5xx, problem+json errors with a request id, an audit record for each (seed ${SEED.toString(16)})`, async () => {
    const requests = plan();
    assert.ok(requests.length >= 2000, `the plan covers too little: ${requests.length} requests`);
    assert.ok(requests.length <= FUZZ_REQUESTS_MAX, `the plan outgrew its bound: ${requests.length} requests`);
    assert.ok(new Set(requests.map((r) => r.route.operationId)).size === routes.length - SKIPPED.size, 'every operation is fuzzed');
    const failures: string[] = [];
    const requestIds: string[] = [];
    const statuses = new Map<number, number>();
    // LANES requests in flight at once, so audit records share fsyncs (group commit): the requests are
    // fixed by the seed, only their interleaving varies.
    const send = async (r: FuzzRequest) => {
      const res = await box.box.http.inject({
        method: r.method as 'GET',
        url: r.url,
        headers: { authorization: `Bearer ${box.rootToken}`, ...(r.payload === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(r.payload === undefined ? {} : { payload: r.payload }),
      });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      const label = `${r.method} ${r.url.slice(0, 120)} [${r.what}] → ${res.statusCode}`;
      const requestId = res.headers['x-request-id'];
      if (typeof requestId !== 'string') failures.push(`${label}: no x-request-id`);
      else requestIds.push(requestId);
      if (res.statusCode >= 500) failures.push(`${label}: ${res.body.slice(0, 300)}`);
      if (res.statusCode < 400) return;
      let body: any;
      try {
        body = JSON.parse(res.body);
      } catch {
        failures.push(`${label}: error body is not JSON: ${res.body.slice(0, 200)}`);
        return;
      }
      const isRpcError = r.route.operationId === 'ethereumRpc' && body?.jsonrpc === '2.0' && typeof body?.error?.code === 'number';
      if (isRpcError) return;
      if (!String(res.headers['content-type']).startsWith('application/problem+json')) failures.push(`${label}: content-type ${res.headers['content-type']}`);
      if (typeof body?.requestId !== 'string' || body.requestId !== requestId) failures.push(`${label}: problem without its requestId: ${res.body.slice(0, 200)}`);
      if (typeof body?.code !== 'string' || body.status !== res.statusCode) failures.push(`${label}: not a Strongbox problem: ${res.body.slice(0, 200)}`);
    };
    const lanes = Array.from({ length: LANES }, (_, lane) => requests.filter((_r, i) => i % LANES === lane));
    await Promise.all(lanes.map(async (lane) => {
      for (const r of lane) await send(r);
    }));
    // Every response has an audit record (GET /v1/audit pages through them all).
    const audited = new Set<string>();
    for (let afterSeq = 0; ; ) {
      const page = await box.call('GET', `/v1/audit?afterSeq=${afterSeq}&limit=1000`);
      assert.equal(page.status, 200);
      for (const rec of page.body.records as { requestId: string }[]) audited.add(rec.requestId);
      if (page.body.nextAfterSeq === null) break;
      afterSeq = page.body.nextAfterSeq as number;
    }
    for (const id of requestIds) if (!audited.has(id)) failures.push(`request ${id}: no audit record`);
    const fiveXx = [...statuses].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0);
    console.log(`fuzz: ${requests.length} requests over ${routes.length - SKIPPED.size} operations; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}; 5xx: ${fiveXx}`);
    assert.deepEqual(failures.slice(0, 40), [], `${failures.length} failures`);
  });
});
