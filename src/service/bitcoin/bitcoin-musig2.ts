/**
 * MuSig2 (BIP327) n-of-n Taproot key-path signing where this key is one of the n participants.
 *
 * Nonce round: the key's secret/public nonce pair for one input of a PSBT, from BIP327 NonceGen with 32
 * bytes of node:crypto randomness as `rand`, plus the key's secret and public key, the output key and
 * the input's BIP341 sighash as extra inputs (BIP327's recommendation). The secret nonce is sealed by
 * the barrier (like key material) and stored with the session; it is never returned, logged or audited.
 *
 * Sign round: the session is read, the PSBT must give the same sighash, the key's transaction rules
 * judge the PSBT (as for single-sig P2TR), and only then is the session TAKEN — deleted, durably, in one
 * storage call — before the partial signature is computed and returned. A second sign of the session,
 * or a sign after a crash that happened past the deletion, finds no session (MUSIG2_SESSION_UNKNOWN,
 * 409): a nonce never signs twice. Sessions expire after MUSIG2_SESSION_TTL_MS.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import * as musig2 from '@scure/btc-signer/musig2.js';
import { equalBytes } from '@scure/btc-signer/utils.js';
import type { BitcoinMusig2NonceResponse, BitcoinMusig2SignResponse, BitcoinNetwork } from '../../protocol/bitcoin.js';
import { StrongboxError } from '../../protocol/errors.js';
import { parseHex, toHex } from '../../protocol/hex.js';
import { keyScripts, parsePsbt } from '../../chains/bitcoin/psbt.js';
import { parseNetwork } from '../../chains/bitcoin/network.js';
import { musig2Aggregate, musig2Intent, musig2Sighash, musig2Tweaks, type Musig2Aggregate, type Musig2Tweak } from '../../chains/bitcoin/musig2.js';
import { evaluateTransaction } from '../../policy/transaction-rules.js';
import { wipe } from '../../crypto/wipe.js';
import type { ServiceContext } from '../shared/context.js';
import { assertUsable, openKeyMaterial, type KeyRef } from '../shared/resolve-key.js';
import { ensureTerm } from '../shared/keyring-refresh.js';
import { effectiveRules, judgeIntent, type RequestContext } from '../shared/transaction-guard.js';
import { resolveBitcoinKey, type BitcoinKeyRecord } from './bitcoin-signer.js';

export const MUSIG2_SESSION_TTL_MS = 10 * 60 * 1000;
export const BITCOIN_MUSIG2_SIGN = 'bitcoin.musig2Sign';

export type Musig2Context = Pick<ServiceContext, 'store' | 'barrier' | 'now'> & Partial<Pick<ServiceContext, 'metrics'>>;

/** What a session signs, stored as JSON beside the sealed secret nonce. */
interface SessionParams {
  input: number;
  /** 0x-hex compressed keys in aggregation order */
  publicKeys: string[];
  signerIndex: number;
  tweak: Musig2Tweak;
  network: BitcoinNetwork;
  keyVersion: number;
  /** 0x-hex BIP341 sighash of the input */
  sighash: string;
  publicNonce: string;
}

export interface BitcoinMusig2NonceParameters {
  key: KeyRef;
  psbt: string;
  input: number;
  publicKeys: readonly string[];
  sortKeys?: boolean | undefined;
  tweak?: string | undefined;
  network?: string | undefined;
}

export interface BitcoinMusig2SignParameters {
  key: KeyRef;
  session: string;
  psbt: string;
  publicNonces?: readonly string[] | undefined;
  aggregateNonce?: string | undefined;
  requester?: RequestContext | undefined;
}

/** The barrier context of a session's secret nonce: bound to the session and the key. */
const nonceContext = (sessionId: string, keyId: string): string => `musig2-secnonce:${keyId}:${sessionId}`;

function parseTweak(value: string | undefined): Musig2Tweak {
  if (value === undefined) return 'bip86';
  if ((musig2Tweaks as readonly string[]).includes(value)) return value as Musig2Tweak;
  throw new StrongboxError('INVALID_ARGUMENT', `tweak must be one of ${musig2Tweaks.join(', ')}`, { field: 'tweak' });
}

function parseKeys(keys: readonly string[]): Uint8Array[] {
  if (!Array.isArray(keys)) throw new StrongboxError('INVALID_ARGUMENT', 'publicKeys must be an array', { field: 'publicKeys' });
  return keys.map((k, i) => parseHex(k, { field: `publicKeys[${i}]`, bytes: 33 }));
}

async function usableKey(ctx: Musig2Context, key: KeyRef): Promise<BitcoinKeyRecord> {
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  const record = await resolveBitcoinKey(ctx, key);
  assertUsable(record);
  return record;
}

export async function bitcoinMusig2Nonce(ctx: Musig2Context, params: BitcoinMusig2NonceParameters): Promise<BitcoinMusig2NonceResponse> {
  const record = await usableKey(ctx, params.key);
  const network = parseNetwork(params.network);
  const tweak = parseTweak(params.tweak);
  const own = keyScripts(record.publicKey).compressed;
  const keys = parseKeys(params.publicKeys);
  if (!keys.some((k) => equalBytes(k, own))) throw new StrongboxError('INVALID_ARGUMENT', `publicKeys must include the key's own public key ${toHex(own)}`, { field: 'publicKeys' });
  const aggregate = musig2Aggregate(keys, { sort: params.sortKeys ?? true, tweak });
  const signerIndex = aggregate.publicKeys.findIndex((k) => equalBytes(k, own));
  const tx = parsePsbt(params.psbt);
  const sighash = musig2Sighash(tx, params.input, aggregate);

  const secretKey = await openKeyMaterial(ctx, record);
  let nonces: musig2.Nonces;
  try {
    nonces = musig2.nonceGen(own, secretKey, aggregate.outputKey, sighash, undefined, randomBytes(32));
  } finally {
    wipe(secretKey);
  }
  const id = randomUUID();
  let sealedNonce: Uint8Array;
  try {
    sealedNonce = ctx.barrier.encrypt(nonces.secret, nonceContext(id, record.id));
  } finally {
    wipe(nonces.secret);
  }
  const now = ctx.now();
  const expiresAt = now.getTime() + MUSIG2_SESSION_TTL_MS;
  const stored: SessionParams = {
    input: params.input,
    publicKeys: aggregate.publicKeys.map(toHex),
    signerIndex,
    tweak,
    network,
    keyVersion: record.currentVersion,
    sighash: toHex(sighash),
    publicNonce: toHex(nonces.public),
  };
  await ctx.store.createMusig2Session({ id, keyId: record.id, params: JSON.stringify(stored), sealedNonce, createdAt: now.toISOString(), expiresAt }, now.getTime());
  return {
    session: id,
    publicNonce: stored.publicNonce,
    input: params.input,
    publicKeys: stored.publicKeys,
    signerIndex,
    aggregateKey: toHex(aggregate.internalKey),
    outputKey: toHex(aggregate.outputKey),
    expiresAt: new Date(expiresAt).toISOString(),
  };
}

const unknownSession = (why: string): StrongboxError => new StrongboxError('MUSIG2_SESSION_UNKNOWN', why, { field: 'session' });

/** The aggregate nonce of the request: BIP327 NonceAgg of publicNonces (whose own entry must be ours), or aggregateNonce as given. */
function aggregateNonceOf(params: BitcoinMusig2SignParameters, session: SessionParams): Uint8Array {
  if ((params.publicNonces === undefined) === (params.aggregateNonce === undefined)) {
    throw new StrongboxError('INVALID_ARGUMENT', 'give exactly one of publicNonces and aggregateNonce', { field: params.publicNonces === undefined ? 'aggregateNonce' : 'publicNonces' });
  }
  if (params.aggregateNonce !== undefined) return parseHex(params.aggregateNonce, { field: 'aggregateNonce', bytes: 66 });
  const list = params.publicNonces!;
  if (!Array.isArray(list) || list.length !== session.publicKeys.length) {
    throw new StrongboxError('INVALID_ARGUMENT', `publicNonces must hold one public nonce per participant (${session.publicKeys.length}), in publicKeys order`, { field: 'publicNonces' });
  }
  const nonces = list.map((n, i) => parseHex(n, { field: `publicNonces[${i}]`, bytes: 66 }));
  if (toHex(nonces[session.signerIndex]!) !== session.publicNonce) {
    throw new StrongboxError('INVALID_ARGUMENT', `publicNonces[${session.signerIndex}] must be the key's own public nonce from this session`, { field: `publicNonces[${session.signerIndex}]` });
  }
  try {
    return musig2.nonceAggregate(nonces);
  } catch (err) {
    const field = err instanceof musig2.InvalidContributionErr ? `publicNonces[${err.idx}]` : 'publicNonces';
    throw new StrongboxError('INVALID_ARGUMENT', `${field} is not a valid MuSig2 public nonce`, { field });
  }
}

export async function bitcoinMusig2Sign(ctx: Musig2Context, params: BitcoinMusig2SignParameters): Promise<BitcoinMusig2SignResponse> {
  const record = await usableKey(ctx, params.key);
  const stored = await ctx.store.getMusig2Session(params.session);
  if (stored === undefined || stored.keyId !== record.id) throw unknownSession(`key ${record.id} has no MuSig2 session ${params.session} (already used, expired, or never opened)`);
  if (stored.expiresAt <= ctx.now().getTime()) {
    await ctx.store.takeMusig2Session(stored.id);
    throw unknownSession(`MuSig2 session ${params.session} expired`);
  }
  const session = JSON.parse(stored.params) as SessionParams;
  const aggregate: Musig2Aggregate = musig2Aggregate(session.publicKeys.map((k) => parseHex(k, { field: 'publicKeys', bytes: 33 })), { sort: false, tweak: session.tweak });
  const tx = parsePsbt(params.psbt);
  const sighash = musig2Sighash(tx, session.input, aggregate);
  if (toHex(sighash) !== session.sighash) {
    throw new StrongboxError('INVALID_ARGUMENT', `psbt is not the transaction session ${stored.id} was opened for (the BIP341 sighash of input ${session.input} differs)`, { field: 'psbt' });
  }
  const aggNonce = aggregateNonceOf(params, session);
  let signing: musig2.Session;
  try {
    signing = new musig2.Session(aggNonce, aggregate.publicKeys, sighash, aggregate.tweaks, aggregate.tweaks.map(() => true));
  } catch {
    const field = params.aggregateNonce === undefined ? 'publicNonces' : 'aggregateNonce';
    throw new StrongboxError('INVALID_ARGUMENT', `${field} does not make a valid MuSig2 session`, { field });
  }

  const sign = async (): Promise<BitcoinMusig2SignResponse> => {
    // The key and the secret nonce are unsealed first, so that nothing but signing is left once the
    // session is gone. Then it is durably deleted: whatever happens next, this nonce never signs again.
    await ensureTerm(ctx, stored.sealedNonce);
    const secretKey = await openKeyMaterial(ctx, record, session.keyVersion);
    let secretNonce: Uint8Array | undefined;
    try {
      secretNonce = ctx.barrier.decrypt(stored.sealedNonce, nonceContext(stored.id, record.id));
      const taken = await ctx.store.takeMusig2Session(stored.id);
      if (taken === undefined) throw unknownSession(`MuSig2 session ${stored.id} was already used`);
      if (!equalBytes(taken.sealedNonce, stored.sealedNonce)) throw new StrongboxError('INTERNAL', 'MuSig2 session changed while it was read');
      // Session.sign verifies the partial signature before returning it (BIP327 Sign with PartialSigVerifyInternal).
      const partial = signing.sign(secretNonce, secretKey);
      ctx.metrics?.signatures.inc({ type: 'secp256k1', operation: 'bitcoin' }, 1);
      return { session: stored.id, input: session.input, partialSignature: toHex(partial), signerIndex: session.signerIndex };
    } finally {
      if (secretNonce !== undefined) wipe(secretNonce);
      wipe(secretKey);
    }
  };

  const { scope, rules } = await effectiveRules(ctx, record.id, record.wallet);
  if (rules === undefined) return sign();
  const intent = musig2Intent(tx, session.network, record.publicKey, aggregate, ctx.now());
  if (evaluateTransaction(rules, intent).kind === 'require_approval') {
    // A partial signature is not held: the session would expire long before a typical approval.
    params.requester?.decide({ outcome: 'deny', reason: 'approval_required' });
    throw new StrongboxError('TRANSACTION_DENIED', "the key's rules require approval for this transaction, and MuSig2 partial signatures cannot be held for approval", { publicReason: 'approval_required' });
  }
  const outcome = await judgeIntent(ctx, scope, rules, intent, {
    keyId: record.id,
    chain: 'bitcoin',
    operation: BITCOIN_MUSIG2_SIGN,
    request: () => ({ session: stored.id }),
    requester: params.requester,
    sign,
  });
  if (!('signed' in outcome)) throw new StrongboxError('INTERNAL', 'a MuSig2 signature was held');
  return outcome.signed;
}
