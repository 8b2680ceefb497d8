/** The transaction-rules engine on its own: validation round trip, evaluation order, fees, time windows. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateTransaction, isApprover, parseTransactionRules, transactionRulesToJson, UNKNOWN_TOKEN, type TransactionIntent } from './transaction-rules.js';
import { StrongboxError } from '../protocol/errors.js';

const A = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';
const B = '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc';
const intent = (over: Partial<TransactionIntent> = {}): TransactionIntent => ({
  chain: 'ethereum',
  network: '1',
  transfers: [{ to: B, amount: 10n, asset: 'native' }],
  calls: [],
  fee: 0n,
  now: new Date('2026-11-18T10:00:00Z'), // a Wednesday
  ...over,
});

describe('transaction rules', () => {
  it('parse → JSON → parse is stable, with amounts beyond 2^64 kept exact', () => {
    const doc = { version: 1, dailyLimit: (2n ** 100n).toString(), maxFeePerTransaction: '21000000000000', approval: { required: 1, approvers: { policy: 'p' }, aboveValue: '5' }, destinations: { deny: [A.toUpperCase().replace('0X', '0x')] } };
    const rules = parseTransactionRules(doc);
    assert.equal(rules.dailyLimit, 2n ** 100n);
    assert.equal(rules.maxFeePerTransaction, 21_000_000_000_000n);
    assert.equal(transactionRulesToJson(rules)['maxFeePerTransaction'], '21000000000000');
    assert.deepEqual(rules.destinations?.deny, [A]);
    assert.deepEqual(parseTransactionRules(transactionRulesToJson(rules)), rules);
  });

  it('allowedNetworks.ethereum takes chain ids and "unknown" (typed data without a chain id), nothing else', () => {
    const rules = parseTransactionRules({ version: 1, allowedNetworks: { ethereum: ['1', 'unknown'] } });
    assert.deepEqual(rules.allowedNetworks?.ethereum, ['1', 'unknown']);
    assert.equal(evaluateTransaction(rules, intent({ network: 'unknown' })).kind, 'allow');
    for (const bad of ['Unknown', 'mainnet', '0', '0x1', 'unknown1']) {
      assert.throws(() => parseTransactionRules({ version: 1, allowedNetworks: { ethereum: [bad] } }), (e: unknown) => e instanceof StrongboxError && e.field === 'allowedNetworks.ethereum.0', bad);
    }
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

  describe('EIP-7702 delegations and validator requests', () => {
    const D = '0x1111111111111111111111111111111111111111';
    const CLEAR = '0x0000000000000000000000000000000000000000';
    const auth = (delegate: string, chainId = 1): TransactionIntent => intent({ transfers: [], delegations: [{ delegate, chainId }], network: String(chainId) });

    it('round-trips the new members (addresses lowercased)', () => {
      const rules = parseTransactionRules({ version: 1, allowedDelegates: [D.toUpperCase().replace('0X', '0x')], allowChainIdZeroAuthorizations: true, allowedValidatorRequests: ['withdrawal'], approval: { required: 1, approvers: { subjects: ['x'] }, delegations: true, validatorRequests: false } });
      assert.deepEqual(rules.allowedDelegates, [D]);
      assert.deepEqual(parseTransactionRules(transactionRulesToJson(rules)), rules);
    });

    it('a key with rules delegates only to listed delegates; clearing needs no listing', () => {
      const none = parseTransactionRules({ version: 1 });
      const d = evaluateTransaction(none, auth(D));
      assert.equal(d.kind === 'deny' && d.reason, 'delegate_not_allowed');
      assert.equal(evaluateTransaction(none, auth(CLEAR)).kind, 'allow');
      assert.equal(evaluateTransaction(parseTransactionRules({ version: 1, allowedDelegates: [D] }), auth(D)).kind, 'allow');
    });

    it('chain id 0 only with allowChainIdZeroAuthorizations, which also stands for allowedNetworks', () => {
      const pinned = { version: 1, allowedDelegates: [D], allowedNetworks: { ethereum: ['1'] } };
      const zero = evaluateTransaction(parseTransactionRules(pinned), auth(D, 0));
      assert.equal(zero.kind === 'deny' && zero.reason, 'authorization_chain_id_zero');
      assert.equal(evaluateTransaction(parseTransactionRules({ ...pinned, allowChainIdZeroAuthorizations: true }), auth(D, 0)).kind, 'allow');
      const other = evaluateTransaction(parseTransactionRules(pinned), intent({ delegations: [{ delegate: D, chainId: 5 }] }));
      assert.equal(other.kind === 'deny' && other.reason, 'network_not_allowed', 'an authorization for another chain inside a chain-1 transaction');
    });

    it('approval.delegations / approval.validatorRequests hold regardless of aboveValue', () => {
      const rules = parseTransactionRules({ version: 1, allowedDelegates: [D], allowedValidatorRequests: ['withdrawal'], approval: { aboveValue: '1000000', required: 1, approvers: { subjects: ['x'] }, delegations: true } });
      assert.equal(evaluateTransaction(rules, auth(D)).kind, 'require_approval');
      assert.equal(evaluateTransaction(rules, intent()).kind, 'allow');
      const w = intent({ validatorRequests: [{ kind: 'withdrawal', pubkey: '0xab', amountGwei: 0n }] });
      assert.equal(evaluateTransaction(rules, w).kind, 'allow');
      const held = parseTransactionRules({ version: 1, allowedValidatorRequests: ['withdrawal'], approval: { aboveValue: '1000000', required: 1, approvers: { subjects: ['x'] }, validatorRequests: true } });
      assert.equal(evaluateTransaction(held, w).kind, 'require_approval');
    });

    it('validator requests: only the listed kinds, for a key with rules', () => {
      const c = intent({ validatorRequests: [{ kind: 'consolidation', pubkey: '0xab', targetPubkey: '0xcd' }] });
      const d = evaluateTransaction(parseTransactionRules({ version: 1, allowedValidatorRequests: ['withdrawal'] }), c);
      assert.equal(d.kind === 'deny' && d.reason, 'validator_request_not_allowed');
      assert.equal(evaluateTransaction(parseTransactionRules({ version: 1, allowedValidatorRequests: ['withdrawal', 'consolidation'] }), c).kind, 'allow');
    });
  });

  describe('fees', () => {
    const paying = (amount: bigint, fee: TransactionIntent['fee']) => intent({ transfers: [{ to: B, amount, asset: 'native' }], fee });

    it('value + fee counts against maxValuePerTransaction: within by value, over with the fee', () => {
      const rules = parseTransactionRules({ version: 1, maxValuePerTransaction: '100' });
      const at = evaluateTransaction(rules, paying(60n, 40n));
      assert.equal(at.kind, 'allow');
      assert.equal(at.spend, 100n);
      const over = evaluateTransaction(rules, paying(60n, 41n));
      assert.equal(over.kind, 'deny');
      assert.equal(over.kind === 'deny' && over.reason, 'value_exceeds_maximum');
      assert.match(over.kind === 'deny' ? over.message : '', /value 60 \+ fee 41 = 101 exceeds maxValuePerTransaction 100/);
      assert.deepEqual([over.nativeAmount, over.fee, over.spend], [60n, 41n, 101n]);
    });

    it('maxFeePerTransaction caps the fee alone, before the value rules', () => {
      const rules = parseTransactionRules({ version: 1, maxFeePerTransaction: '50', maxValuePerTransaction: '10' });
      const high = evaluateTransaction(rules, paying(0n, 51n));
      assert.equal(high.kind === 'deny' && high.reason, 'fee_limit_exceeded');
      assert.match(high.kind === 'deny' ? high.message : '', /fee 51 exceeds maxFeePerTransaction 50/);
      assert.equal(evaluateTransaction(rules, paying(0n, 10n)).kind, 'allow');
      const sum = evaluateTransaction(rules, paying(1n, 10n));
      assert.equal(sum.kind === 'deny' && sum.reason, 'value_exceeds_maximum', 'a fee under its own cap still counts with the value');
    });

    it('the daily limit judges value + fee, and the allow decision carries what to reserve', () => {
      const rules = parseTransactionRules({ version: 1, dailyLimit: '1000' });
      const alone = evaluateTransaction(rules, paying(900n, 101n));
      assert.equal(alone.kind === 'deny' && alone.reason, 'daily_limit_exceeded');
      const ok = evaluateTransaction(rules, paying(900n, 100n));
      assert.equal(ok.kind, 'allow');
      assert.equal(ok.kind === 'allow' && ok.dailyLimit, 1000n);
      assert.equal(ok.spend, 1000n);
    });

    it('approval.aboveValue compares value + fee', () => {
      const rules = parseTransactionRules({ version: 1, approval: { aboveValue: '100', required: 1, approvers: { subjects: ['x'] } } });
      assert.equal(evaluateTransaction(rules, paying(50n, 49n)).kind, 'allow');
      const held = evaluateTransaction(rules, paying(50n, 50n));
      assert.equal(held.kind, 'require_approval');
      assert.match(held.kind === 'require_approval' ? held.reason : '', /value 50 \+ fee 50 = 100 is at or above the approval threshold 100/);
    });

    it('an unbounded fee is refused by every rule that compares amounts, naming the field; other rules ignore it', () => {
      const unknown = { unbounded: 'psbt input 1 has no amount', field: 'psbt' };
      for (const doc of [{ maxValuePerTransaction: '1000' }, { maxFeePerTransaction: '1000' }, { dailyLimit: '1000' }, { approval: { aboveValue: '1000', required: 1, approvers: { subjects: ['x'] } } }]) {
        const d = evaluateTransaction(parseTransactionRules({ version: 1, ...doc }), paying(1n, unknown));
        assert.equal(d.kind === 'deny' && d.reason, 'fee_unknown', JSON.stringify(doc));
        assert.equal(d.kind === 'deny' && d.field, 'psbt');
        assert.equal(d.fee, null);
      }
      const none = evaluateTransaction(parseTransactionRules({ version: 1, destinations: { allow: [B] } }), paying(1n, unknown));
      assert.equal(none.kind, 'allow');
      assert.deepEqual([none.fee, none.spend], [null, 1n]);
      assert.equal(evaluateTransaction(parseTransactionRules({ version: 1, approval: { required: 1, approvers: { subjects: ['x'] } } }), paying(1n, unknown)).kind, 'require_approval', 'approval of every transaction does not compare amounts');
    });

    it('a contract creation\'s value is spent though it has no destination', () => {
      const rules = parseTransactionRules({ version: 1, maxValuePerTransaction: '5', destinations: { deny: [A] } });
      const d = evaluateTransaction(rules, intent({ transfers: [{ to: null, amount: 6n, asset: 'native' }], calls: [{ to: null, selector: '0x60806040' }] }));
      assert.equal(d.kind === 'deny' && d.reason, 'value_exceeds_maximum');
    });
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

  describe('token limits and the transaction count', () => {
    const USDC = '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48';
    const MINT = 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v';
    const doc = (over: Record<string, unknown> = {}) => ({ version: 1, tokenLimits: [{ chain: 'ethereum', chainId: 1, token: USDC.toUpperCase().replace('0X', '0x'), maxPerTransaction: '1000', dailyLimit: '2500' }, { chain: 'solana', token: MINT, dailyLimit: 10 }], ...over });
    const moving = (amounts: bigint[], over: Partial<TransactionIntent> = {}) =>
      intent({ transfers: [{ to: USDC, amount: 0n, asset: 'native' }, ...amounts.map((amount) => ({ to: B, amount, asset: `token:${USDC}` as const }))], calls: [{ to: USDC, selector: '0xa9059cbb', tokenEffect: true }], ...over });
    const reason = (d: ReturnType<typeof evaluateTransaction>) => (d.kind === 'deny' ? d.reason : d.kind);

    it('parse → JSON → parse is stable: contracts lowercased, chain ids and amounts as decimal strings', () => {
      const rules = parseTransactionRules(doc({ maxTransactions: { count: 100, windowSeconds: 3600 } }));
      assert.deepEqual(rules.tokenLimits, [{ chain: 'ethereum', chainId: '1', token: USDC, maxPerTransaction: 1000n, dailyLimit: 2500n }, { chain: 'solana', token: MINT, dailyLimit: 10n }]);
      assert.deepEqual(transactionRulesToJson(rules)['tokenLimits'], [{ chain: 'ethereum', chainId: '1', token: USDC, maxPerTransaction: '1000', dailyLimit: '2500' }, { chain: 'solana', token: MINT, dailyLimit: '10' }]);
      assert.deepEqual(parseTransactionRules(transactionRulesToJson(rules)), rules);
      assert.deepEqual(rules.maxTransactions, { count: 100, windowSeconds: 3600 });
    });

    for (const [label, tokenLimits, field] of [
      ['not an array', {}, 'tokenLimits'],
      ['bitcoin', [{ chain: 'bitcoin', token: 'x', dailyLimit: '1' }], 'tokenLimits.0.chain'],
      ['no chainId on ethereum', [{ chain: 'ethereum', token: USDC, dailyLimit: '1' }], 'tokenLimits.0.chainId'],
      ['chainId 0', [{ chain: 'ethereum', chainId: 0, token: USDC, dailyLimit: '1' }], 'tokenLimits.0.chainId'],
      ['chainId in hex', [{ chain: 'ethereum', chainId: '0x1', token: USDC, dailyLimit: '1' }], 'tokenLimits.0.chainId'],
      ['a short contract', [{ chain: 'ethereum', chainId: 1, token: '0x1234', dailyLimit: '1' }], 'tokenLimits.0.token'],
      ['a chainId on solana', [{ chain: 'solana', chainId: 1, token: MINT, dailyLimit: '1' }], 'tokenLimits.0.chainId'],
      ['a mint that is not 32 bytes', [{ chain: 'solana', token: '1111', dailyLimit: '1' }], 'tokenLimits.0.token'],
      ['a mint that is not base58', [{ chain: 'solana', token: '0OIl'.repeat(11), dailyLimit: '1' }], 'tokenLimits.0.token'],
      ['no limit at all', [{ chain: 'ethereum', chainId: 1, token: USDC }], 'tokenLimits.0'],
      ['a negative limit', [{ chain: 'ethereum', chainId: 1, token: USDC, dailyLimit: '-1' }], 'tokenLimits.0.dailyLimit'],
      ['a float limit', [{ chain: 'ethereum', chainId: 1, token: USDC, maxPerTransaction: 1.5 }], 'tokenLimits.0.maxPerTransaction'],
      ['the same token twice (case differs)', [{ chain: 'ethereum', chainId: 1, token: USDC, dailyLimit: '1' }, { chain: 'ethereum', chainId: '1', token: USDC.toUpperCase().replace('0X', '0x'), dailyLimit: '2' }], 'tokenLimits.1.token'],
      ['an unknown member', [{ chain: 'ethereum', chainId: 1, token: USDC, dailyLimit: '1', decimals: 6 }], 'tokenLimits.0.decimals'],
    ] as const) {
      it(`tokenLimits refuses ${label}, naming ${field}`, () => {
        assert.throws(() => parseTransactionRules({ version: 1, tokenLimits }), (e: unknown) => e instanceof StrongboxError && e.field === field);
      });
    }
    for (const [label, maxTransactions, field] of [
      ['count 0', { count: 0, windowSeconds: 60 }, 'maxTransactions.count'],
      ['a window over 30 days', { count: 1, windowSeconds: 30 * 86400 + 1 }, 'maxTransactions.windowSeconds'],
      ['no window', { count: 1 }, 'maxTransactions.windowSeconds'],
      ['a string count', { count: '5', windowSeconds: 60 }, 'maxTransactions.count'],
      ['an unknown member', { count: 1, windowSeconds: 60, perKey: true }, 'maxTransactions.perKey'],
    ] as const) {
      it(`maxTransactions refuses ${label}, naming ${field}`, () => {
        assert.throws(() => parseTransactionRules({ version: 1, maxTransactions }), (e: unknown) => e instanceof StrongboxError && e.field === field);
      });
    }

    it('per transaction: the token total of the transaction (several movements summed) against maxPerTransaction', () => {
      const rules = parseTransactionRules(doc());
      assert.equal(reason(evaluateTransaction(rules, moving([1000n]))), 'allow');
      assert.equal(reason(evaluateTransaction(rules, moving([600n, 401n]))), 'token_limit_exceeded');
      assert.equal(reason(evaluateTransaction(rules, moving([2n ** 256n - 1n]))), 'token_limit_exceeded', 'an unlimited approval');
      assert.match((evaluateTransaction(rules, moving([2n ** 256n - 1n])) as { message: string }).message, /2\^256−1 \(unlimited\) exceeds its maxPerTransaction 1000/);
    });

    it('the allow decision carries each token total with its daily limit, and the count limit, to reserve', () => {
      const d = evaluateTransaction(parseTransactionRules(doc({ maxTransactions: { count: 3, windowSeconds: 60 } })), moving([400n, 500n]));
      assert.equal(d.kind, 'allow');
      assert.deepEqual(d.tokens, [{ bucket: `token:ethereum:1:${USDC}`, amount: 900n, dailyLimit: 2500n }]);
      assert.deepEqual(d.kind === 'allow' && d.maxTransactions, { count: 3, windowSeconds: 60 });
      assert.equal(d.spend, 0n, 'token amounts are not native spend');
    });

    it('a daily limit the transaction alone exceeds is refused at once', () => {
      const rules = parseTransactionRules(doc({ tokenLimits: [{ chain: 'ethereum', chainId: 1, token: USDC, dailyLimit: '99' }] }));
      assert.equal(reason(evaluateTransaction(rules, moving([100n]))), 'token_daily_limit_exceeded');
    });

    it('with tokenLimits, an unlisted token — or the listed contract on another chain — is refused; without, tokens are not limited', () => {
      const rules = parseTransactionRules(doc());
      assert.equal(reason(evaluateTransaction(rules, moving([1n], { network: '137' }))), 'token_not_allowed');
      assert.equal(reason(evaluateTransaction(rules, intent({ transfers: [{ to: B, amount: 1n, asset: `token:${A}` }] }))), 'token_not_allowed');
      assert.match((evaluateTransaction(rules, moving([1n], { network: 'unknown' })) as { message: string }).message, /names no chain id/);
      assert.equal(reason(evaluateTransaction(parseTransactionRules({ version: 1, dailyLimit: '1' }), moving([10n ** 40n]))), 'allow');
    });

    it('a call to a listed token that the intent did not decode is refused; to an unlisted contract it is not a token call', () => {
      const rules = parseTransactionRules(doc());
      assert.equal(reason(evaluateTransaction(rules, intent({ transfers: [], calls: [{ to: USDC, selector: '0x42966c68' }] }))), 'token_method_not_allowed');
      assert.equal(reason(evaluateTransaction(rules, intent({ transfers: [], calls: [{ to: A, selector: '0x42966c68' }] }))), 'allow');
    });

    it('Solana: per mint; a movement without its mint is refused under tokenLimits only', () => {
      const rules = parseTransactionRules(doc());
      const sol = (asset: `token:${string}`, amount: bigint) => intent({ chain: 'solana', network: 'unknown', transfers: [{ to: 'acct', amount, asset }], calls: [] });
      assert.equal(reason(evaluateTransaction(rules, sol(`token:${MINT}`, 10n))), 'allow');
      assert.equal(reason(evaluateTransaction(rules, sol(`token:${MINT}`, 11n))), 'token_daily_limit_exceeded');
      assert.equal(reason(evaluateTransaction(rules, sol(UNKNOWN_TOKEN, 1n))), 'token_mint_unknown');
      assert.equal(reason(evaluateTransaction(parseTransactionRules({ version: 1, destinations: { allow: ['acct'] } }), sol(UNKNOWN_TOKEN, 1n))), 'allow');
    });

    it('order: destinations before tokens, token checks before approval', () => {
      const rules = parseTransactionRules(doc({ destinations: { deny: [B] }, approval: { required: 1, approvers: { subjects: ['x'] } } }));
      assert.equal(reason(evaluateTransaction(rules, moving([5000n]))), 'destination_denied');
      const noDeny = parseTransactionRules(doc({ approval: { required: 1, approvers: { subjects: ['x'] } } }));
      assert.equal(reason(evaluateTransaction(noDeny, moving([5000n]))), 'token_limit_exceeded');
      assert.equal(reason(evaluateTransaction(noDeny, moving([5n]))), 'require_approval');
    });
  });
});
