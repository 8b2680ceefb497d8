/**
 * /v1/approvals: transactions held for M-of-N approval by their key's transaction rules. Reading and
 * voting are authorized against the approval's key (resource `key:<id>`, `key:name/...`, `key:wallet/...`), so a policy
 * can make someone an approver for some keys only; the rules decide whose votes count.
 */
import { approvalKeyResource, approveTransaction, getApproval, listApprovals, rejectTransaction } from '../../../service/approvals/approvals.js';
import { decide } from '../../../service/access/authorize.js';
import { keyResource } from '../../../service/shared/resolve-key.js';
import { defineRoute, type Route, type RouteContext } from '../../route.js';
import { object } from '../../schemas.js';

const statuses = ['pending', 'signing', 'signed', 'rejected', 'expired', 'denied', 'failed'];
const vote = { type: 'object', required: ['subject', 'at'], properties: { subject: { type: 'string' }, at: { type: 'string' } } };
export const approvalView = {
  type: 'object',
  required: ['id', 'keyId', 'chain', 'operation', 'status', 'reason', 'required', 'approvals', 'rejections', 'requester', 'summary', 'transaction', 'result', 'createdAt', 'expiresAt', 'updatedAt'],
  properties: {
    id: { type: 'string' },
    keyId: { type: 'string' },
    chain: { type: 'string' },
    operation: { type: 'string', description: 'e.g. ethereum.signTransaction' },
    status: {
      type: 'string',
      enum: statuses,
      description:
        'pending; then signed, denied or failed once the quorum is met — signing (transient) while the approver that met it signs, which an approve never answers unless signing outlasts 10 s; or rejected, expired. A request left signing for 2 minutes (its node stopped) reads as failed, reason signing_interrupted, nothing released',
    },
    reason: { type: ['string', 'null'], description: 'why it was rejected, denied (rule reason code), expired or failed' },
    required: { type: 'integer', description: 'M: approvals needed' },
    approvals: { type: 'array', items: vote },
    rejections: { type: 'array', items: vote },
    requester: { type: 'string', description: 'subject of the token that asked to sign' },
    summary: { type: 'object', additionalProperties: true, description: 'network, transfers (native and token), calls, approvers' },
    transaction: { type: 'object', additionalProperties: true, description: 'the decoded transaction held (quantities as decimal strings)' },
    result: { type: ['object', 'null'], additionalProperties: true, description: 'once signed: what the signing route returns (ethereum: rawTransaction, hash, from)' },
    createdAt: { type: 'string' },
    expiresAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
};
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } };
const approvalResource: Route['resource'] = (ctx, input) => approvalKeyResource(ctx, input.params.id as string);
const common = { tags: ['approvals'], auth: 'token' as const, requiresUnsealed: true, successStatus: 200 };

function approver(rc: RouteContext) {
  const p = rc.principal!;
  return { subject: p.subject, accessor: p.accessor, policies: p.policies, requestId: rc.request.id, decide: rc.decide };
}

export const approvalsList = defineRoute({
  ...common,
  method: 'GET',
  url: '/v1/approvals',
  operationId: 'listApprovals',
  summary: 'List transactions held for approval, newest first',
  action: 'approvals:read',
  resource: () => ({ kind: 'keys' }),
  schema: {
    querystring: object({
      status: { type: 'string', enum: statuses },
      limit: { type: 'string', pattern: '^[0-9]{1,4}$', description: 'page size, 1-1000 (default 100)' },
      cursor: { type: 'string', maxLength: 64, description: 'nextCursor from the previous page' },
    }),
    response: { 200: { type: 'object', required: ['approvals', 'nextCursor'], properties: { approvals: { type: 'array', items: approvalView }, nextCursor: { type: ['string', 'null'] } } } },
  },
  handler: ({ services, principal, request }, { query }) => {
    // The collection check (key:*) lets the caller in; each approval is then shown only if the caller
    // may read it on its own key — a deny on that key or its wallet path hides it here too. One decision
    // per key, not per approval (approvals cluster on few keys).
    const byKey = new Map<string, Promise<boolean>>();
    const readable = (keyId: string): Promise<boolean> => {
      let d = byKey.get(keyId);
      if (d === undefined) {
        d = keyResource(services.ctx, keyId).then(async ({ resource }) => (await decide(services.ctx, principal!, 'approvals:read', resource, request.ip)).allowed);
        byKey.set(keyId, d);
      }
      return d;
    };
    return listApprovals(services.ctx, {
      visible: (a) => readable(a.keyId),
      ...(query.status === undefined ? {} : { status: query.status }),
      ...(query.cursor === undefined ? {} : { before: query.cursor }),
      ...(query.limit === undefined ? {} : { limit: Math.min(1000, Math.max(1, Number(query.limit))) }),
    });
  },
});

export const approvalsGet = defineRoute({
  ...common,
  method: 'GET',
  url: '/v1/approvals/:id',
  operationId: 'getApproval',
  summary: 'Read a held transaction: its status, votes and, once signed, the signed result',
  action: 'approvals:read',
  resource: approvalResource,
  schema: { params: idParams, response: { 200: approvalView } },
  handler: ({ services }, { params }) => getApproval(services.ctx, { id: params.id }),
});

export const approvalsApprove = defineRoute({
  ...common,
  method: 'POST',
  url: '/v1/approvals/:id/approve',
  operationId: 'approveTransaction',
  summary: 'Approve a held transaction; the approval that meets the quorum re-checks the rules and signs',
  action: 'approvals:write',
  resource: approvalResource,
  schema: { params: idParams, response: { 200: approvalView } },
  handler: (rc, { params }) => approveTransaction(rc.services.ctx, { id: params.id, approver: approver(rc) }),
});

export const approvalsReject = defineRoute({
  ...common,
  method: 'POST',
  url: '/v1/approvals/:id/reject',
  operationId: 'rejectTransaction',
  summary: 'Reject a held transaction (an approver), or withdraw it (the requester): it will never sign',
  action: 'approvals:write',
  resource: approvalResource,
  schema: { params: idParams, body: object({ reason: { type: 'string', maxLength: 256, description: 'recorded with the rejection' } }), response: { 200: approvalView } },
  handler: (rc, { params, body }) => rejectTransaction(rc.services.ctx, { id: params.id, approver: approver(rc), ...(body.reason === undefined ? {} : { reason: body.reason }) }),
});
