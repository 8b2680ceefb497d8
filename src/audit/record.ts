/**
 * Audit records and the hash chain. A record's canonical form is the exact JSON text stored;
 * hash(n) = SHA-256("strongbox/audit/v1" ‖ hash(n-1) ‖ text(n)), with 32 zero bytes before seq 1.
 * Editing, deleting or reordering any row breaks every hash after it; signed checkpoints pin the
 * chain so that rewriting the whole tail, or truncating it, is detectable too.
 */
import { createHash } from 'node:crypto';

export const AUDIT_DOMAIN = 'strongbox/audit/v1';
export const CHECKPOINT_DOMAIN = 'strongbox/audit-checkpoint/v1\n';
export const GENESIS_HASH = new Uint8Array(32);

export type AuditOutcome = 'success' | 'denied' | 'error';

/** What a caller supplies; seq and time are assigned by the audit log. No secret may ever go in here. */
export interface AuditFields {
  requestId: string;
  interface: 'http' | 'ethrpc' | 'pkcs11';
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
}

/** A transaction-rules decision as the audit log records it. Nothing secret. */
export interface AuditDecision {
  /** `unjudged`: signed for a key with rules that could not read what it signed (EIP-712 typed data of no known shape) */
  outcome: 'allow' | 'deny' | 'pending' | 'approve' | 'reject' | 'signed' | 'expired' | 'failed' | 'unjudged';
  /** deny: the reason code (e.g. `daily_limit_exceeded`); unjudged: `typed_data_not_judged`; others: why, in words */
  reason?: string;
  approvalId?: string;
  /** the 24-hour spend reservation made for this signature */
  reservationId?: string;
  /** native value (decimal string, smallest unit) */
  amount?: string;
  /** the most the transaction can pay in network fees, charged to the key (decimal string, smallest unit); absent when it could not be bounded */
  fee?: string;
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
  });
}

export function chainHash(prev: Uint8Array, text: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(AUDIT_DOMAIN).update(prev).update(text, 'utf8').digest());
}

export interface Checkpoint {
  v: 1;
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
