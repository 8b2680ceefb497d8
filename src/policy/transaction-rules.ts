/**
 * Transaction rules: a per-key (later per-wallet) document evaluated against a chain-neutral
 * *intent* before anything is signed. Chain modules (chains/ethereum/intent.ts, later bitcoin/ and
 * solana/) decode a transaction into the intent; this module never sees chain encodings.
 *
 * Pure: no I/O, no clock of its own. The rolling 24-hour limit needs the store (an atomic
 * reservation, see Store.reserveSpend); evaluation returns the amount to reserve and the limit.
 *
 * Document format, version 1 (docs/policies.md, "Transaction rules"): every member optional
 * except `version`; unknown members are refused so a typo never silently disables a rule.
 *
 * Fees are spent value: the most a transaction can pay in network fees (the intent's `fee`, charged to
 * the signing key) counts with its native value against maxValuePerTransaction, dailyLimit and
 * approval.aboveValue, and alone against maxFeePerTransaction. Otherwise a transaction moving almost
 * nothing could hand the key's funds to miners (an absurd gas price, PSBT inputs far above outputs,
 * a huge compute-unit price) under every value limit.
 *
 * Tokens count too, per token (`tokenLimits`: per transaction and rolling 24 hours per (chain, token
 * contract or mint)), and so does the number of signatures (`maxTransactions` per rolling window): like
 * the native 24-hour limit, both are reserved atomically in storage when the transaction is signed
 * (Store.reserveLimits); evaluation returns what to reserve.
 */
import { base58 } from '@scure/base';
import { StrongboxError } from '../protocol/errors.js';
import { parseDuration } from '../protocol/duration.js';

export const TRANSACTION_RULES_VERSION = 1;

export type Chain = 'ethereum' | 'bitcoin' | 'solana';
export const CHAINS: readonly Chain[] = ['ethereum', 'bitcoin', 'solana'];
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
const WEEKDAYS: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export interface TransactionTimeWindow {
  /** UTC weekdays; default every day */
  days?: Weekday[];
  /** "HH:MM" UTC, inclusive */
  start: string;
  /** "HH:MM" UTC, exclusive; before start spans midnight */
  end: string;
}

export interface ApprovalRule {
  /** transactions whose native value plus fee is at or above this need approval; absent = every transaction */
  aboveValue?: bigint;
  /** M: how many distinct listed approvers must approve */
  required: number;
  /** the named approvers: token subjects, and/or every token holding this policy */
  approvers: { subjects?: string[]; policy?: string };
  /** a pending request expires (and can never sign) after this long; default 24 h */
  expiresAfterSeconds: number;
  /** also hold every EIP-7702 delegation change the key signs (an authorization, alone or in a type-4 transaction), whatever its value */
  delegations?: boolean;
  /** also hold every EIP-7002/7251 validator request, whatever its value */
  validatorRequests?: boolean;
}

export type ValidatorRequestKind = 'withdrawal' | 'consolidation';
export const VALIDATOR_REQUEST_KINDS: readonly ValidatorRequestKind[] = ['withdrawal', 'consolidation'];

/** An EIP-7002 withdrawal (or exit: amount 0) or EIP-7251 consolidation request, by validator public key (0x-hex, 48 bytes). */
export type ValidatorRequest = { kind: 'withdrawal'; pubkey: string; amountGwei: bigint } | { kind: 'consolidation'; pubkey: string; targetPubkey: string };

/** A token's limits: per transaction and per rolling 24 hours, in the token's base units. */
export interface TokenLimit {
  /** Bitcoin has no tokens */
  chain: 'ethereum' | 'solana';
  /** ethereum: the chain id (decimal string) the contract lives on; solana: absent (a mint is one address) */
  chainId?: string;
  /** ethereum: the ERC-20 contract (lowercase 0x-hex); solana: the SPL mint (base58) */
  token: string;
  maxPerTransaction?: bigint;
  dailyLimit?: bigint;
}

/** At most `count` signatures per rolling `windowSeconds`, whatever chain or route. */
export interface TransactionCountLimit {
  count: number;
  windowSeconds: number;
}

export interface TransactionRules {
  version: 1;
  /**
   * chain → allowed networks (ethereum: chain id as a decimal string, or `unknown` for typed data whose
   * domain names no chain id); a chain not listed is refused
   */
  allowedNetworks?: Partial<Record<Chain, string[]>>;
  destinations?: { allow?: string[]; deny?: string[] };
  /** native value plus fee, smallest unit (wei, satoshi, lamport) */
  maxValuePerTransaction?: bigint;
  /** the fee alone, smallest unit */
  maxFeePerTransaction?: bigint;
  /** rolling 24-hour native spending limit for the key (values plus fees) */
  dailyLimit?: bigint;
  /** contract calls may only use these 4-byte selectors (0x-hex, lowercase); a creation is refused */
  allowedSelectors?: string[];
  /** signing is allowed only inside one of these windows */
  timeWindows?: TransactionTimeWindow[];
  approval?: ApprovalRule;
  /**
   * per-token limits; with this member present, a token movement (transfer, transferFrom, approve, permit,
   * SPL Transfer/Approve) of a token it does not list is refused
   */
  tokenLimits?: TokenLimit[];
  /** at most N signatures the rules judge per rolling window */
  maxTransactions?: TransactionCountLimit;
  /** refuse raw-digest signing with this key (sign with a digest, AWS Sign with MessageType DIGEST) */
  forbidBlindSigning?: boolean;
  /**
   * EIP-7702: the delegate (code) addresses the key's account may be pointed at, lowercase. Absent: a key
   * with rules signs no delegation. Clearing (address 0x0…0) is always allowed.
   */
  allowedDelegates?: string[];
  /** EIP-7702: sign authorizations with chain id 0 (valid on every chain); default false */
  allowChainIdZeroAuthorizations?: boolean;
  /** EIP-7002/7251 requests the key may send; absent: none */
  allowedValidatorRequests?: ValidatorRequestKind[];
}

/** A fee that cannot be bounded from the transaction alone: why, and the request field at fault. */
export interface UnboundedFee {
  unbounded: string;
  field: string;
}

/** What a transaction does, in chain-neutral terms. Addresses as the chain writes them. */
export interface TransactionIntent {
  chain: Chain;
  network: string;
  /**
   * `asset: 'native'` moves the chain's coin; `token:<contract or mint>` a token (ERC-20, SPL), counted
   * against tokenLimits only; `token:?` (UNKNOWN_TOKEN) a token whose mint the transaction does not name
   * (SPL Transfer / Approve).
   * `to: null`: native value sent into a contract creation (no destination to judge, but spent).
   */
  transfers: { to: string | null; amount: bigint; asset: 'native' | `token:${string}` }[];
  /**
   * contract calls (ethereum: data non-empty); `to` null = contract creation. `tokenEffect`: the call's
   * effect on a token was decoded into `transfers` (ERC-20 transfer, transferFrom, approve,
   * increaseAllowance, decreaseAllowance; a permit's consuming call): a call to a token under tokenLimits
   * without it is refused, since the limits could not see what it moves.
   */
  calls: { to: string | null; selector: string; tokenEffect?: true }[];
  /**
   * The most the transaction can pay in network fees, charged to the signing key, in the native
   * smallest unit (0n when another account pays); UnboundedFee when it cannot be known.
   */
  fee: bigint | UnboundedFee;
  now: Date;
  /**
   * EIP-7702 delegations the key signs (ethereum): the delegate address (lowercase; 0x0…0 clears) and
   * the authorization's chain id (0: every chain)
   */
  delegations?: { delegate: string; chainId: number }[];
  /** authorizations in the transaction signed by other accounts (not the key's delegations; shown to approvers) */
  otherAuthorizations?: number;
  /** EIP-7002/7251 validator requests (ethereum) */
  validatorRequests?: ValidatorRequest[];
}

export type DenyReason =
  | 'network_not_allowed'
  | 'destination_denied'
  | 'destination_not_allowed'
  | 'contract_creation_not_allowed'
  | 'selector_not_allowed'
  | 'fee_unknown'
  | 'fee_limit_exceeded'
  | 'value_exceeds_maximum'
  | 'outside_time_window'
  | 'daily_limit_exceeded'
  | 'blind_signing_forbidden'
  /** a Gnosis Safe SafeTx whose operation is a delegatecall (runs any code as the Safe) */
  | 'delegatecall_forbidden'
  /** a Gnosis Safe SafeTx calling the Safe itself (add an owner, enable a module, change the threshold…) */
  | 'safe_self_call_forbidden'
  /** a Gnosis Safe SafeTx with a gas refund (gasPrice ≠ 0): its amount depends on gas used, unbounded by the signature */
  | 'safe_refund_forbidden'
  | 'approval_rejected'
  | 'approval_expired'
  /** an EIP-7702 delegation to a delegate not in allowedDelegates */
  | 'delegate_not_allowed'
  /** an EIP-7702 authorization with chain id 0 without allowChainIdZeroAuthorizations */
  | 'authorization_chain_id_zero'
  /** an EIP-7002/7251 request of a kind not in allowedValidatorRequests */
  | 'validator_request_not_allowed'
  /** a token movement of a token tokenLimits does not list (tokenLimits present) */
  | 'token_not_allowed'
  /** an SPL Transfer / Approve, which does not name its mint, under tokenLimits (use TransferChecked) */
  | 'token_mint_unknown'
  /** a call to a token listed in tokenLimits whose effect on the token is not decoded */
  | 'token_method_not_allowed'
  /** a token's amount in one transaction exceeds its maxPerTransaction */
  | 'token_limit_exceeded'
  /** a token's rolling 24-hour limit (alone, or with what was already reserved) */
  | 'token_daily_limit_exceeded'
  /** maxTransactions: the window already holds `count` signatures */
  | 'transaction_count_exceeded';

/** The asset of a token movement whose token is not named (SPL Transfer / Approve carry no mint). */
export const UNKNOWN_TOKEN = 'token:?';

/** A token's total in one transaction, with its bucket (the reservation key) and the limit that governs it. */
export interface TokenAmount {
  /** `token:ethereum:<chain id>:<contract>` or `token:solana:<mint>` */
  bucket: string;
  amount: bigint;
  /** the token's rolling 24-hour limit, when tokenLimits sets one */
  dailyLimit?: bigint;
}

/**
 * Every decision carries the transaction's native value and fee (null: not bounded, and no value rule
 * needed it); `spend` = value + fee is what counts against the limits and what is reserved.
 */
interface Amounts {
  nativeAmount: bigint;
  fee: bigint | null;
  spend: bigint;
  /** token totals of the transaction, per token (empty when it moves none) */
  tokens: TokenAmount[];
}

export type TransactionDecision =
  | ({ kind: 'allow'; dailyLimit: bigint | undefined; maxTransactions: TransactionCountLimit | undefined } & Amounts)
  | ({ kind: 'deny'; reason: DenyReason; message: string; field?: string } & Amounts)
  | ({ kind: 'require_approval'; reason: string; approval: ApprovalRule } & Amounts);

// ---------------------------------------------------------------- validation

const HHMM = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;
const DECIMAL = /^(0|[1-9][0-9]{0,77})$/;
const SELECTOR = /^0x[0-9a-fA-F]{8}$/;
const NETWORK = /^[A-Za-z0-9._-]{1,64}$/;
const SUBJECT = /^[^\s]{1,256}$/;
const POLICY_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const MAX_LIST = 1000;

function bad(field: string, detail: string): StrongboxError {
  return new StrongboxError('INVALID_ARGUMENT', `${field} ${detail}`, { field });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function assertKeys(v: Record<string, unknown>, allowed: readonly string[], at: string): void {
  for (const k of Object.keys(v)) {
    if (!allowed.includes(k)) throw new StrongboxError('UNKNOWN_FIELD', `unknown field "${at ? `${at}.` : ''}${k}"`, { field: at ? `${at}.${k}` : k });
  }
}

function stringList(v: unknown, field: string, pattern: RegExp, what: string): string[] {
  if (!Array.isArray(v)) throw bad(field, 'must be an array');
  if (v.length > MAX_LIST) throw bad(field, `must have at most ${MAX_LIST} entries`);
  return v.map((x, i) => {
    if (typeof x !== 'string' || !pattern.test(x)) throw bad(`${field}.${i}`, `must be ${what}`);
    return x;
  });
}

/** A non-negative integer amount: a decimal string (amounts exceed 2^53) or a safe JSON integer. */
function amount(v: unknown, field: string): bigint {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'string' && DECIMAL.test(v)) return BigInt(v);
  throw bad(field, 'must be a non-negative integer as a decimal string (smallest unit, e.g. wei)');
}

/** Addresses in rules are normalized per chain: Ethereum's are compared case-insensitively. */
function destination(v: unknown, field: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 128 || !/^[A-Za-z0-9:_-]+$/.test(v)) throw bad(field, 'must be an address');
  if (/^0x/i.test(v)) {
    if (!/^0x[0-9a-fA-F]{40}$/.test(v)) throw bad(field, 'must be a 20-byte 0x-hex Ethereum address');
    return v.toLowerCase();
  }
  return v;
}

const MAX_COUNT_WINDOW_SECONDS = 30 * 86400;
const CHAIN_ID = /^[1-9][0-9]{0,15}$/;

/** The reservation bucket of a token: its chain, network (Ethereum chain id) and contract or mint. */
export function tokenBucket(chain: Chain, network: string, token: string): string {
  return chain === 'ethereum' ? `token:ethereum:${network}:${token.toLowerCase()}` : `token:${chain}:${token}`;
}

function parseTokenLimits(v: unknown): TokenLimit[] {
  if (!Array.isArray(v)) throw bad('tokenLimits', 'must be an array of {chain, chainId?, token, maxPerTransaction?, dailyLimit?}');
  if (v.length > MAX_LIST) throw bad('tokenLimits', `must have at most ${MAX_LIST} entries`);
  const seen = new Set<string>();
  return v.map((e: unknown, i) => {
    const at = `tokenLimits.${i}`;
    if (!isObject(e)) throw bad(at, 'must be an object {chain, chainId?, token, maxPerTransaction?, dailyLimit?}');
    assertKeys(e, ['chain', 'chainId', 'token', 'maxPerTransaction', 'dailyLimit'], at);
    const chain = e['chain'];
    if (chain !== 'ethereum' && chain !== 'solana') throw bad(`${at}.chain`, 'must be ethereum or solana (the chains with tokens Strongbox decodes)');
    const limit: TokenLimit = { chain, token: '' };
    const token = e['token'];
    if (chain === 'ethereum') {
      const id = e['chainId'];
      const text = typeof id === 'number' && Number.isSafeInteger(id) ? String(id) : id;
      if (typeof text !== 'string' || !CHAIN_ID.test(text)) throw bad(`${at}.chainId`, 'must be the chain id of the token contract (a positive integer, or a decimal string)');
      limit.chainId = text;
      if (typeof token !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(token)) throw bad(`${at}.token`, 'must be the ERC-20 contract: a 20-byte 0x-hex address');
      limit.token = token.toLowerCase();
    } else {
      if (e['chainId'] !== undefined) throw bad(`${at}.chainId`, 'is for Ethereum tokens only: a Solana mint is named by its address alone');
      let bytes: Uint8Array | undefined;
      try {
        bytes = typeof token === 'string' && token.length <= 44 ? base58.decode(token) : undefined;
      } catch {
        bytes = undefined;
      }
      if (bytes?.byteLength !== 32) throw bad(`${at}.token`, 'must be the SPL mint: a base58 32-byte address');
      limit.token = token as string;
    }
    if (e['maxPerTransaction'] !== undefined) limit.maxPerTransaction = amount(e['maxPerTransaction'], `${at}.maxPerTransaction`);
    if (e['dailyLimit'] !== undefined) limit.dailyLimit = amount(e['dailyLimit'], `${at}.dailyLimit`);
    if (limit.maxPerTransaction === undefined && limit.dailyLimit === undefined) throw bad(at, 'must set maxPerTransaction and/or dailyLimit');
    const bucket = tokenBucket(chain, limit.chainId ?? '', limit.token);
    if (seen.has(bucket)) throw bad(`${at}.token`, 'is listed twice for the same chain');
    seen.add(bucket);
    return limit;
  });
}

/**
 * Validates a rules document strictly (types, ranges, unknown members), naming the offending field.
 * Returns the parsed form (amounts as bigint, addresses and selectors normalized).
 */
export function parseTransactionRules(doc: unknown): TransactionRules {
  if (!isObject(doc)) throw bad('rules', 'must be an object');
  assertKeys(doc, ['version', 'allowedNetworks', 'destinations', 'maxValuePerTransaction', 'maxFeePerTransaction', 'dailyLimit', 'allowedSelectors', 'timeWindows', 'approval', 'forbidBlindSigning', 'allowedDelegates', 'allowChainIdZeroAuthorizations', 'allowedValidatorRequests', 'tokenLimits', 'maxTransactions'], '');
  if (doc['version'] !== TRANSACTION_RULES_VERSION) throw bad('version', `must be ${TRANSACTION_RULES_VERSION}`);
  const out: TransactionRules = { version: 1 };
  const nets = doc['allowedNetworks'];
  if (nets !== undefined) {
    if (!isObject(nets)) throw bad('allowedNetworks', 'must be an object: chain → list of networks');
    assertKeys(nets, CHAINS, 'allowedNetworks');
    out.allowedNetworks = {};
    for (const chain of CHAINS) {
      if (nets[chain] === undefined) continue;
      const list = stringList(nets[chain], `allowedNetworks.${chain}`, chain === 'ethereum' ? /^([1-9][0-9]{0,15}|unknown)$/ : NETWORK, chain === 'ethereum' ? 'a chain id as a decimal string, or unknown' : 'a network name');
      out.allowedNetworks[chain] = list;
    }
  }
  const dest = doc['destinations'];
  if (dest !== undefined) {
    if (!isObject(dest)) throw bad('destinations', 'must be an object with allow and/or deny');
    assertKeys(dest, ['allow', 'deny'], 'destinations');
    out.destinations = {};
    for (const which of ['allow', 'deny'] as const) {
      const list = dest[which];
      if (list === undefined) continue;
      if (!Array.isArray(list)) throw bad(`destinations.${which}`, 'must be an array of addresses');
      if (list.length > MAX_LIST) throw bad(`destinations.${which}`, `must have at most ${MAX_LIST} entries`);
      out.destinations[which] = list.map((a, i) => destination(a, `destinations.${which}.${i}`));
    }
  }
  if (doc['maxValuePerTransaction'] !== undefined) out.maxValuePerTransaction = amount(doc['maxValuePerTransaction'], 'maxValuePerTransaction');
  if (doc['maxFeePerTransaction'] !== undefined) out.maxFeePerTransaction = amount(doc['maxFeePerTransaction'], 'maxFeePerTransaction');
  if (doc['dailyLimit'] !== undefined) out.dailyLimit = amount(doc['dailyLimit'], 'dailyLimit');
  if (doc['allowedSelectors'] !== undefined) out.allowedSelectors = stringList(doc['allowedSelectors'], 'allowedSelectors', SELECTOR, 'a 4-byte selector (0x + 8 hex digits)').map((s) => s.toLowerCase());
  const windows = doc['timeWindows'];
  if (windows !== undefined) {
    if (!Array.isArray(windows) || windows.length === 0) throw bad('timeWindows', 'must be a non-empty array of {days, start, end}');
    out.timeWindows = windows.map((w: unknown, i) => {
      const at = `timeWindows.${i}`;
      if (!isObject(w)) throw bad(at, 'must be an object {days, start, end}');
      assertKeys(w, ['days', 'start', 'end'], at);
      if (typeof w['start'] !== 'string' || !HHMM.test(w['start'])) throw bad(`${at}.start`, 'must be HH:MM (UTC)');
      if (typeof w['end'] !== 'string' || !HHMM.test(w['end'])) throw bad(`${at}.end`, 'must be HH:MM (UTC)');
      const tw: TransactionTimeWindow = { start: w['start'], end: w['end'] };
      if (w['days'] !== undefined) {
        const days = stringList(w['days'], `${at}.days`, /^(mon|tue|wed|thu|fri|sat|sun)$/, 'one of mon tue wed thu fri sat sun');
        if (days.length === 0) throw bad(`${at}.days`, 'must not be empty');
        tw.days = days as Weekday[];
      }
      return tw;
    });
  }
  const ap = doc['approval'];
  if (ap !== undefined) {
    if (!isObject(ap)) throw bad('approval', 'must be an object {required, approvers, aboveValue?, expiresAfterSeconds?}');
    assertKeys(ap, ['aboveValue', 'required', 'approvers', 'expiresAfterSeconds', 'delegations', 'validatorRequests'], 'approval');
    const required = ap['required'];
    if (typeof required !== 'number' || !Number.isInteger(required) || required < 1 || required > 100) throw bad('approval.required', 'must be an integer from 1 to 100');
    const approvers = ap['approvers'];
    if (!isObject(approvers)) throw bad('approval.approvers', 'must be an object {subjects?, policy?}');
    assertKeys(approvers, ['subjects', 'policy'], 'approval.approvers');
    const rule: ApprovalRule = { required, approvers: {}, expiresAfterSeconds: 86400 };
    if (approvers['subjects'] !== undefined) {
      const subjects = stringList(approvers['subjects'], 'approval.approvers.subjects', SUBJECT, 'a token subject');
      if (new Set(subjects).size !== subjects.length) throw bad('approval.approvers.subjects', 'must not repeat a subject');
      rule.approvers.subjects = subjects;
    }
    if (approvers['policy'] !== undefined) {
      if (typeof approvers['policy'] !== 'string' || !POLICY_NAME.test(approvers['policy'])) throw bad('approval.approvers.policy', 'must be a policy name');
      rule.approvers.policy = approvers['policy'];
    }
    if (rule.approvers.subjects === undefined && rule.approvers.policy === undefined) throw bad('approval.approvers', 'must name subjects and/or a policy');
    if (rule.approvers.policy === undefined && required > rule.approvers.subjects!.length) throw bad('approval.required', `must not exceed the ${rule.approvers.subjects!.length} listed approvers`);
    if (ap['aboveValue'] !== undefined) rule.aboveValue = amount(ap['aboveValue'], 'approval.aboveValue');
    const ttl = ap['expiresAfterSeconds'];
    // Seconds, or a duration such as "24h" (stored as seconds: transactionRulesToJson writes the number).
    if (ttl !== undefined) rule.expiresAfterSeconds = parseDuration(ttl, { field: 'approval.expiresAfterSeconds', unit: 'seconds', min: 60, max: 30 * 86400 });
    for (const flag of ['delegations', 'validatorRequests'] as const) {
      if (ap[flag] === undefined) continue;
      if (typeof ap[flag] !== 'boolean') throw bad(`approval.${flag}`, 'must be a boolean');
      rule[flag] = ap[flag];
    }
    out.approval = rule;
  }
  if (doc['tokenLimits'] !== undefined) out.tokenLimits = parseTokenLimits(doc['tokenLimits']);
  const count = doc['maxTransactions'];
  if (count !== undefined) {
    if (!isObject(count)) throw bad('maxTransactions', 'must be an object {count, windowSeconds}');
    assertKeys(count, ['count', 'windowSeconds'], 'maxTransactions');
    const n = count['count'];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 1_000_000_000) throw bad('maxTransactions.count', 'must be an integer from 1 to 1000000000');
    const w = count['windowSeconds'];
    if (typeof w !== 'number' || !Number.isInteger(w) || w < 1 || w > MAX_COUNT_WINDOW_SECONDS) throw bad('maxTransactions.windowSeconds', `must be an integer from 1 to ${MAX_COUNT_WINDOW_SECONDS} (30 days)`);
    out.maxTransactions = { count: n, windowSeconds: w };
  }
  if (doc['forbidBlindSigning'] !== undefined) {
    if (typeof doc['forbidBlindSigning'] !== 'boolean') throw bad('forbidBlindSigning', 'must be a boolean');
    out.forbidBlindSigning = doc['forbidBlindSigning'];
  }
  if (doc['allowedDelegates'] !== undefined) {
    out.allowedDelegates = stringList(doc['allowedDelegates'], 'allowedDelegates', /^0x[0-9a-fA-F]{40}$/, 'a 20-byte 0x-hex address').map((a) => a.toLowerCase());
  }
  if (doc['allowChainIdZeroAuthorizations'] !== undefined) {
    if (typeof doc['allowChainIdZeroAuthorizations'] !== 'boolean') throw bad('allowChainIdZeroAuthorizations', 'must be a boolean');
    out.allowChainIdZeroAuthorizations = doc['allowChainIdZeroAuthorizations'];
  }
  if (doc['allowedValidatorRequests'] !== undefined) {
    out.allowedValidatorRequests = stringList(doc['allowedValidatorRequests'], 'allowedValidatorRequests', /^(withdrawal|consolidation)$/, 'withdrawal or consolidation') as ValidatorRequestKind[];
  }
  return out;
}

/** The wire (JSON) form of parsed rules: amounts as decimal strings. Parsing it again gives the same rules. */
export function transactionRulesToJson(rules: TransactionRules): Record<string, unknown> {
  const out: Record<string, unknown> = { version: rules.version };
  if (rules.allowedNetworks) out['allowedNetworks'] = rules.allowedNetworks;
  if (rules.destinations) out['destinations'] = rules.destinations;
  if (rules.maxValuePerTransaction !== undefined) out['maxValuePerTransaction'] = rules.maxValuePerTransaction.toString();
  if (rules.maxFeePerTransaction !== undefined) out['maxFeePerTransaction'] = rules.maxFeePerTransaction.toString();
  if (rules.dailyLimit !== undefined) out['dailyLimit'] = rules.dailyLimit.toString();
  if (rules.allowedSelectors) out['allowedSelectors'] = rules.allowedSelectors;
  if (rules.timeWindows) out['timeWindows'] = rules.timeWindows;
  if (rules.approval) {
    const { aboveValue, ...rest } = rules.approval;
    out['approval'] = { ...rest, ...(aboveValue === undefined ? {} : { aboveValue: aboveValue.toString() }) };
  }
  if (rules.tokenLimits) {
    out['tokenLimits'] = rules.tokenLimits.map((t) => ({
      chain: t.chain,
      ...(t.chainId === undefined ? {} : { chainId: t.chainId }),
      token: t.token,
      ...(t.maxPerTransaction === undefined ? {} : { maxPerTransaction: t.maxPerTransaction.toString() }),
      ...(t.dailyLimit === undefined ? {} : { dailyLimit: t.dailyLimit.toString() }),
    }));
  }
  if (rules.maxTransactions) out['maxTransactions'] = { ...rules.maxTransactions };
  if (rules.forbidBlindSigning !== undefined) out['forbidBlindSigning'] = rules.forbidBlindSigning;
  if (rules.allowedDelegates !== undefined) out['allowedDelegates'] = rules.allowedDelegates;
  if (rules.allowChainIdZeroAuthorizations !== undefined) out['allowChainIdZeroAuthorizations'] = rules.allowChainIdZeroAuthorizations;
  if (rules.allowedValidatorRequests !== undefined) out['allowedValidatorRequests'] = rules.allowedValidatorRequests;
  return out;
}

// ---------------------------------------------------------------- evaluation

/** The network of an EIP-7702 authorization with chain id 0 (valid on every chain). */
export const ANY_CHAIN = '0';
const CLEAR_DELEGATE = '0x0000000000000000000000000000000000000000';

const minutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

function inWindow(w: TransactionTimeWindow, now: Date): boolean {
  const t = now.getUTCHours() * 60 + now.getUTCMinutes();
  const start = minutes(w.start);
  const end = minutes(w.end);
  // A window spanning midnight belongs to the day it starts on.
  const spansMidnight = end <= start;
  const inTime = spansMidnight ? t >= start || t < end : t >= start && t < end;
  if (!inTime) return false;
  if (w.days === undefined) return true;
  const dayIndex = spansMidnight && t < end ? (now.getUTCDay() + 6) % 7 : now.getUTCDay();
  return w.days.includes(WEEKDAYS[dayIndex]!);
}

/** Addresses are compared as the rules store them: Ethereum hex lowercased. */
function normalize(chain: Chain, address: string): string {
  return chain === 'ethereum' ? address.toLowerCase() : address;
}

/** The rules that compare amounts: each needs the fee bounded. */
function valueRules(rules: TransactionRules): string[] {
  const names: string[] = [];
  if (rules.maxValuePerTransaction !== undefined) names.push('maxValuePerTransaction');
  if (rules.maxFeePerTransaction !== undefined) names.push('maxFeePerTransaction');
  if (rules.dailyLimit !== undefined) names.push('dailyLimit');
  if (rules.approval?.aboveValue !== undefined) names.push('approval.aboveValue');
  return names;
}

/** 2^256 − 1: an ERC-20 approval (or a DAI permit) of it never runs out. */
const MAX_UINT256 = 2n ** 256n - 1n;
const tokenName = (bucket: string): string => bucket.slice('token:'.length);
const tokenQuantity = (amount: bigint): string => (amount === MAX_UINT256 ? '2^256−1 (unlimited)' : amount.toString());

/** The transaction's token movements summed per token (its bucket), in first-seen order. */
function tokenTotals(intent: TransactionIntent): TokenAmount[] {
  const totals = new Map<string, TokenAmount>();
  for (const t of intent.transfers) {
    if (t.asset === 'native') continue;
    const bucket = tokenBucket(intent.chain, intent.network, t.asset.slice('token:'.length));
    const seen = totals.get(bucket);
    if (seen === undefined) totals.set(bucket, { bucket, amount: t.amount });
    else seen.amount += t.amount;
  }
  return [...totals.values()];
}

/** "value V + fee F" (or "value V" when there is no fee to count) for messages. */
const describeSpend = (a: Amounts): string => (a.fee === null || a.fee === 0n ? `value ${a.nativeAmount}` : `value ${a.nativeAmount} + fee ${a.fee} = ${a.spend}`);

/**
 * Evaluates every static rule, in a fixed order (network, destinations, selectors, listed tokens, fee,
 * value, token per transaction, time, a 24-hour limit the transaction alone exceeds — native, then per
 * token), and then whether approval is needed. The first failing rule decides.
 * `approved` = a quorum of approvers already approved (re-evaluation before signing).
 */
export function evaluateTransaction(rules: TransactionRules, intent: TransactionIntent, options: { approved?: boolean } = {}): TransactionDecision {
  const nativeAmount = intent.transfers.filter((t) => t.asset === 'native').reduce((sum, t) => sum + t.amount, 0n);
  const fee = typeof intent.fee === 'bigint' ? intent.fee : null;
  const amounts: Amounts = { nativeAmount, fee, spend: nativeAmount + (fee ?? 0n), tokens: tokenTotals(intent) };
  const deny = (reason: DenyReason, message: string, field?: string): TransactionDecision => ({ kind: 'deny', reason, message, ...(field === undefined ? {} : { field }), ...amounts });
  const delegations = intent.delegations ?? [];
  // An EIP-7702 authorization with chain id 0 is valid on every chain: only by explicit opt-in, which
  // then stands for the network rule too (its network is every network).
  if (delegations.some((d) => d.chainId === 0) && rules.allowChainIdZeroAuthorizations !== true) {
    return deny('authorization_chain_id_zero', 'an EIP-7702 authorization with chainId 0 is valid on every chain: set allowChainIdZeroAuthorizations to sign it');
  }
  const nets = rules.allowedNetworks;
  if (nets !== undefined) {
    const allowed = nets[intent.chain];
    const every = intent.network === ANY_CHAIN && delegations.length > 0;
    if (!every && (allowed === undefined || !allowed.includes(intent.network))) return deny('network_not_allowed', `${intent.chain} network ${intent.network} is not in allowedNetworks`);
    const other = delegations.find((d) => d.chainId !== 0 && !(allowed ?? []).includes(String(d.chainId)));
    if (other !== undefined) return deny('network_not_allowed', `an EIP-7702 authorization for chain ${other.chainId} is not in allowedNetworks`);
  }
  // A PSBT does not say which network it is for: the caller names it, and its outputs' addresses are
  // rendered for that network. Destination lists would be dodged by naming another network, so
  // they apply to Bitcoin only when allowedNetworks pins the network.
  if (intent.chain === 'bitcoin' && rules.destinations !== undefined && nets?.bitcoin === undefined) {
    return deny('network_not_allowed', 'Bitcoin destination rules need allowedNetworks.bitcoin: a PSBT does not name its network, so the addresses its outputs are compared as depend on the network the request names');
  }
  const destinations = [...intent.transfers.flatMap((t) => (t.to === null ? [] : [t.to])), ...intent.calls.flatMap((c) => (c.to === null ? [] : [c.to]))].map((a) => normalize(intent.chain, a));
  const creation = intent.calls.some((c) => c.to === null);
  const denyList = rules.destinations?.deny;
  if (denyList !== undefined) {
    const hit = destinations.find((d) => denyList.includes(d));
    if (hit !== undefined) return deny('destination_denied', `destination ${hit} is on the deny list`);
  }
  const allowList = rules.destinations?.allow;
  if (allowList !== undefined) {
    if (creation) return deny('contract_creation_not_allowed', 'a contract creation has no destination on the allow list');
    const miss = destinations.find((d) => !allowList.includes(d));
    if (miss !== undefined) return deny('destination_not_allowed', `destination ${miss} is not on the allow list`);
  }
  const selectors = rules.allowedSelectors;
  if (selectors !== undefined) {
    if (creation) return deny('contract_creation_not_allowed', 'contract creations are refused when allowedSelectors is set');
    const miss = intent.calls.find((c) => !selectors.includes(c.selector.toLowerCase()));
    if (miss !== undefined) return deny('selector_not_allowed', `method selector ${miss.selector} is not in allowedSelectors`);
  }
  // A delegation hands the account to the delegate's code, which can then move everything without any
  // further signature: only listed delegates, for a key with rules. Clearing (0x0…0) gives nothing away.
  const notListed = delegations.find((d) => d.delegate !== CLEAR_DELEGATE && !(rules.allowedDelegates ?? []).includes(d.delegate));
  if (notListed !== undefined) {
    return deny('delegate_not_allowed', rules.allowedDelegates === undefined ? `the key's rules allow no EIP-7702 delegation (no allowedDelegates), and this one points the account at ${notListed.delegate}` : `EIP-7702 delegate ${notListed.delegate} is not in allowedDelegates`);
  }
  const request = (intent.validatorRequests ?? []).find((r) => !(rules.allowedValidatorRequests ?? []).includes(r.kind));
  if (request !== undefined) {
    return deny('validator_request_not_allowed', `an EIP-${request.kind === 'withdrawal' ? '7002 withdrawal' : '7251 consolidation'} request for validator ${request.pubkey.slice(0, 18)}… is not in allowedValidatorRequests`);
  }
  // Token limits: with tokenLimits, only the tokens listed move, and a call to a listed token must be
  // one whose effect the intent decoded (else its amount would escape the limits).
  const tokenLimits = new Map<string, TokenLimit>((rules.tokenLimits ?? []).map((t) => [tokenBucket(t.chain, t.chainId ?? '', t.token), t]));
  if (rules.tokenLimits !== undefined) {
    for (const t of amounts.tokens) {
      if (t.bucket === tokenBucket(intent.chain, intent.network, UNKNOWN_TOKEN.slice('token:'.length))) {
        return deny('token_mint_unknown', 'an SPL Token Transfer or Approve does not name its mint, so tokenLimits cannot tell which token it moves: use TransferChecked / ApproveChecked');
      }
      if (!tokenLimits.has(t.bucket)) {
        const hint = intent.network === 'unknown' ? ' (the typed data names no chain id, and every Ethereum entry names one)' : '';
        return deny('token_not_allowed', `token ${tokenName(t.bucket)} has no entry in tokenLimits${hint}: a key with token limits moves only the tokens they list`);
      }
    }
    for (const c of intent.calls) {
      if (c.to === null || c.tokenEffect === true) continue;
      const bucket = tokenBucket(intent.chain, intent.network, c.to);
      if (tokenLimits.has(bucket)) return deny('token_method_not_allowed', `method ${c.selector} of token ${tokenName(bucket)} is not one whose amount the rules read (transfer, transferFrom, approve, increaseAllowance, decreaseAllowance): its effect would escape tokenLimits`);
    }
  }
  if (typeof intent.fee !== 'bigint') {
    // A fee that cannot be bounded could spend anything: keys whose rules compare amounts refuse it.
    const needing = valueRules(rules);
    if (needing.length > 0) return deny('fee_unknown', `the fee cannot be bounded (${intent.fee.unbounded}), and the key's ${needing.join(', ')} count it`, intent.fee.field);
  }
  const { spend } = amounts;
  if (rules.maxFeePerTransaction !== undefined && (fee ?? 0n) > rules.maxFeePerTransaction) {
    return deny('fee_limit_exceeded', `fee ${fee} exceeds maxFeePerTransaction ${rules.maxFeePerTransaction}`);
  }
  if (rules.maxValuePerTransaction !== undefined && spend > rules.maxValuePerTransaction) {
    return deny('value_exceeds_maximum', `${describeSpend(amounts)} exceeds maxValuePerTransaction ${rules.maxValuePerTransaction}`);
  }
  for (const t of amounts.tokens) {
    const max = tokenLimits.get(t.bucket)?.maxPerTransaction;
    if (max !== undefined && t.amount > max) return deny('token_limit_exceeded', `token ${tokenName(t.bucket)} amount ${tokenQuantity(t.amount)} exceeds its maxPerTransaction ${max}`);
  }
  if (rules.timeWindows !== undefined && !rules.timeWindows.some((w) => inWindow(w, intent.now))) {
    return deny('outside_time_window', `${intent.now.toISOString()} is outside every allowed time window (UTC)`);
  }
  if (rules.dailyLimit !== undefined && spend > rules.dailyLimit) {
    return deny('daily_limit_exceeded', `${describeSpend(amounts)} alone exceeds the 24-hour limit ${rules.dailyLimit}`);
  }
  for (const t of amounts.tokens) {
    const daily = tokenLimits.get(t.bucket)?.dailyLimit;
    if (daily === undefined) continue;
    if (t.amount > daily) return deny('token_daily_limit_exceeded', `token ${tokenName(t.bucket)} amount ${tokenQuantity(t.amount)} alone exceeds its 24-hour limit ${daily}`);
    t.dailyLimit = daily;
  }
  const ap = rules.approval;
  const delegationHeld = ap?.delegations === true && delegations.length > 0;
  const requestHeld = ap?.validatorRequests === true && (intent.validatorRequests ?? []).length > 0;
  if (ap !== undefined && !options.approved && (ap.aboveValue === undefined || spend >= ap.aboveValue || delegationHeld || requestHeld)) {
    const why =
      ap.aboveValue === undefined
        ? 'every transaction needs approval'
        : spend >= ap.aboveValue
          ? `${describeSpend(amounts)} is at or above the approval threshold ${ap.aboveValue}`
          : delegationHeld
            ? 'an EIP-7702 delegation change needs approval (approval.delegations)'
            : 'a validator request needs approval (approval.validatorRequests)';
    return { kind: 'require_approval', reason: `${why}: ${ap.required} approval(s) required`, approval: ap, ...amounts };
  }
  return { kind: 'allow', dailyLimit: rules.dailyLimit, maxTransactions: rules.maxTransactions, ...amounts };
}

/** Whether a principal is one of the rule's named approvers. */
export function isApprover(rule: ApprovalRule, principal: { subject: string; policies: readonly string[] }): boolean {
  if (rule.approvers.subjects?.includes(principal.subject)) return true;
  return rule.approvers.policy !== undefined && principal.policies.includes(rule.approvers.policy);
}
