/**
 * PostgreSQL side of transaction rules (migrations 8 and 12): rules per scope, spend reservations (per bucket),
 * approvals — the same semantics as sqlite/transaction-rules.ts, for several nodes on one database.
 *  - reserveSpend takes a transaction-scoped advisory lock on the scope (the scope's reservations
 *    may not exist yet, so there is no row to lock) before it sums the window, so concurrent callers
 *    on any node serialize per scope and cannot both pass the check. Amounts are NUMERIC, summed
 *    exactly by the database and read back as decimal text into BigInt (wei exceed int8).
 *  - addApprovalVote and updateApproval lock the approval row (SELECT … FOR UPDATE): a vote cannot
 *    land after the status left pending, and the status compare-and-set lets exactly one caller win.
 */
import type pg from 'pg';
import type { ApprovalRecord, ApprovalStatus, ApprovalVote, Store } from '../types.js';
import { assertDistinctBuckets, reservationRowId, toApprovalRecord, type ApprovalRow } from '../rows.js';

type Methods = Pick<
  Store,
  'putTransactionRules' | 'getTransactionRules' | 'deleteTransactionRules' | 'reserveSpend' | 'reserveLimits' | 'releaseSpend' | 'createApproval' | 'getApproval' | 'listApprovals' | 'addApprovalVote' | 'updateApproval'
>;

/** A connection inside tx(): statements only (BEGIN, COMMIT and the connection's errors are tx()'s business). */
export interface TxClient {
  query<R extends pg.QueryResultRow = any>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

export interface PgAccess {
  /** one statement, outside any transaction */
  q<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  /** one READ COMMITTED transaction, retried whole on a serialization failure or deadlock */
  tx<T>(fn: (c: TxClient) => Promise<T>): Promise<T>;
  /** advisory lock namespace (first key of the two-key form) for spend scopes */
  spendLockNamespace: number;
}


/** Votes in (at, subject) byte order, as SQLite orders them (both columns are COLLATE "C"). */
const VOTES = 'SELECT subject, accessor, vote, at FROM approval_votes WHERE approval_id = $1 ORDER BY at, subject';

export function transactionRuleMethods({ q, tx, spendLockNamespace }: PgAccess): Methods {
  const votesOf = async (c: TxClient, id: string): Promise<ApprovalVote[]> => (await c.query<ApprovalVote>(VOTES, [id])).rows;
  /** Approval rows with their votes, read in one statement (a consistent snapshot of both). */
  const withVotes = `SELECT a.*, coalesce((SELECT json_agg(json_build_object('subject', v.subject, 'accessor', v.accessor, 'vote', v.vote, 'at', v.at) ORDER BY v.at, v.subject)
                                            FROM approval_votes v WHERE v.approval_id = a.id), '[]'::json) AS votes
                       FROM approvals a`;
  const readApprovals = async (where: string, values: unknown[]): Promise<ApprovalRecord[]> =>
    (await q<ApprovalRow & { votes: ApprovalVote[] }>(`${withVotes} ${where}`, values)).rows.map((r) => toApprovalRecord(r, r.votes));

  const reserveLimits: Methods['reserveLimits'] = async (res, limits) => {
    assertDistinctBuckets(limits);
    return tx(async (c) => {
      // Held until commit: every reservation of this scope (every bucket), from any node, waits here.
      await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [spendLockNamespace, `${res.scope}:${res.scopeId}`]);
      const spent: bigint[] = [];
      for (const l of limits) {
        const sum = await c.query<{ spent: string }>('SELECT coalesce(sum(amount), 0)::text AS spent FROM spend_reservations WHERE scope = $1 AND scope_id = $2 AND bucket = $3 AND created_at > $4', [res.scope, res.scopeId, l.bucket, l.windowStart]);
        spent.push(BigInt(sum.rows[0]!.spent));
      }
      if (limits.some((l, i) => spent[i]! + l.amount > l.limit)) return { reserved: false, spent };
      for (const l of limits) {
        await c.query('INSERT INTO spend_reservations (id, reservation_id, bucket, scope, scope_id, amount, created_at, request_id) VALUES ($1, $2, $3, $4, $5, $6::numeric, $7, $8)', [
          reservationRowId(res.id, l.bucket), res.id, l.bucket, res.scope, res.scopeId, l.amount.toString(), res.createdAt, res.requestId,
        ]);
      }
      return { reserved: true, spent };
    });
  };

  return {
    async putTransactionRules(r) {
      await q(
        'INSERT INTO transaction_rules (scope, scope_id, document, updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (scope, scope_id) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at',
        [r.scope, r.scopeId, r.document, r.updatedAt],
      );
    },
    async getTransactionRules(scope, scopeId) {
      const r = (await q<{ scope: 'key' | 'wallet'; scope_id: string; document: string; updated_at: string }>('SELECT * FROM transaction_rules WHERE scope = $1 AND scope_id = $2', [scope, scopeId])).rows[0];
      return r && { scope: r.scope, scopeId: r.scope_id, document: r.document, updatedAt: r.updated_at };
    },
    async deleteTransactionRules(scope, scopeId) {
      return (await q('DELETE FROM transaction_rules WHERE scope = $1 AND scope_id = $2', [scope, scopeId])).rowCount! > 0;
    },
    async reserveSpend({ amount, ...res }, limit, windowStart) {
      const { reserved, spent } = await reserveLimits(res, [{ bucket: 'native', amount, limit, windowStart }]);
      return { reserved, spent: spent[0]! };
    },
    reserveLimits,
    async releaseSpend(id) {
      return (await q('DELETE FROM spend_reservations WHERE reservation_id = $1', [id])).rowCount! > 0;
    },
    async createApproval(a) {
      await q(
        `INSERT INTO approvals (id, scope, scope_id, key_id, chain, operation, request, summary, requester_subject, requester_accessor, required, status, reason, result, created_at, expires_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
        [a.id, a.scope, a.scopeId, a.keyId, a.chain, a.operation, a.request, a.summary, a.requesterSubject, a.requesterAccessor, a.required, a.status, a.reason, a.result, a.createdAt, a.expiresAt, a.updatedAt],
      );
    },
    async getApproval(id) {
      return (await readApprovals('WHERE a.id = $1', [id]))[0];
    },
    async listApprovals({ status, before, limit }) {
      // As SQLite: an unknown `before` id gives an empty page.
      const beforeSeq = before === undefined ? Number.MAX_SAFE_INTEGER : ((await q<{ seq: number }>('SELECT seq FROM approvals WHERE id = $1', [before])).rows[0]?.seq ?? 0);
      return status === undefined
        ? readApprovals('WHERE a.seq < $1 ORDER BY a.seq DESC LIMIT $2', [beforeSeq, limit])
        : readApprovals('WHERE a.seq < $1 AND a.status = $2 ORDER BY a.seq DESC LIMIT $3', [beforeSeq, status, limit]);
    },
    async addApprovalVote(id, v) {
      return tx(async (c) => {
        // The row lock orders this vote against a concurrent status change (updateApproval).
        const row = (await c.query<ApprovalRow>('SELECT * FROM approvals WHERE id = $1 FOR UPDATE', [id])).rows[0];
        if (row === undefined || row.status !== 'pending') return undefined;
        const added = (await c.query('INSERT INTO approval_votes (approval_id, subject, accessor, vote, at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (approval_id, subject) DO NOTHING', [id, v.subject, v.accessor, v.vote, v.at])).rowCount === 1;
        return { added, approval: toApprovalRecord(row, await votesOf(c, id)) };
      });
    },
    async updateApproval(id, expect, patch) {
      return tx(async (c) => {
        const row = (await c.query<{ status: ApprovalStatus; reason: string | null; result: string | null }>('SELECT status, reason, result FROM approvals WHERE id = $1 FOR UPDATE', [id])).rows[0];
        if (row === undefined || !expect.includes(row.status)) return false;
        await c.query('UPDATE approvals SET status = $1, reason = $2, result = $3, updated_at = $4 WHERE id = $5', [
          patch.status,
          patch.reason === undefined ? row.reason : patch.reason,
          patch.result === undefined ? row.result : patch.result,
          patch.updatedAt,
          id,
        ]);
        return true;
      });
    },
  };
}
