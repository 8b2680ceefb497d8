import { listAudit } from '../../../service/audit/audit-read.js';
import { defineRoute } from '../../route.js';
import { object } from '../../schemas.js';

const num = (d: string) => ({ type: 'string', pattern: '^[0-9]{1,15}$', description: d });

export default defineRoute({
  method: 'GET',
  url: '/v1/audit',
  operationId: 'listAudit',
  summary: 'Audit records in sequence order (with the head signature at the end of each batch), filtered, one page at a time',
  tags: ['audit'],
  auth: 'token',
  requiresUnsealed: false,
  action: 'audit:read',
  resource: () => ({ kind: 'audit' }),
  successStatus: 200,
  schema: {
    querystring: object({
      afterSeq: num('return records after this sequence number'),
      limit: num('page size 1-1000 (default 100)'),
      principal: { type: 'string', maxLength: 64 },
      action: { type: 'string', maxLength: 64 },
      outcome: { type: 'string', enum: ['success', 'denied', 'error'] },
      resource: { type: 'string', maxLength: 600 },
    }),
    response: {
      200: {
        type: 'object',
        required: ['records', 'nextAfterSeq'],
        properties: { records: { type: 'array', items: { type: 'object', additionalProperties: true } }, nextAfterSeq: { type: ['integer', 'null'] } },
      },
    },
  },
  handler: ({ services }, { query }) =>
    listAudit(services.ctx, {
      ...query,
      ...(query.afterSeq === undefined ? {} : { afterSeq: Number(query.afterSeq) }),
      ...(query.limit === undefined ? {} : { limit: Number(query.limit) }),
    }),
});
