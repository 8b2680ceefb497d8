/**
 * Offline verification of an audit log: recompute the chain from the stored texts, check every
 * stored hash, every sequence number, every checkpoint's signature and position, and every batch's
 * head signature; then check that signed batches vouch for every record. Reports the first place
 * the log stops being intact, precisely enough to find the edited row.
 *
 * What vouches for a record (record.ts): a valid head signature of the batch holding it — made with
 * the trusted audit key, or with a session key an audit-key head signature certifies — or, for
 * records written before head signatures existed, a v1 checkpoint at or after it. v2 checkpoints
 * and saved heads only pin a position: the writer signs them over whatever head it has, so they
 * cannot tell its records from one slipped in below them; the signed `from` of each batch can.
 * Saved heads (the audit stream) expose a truncated tail: records cut off together with their
 * signatures and checkpoints leave nothing in the database to compare with.
 */
import { createPublicKey, verify as edVerify, type KeyObject } from 'node:crypto';
import type { SignedHead, VerifiableRow } from './export.js';
import { chainHash, checkpointMessage, decodeHeadSignature, GENESIS_HASH, headMessage, type Checkpoint, type HeadSignature } from './record.js';

export interface VerifyInput {
  records: AsyncIterable<VerifiableRow> | Iterable<VerifiableRow>;
  checkpoints: Checkpoint[];
  /** hex Ed25519 public key trusted for checkpoints and head signatures (from the installation or given by the auditor); default: the first checkpoint's */
  trustedPublicKey: string | undefined;
  /** signed heads kept outside the database (the audit stream): each pins its position, and the newest exposes a truncated tail */
  savedHeads?: SignedHead[];
}

export interface VerifyReport {
  ok: boolean;
  records: number;
  checkpoints: number;
  /** batch head signatures checked and valid */
  headSignatures: number;
  lastSeq: number;
  problems: string[];
  /** not failures: records written by an older release after its last checkpoint, in a log with no head signatures at all */
  warnings: string[];
}

const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const MAX_LISTED = 5;

type Range = [first: number, last: number];

function publicKeyOf(hex: string, cache: Map<string, KeyObject | null>): KeyObject | null {
  let key = cache.get(hex);
  if (key === undefined) {
    try {
      key = /^[0-9a-f]{64}$/.test(hex) ? createPublicKey({ key: Buffer.concat([SPKI_PREFIX, Buffer.from(hex, 'hex')]), format: 'der', type: 'spki' }) : null;
    } catch {
      key = null;
    }
    cache.set(hex, key);
  }
  return key;
}

function signatureValid(publicKeyHex: string, message: Buffer, signatureHex: string, cache: Map<string, KeyObject | null>): boolean {
  const key = publicKeyOf(publicKeyHex, cache);
  if (key === null || !/^[0-9a-f]{128}$/.test(signatureHex)) return false;
  try {
    return edVerify(null, message, key, Buffer.from(signatureHex, 'hex'));
  } catch {
    return false;
  }
}

/** The parts of [1, last] no range covers, in order. */
function gaps(ranges: Range[], last: number): Range[] {
  const out: Range[] = [];
  let next = 1;
  for (const [a, b] of [...ranges].sort((x, y) => x[0] - y[0])) {
    if (a > next) out.push([next, Math.min(a - 1, last)]);
    next = Math.max(next, b + 1);
    if (next > last) break;
  }
  if (next <= last) out.push([next, last]);
  return out.filter(([a, b]) => a <= b && a <= last);
}

/** Adjacent or overlapping ranges merged. */
function merge(ranges: Range[]): Range[] {
  const out: Range[] = [];
  for (const r of [...ranges].sort((x, y) => x[0] - y[0])) {
    const prev = out.at(-1);
    if (prev !== undefined && r[0] <= prev[1] + 1) prev[1] = Math.max(prev[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

function listed<T>(items: T[], line: (item: T) => string): string[] {
  const out = items.slice(0, MAX_LISTED).map(line);
  if (items.length > MAX_LISTED) out.push(`... and ${items.length - MAX_LISTED} more such ranges`);
  return out;
}

export async function verifyAuditLog(input: VerifyInput): Promise<VerifyReport> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const keys = new Map<string, KeyObject | null>();
  const trusted = input.trustedPublicKey ?? input.checkpoints[0]?.publicKey;

  const bySeq = new Map<number, Checkpoint[]>();
  /** v1 checkpoints vouch for every record up to them; v2 ones only show the log has head signatures */
  let legacyThrough = 0;
  let sawV2 = false;
  for (const c of input.checkpoints) {
    if (c.publicKey !== trusted) problems.push(`checkpoint at seq ${c.seq}: signed by an untrusted key`);
    else if (!signatureValid(c.publicKey, checkpointMessage(c), c.signature, keys)) problems.push(`checkpoint at seq ${c.seq}: signature invalid (checkpoint edited or forged)`);
    else if (c.v === 1) legacyThrough = Math.max(legacyThrough, c.seq);
    else sawV2 = true;
    bySeq.set(c.seq, [...(bySeq.get(c.seq) ?? []), c]);
  }

  const savedHeads = input.savedHeads ?? [];
  const savedBySeq = new Map<number, SignedHead[]>();
  for (const h of savedHeads) savedBySeq.set(h.seq, [...(savedBySeq.get(h.seq) ?? []), h]);

  /** session keys an audit-key head signature certifies (in the log or in the saved heads) */
  const certified = new Set<string>();
  const headValid = (seq: number, hashHex: string, h: HeadSignature): boolean =>
    h.sessionKey !== undefined ? signatureValid(h.sessionKey, headMessage(seq, hashHex, h), h.signature, keys) : trusted !== undefined && signatureValid(trusted, headMessage(seq, hashHex, h), h.signature, keys);

  const covered: Range[] = [];
  const sessionBatches: { range: Range; key: string }[] = [];
  let headSignatures = 0;
  let firstSigned: number | undefined;
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
    if ((savedBySeq.get(row.seq) ?? []).some((h) => h.hash !== hex)) {
      problems.push(`record ${row.seq}: differs from the saved signed head (chain rewritten or rolled back)`);
      broken = true;
      continue;
    }
    if (row.headSignature !== undefined) {
      const h = decodeHeadSignature(row.headSignature);
      if (h === undefined || h.from >= row.seq) {
        problems.push(`record ${row.seq}: head signature malformed`);
        broken = true;
        continue;
      }
      if (!headValid(row.seq, hex, h)) {
        problems.push(
          h.sessionKey === undefined && trusted === undefined
            ? `record ${row.seq}: head signature cannot be checked: no audit public key (pass --public-key)`
            : `record ${row.seq}: head signature invalid (a record of its batch ${h.from + 1}..${row.seq}, or an earlier one, edited; or the chain rewritten)`,
        );
        broken = true;
        continue;
      }
      headSignatures++;
      firstSigned ??= h.from + 1;
      if (h.sessionKey !== undefined) sessionBatches.push({ range: [h.from + 1, row.seq], key: h.sessionKey });
      else {
        covered.push([h.from + 1, row.seq]);
        if (h.certifies !== undefined) certified.add(h.certifies);
      }
    }
    prev = hash;
    expected++;
  }
  const lastSeq = expected - 1;

  // Saved heads: audit-key ones first, since they may certify the session key of another.
  const savedOrdered = [...savedHeads].sort((a, b) => Number(a.headSignature.sessionKey !== undefined) - Number(b.headSignature.sessionKey !== undefined));
  for (const h of savedOrdered) {
    const valid = headValid(h.seq, h.hash, h.headSignature) && (h.headSignature.sessionKey === undefined || certified.has(h.headSignature.sessionKey));
    if (!valid) problems.push(`saved head at seq ${h.seq}: signature invalid, or not made by this installation's keys`);
    else if (h.headSignature.certifies !== undefined) certified.add(h.headSignature.certifies);
  }

  if (!broken) {
    const lastCheckpoint = Math.max(0, ...input.checkpoints.map((c) => c.seq));
    if (lastCheckpoint > lastSeq) problems.push(`log truncated: a signed checkpoint covers seq ${lastCheckpoint} but the log ends at seq ${lastSeq}`);
    const lastSaved = Math.max(0, ...savedHeads.map((h) => h.seq));
    if (lastSaved > lastSeq) problems.push(`log truncated: the saved signed head covers seq ${lastSaved} but the log ends at seq ${lastSeq}`);

    const uncertified: { range: Range; key: string }[] = [];
    for (const b of sessionBatches) (certified.has(b.key) ? covered.push(b.range) : uncertified.push(b));
    if (legacyThrough > 0) covered.push([1, legacyThrough]);
    const byKey = new Map<string, Range[]>();
    for (const b of uncertified) byKey.set(b.key, [...(byKey.get(b.key) ?? []), b.range]);
    for (const [key, ranges] of byKey) {
      problems.push(
        ...listed(merge(ranges), ([a, b]) => `records ${a}..${b}: not authenticated — signed only by session key ${key.slice(0, 16)}…, which no audit-key signature certifies (a node that has not been unsealed since, or forged)`),
      );
    }
    const open = gaps([...covered, ...uncertified.map((b) => b.range)], lastSeq);
    // A log without any sign of head signatures was written by an older release: its tail after
    // the last checkpoint has no more protection than that release gave it, which is a warning.
    const legacyOnly = headSignatures === 0 && !sawV2 && savedHeads.length === 0;
    const legacy = (r: Range): boolean => firstSigned === undefined || r[1] < firstSigned;
    const describe = ([a, b]: Range): string =>
      legacy([a, b])
        ? `records ${a}..${b}: not authenticated — written without head signatures (by a release before them) after the last checkpoint`
        : `records ${a}..${b}: not authenticated — no head signature covers them (appended outside Strongbox, or their signature removed)`;
    (legacyOnly ? warnings : problems).push(...listed(open, describe));
  }
  return { ok: problems.length === 0, records: count, checkpoints: input.checkpoints.length, headSignatures, lastSeq, problems, warnings };
}
