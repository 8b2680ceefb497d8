/**
 * Unit tests for policy evaluation (default deny, explicit deny wins, wildcards, resource globs and
 * the wallet-and-path names of HD-derived keys,
 * `${subject}` substitution, sourceIp and timeWindow conditions) and for the semantic validation
 * of policy documents (each rejection names the field path).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StrongboxError } from '../protocol/errors.js';
import type { Action } from './actions.js';
import { builtinPolicies } from './builtin.js';
import { evaluate, needsWalletName } from './evaluate.js';
import type { Conditions, PolicyDocument, RequestFacts, Resource, Statement } from './types.js';
import { assertPolicyDocument, canonicalPolicyDocument } from './validate.js';
import { couldMatchWalletName } from './wallet-key-glob.js';

const KEY_ID = '0b5e7c1a-3f2d-4e8b-9a61-2c4d5e6f7a8b';
const OTHER_ID = '9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a';
const key = (id = KEY_ID, name: string | null = null, aliases?: string[]): Resource => ({ kind: 'key', id, name, ...(aliases ? { aliases } : {}) });
/** Wednesday 2024-05-15, 12:00 UTC */
const NOON_WED = new Date('2024-05-15T12:00:00Z');

function facts(action: Action, resource: Resource, over: Partial<RequestFacts> = {}): RequestFacts {
  return { action, resource, sourceIp: '127.0.0.1', now: NOON_WED, subject: 'alice', ...over };
}

function policies(entries: Record<string, Statement[]>): Map<string, PolicyDocument> {
  return new Map(Object.entries(entries).map(([name, statements]) => [name, { statements }]));
}

function allow(actions: string[], resources: string[], conditions?: Conditions): Statement {
  return { effect: 'allow', actions, resources, ...(conditions ? { conditions } : {}) };
}

function deny(actions: string[], resources: string[], conditions?: Conditions): Statement {
  return { effect: 'deny', actions, resources, ...(conditions ? { conditions } : {}) };
}

describe('evaluate: decisions', () => {
  it('denies by default: no policies, or no matching statement', () => {
    const none = evaluate(new Map(), facts('keys:read', key()));
    assert.deepEqual(none, { allowed: false, reason: 'no statement allows' });
    const unrelated = evaluate(policies({ p: [allow(['keys:sign'], ['key:*'])] }), facts('keys:read', key()));
    assert.deepEqual(unrelated, { allowed: false, reason: 'no statement allows' });
  });

  it('allows with a matching allow statement and names it in the reason', () => {
    const d = evaluate(policies({ p: [allow(['keys:sign'], ['key:*']), allow(['keys:read'], ['key:*'])] }), facts('keys:read', key()));
    assert.deepEqual(d, { allowed: true, reason: 'allowed by p#1' });
  });

  it('an explicit deny in another policy wins over an allow, in either order', () => {
    const a = allow(['*'], ['*']);
    const d = deny(['keys:sign'], [`key:${KEY_ID}`]);
    for (const order of [{ allowAll: [a], blockOne: [d] }, { blockOne: [d], allowAll: [a] }]) {
      const docs = policies(order);
      assert.deepEqual(evaluate(docs, facts('keys:sign', key())), { allowed: false, reason: 'denied by blockOne#0' }, Object.keys(order).join());
      assert.equal(evaluate(docs, facts('keys:sign', key(OTHER_ID))).allowed, true, 'the deny names one key only');
      assert.equal(evaluate(docs, facts('keys:read', key())).allowed, true, 'the deny names one action only');
    }
  });

  it('a deny statement inside the same policy wins too', () => {
    const docs = policies({ p: [allow(['keys:*'], ['key:*']), deny(['keys:delete'], ['key:*'])] });
    assert.deepEqual(evaluate(docs, facts('keys:delete', key())), { allowed: false, reason: 'denied by p#1' });
    assert.equal(evaluate(docs, facts('keys:read', key())).allowed, true);
  });
});

describe('evaluate: action wildcards', () => {
  const cases: { pattern: string; action: Action; allowed: boolean }[] = [
    { pattern: '*', action: 'keys:sign', allowed: true },
    { pattern: '*', action: 'sys:seal', allowed: true },
    { pattern: 'keys:*', action: 'keys:sign', allowed: true },
    { pattern: 'keys:*', action: 'keys:create', allowed: true },
    { pattern: 'keys:*', action: 'secrets:read', allowed: false },
    { pattern: 'keys:*', action: 'tokens:create', allowed: false },
    { pattern: 'sys:*', action: 'sys:seal', allowed: true },
    { pattern: 'keys:sign', action: 'keys:sign', allowed: true },
    { pattern: 'keys:sign', action: 'keys:verify', allowed: false },
    // a prefix without the colon is not a wildcard
    { pattern: 'key*', action: 'keys:sign', allowed: false },
  ];
  for (const c of cases) {
    it(`${c.pattern} ${c.allowed ? 'matches' : 'does not match'} ${c.action}`, () => {
      const d = evaluate(policies({ p: [allow([c.pattern], ['*'])] }), facts(c.action, key()));
      assert.equal(d.allowed, c.allowed);
    });
  }
});

describe('evaluate: resource globs', () => {
  const payments = key(KEY_ID, 'payments-hot');
  const treasury = key(OTHER_ID, 'treasury');
  const cases: { label: string; glob: string; resource: Resource; allowed: boolean }[] = [
    { label: 'key:<id> matches that key', glob: `key:${KEY_ID}`, resource: payments, allowed: true },
    { label: 'key:<id> does not match another key', glob: `key:${KEY_ID}`, resource: treasury, allowed: false },
    { label: 'key:<id> does not match the key collection', glob: `key:${KEY_ID}`, resource: { kind: 'keys' }, allowed: false },
    { label: 'key:name/payments-* matches payments-hot', glob: 'key:name/payments-*', resource: payments, allowed: true },
    { label: 'key:name/payments-* does not match treasury', glob: 'key:name/payments-*', resource: treasury, allowed: false },
    { label: 'key:name/payments-* does not match an unnamed key', glob: 'key:name/payments-*', resource: key(KEY_ID, null), allowed: false },
    { label: 'key:name/payments-* does not match the key collection', glob: 'key:name/payments-*', resource: { kind: 'keys' }, allowed: false },
    { label: 'key:name/payments-* matches a create naming payments-new', glob: 'key:name/payments-*', resource: { kind: 'keys', name: 'payments-new' }, allowed: true },
    { label: 'key:name/payments-? matches one character', glob: 'key:name/payments-?', resource: key(KEY_ID, 'payments-1'), allowed: true },
    { label: 'key:name/payments-? does not match two', glob: 'key:name/payments-?', resource: key(KEY_ID, 'payments-12'), allowed: false },
    { label: 'key:name/pay.ments is literal (the dot is not a regex)', glob: 'key:name/pay.ments', resource: key(KEY_ID, 'payXments'), allowed: false },
    { label: 'key:alias/hot matches a key by alias', glob: 'key:alias/hot', resource: key(KEY_ID, 'payments-hot', ['hot', 'primary']), allowed: true },
    { label: 'key:* matches any key', glob: 'key:*', resource: treasury, allowed: true },
    { label: 'key:* matches the key collection', glob: 'key:*', resource: { kind: 'keys' }, allowed: true },
    { label: 'key:* does not match a secret', glob: 'key:*', resource: { kind: 'secret', path: 'app/db' }, allowed: false },
    { label: 'key:* does not match a policy', glob: 'key:*', resource: { kind: 'policy', name: 'x' }, allowed: false },
    { label: '* matches anything', glob: '*', resource: { kind: 'sys' }, allowed: true },
    { label: 'secret:app/* matches a nested path', glob: 'secret:app/*', resource: { kind: 'secret', path: 'app/db/password' }, allowed: true },
    { label: 'policy:team-* matches team-a', glob: 'policy:team-*', resource: { kind: 'policy', name: 'team-a' }, allowed: true },
    { label: 'token:* matches tokens', glob: 'token:*', resource: { kind: 'token' }, allowed: true },
    { label: 'audit:* matches the audit log', glob: 'audit:*', resource: { kind: 'audit' }, allowed: true },
    { label: 'wallet:<id> matches that wallet', glob: `wallet:${KEY_ID}`, resource: { kind: 'wallet', id: KEY_ID, name: 'cold' }, allowed: true },
    { label: 'wallet:<id> does not match another wallet', glob: `wallet:${KEY_ID}`, resource: { kind: 'wallet', id: OTHER_ID, name: null }, allowed: false },
    { label: 'wallet:name/team-* matches team-a', glob: 'wallet:name/team-*', resource: { kind: 'wallet', id: KEY_ID, name: 'team-a' }, allowed: true },
    { label: 'wallet:name/team-* does not match an unnamed wallet', glob: 'wallet:name/team-*', resource: { kind: 'wallet', id: KEY_ID, name: null }, allowed: false },
    { label: 'wallet:name/team-* matches a create naming team-b', glob: 'wallet:name/team-*', resource: { kind: 'wallets', name: 'team-b' }, allowed: true },
    { label: 'wallet:* matches the wallet collection', glob: 'wallet:*', resource: { kind: 'wallets' }, allowed: true },
    { label: 'wallet:* does not match a key', glob: 'wallet:*', resource: treasury, allowed: false },
    { label: 'key:* does not match a wallet', glob: 'key:*', resource: { kind: 'wallet', id: KEY_ID, name: 'k' }, allowed: false },
  ];
  for (const c of cases) {
    it(c.label, () => {
      const action: Action = c.resource.kind === 'secret' ? 'secrets:read' : c.resource.kind === 'policy' ? 'policies:read' : c.resource.kind === 'token' ? 'tokens:read' : c.resource.kind === 'audit' ? 'audit:read' : c.resource.kind === 'sys' ? 'sys:read' : c.resource.kind.startsWith('wallet') ? 'wallets:read' : 'keys:read';
      const d = evaluate(policies({ p: [allow(['*'], [c.glob])] }), facts(action, c.resource));
      assert.equal(d.allowed, c.allowed);
    });
  }

  it('substitutes ${subject} in resources with the caller subject', () => {
    const docs = policies({ user: builtinPolicies.user!.statements });
    const own = { kind: 'secret', path: 'users/alice/notes' } as const;
    const other = { kind: 'secret', path: 'users/bob/notes' } as const;
    assert.equal(evaluate(docs, facts('secrets:read', own, { subject: 'alice' })).allowed, true, 'alice reads her own secret');
    assert.equal(evaluate(docs, facts('secrets:read', other, { subject: 'alice' })).allowed, false, 'alice cannot read bob’s');
    assert.equal(evaluate(docs, facts('secrets:read', other, { subject: 'bob' })).allowed, true, 'bob reads his own');
    assert.equal(evaluate(docs, facts('secrets:read', { kind: 'secret', path: 'users/alice' }, { subject: 'alice' })).allowed, false, 'the prefix itself is not under it');
    assert.equal(evaluate(docs, facts('secrets:read', { kind: 'secret', path: 'users/alice2/x' }, { subject: 'alice' })).allowed, false, 'a subject that merely starts with alice');
  });

  it('admin is denied per-user secrets, root is not', () => {
    const userSecret = { kind: 'secret', path: 'users/alice/notes' } as const;
    assert.deepEqual(evaluate(policies({ admin: builtinPolicies.admin!.statements }), facts('secrets:read', userSecret)), { allowed: false, reason: 'denied by admin#1' });
    assert.equal(evaluate(policies({ root: builtinPolicies.root!.statements }), facts('secrets:read', userSecret)).allowed, true);
  });
});

describe('evaluate: HD-derived keys by wallet and path', () => {
  const WALLET = '3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
  const OTHER_WALLET = '7e6d5c4b-3a29-4817-a6b5-c4d3e2f1a0b9';
  /** walletName 'unresolved': not looked up yet (the authorizer's state before it needs the name) */
  const derived = (path: string, walletName: string | null = 'hot', walletId = WALLET, keyName: string | null = null): Resource => ({
    kind: 'key',
    id: KEY_ID,
    name: keyName,
    aliases: [],
    wallet: { id: walletId, path, ...(walletName === 'unresolved' ? {} : { name: walletName }) },
  });
  const HOT = "key:wallet/name/hot/m/44'/60'/0'/0/*";
  const cases: { label: string; glob: string; resource: Resource; allowed: boolean }[] = [
    { label: 'by wallet name: a key under the path', glob: HOT, resource: derived("m/44'/60'/0'/0/3"), allowed: true },
    { label: 'by wallet name: index 0 of the path', glob: HOT, resource: derived("m/44'/60'/0'/0/0"), allowed: true },
    { label: 'by wallet name: another branch (change addresses) is not under it', glob: HOT, resource: derived("m/44'/60'/0'/1/0"), allowed: false },
    { label: 'by wallet name: another account is not under it', glob: HOT, resource: derived("m/44'/60'/1'/0/3"), allowed: false },
    { label: 'by wallet name: a hardened last level is a different path, and * matches it too', glob: HOT, resource: derived("m/44'/60'/0'/0/3'"), allowed: true },
    { label: 'by wallet name: * also matches deeper levels (a subtree, documented)', glob: HOT, resource: derived("m/44'/60'/0'/0/3/7"), allowed: true },
    { label: 'by wallet name: the parent node itself is not under it', glob: HOT, resource: derived("m/44'/60'/0'/0"), allowed: false },
    { label: 'by wallet name: the same path in another wallet', glob: HOT, resource: derived("m/44'/60'/0'/0/3", 'cold', OTHER_WALLET), allowed: false },
    { label: 'by wallet name: a wallet whose name merely starts with hot', glob: HOT, resource: derived("m/44'/60'/0'/0/3", 'hotter'), allowed: false },
    { label: 'by wallet name: an unnamed wallet', glob: HOT, resource: derived("m/44'/60'/0'/0/3", null), allowed: false },
    { label: 'by wallet name: a name not looked up answers to no name', glob: HOT, resource: derived("m/44'/60'/0'/0/3", 'unresolved'), allowed: false },
    { label: 'by wallet name: a key not derived from a wallet', glob: HOT, resource: key(KEY_ID, 'hot'), allowed: false },
    { label: 'by wallet name: a key named like the path', glob: HOT, resource: key(KEY_ID, "hot/m/44'/60'/0'/0/3"), allowed: false },
    { label: 'by wallet name: the key collection', glob: HOT, resource: { kind: 'keys' }, allowed: false },
    { label: 'by wallet name: the wallet itself', glob: HOT, resource: { kind: 'wallet', id: WALLET, name: 'hot' }, allowed: false },
    { label: 'by wallet name: an unhardened spelling does not match a hardened path', glob: 'key:wallet/name/hot/m/44/60/0/0/*', resource: derived("m/44'/60'/0'/0/3"), allowed: false },
    { label: 'by wallet name: ? matches one index digit', glob: "key:wallet/name/hot/m/44'/60'/0'/0/?", resource: derived("m/44'/60'/0'/0/3"), allowed: true },
    { label: 'by wallet name: ? does not match two', glob: "key:wallet/name/hot/m/44'/60'/0'/0/?", resource: derived("m/44'/60'/0'/0/12"), allowed: false },
    { label: 'by wallet name: an exact path', glob: "key:wallet/name/hot/m/44'/60'/0'/0/3", resource: derived("m/44'/60'/0'/0/3"), allowed: true },
    { label: 'by wallet name: an exact path is not a prefix', glob: "key:wallet/name/hot/m/44'/60'/0'/0/3", resource: derived("m/44'/60'/0'/0/31"), allowed: false },
    { label: 'by wallet name glob: h* matches hot', glob: 'key:wallet/name/h*/m/*', resource: derived("m/44'/60'/0'/0/3"), allowed: true },
    { label: 'by wallet name: every key of every named wallet', glob: 'key:wallet/name/*', resource: derived("m/0"), allowed: true },
    { label: 'by wallet id: a key under the path', glob: `key:wallet/${WALLET}/m/44'/60'/0'/0/*`, resource: derived("m/44'/60'/0'/0/3"), allowed: true },
    { label: 'by wallet id: needs no wallet name', glob: `key:wallet/${WALLET}/m/44'/60'/0'/0/*`, resource: derived("m/44'/60'/0'/0/3", 'unresolved'), allowed: true },
    { label: 'by wallet id: another wallet', glob: `key:wallet/${WALLET}/m/44'/60'/0'/0/*`, resource: derived("m/44'/60'/0'/0/3", 'hot', OTHER_WALLET), allowed: false },
    { label: 'by wallet id: every path', glob: `key:wallet/${WALLET}/*`, resource: derived("m/0'/5"), allowed: true },
    { label: 'key:wallet/* matches every derived key', glob: 'key:wallet/*', resource: derived("m/0", null, OTHER_WALLET), allowed: true },
    { label: 'key:wallet/* does not match a key not derived', glob: 'key:wallet/*', resource: key(KEY_ID, 'payments'), allowed: false },
    { label: 'key:* still matches a derived key', glob: 'key:*', resource: derived("m/0"), allowed: true },
    { label: 'key:<id> still matches a derived key', glob: `key:${KEY_ID}`, resource: derived("m/0"), allowed: true },
    { label: 'key:name/<glob> still matches a derived key given a name', glob: 'key:name/deposit-*', resource: derived("m/0", 'hot', WALLET, 'deposit-3'), allowed: true },
  ];
  for (const c of cases) {
    it(`${c.allowed ? 'allows' : 'refuses'} ${c.label}`, () => {
      const d = evaluate(policies({ p: [allow(['keys:sign'], [c.glob])] }), facts('keys:sign', c.resource));
      assert.equal(d.allowed, c.allowed);
    });
  }

  it("h, H and ' spell one hardened path once the policy is written (stored canonical)", () => {
    for (const spelling of ['key:wallet/name/hot/m/44h/60h/0h/0/*', 'key:wallet/name/hot/m/44H/60H/0H/0/*', "key:wallet/name/hot/m/44'/60h/0H/0/*"]) {
      const raw = policies({ p: [allow(['keys:sign'], [spelling])] });
      const stored = new Map([['p', canonicalPolicyDocument(raw.get('p')!)]]);
      assert.deepEqual(stored.get('p')!.statements[0]!.resources, [HOT], spelling);
      assert.equal(evaluate(stored, facts('keys:sign', derived("m/44'/60'/0'/0/3"))).allowed, true, spelling);
      assert.equal(evaluate(stored, facts('keys:sign', derived("m/44'/60'/0'/1/3"))).allowed, false, spelling);
    }
    const id = canonicalPolicyDocument({ statements: [allow(['keys:sign'], [`key:wallet/${WALLET.toUpperCase()}/m/0h/*`])] });
    assert.deepEqual(id.statements[0]!.resources, [`key:wallet/${WALLET}/m/0'/*`], 'the wallet id is lowercased');
  });

  it('${subject} in the wallet name', () => {
    const docs = policies({ p: [allow(['keys:sign'], ["key:wallet/name/${subject}-hot/m/44'/*"])] });
    assert.equal(evaluate(docs, facts('keys:sign', derived("m/44'/60'/0'/0/3", 'alice-hot'), { subject: 'alice' })).allowed, true);
    assert.equal(evaluate(docs, facts('keys:sign', derived("m/44'/60'/0'/0/3", 'bob-hot'), { subject: 'alice' })).allowed, false);
  });

  it('a deny by wallet path wins over an allow on every key', () => {
    const docs = policies({ all: [allow(['keys:sign'], ['key:*'])], noChange: [deny(['keys:sign'], ["key:wallet/name/hot/m/44'/60'/0'/1/*"])] });
    assert.deepEqual(evaluate(docs, facts('keys:sign', derived("m/44'/60'/0'/1/0"))), { allowed: false, reason: 'denied by noChange#0' });
    assert.equal(evaluate(docs, facts('keys:sign', derived("m/44'/60'/0'/0/0"))).allowed, true);
  });

  describe('needsWalletName: the wallet is read only when the decision could depend on its name', () => {
    const unresolved = derived("m/44'/60'/0'/0/3", 'unresolved');
    const cases: { label: string; statements: Statement[]; resource?: Resource; action?: Action; needed: boolean }[] = [
      { label: 'a key:wallet/name/ glob for this action', statements: [allow(['keys:sign'], [HOT])], needed: true },
      { label: 'a glob whose wildcard could cover wallet/name/ (key:wallet/n*)', statements: [allow(['keys:sign'], ['key:wallet/n*'])], needed: true },
      { label: 'a glob that already matches the key by wallet id (key:wal*)', statements: [allow(['keys:sign'], ['key:wal*'])], needed: false },
      { label: 'a deny by wallet name', statements: [deny(['keys:*'], [HOT])], needed: true },
      { label: '${subject} in the wallet name', statements: [allow(['keys:sign'], ['key:wallet/name/${subject}/*'])], needed: true },
      { label: 'only key:* (already matches)', statements: [allow(['keys:sign'], ['key:*'])], needed: false },
      { label: 'only *', statements: [allow(['*'], ['*'])], needed: false },
      { label: 'a statement already matched by the key id', statements: [allow(['keys:sign'], [`key:${KEY_ID}`, HOT])], needed: false },
      { label: 'key:wallet/<id>/ globs', statements: [allow(['keys:sign'], [`key:wallet/${WALLET}/*`, `key:wallet/${OTHER_WALLET}/*`])], needed: false },
      { label: 'key:name/ and key:alias/ globs', statements: [allow(['keys:sign'], ['key:name/*', 'key:alias/hot-*'])], needed: false },
      { label: 'a wallet-name glob for another action', statements: [allow(['keys:read'], [HOT])], needed: false },
      { label: 'a key not derived', statements: [allow(['keys:sign'], [HOT])], resource: key(KEY_ID, null), needed: false },
      { label: 'a name already looked up', statements: [allow(['keys:sign'], [HOT])], resource: derived("m/0", 'hot'), needed: false },
      { label: 'a wallet resource', statements: [allow(['keys:sign'], [HOT])], resource: { kind: 'wallet', id: WALLET, name: null }, needed: false },
    ];
    for (const c of cases) {
      it(`${c.needed ? 'reads it for' : 'skips it for'} ${c.label}`, () => {
        assert.equal(needsWalletName(policies({ p: c.statements }), facts(c.action ?? 'keys:sign', c.resource ?? unresolved)), c.needed);
      });
    }

    const globs: { glob: string; could: boolean }[] = [
      { glob: HOT, could: true },
      { glob: 'key:wallet/name/*', could: true },
      { glob: 'key:*', could: true },
      { glob: 'key:w?llet/*', could: true },
      { glob: 'key:wallet/*', could: true },
      { glob: `key:wallet/${WALLET}/*`, could: false },
      { glob: 'key:name/*', could: false },
      { glob: 'key:wallet/name', could: false },
      { glob: 'wallet:name/*', could: false },
      { glob: 'secret:*', could: false },
    ];
    for (const g of globs) {
      it(`couldMatchWalletName(${g.glob}) is ${g.could}`, () => assert.equal(couldMatchWalletName(g.glob), g.could));
    }
  });
});

describe('evaluate: sourceIp condition', () => {
  const cases: { cidrs: string[]; ip: string | undefined; allowed: boolean }[] = [
    { cidrs: ['10.0.0.0/8'], ip: '10.1.2.3', allowed: true },
    { cidrs: ['10.0.0.0/8'], ip: '11.0.0.1', allowed: false },
    { cidrs: ['10.0.0.0/8'], ip: '127.0.0.1', allowed: false },
    { cidrs: ['192.168.1.7'], ip: '192.168.1.7', allowed: true },
    { cidrs: ['192.168.1.7'], ip: '192.168.1.8', allowed: false },
    { cidrs: ['10.0.0.0/8', '127.0.0.0/8'], ip: '127.0.0.1', allowed: true },
    { cidrs: ['10.0.0.0/8'], ip: '::ffff:10.0.0.5', allowed: true },
    { cidrs: ['10.0.0.0/8'], ip: '::ffff:11.0.0.5', allowed: false },
    { cidrs: ['2001:db8::/32'], ip: '2001:db8::1', allowed: true },
    { cidrs: ['2001:db8::/32'], ip: '2001:db9::1', allowed: false },
    { cidrs: ['::1/128'], ip: '::1', allowed: true },
    { cidrs: ['2001:db8::/32'], ip: '10.0.0.1', allowed: false },
    { cidrs: ['10.0.0.0/8'], ip: '2001:db8::1', allowed: false },
    { cidrs: ['10.0.0.0/8'], ip: undefined, allowed: false },
    { cidrs: ['0.0.0.0/0'], ip: undefined, allowed: false },
  ];
  for (const c of cases) {
    it(`${c.cidrs.join(',')} ${c.allowed ? 'admits' : 'refuses'} ${c.ip ?? '(no source address)'}`, () => {
      const docs = policies({ p: [allow(['keys:read'], ['*'], { sourceIp: c.cidrs })] });
      assert.equal(evaluate(docs, facts('keys:read', key(), { sourceIp: c.ip })).allowed, c.allowed);
    });
  }
});

describe('evaluate: timeWindow condition', () => {
  const at = (iso: string) => new Date(iso);
  const cases: { label: string; window: { start: string; end: string; days?: ('mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun')[] }; now: string; allowed: boolean }[] = [
    { label: 'inside 09:00-17:00', window: { start: '09:00', end: '17:00' }, now: '2024-05-15T12:00:00Z', allowed: true },
    { label: 'start is inclusive', window: { start: '09:00', end: '17:00' }, now: '2024-05-15T09:00:00Z', allowed: true },
    { label: 'end is exclusive', window: { start: '09:00', end: '17:00' }, now: '2024-05-15T17:00:00Z', allowed: false },
    { label: 'one minute before end', window: { start: '09:00', end: '17:00' }, now: '2024-05-15T16:59:59Z', allowed: true },
    { label: 'before start', window: { start: '09:00', end: '17:00' }, now: '2024-05-15T08:59:59Z', allowed: false },
    { label: 'the window is UTC, not local time', window: { start: '09:00', end: '17:00' }, now: '2024-05-15T20:00:00+08:00', allowed: true },
    { label: 'spanning midnight: late evening', window: { start: '22:00', end: '06:00' }, now: '2024-05-15T23:30:00Z', allowed: true },
    { label: 'spanning midnight: early morning', window: { start: '22:00', end: '06:00' }, now: '2024-05-16T05:59:00Z', allowed: true },
    { label: 'spanning midnight: at midnight', window: { start: '22:00', end: '06:00' }, now: '2024-05-16T00:00:00Z', allowed: true },
    { label: 'spanning midnight: end is exclusive', window: { start: '22:00', end: '06:00' }, now: '2024-05-16T06:00:00Z', allowed: false },
    { label: 'spanning midnight: midday is outside', window: { start: '22:00', end: '06:00' }, now: '2024-05-15T12:00:00Z', allowed: false },
    { label: 'until 00:00 means until midnight', window: { start: '18:00', end: '00:00' }, now: '2024-05-15T23:59:00Z', allowed: true },
    { label: 'days: Wednesday is listed', window: { start: '00:00', end: '23:59', days: ['mon', 'wed'] }, now: '2024-05-15T12:00:00Z', allowed: true },
    { label: 'days: Thursday is not listed', window: { start: '00:00', end: '23:59', days: ['mon', 'wed'] }, now: '2024-05-16T12:00:00Z', allowed: false },
    { label: 'days: weekdays use UTC (Sunday 23:00 UTC is Monday in UTC+8)', window: { start: '00:00', end: '23:59', days: ['mon'] }, now: '2024-05-20T07:00:00+08:00', allowed: false },
    { label: 'days: Sunday', window: { start: '00:00', end: '23:59', days: ['sun'] }, now: '2024-05-19T10:00:00Z', allowed: true },
    { label: 'days: a Friday night window spanning midnight still holds at Saturday 01:00', window: { start: '22:00', end: '06:00', days: ['fri'] }, now: '2024-05-18T01:00:00Z', allowed: true },
    { label: 'days: ...but not at Saturday 23:00 (a Saturday night)', window: { start: '22:00', end: '06:00', days: ['fri'] }, now: '2024-05-18T23:00:00Z', allowed: false },
    { label: 'days and hours both apply', window: { start: '09:00', end: '17:00', days: ['wed'] }, now: '2024-05-15T18:00:00Z', allowed: false },
  ];
  for (const c of cases) {
    it(c.label, () => {
      const docs = policies({ p: [allow(['keys:sign'], ['key:*'], { timeWindow: c.window })] });
      assert.equal(evaluate(docs, facts('keys:sign', key(), { now: at(c.now) })).allowed, c.allowed);
    });
  }

  it('sourceIp and timeWindow must both hold', () => {
    const docs = policies({ p: [allow(['keys:sign'], ['key:*'], { sourceIp: ['10.0.0.0/8'], timeWindow: { start: '09:00', end: '17:00' } })] });
    assert.equal(evaluate(docs, facts('keys:sign', key(), { sourceIp: '10.0.0.1' })).allowed, true);
    assert.equal(evaluate(docs, facts('keys:sign', key(), { sourceIp: '11.0.0.1' })).allowed, false);
    assert.equal(evaluate(docs, facts('keys:sign', key(), { sourceIp: '10.0.0.1', now: at('2024-05-15T20:00:00Z') })).allowed, false);
  });

  it('a deny with a time window applies only inside it', () => {
    const docs = policies({ base: [allow(['keys:*'], ['key:*'])], freeze: [deny(['keys:sign'], ['key:*'], { timeWindow: { start: '00:00', end: '06:00' } })] });
    assert.deepEqual(evaluate(docs, facts('keys:sign', key(), { now: at('2024-05-15T03:00:00Z') })), { allowed: false, reason: 'denied by freeze#0' });
    assert.deepEqual(evaluate(docs, facts('keys:sign', key(), { now: at('2024-05-15T07:00:00Z') })), { allowed: true, reason: 'allowed by base#0' });
  });
});

describe('assertPolicyDocument', () => {
  const ok: Statement = { effect: 'allow', actions: ['keys:read'], resources: ['key:*'] };

  function rejects(doc: PolicyDocument, field: string): void {
    assert.throws(
      () => assertPolicyDocument(doc),
      (err: unknown) => {
        assert.ok(err instanceof StrongboxError, 'a StrongboxError');
        assert.equal(err.code, 'INVALID_ARGUMENT');
        assert.equal(err.field, field);
        return true;
      },
    );
  }

  it('accepts every built-in policy', () => {
    for (const [name, doc] of Object.entries(builtinPolicies)) assert.doesNotThrow(() => assertPolicyDocument(doc), name);
  });

  it('accepts wildcards, every resource prefix, CIDRs and time windows', () => {
    assert.doesNotThrow(() =>
      assertPolicyDocument({
        statements: [
          { effect: 'allow', actions: ['*', 'keys:*', 'sys:*', 'tokens:create'], resources: ['*', 'key:*', 'key:name/a-*', 'secret:users/${subject}/*', 'policy:x', 'token:*', 'audit:*', 'sys:*'] },
          { effect: 'deny', actions: ['keys:sign'], resources: ['key:*'], conditions: { sourceIp: ['10.0.0.0/8', '192.168.0.1', '2001:db8::/32', '::1'], timeWindow: { start: '00:00', end: '23:59', days: ['mon'] } } },
        ],
      }),
    );
  });

  it('rejects an empty statement list', () => rejects({ statements: [] }, 'statements'));

  it('accepts the derived-key forms and stores them canonical', () => {
    const W = '3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
    const written = ['key:wallet/*', 'key:wallet/name/*', `key:wallet/${W}/*`, `key:wallet/${W}/m`, "key:wallet/name/hot/m/44'/60'/0'/0/*", 'key:wallet/name/hot/m/44h/60H/0h/0/*', 'key:wallet/name/${subject}/m/44h/*', 'key:wallet/*/m/44h/60h/*', 'key:wallet/name/team-?.x_y/m/*h/0/1?', `key:wallet/${W.toUpperCase()}/m/2147483647h`];
    const stored = ['key:wallet/*', 'key:wallet/name/*', `key:wallet/${W}/*`, `key:wallet/${W}/m`, "key:wallet/name/hot/m/44'/60'/0'/0/*", "key:wallet/name/hot/m/44'/60'/0'/0/*", "key:wallet/name/${subject}/m/44'/*", "key:wallet/*/m/44'/60'/*", "key:wallet/name/team-?.x_y/m/*'/0/1?", `key:wallet/${W}/m/2147483647'`];
    const doc = canonicalPolicyDocument({ statements: [{ ...ok, resources: ['key:*', ...written, 'secret:a/44h'] }] });
    assert.deepEqual(doc.statements[0]!.resources, ['key:*', ...stored, 'secret:a/44h'], 'only key:wallet/ globs are rewritten');
  });

  const badWallet: { label: string; resource: string; says: RegExp }[] = [
    { label: 'nothing after key:wallet/', resource: 'key:wallet/', says: /path part is missing/ },
    { label: 'a wallet name without a path', resource: 'key:wallet/name/hot', says: /key:wallet\/name\/<wallet name>\/<path>.*path part is missing/ },
    { label: 'a wallet id without a path', resource: 'key:wallet/3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f', says: /path part is missing/ },
    { label: 'an empty wallet name', resource: 'key:wallet/name//m/0', says: /path part is missing/ },
    { label: 'a path not starting with m', resource: "key:wallet/name/hot/44'/60'", says: /must be \* or start with m\// },
    { label: 'a path level that is not an index', resource: 'key:wallet/name/hot/m/44x/0', says: /path level 1 \("44x"\)/ },
    { label: 'an empty path level', resource: 'key:wallet/name/hot/m/0/', says: /path level 2/ },
    { label: 'a leading zero', resource: "key:wallet/name/hot/m/044'/0", says: /leading zero/ },
    { label: 'an index of 2^31', resource: 'key:wallet/name/hot/m/2147483648', says: /out of range/ },
    { label: 'two hardened markers', resource: "key:wallet/name/hot/m/44''", says: /path level 1/ },
    { label: '${subject} in the path', resource: 'key:wallet/name/hot/m/${subject}', says: /path level 1/ },
    { label: 'a wallet name with a space', resource: 'key:wallet/name/ho t/m/0', says: /wallet name "ho t"/ },
    { label: 'a wallet name where an id belongs', resource: 'key:wallet/hot/m/0', says: /must be a wallet id \(a UUID\)/ },
    { label: 'an index glob too deep', resource: `key:wallet/name/hot/m${'/0'.repeat(256)}`, says: /deeper than 255/ },
  ];
  for (const c of badWallet) {
    it(`rejects a derived-key resource with ${c.label}`, () => {
      const doc = { statements: [{ ...ok, resources: ['key:*', c.resource] }] };
      for (const check of [assertPolicyDocument, canonicalPolicyDocument]) {
        assert.throws(
          () => check(doc),
          (err: unknown) => {
            assert.ok(err instanceof StrongboxError, 'a StrongboxError');
            assert.equal(err.code, 'INVALID_ARGUMENT');
            assert.equal(err.field, 'statements.0.resources.1');
            assert.match(err.message, c.says);
            return true;
          },
        );
      }
    });
  }

  const bad: { label: string; doc: PolicyDocument; field: string }[] = [
    { label: 'unknown action', doc: { statements: [{ ...ok, actions: ['keys:read', 'keys:steal'] }] }, field: 'statements.0.actions.1' },
    { label: 'unknown action prefix wildcard', doc: { statements: [ok, { ...ok, actions: ['vaults:*'] }] }, field: 'statements.1.actions.0' },
    { label: 'action in another case', doc: { statements: [{ ...ok, actions: ['Keys:Read'] }] }, field: 'statements.0.actions.0' },
    { label: 'resource without a known prefix', doc: { statements: [{ ...ok, resources: ['key:*', 'vault:1'] }] }, field: 'statements.0.resources.1' },
    { label: 'resource with a near-miss prefix (keys:)', doc: { statements: [{ ...ok, resources: ['keys:abc'] }] }, field: 'statements.0.resources.0' },
    { label: 'CIDR that is not an address', doc: { statements: [{ ...ok, conditions: { sourceIp: ['10.0.0.0/8', 'example.com'] } }] }, field: 'statements.0.conditions.sourceIp.1' },
    { label: 'IPv4 prefix length over 32', doc: { statements: [{ ...ok, conditions: { sourceIp: ['10.0.0.0/33'] } }] }, field: 'statements.0.conditions.sourceIp.0' },
    { label: 'IPv6 prefix length over 128', doc: { statements: [{ ...ok, conditions: { sourceIp: ['2001:db8::/129'] } }] }, field: 'statements.0.conditions.sourceIp.0' },
    { label: 'CIDR with two slashes', doc: { statements: [{ ...ok, conditions: { sourceIp: ['10.0.0.0/8/8'] } }] }, field: 'statements.0.conditions.sourceIp.0' },
    { label: 'CIDR with an empty prefix length', doc: { statements: [{ ...ok, conditions: { sourceIp: ['10.0.0.0/'] } }] }, field: 'statements.0.conditions.sourceIp.0' },
    { label: 'CIDR with a non-numeric prefix length', doc: { statements: [{ ...ok, conditions: { sourceIp: ['10.0.0.0/x'] } }] }, field: 'statements.0.conditions.sourceIp.0' },
    { label: 'IPv4 octet out of range', doc: { statements: [{ ...ok, conditions: { sourceIp: ['10.0.0.256/32'] } }] }, field: 'statements.0.conditions.sourceIp.0' },
    { label: 'start hour 24', doc: { statements: [{ ...ok, conditions: { timeWindow: { start: '24:00', end: '06:00' } } }] }, field: 'statements.0.conditions.timeWindow.start' },
    { label: 'start without a leading zero', doc: { statements: [{ ...ok, conditions: { timeWindow: { start: '9:00', end: '17:00' } } }] }, field: 'statements.0.conditions.timeWindow.start' },
    { label: 'end minute 60', doc: { statements: [{ ...ok, conditions: { timeWindow: { start: '09:00', end: '17:60' } } }] }, field: 'statements.0.conditions.timeWindow.end' },
    { label: 'end with seconds', doc: { statements: [ok, ok, { ...ok, conditions: { timeWindow: { start: '09:00', end: '17:00:00' } } }] }, field: 'statements.2.conditions.timeWindow.end' },
  ];
  for (const c of bad) {
    it(`rejects ${c.label}, naming ${c.field}`, () => rejects(c.doc, c.field));
  }
});

describe('evaluate: caller conditions (the Unix socket, docs/attestation.md)', () => {
  const exe = 'aa'.repeat(32);
  const script = 'bb'.repeat(32);
  const caller = { uid: 1001, gid: 1001, pid: 42, exeSha256: exe, scriptSha256: script };
  const p = policies({ app: [allow(['keys:sign'], ['key:*'], { caller: { uid: [1001, 1002], exeSha256: [exe.toUpperCase()], scriptSha256: [script] } })] });

  it('allows only a measured caller whose every listed attribute matches (digests case-insensitively)', () => {
    assert.equal(evaluate(p, facts('keys:sign', key(), { caller })).allowed, true);
    assert.equal(evaluate(p, facts('keys:sign', key(), { caller: { ...caller, uid: 1003 } })).allowed, false, 'uid');
    assert.equal(evaluate(p, facts('keys:sign', key(), { caller: { ...caller, scriptSha256: 'cc'.repeat(32) } })).allowed, false, 'script');
    assert.equal(evaluate(p, facts('keys:sign', key(), { caller: { ...caller, scriptSha256: null } })).allowed, false, 'no script');
    assert.equal(evaluate(p, facts('keys:sign', key(), { caller: { ...caller, exeSha256: null } })).allowed, false, 'exe unknown');
  });

  it('never matches an unmeasured request (TCP)', () => {
    assert.equal(evaluate(p, facts('keys:sign', key())).allowed, false);
    const denyOthers = policies({ all: [allow(['keys:sign'], ['key:*'])], guard: [deny(['keys:sign'], ['key:*'], { caller: { uid: [0] } })] });
    assert.equal(evaluate(denyOthers, facts('keys:sign', key())).allowed, true, 'a deny conditioned on a caller does not apply without one');
    assert.equal(evaluate(denyOthers, facts('keys:sign', key(), { caller: { ...caller, uid: 0 } })).allowed, false);
  });
});
