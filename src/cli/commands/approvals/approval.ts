/** `approval list|show|approve|reject`: transactions held by their key's rules for M-of-N approval. */
import type { ApprovalInfo } from '../../../sdk/client.js';
import { clientFrom, clientOptions, optionalString, output, table, UsageError, type Command } from '../../command.js';

const STATUSES = ['pending', 'signing', 'signed', 'rejected', 'expired', 'denied', 'failed'] as const;

export const approvalTable = (a: ApprovalInfo): string =>
  table([
    ['id', a.id],
    ['status', a.reason === null ? a.status : `${a.status} (${a.reason})`],
    ['key', a.keyId],
    ['chain', a.chain],
    ['requester', a.requester],
    ['approvals', `${a.approvals.length} of ${a.required}${a.approvals.length > 0 ? ': ' + a.approvals.map((v) => v.subject).join(', ') : ''}`],
    ['rejections', a.rejections.length > 0 ? a.rejections.map((v) => v.subject).join(', ') : undefined],
    ['summary', a.summary],
    ['expires', a.expiresAt],
    ['result', a.result ?? undefined],
  ]);

export const approvalList = {
  path: ['approval', 'list'],
  summary: 'List transactions held for approval, newest first',
  usage: '[--status pending|signed|rejected|expired|denied|failed]',
  options: {
    status: { type: 'string', value: 'STATUS', description: 'only approvals in this status: pending, signing, signed, rejected, expired, denied or failed', default: 'all' },
    ...clientOptions,
  },
  positionals: [],
  async run(args, io) {
    const status = optionalString(args, 'status');
    if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`);
    const page = await clientFrom(args, io).listApprovals(status === undefined ? {} : { status: status as (typeof STATUSES)[number] });
    return output(args, io, page, (p) => (p.approvals.length === 0 ? 'no approvals' : p.approvals.map((a) => `${a.id}  ${a.status.padEnd(8)}  ${a.chain.padEnd(8)}  ${a.approvals.length}/${a.required}  key ${a.keyId}  by ${a.requester}`).join('\n')));
  },
} satisfies Command;

export const approvalShow = {
  path: ['approval', 'show'],
  summary: 'Show a held transaction: what it does, its votes, and once signed its result',
  usage: '<id>',
  options: { ...clientOptions },
  positionals: ['id'],
  async run(args, io) {
    return output(args, io, await clientFrom(args, io).getApproval(args.positionals[0]!), approvalTable);
  },
} satisfies Command;

export const approvalApprove = {
  path: ['approval', 'approve'],
  summary: 'Approve a held transaction (it is signed when the quorum is met)',
  usage: '<id>',
  options: { ...clientOptions },
  positionals: ['id'],
  async run(args, io) {
    return output(args, io, await clientFrom(args, io).approveTransaction(args.positionals[0]!), approvalTable);
  },
} satisfies Command;

export const approvalReject = {
  path: ['approval', 'reject'],
  summary: 'Reject a held transaction (it will never be signed)',
  usage: '<id> [--reason TEXT]',
  options: {
    reason: { type: 'string', value: 'TEXT', description: 'why, recorded with the rejection', default: 'none' },
    ...clientOptions,
  },
  positionals: ['id'],
  async run(args, io) {
    return output(args, io, await clientFrom(args, io).rejectTransaction(args.positionals[0]!, optionalString(args, 'reason')), approvalTable);
  },
} satisfies Command;
