/**
 * The audit log verified in the browser with the same code as `strongbox audit verify`
 * (src/audit/verify.ts): every record and checkpoint fetched through the API, the chain recomputed,
 * every head signature and checkpoint checked against the audit key — the server's (as the CLI does
 * without --public-key) or one the auditor pastes from a copy they keep. Also the JSON-lines export.
 */
import { api } from '../api.js';
import { checkpointLine, recordLine, rowFromApi, type VerifiableRow } from '../../audit/export.js';
import type { AuditRecord, Checkpoint } from '../../audit/record.js';
import { verifyAuditLog, type VerifyReport } from '../../audit/verify.js';

export interface ChainResult {
  report: VerifyReport;
  publicKey: string | null;
  lastCheckpoint: Checkpoint | undefined;
}

async function fetchAll(onProgress: (n: number) => void): Promise<{ rows: VerifiableRow[]; checkpoints: Checkpoint[]; publicKey: string | null }> {
  const key = await api<{ publicKey: string | null }>('GET', '/v1/sys/audit-key');
  const { checkpoints } = await api<{ checkpoints: Checkpoint[] }>('GET', '/v1/audit/checkpoints');
  const rows: VerifiableRow[] = [];
  let after: number | null = 0;
  while (after !== null) {
    const page: { records: (AuditRecord & { hash: string })[]; nextAfterSeq: number | null } = await api('GET', '/v1/audit', undefined, { query: { afterSeq: after, limit: 1000 } });
    for (const r of page.records) rows.push(rowFromApi(r));
    onProgress(rows.length);
    after = page.records.length === 0 ? null : page.nextAfterSeq;
  }
  return { rows, checkpoints: [...checkpoints].sort((a, b) => a.seq - b.seq), publicKey: key.publicKey === null ? null : key.publicKey.replace(/^0x/, '').toLowerCase() };
}

export async function verifyChain(trustedKey: string | undefined, onProgress: (n: number) => void): Promise<ChainResult> {
  const { rows, checkpoints, publicKey } = await fetchAll(onProgress);
  const trusted = trustedKey?.replace(/^0x/, '').toLowerCase() || publicKey || undefined;
  const report = await verifyAuditLog({ records: rows, checkpoints, trustedPublicKey: trusted });
  return { report, publicKey: trusted ?? null, lastCheckpoint: checkpoints.at(-1) };
}

/** The log as `strongbox audit export` writes it: checkpoints, then records with their head signatures. */
export async function exportChain(onProgress: (n: number) => void): Promise<string> {
  const { rows, checkpoints } = await fetchAll(onProgress);
  return [...checkpoints.map((c) => checkpointLine(c)), ...rows.map((r) => recordLine(r))].join('\n') + '\n';
}
