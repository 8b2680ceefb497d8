/**
 * Offline verification of an audit log: recompute the chain from the stored texts, check every
 * stored hash, every sequence number, and every checkpoint's signature and position. Reports the
 * first place the log stops being intact, precisely enough to find the edited row.
 */
import { createPublicKey, verify as edVerify } from 'node:crypto';
import { chainHash, checkpointMessage, GENESIS_HASH, type Checkpoint } from './record.js';

export interface VerifyInput {
  records: AsyncIterable<{ seq: number; record: string; hash: Uint8Array }> | Iterable<{ seq: number; record: string; hash: Uint8Array }>;
  checkpoints: Checkpoint[];
  /** hex Ed25519 public key trusted for checkpoints (from the installation or given by the auditor) */
  trustedPublicKey: string | undefined;
}

export interface VerifyReport {
  ok: boolean;
  records: number;
  checkpoints: number;
  lastSeq: number;
  problems: string[];
}

const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function checkpointSignatureValid(c: Checkpoint): boolean {
  try {
    const key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, Buffer.from(c.publicKey, 'hex')]), format: 'der', type: 'spki' });
    return edVerify(null, checkpointMessage(c), key, Buffer.from(c.signature, 'hex'));
  } catch {
    return false;
  }
}

export async function verifyAuditLog(input: VerifyInput): Promise<VerifyReport> {
  const problems: string[] = [];
  const bySeq = new Map<number, Checkpoint[]>();
  for (const c of input.checkpoints) {
    if (input.trustedPublicKey !== undefined && c.publicKey !== input.trustedPublicKey) problems.push(`checkpoint at seq ${c.seq}: signed by an untrusted key`);
    else if (!checkpointSignatureValid(c)) problems.push(`checkpoint at seq ${c.seq}: signature invalid (checkpoint edited or forged)`);
    bySeq.set(c.seq, [...(bySeq.get(c.seq) ?? []), c]);
  }
  let prev: Uint8Array<ArrayBufferLike> = GENESIS_HASH;
  let expected = 1;
  let count = 0;
  let broken = false;
  for await (const row of input.records) {
    count++;
    if (broken) continue;
    if (row.seq !== expected) {
      problems.push(row.seq > expected ? `records ${expected}..${row.seq - 1} missing (deleted) before seq ${row.seq}` : `record seq ${row.seq} out of order after seq ${expected - 1}`);
      broken = true;
      continue;
    }
    let parsedSeq: unknown;
    try {
      parsedSeq = (JSON.parse(row.record) as { seq?: unknown }).seq;
    } catch {
      parsedSeq = undefined;
    }
    if (parsedSeq !== row.seq) {
      problems.push(`record ${row.seq}: its text names seq ${String(parsedSeq)} (rows reordered or edited)`);
      broken = true;
      continue;
    }
    const hash = chainHash(prev, row.record);
    if (Buffer.compare(hash, row.hash) !== 0) {
      problems.push(`record ${row.seq}: hash mismatch (record edited, or an earlier record removed or reordered)`);
      broken = true;
      continue;
    }
    const hex = Buffer.from(hash).toString('hex');
    if ((bySeq.get(row.seq) ?? []).some((cp) => cp.hash !== hex)) {
      problems.push(`record ${row.seq}: differs from the signed checkpoint (chain rewritten)`);
      broken = true;
      continue;
    }
    prev = hash;
    expected++;
  }
  const lastSeq = expected - 1;
  const lastCheckpoint = Math.max(0, ...input.checkpoints.map((c) => c.seq));
  if (!broken && lastCheckpoint > lastSeq) problems.push(`log truncated: a signed checkpoint covers seq ${lastCheckpoint} but the log ends at seq ${lastSeq}`);
  return { ok: problems.length === 0, records: count, checkpoints: input.checkpoints.length, lastSeq, problems };
}
