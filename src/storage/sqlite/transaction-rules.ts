/**
 * SQLite side of transaction rules (migrations 8 and 12): rules per scope, spend reservations (per
 * bucket: native, each token, the transaction count), approvals. A reservation runs in one IMMEDIATE transaction (the write lock is taken before the
 * sum is read), so two connections — or two nodes sharing the file — cannot both pass the check.
 * Amounts are decimal TEXT summed with BigInt: wei exceed SQLite's 64-bit integers.
 */
import type Database from 'better-sqlite3';
import type { ApprovalRecord, ApprovalStatus, ApprovalVote, Store } from '../types.js';
import { assertDistinctBuckets, reservationRowId, toApprovalRecord, type ApprovalRow } from '../rows.js';

type Methods = Pick<
  Store,
  'putTransactionRules' | 'getTransactionRules' | 'deleteTransactionRules' | 'reserveSpend' | 'reserveLimits' | 'releaseSpend' | 'createApproval' | 'getApproval' | 'listApprovals' | 'addApprovalVote' | 'updateApproval'
>;


export function transactionRuleMethods(db: Database.Database): Methods {
  const stmts = {
    putRules: db.prepare('INSERT INTO transaction_rules (scope, scope_id, document, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(scope, scope_id) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at'),
    getRules: db.prepare('SELECT * FROM transaction_rules WHERE scope = ? AND scope_id = ?'),
    deleteRules: db.prepare('DELETE FROM transaction_rules WHERE scope = ? AND scope_id = ?'),
    insertApproval: db.prepare(`INSERT INTO approvals (id, scope, scope_id, key_id, chain, operation, request, summary, requester_subject, requester_accessor, required, status, reason, result, created_at, expires_at, updated_at)
                                VALUES (@id, @scope, @scopeId, @keyId, @chain, @operation, @request, @summary, @requesterSubject, @requesterAccessor, @required, @status, @reason, @result, @createdAt, @expiresAt, @updatedAt)`),
    getApproval: db.prepare('SELECT * FROM approvals WHERE id = ?'),
    votes: db.prepare('SELECT subject, accessor, vote, at FROM approval_votes WHERE approval_id = ? ORDER BY at, subject'),
    insertVote: db.prepare('INSERT OR IGNORE INTO approval_votes (approval_id, subject, accessor, vote, at) VALUES (?, ?, ?, ?, ?)'),
    setStatus: db.prepare('UPDATE approvals SET status = ?, reason = ?, result = ?, updated_at = ? WHERE id = ?'),
  };
  // Prepared at first use: offline tools (audit verify --data-dir) open databases of older schema
  // versions, whose spend_reservations has no bucket column yet (migration 14), and never reserve.
  let spend: { windowAmounts: Database.Statement; insertReservation: Database.Statement; deleteReservation: Database.Statement } | undefined;
  const spendStmts = () =>
    (spend ??= {
      windowAmounts: db.prepare('SELECT amount FROM spend_reservations WHERE scope = ? AND scope_id = ? AND bucket = ? AND created_at > ?').pluck(),
      insertReservation: db.prepare('INSERT INTO spend_reservations (id, reservation_id, bucket, scope, scope_id, amount, created_at, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      deleteReservation: db.prepare('DELETE FROM spend_reservations WHERE reservation_id = ?'),
    });
  const toApproval = (r: ApprovalRow): ApprovalRecord => toApprovalRecord(r, stmts.votes.all(r.id) as ApprovalVote[]);

  const reserve = db.transaction((res: Parameters<Store['reserveLimits']>[0], limits: Parameters<Store['reserveLimits']>[1]) => {
    assertDistinctBuckets(limits);
    const spent = limits.map((l) => (spendStmts().windowAmounts.all(res.scope, res.scopeId, l.bucket, l.windowStart) as string[]).reduce((sum, a) => sum + BigInt(a), 0n));
    if (limits.some((l, i) => spent[i]! + l.amount > l.limit)) return { reserved: false, spent };
    for (const l of limits) spendStmts().insertReservation.run(reservationRowId(res.id, l.bucket), res.id, l.bucket, res.scope, res.scopeId, l.amount.toString(), res.createdAt, res.requestId);
    return { reserved: true, spent };
  });
  const vote = db.transaction((id: string, v: ApprovalVote) => {
    const row = stmts.getApproval.get(id) as ApprovalRow | undefined;
    if (row === undefined || row.status !== 'pending') return undefined;
    const added = stmts.insertVote.run(id, v.subject, v.accessor, v.vote, v.at).changes === 1;
    return { added, approval: toApproval(row) };
  });
  const update = db.transaction((id: string, expect: readonly ApprovalStatus[], patch: Parameters<Store['updateApproval']>[2]) => {
    const row = stmts.getApproval.get(id) as ApprovalRow | undefined;
    if (row === undefined || !expect.includes(row.status)) return false;
    stmts.setStatus.run(patch.status, patch.reason === undefined ? row.reason : patch.reason, patch.result === undefined ? row.result : patch.result, patch.updatedAt, id);
    return true;
  });

  return {
    async putTransactionRules(r) {
      stmts.putRules.run(r.scope, r.scopeId, r.document, r.updatedAt);
    },
    async getTransactionRules(scope, scopeId) {
      const r = stmts.getRules.get(scope, scopeId) as { scope: 'key' | 'wallet'; scope_id: string; document: string; updated_at: string } | undefined;
      return r && { scope: r.scope, scopeId: r.scope_id, document: r.document, updatedAt: r.updated_at };
    },
    async deleteTransactionRules(scope, scopeId) {
      return stmts.deleteRules.run(scope, scopeId).changes > 0;
    },
    async reserveSpend({ amount, ...reservation }, limit, windowStart) {
      const { reserved, spent } = reserve.immediate(reservation, [{ bucket: 'native', amount, limit, windowStart }]);
      return { reserved, spent: spent[0]! };
    },
    async reserveLimits(reservation, limits) {
      return reserve.immediate(reservation, limits);
    },
    async releaseSpend(id) {
      return spendStmts().deleteReservation.run(id).changes > 0;
    },
    async createApproval(a) {
      stmts.insertApproval.run({ ...a });
    },
    async getApproval(id) {
      const r = stmts.getApproval.get(id) as ApprovalRow | undefined;
      return r && toApproval(r);
    },
    async listApprovals({ status, before, limit }) {
      const beforeSeq = before === undefined ? Number.MAX_SAFE_INTEGER : ((stmts.getApproval.get(before) as ApprovalRow | undefined)?.seq ?? 0);
      const rows = db
        .prepare(`SELECT * FROM approvals WHERE seq < ? ${status === undefined ? '' : 'AND status = ?'} ORDER BY seq DESC LIMIT ?`)
        .all(...(status === undefined ? [beforeSeq, limit] : [beforeSeq, status, limit])) as ApprovalRow[];
      return rows.map(toApproval);
    },
    async addApprovalVote(id, v) {
      const out = vote.immediate(id, v);
      if (out === undefined) return undefined;
      return { added: out.added, approval: { ...out.approval, votes: stmts.votes.all(id) as ApprovalVote[] } };
    },
    async updateApproval(id, expect, patch) {
      return update.immediate(id, expect, patch);
    },
  };
}
