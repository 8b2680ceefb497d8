/**
 * Audit records and the hash chain. A record's canonical form is the exact JSON text stored;
 * hash(n) = SHA-256("strongbox/audit/v1" ‖ hash(n-1) ‖ text(n)), with 32 zero bytes before seq 1.
 * Editing, deleting or reordering any row breaks every hash after it. The hash has no key, so
 * each group-committed batch also gets a head signature (below): a record no valid head signature
 * covers was not written by Strongbox. Signed checkpoints pin the chain for copies kept elsewhere,
 * which expose a truncated tail or a rolled-back database.
 */
import { createHash } from 'node:crypto';

export const AUDIT_DOMAIN = 'strongbox/audit/v1';
export const CHECKPOINT_DOMAIN = 'strongbox/audit-checkpoint/v1\n';
export const HEAD_DOMAIN = 'strongbox/audit-head/v1\n';
export const GENESIS_HASH = new Uint8Array(32);

export type AuditOutcome = 'success' | 'denied' | 'error';

/** What a caller supplies; seq and time are assigned by the audit log. No secret may ever go in here. */
export interface AuditFields {
  requestId: string;
  /** system: records the server writes itself (the installation measurement at unseal) */
  interface: 'http' | 'ethrpc' | 'pkcs11' | 'kmip' | 'system';
  operation: string;
  action: string | null;
  resource: string | null;
  principal: string | null;
  clientIp: string | null;
  outcome: AuditOutcome;
  status: number;
  code: string | null;
  reason: string | null;
  /** field name → HMAC-SHA256 (audit key) of the sensitive input, hex */
  inputs: Record<string, string> | null;
  /** transaction rules: what they decided for this request (absent for requests they did not judge) */
  decision?: AuditDecision;
  /** only on `unauthenticated.aggregate` records: the responses to one source this record stands for */
  aggregate?: AuditAggregate;
}

/**
 * Responses to requests without a valid credential from one source, beyond what it may have audited one
 * by one (http/source-throttle.ts): counted, and written as one record per window.
 */
export interface AuditAggregate {
  count: number;
  /** first and last response counted (ISO time) */
  from: string;
  to: string;
  /** `"<operation> <status> <code or ->"` → how many; at most 16 kinds, the rest under `other` */
  responses: Record<string, number>;
}

/** A transaction-rules decision as the audit log records it. Nothing secret. */
export interface AuditDecision {
  /** `unjudged`: signed for a key with rules that could not read what it signed (EIP-712 typed data of no known shape, an EIP-191 message that is not readable text) */
  outcome: 'allow' | 'deny' | 'pending' | 'approve' | 'reject' | 'signed' | 'expired' | 'failed' | 'unjudged';
  /** deny: the reason code (e.g. `daily_limit_exceeded`); unjudged: `typed_data_not_judged` or `message_not_judged`; others: why, in words */
  reason?: string;
  approvalId?: string;
  /** the 24-hour spend reservation made for this signature */
  reservationId?: string;
  /** native value (decimal string, smallest unit) */
  amount?: string;
  /** the most the transaction can pay in network fees, charged to the key (decimal string, smallest unit); absent when it could not be bounded */
  fee?: string;
  /** token totals it moves or approves, per token (`ethereum:<chain id>:<contract>`, `solana:<mint>`), base units; absent when none */
  tokens?: { token: string; amount: string }[];
}

export interface AuditRecord extends AuditFields {
  v: 1;
  seq: number;
  time: string;
}

/** Fixed key order, so the text (and hence the hash) is reproducible from the parsed record. */
export function canonicalRecord(r: AuditRecord): string {
  return JSON.stringify({
    v: r.v,
    seq: r.seq,
    time: r.time,
    requestId: r.requestId,
    interface: r.interface,
    operation: r.operation,
    action: r.action,
    resource: r.resource,
    principal: r.principal,
    clientIp: r.clientIp,
    outcome: r.outcome,
    status: r.status,
    code: r.code,
    reason: r.reason,
    inputs: r.inputs,
    // Added with transaction rules; absent (so older records keep their exact text) when undefined.
    ...(r.decision === undefined ? {} : { decision: r.decision }),
    // Added with the unauthenticated-traffic throttle; likewise absent from every other record.
    ...(r.aggregate === undefined ? {} : { aggregate: r.aggregate }),
  });
}

/**
 * The part of a record's canonical text its fields decide (everything after `time`), as a JSON object.
 * The audit log serializes a record's fields once, when it is appended, and places them after the
 * seq assigned in the store's transaction (recordText): the result is exactly canonicalRecord's text.
 */
export function canonicalFields(f: AuditFields): string {
  return JSON.stringify({
    requestId: f.requestId,
    interface: f.interface,
    operation: f.operation,
    action: f.action,
    resource: f.resource,
    principal: f.principal,
    clientIp: f.clientIp,
    outcome: f.outcome,
    status: f.status,
    code: f.code,
    reason: f.reason,
    inputs: f.inputs,
    ...(f.decision === undefined ? {} : { decision: f.decision }),
    ...(f.aggregate === undefined ? {} : { aggregate: f.aggregate }),
  });
}

/** canonicalRecord({ v: 1, seq, time, ...fields }) from canonicalFields(fields), without serializing the fields again. */
export function recordText(seq: number, time: string, fieldsText: string): string {
  if (!Number.isSafeInteger(seq) || fieldsText[0] !== '{') throw new Error('recordText: a safe integer seq and a JSON object of fields are required');
  const rest = fieldsText.slice(1);
  return `{"v":1,"seq":${seq},"time":${JSON.stringify(time)}${rest === '}' ? '' : ','}${rest}`;
}

export function chainHash(prev: Uint8Array, text: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(AUDIT_DOMAIN).update(prev).update(text, 'utf8').digest());
}

export interface Checkpoint {
  /**
   * 1: written by releases before head signatures; it also vouches for every record up to `seq`.
   * 2: pins `seq` and `hash` only (records are vouched for by head signatures). Part of the signed
   * body, so a v2 checkpoint cannot pass for a v1 one.
   */
  v: 1 | 2;
  seq: number;
  /** hex chain hash of record `seq` */
  hash: string;
  time: string;
  /** hex Ed25519 public key that signed it */
  publicKey: string;
  /** hex Ed25519 signature over CHECKPOINT_DOMAIN ‖ canonicalCheckpointBody */
  signature: string;
}

export function checkpointBody(c: Omit<Checkpoint, 'signature'>): string {
  return JSON.stringify({ v: c.v, seq: c.seq, hash: c.hash, time: c.time, publicKey: c.publicKey });
}

export function checkpointMessage(c: Omit<Checkpoint, 'signature'>): Buffer {
  return Buffer.from(CHECKPOINT_DOMAIN + checkpointBody(c), 'utf8');
}

/**
 * The signature over the head of one group-committed batch, records `from`+1 .. `seq`, stored on
 * the batch's last row. Signed with the installation's audit key while the writing node is
 * unsealed; while it is sealed (no audit key in memory) with the node's session key, an Ed25519 key
 * each process makes at start and keeps only in memory. The first audit-key signature a process
 * makes after it signed with its session key also `certifies` that session key, so what a node
 * wrote while sealed is vouched for once it is unsealed. `from` is the head the batch was chained
 * onto under the database's write lock: a record someone else slipped in below a batch lies outside
 * every signed range, however many batches are chained on top of it.
 */
export interface HeadSignature {
  /** the seq the batch was chained onto (0 for the first record): the batch is from+1..seq */
  from: number;
  /** hex Ed25519 session public key that signed; absent when the audit key signed */
  sessionKey?: string;
  /** hex session public key this audit-key signature vouches for */
  certifies?: string;
  /** hex Ed25519 signature over headMessage() */
  signature: string;
}

/** HEAD_DOMAIN ‖ {"seq","hash","from"[,"certifies"]}: what a head signature signs. */
export function headMessage(seq: number, hashHex: string, h: Pick<HeadSignature, 'from' | 'certifies'>): Buffer {
  return Buffer.from(HEAD_DOMAIN + JSON.stringify({ seq, hash: hashHex, from: h.from, ...(h.certifies === undefined ? {} : { certifies: h.certifies }) }), 'utf8');
}

// Stored form: kind (1 byte) | from (u64 BE) | [public key (32)] | signature (64).
// kind 1: audit key; 2: session key (the key follows); 3: audit key certifying a session key (the certified key follows).
const KIND_AUDIT = 1;
const KIND_SESSION = 2;
const KIND_CERTIFY = 3;

export function encodeHeadSignature(h: HeadSignature): Uint8Array {
  const kind = h.sessionKey !== undefined ? KIND_SESSION : h.certifies !== undefined ? KIND_CERTIFY : KIND_AUDIT;
  const key = h.sessionKey ?? h.certifies;
  const out = Buffer.alloc(9 + (key === undefined ? 0 : 32) + 64);
  out[0] = kind;
  out.writeBigUInt64BE(BigInt(h.from), 1);
  if (key !== undefined) Buffer.from(key, 'hex').copy(out, 9);
  Buffer.from(h.signature, 'hex').copy(out, out.length - 64);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** The stored bytes back to a HeadSignature; undefined when they are not one (tampered). */
export function decodeHeadSignature(bytes: Uint8Array): HeadSignature | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kind = b[0];
  const keyed = kind === KIND_SESSION || kind === KIND_CERTIFY;
  if ((kind !== KIND_AUDIT && !keyed) || b.length !== 9 + (keyed ? 32 : 0) + 64) return undefined;
  const from = b.readBigUInt64BE(1);
  if (from > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  const key = keyed ? b.subarray(9, 41).toString('hex') : undefined;
  return {
    from: Number(from),
    ...(kind === KIND_SESSION ? { sessionKey: key! } : {}),
    ...(kind === KIND_CERTIFY ? { certifies: key! } : {}),
    signature: b.subarray(b.length - 64).toString('hex'),
  };
}

/** A head signature as JSON (API, export, audit stream) → stored bytes; undefined when malformed. */
export function headSignatureFromJson(value: unknown): Uint8Array | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const hex = (x: unknown, bytes: number): boolean => typeof x === 'string' && x.length === bytes * 2 && /^[0-9a-f]*$/.test(x);
  if (!Number.isSafeInteger(v['from']) || (v['from'] as number) < 0 || !hex(v['signature'], 64)) return undefined;
  if (v['sessionKey'] !== undefined && v['certifies'] !== undefined) return undefined;
  if (v['sessionKey'] !== undefined && !hex(v['sessionKey'], 32)) return undefined;
  if (v['certifies'] !== undefined && !hex(v['certifies'], 32)) return undefined;
  return encodeHeadSignature({
    from: v['from'] as number,
    ...(v['sessionKey'] === undefined ? {} : { sessionKey: v['sessionKey'] as string }),
    ...(v['certifies'] === undefined ? {} : { certifies: v['certifies'] as string }),
    signature: v['signature'] as string,
  });
}
