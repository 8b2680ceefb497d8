/** The transaction-rules engine on its own: validation round trip, evaluation order, time windows. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateTransaction, isApprover, parseTransactionRules, transactionRulesToJson, type TransactionIntent } from './transaction-rules.js';

const A = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';
const B = '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc';
const intent = (over: Partial<TransactionIntent> = {}): TransactionIntent => ({
  chain: 'ethereum',
  network: '1',
  transfers: [{ to: B, amount: 10n, asset: 'native' }],
  calls: [],
  now: new Date('2026-11-18T10:00:00Z'), // a Wednesday
  ...over,
});

describe('transaction rules', () => {
  it('parse → JSON → parse is stable, with amounts beyond 2^64 kept exact', () => {
    const doc = { version: 1, dailyLimit: (2n ** 100n).toString(), approval: { required: 1, approvers: { policy: 'p' }, aboveValue: '5' }, destinations: { deny: [A.toUpperCase().replace('0X', '0x')] } };
    const rules = parseTransactionRules(doc);
    assert.equal(rules.dailyLimit, 2n ** 100n);
    assert.deepEqual(rules.destinations?.deny, [A]);
    assert.deepEqual(parseTransactionRules(transactionRulesToJson(rules)), rules);
  });

  it('the first failing rule decides, in the documented order', () => {
    const rules = parseTransactionRules({ version: 1, allowedNetworks: { ethereum: ['5'] }, destinations: { deny: [B] }, maxValuePerTransaction: '1' });
    const first = evaluateTransaction(rules, intent());
    assert.equal(first.kind === 'deny' && first.reason, 'network_not_allowed');
    const second = evaluateTransaction(rules, intent({ network: '5' }));
    assert.equal(second.kind === 'deny' && second.reason, 'destination_denied');
    const third = evaluateTransaction(rules, intent({ network: '5', transfers: [{ to: A, amount: 2n, asset: 'native' }] }));
    assert.equal(third.kind === 'deny' && third.reason, 'value_exceeds_maximum');
  });

  it('token amounts do not count against native limits, but their recipients are destinations', () => {
    const rules = parseTransactionRules({ version: 1, maxValuePerTransaction: '0', destinations: { allow: [B] } });
    const ok = evaluateTransaction(rules, intent({ transfers: [{ to: B, amount: 0n, asset: 'native' }, { to: B, amount: 10n ** 30n, asset: `token:${B}` }] }));
    assert.equal(ok.kind, 'allow');
    const bad = evaluateTransaction(rules, intent({ transfers: [{ to: B, amount: 0n, asset: 'native' }, { to: A, amount: 1n, asset: `token:${B}` }] }));
    assert.equal(bad.kind === 'deny' && bad.reason, 'destination_not_allowed');
  });

  it('approval: at or above the threshold is held, below signs; approved re-evaluation skips it', () => {
    const rules = parseTransactionRules({ version: 1, approval: { aboveValue: '10', required: 1, approvers: { subjects: ['x'] } } });
    assert.equal(evaluateTransaction(rules, intent()).kind, 'require_approval');
    assert.equal(evaluateTransaction(rules, intent({ transfers: [{ to: B, amount: 9n, asset: 'native' }] })).kind, 'allow');
    assert.equal(evaluateTransaction(rules, intent(), { approved: true }).kind, 'allow');
    assert.equal(isApprover(rules.approval!, { subject: 'x', policies: [] }), true);
    assert.equal(isApprover(rules.approval!, { subject: 'y', policies: ['x'] }), false);
  });

  for (const [label, window, at, allowed] of [
    ['inside', { start: '09:00', end: '17:00' }, '2026-11-18T09:00:00Z', true],
    ['end is exclusive', { start: '09:00', end: '17:00' }, '2026-11-18T17:00:00Z', false],
    ['wrong day', { days: ['thu'], start: '00:00', end: '23:59' }, '2026-11-18T10:00:00Z', false],
    ['midnight span, after midnight belongs to the previous day', { days: ['tue'], start: '22:00', end: '02:00' }, '2026-11-18T01:59:00Z', true],
    ['midnight span, not on the next day\'s own evening', { days: ['tue'], start: '22:00', end: '02:00' }, '2026-11-18T22:30:00Z', false],
  ] as const) {
    it(`time window: ${label}`, () => {
      const rules = parseTransactionRules({ version: 1, timeWindows: [window] });
      assert.equal(evaluateTransaction(rules, intent({ now: new Date(at) })).kind === 'allow', allowed);
    });
  }
});
