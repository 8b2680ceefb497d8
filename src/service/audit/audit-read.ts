/**
 * Reading the audit log (audit:read): pages of records with filters, the checkpoints, the HMAC of a
 * candidate input (so an auditor can check whether a given digest was signed without the log
 * storing it), and the public key that signs checkpoints.
 */
import { StrongboxError } from '../../protocol/errors.js';
import type { AuditRecord, Checkpoint } from '../../audit/record.js';
import { SYS_AUDIT_PUBLIC_KEY } from '../../audit/keys.js';
import type { ServiceContext } from '../shared/context.js';
import { headSignatureJson } from '../../audit/export.js';

/** A record as GET /v1/audit returns it: with its chain hash and, on a batch's last record, the batch's head signature. */
export type ApiAuditRecord = AuditRecord & { hash: string; headSignature?: ReturnType<typeof headSignatureJson> };

export interface ListAuditParameters {
  afterSeq?: number;
  limit?: number;
  principal?: string;
  action?: string;
  outcome?: string;
  resource?: string;
}

export async function listAudit(ctx: Pick<ServiceContext, 'store'>, params: ListAuditParameters): Promise<{ records: ApiAuditRecord[]; nextAfterSeq: number | null }> {
  const limit = params.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new StrongboxError('INVALID_ARGUMENT', 'limit must be 1 to 1000', { field: 'limit' });
  let after = params.afterSeq ?? 0;
  const out: ApiAuditRecord[] = [];
  // Scan forward in chunks until the page is full of matches or the log ends.
  for (;;) {
    const rows = await ctx.store.readAudit({ afterSeq: after, limit: 1000 });
    for (const row of rows) {
      after = row.seq;
      const r = JSON.parse(row.record) as AuditRecord;
      if (params.principal !== undefined && r.principal !== params.principal) continue;
      if (params.action !== undefined && r.action !== params.action) continue;
      if (params.outcome !== undefined && r.outcome !== params.outcome) continue;
      if (params.resource !== undefined && r.resource !== params.resource) continue;
      out.push({ ...r, hash: Buffer.from(row.hash).toString('hex'), ...(row.headSignature === undefined ? {} : { headSignature: headSignatureJson(row.headSignature) }) });
      if (out.length === limit) return { records: out, nextAfterSeq: row.seq };
    }
    if (rows.length < 1000) return { records: out, nextAfterSeq: null };
  }
}

export async function listCheckpoints(ctx: Pick<ServiceContext, 'store'>): Promise<{ checkpoints: Checkpoint[] }> {
  return { checkpoints: (await ctx.store.listCheckpoints()).map((c) => JSON.parse(c.checkpoint) as Checkpoint) };
}

export function auditHash(ctx: Pick<ServiceContext, 'auditKeys'>, params: { field: string; value: string }): { field: string; hmac: string } {
  const keys = ctx.auditKeys();
  if (keys === undefined) throw new StrongboxError('SEALED');
  return { field: params.field, hmac: keys.hmac(params.field, params.value) };
}

export async function auditPublicKey(ctx: Pick<ServiceContext, 'store'>): Promise<{ algorithm: 'ed25519'; publicKey: string | null }> {
  const pk = await ctx.store.getSysValue(SYS_AUDIT_PUBLIC_KEY);
  return { algorithm: 'ed25519', publicKey: pk === undefined ? null : '0x' + Buffer.from(pk).toString('hex') };
}
