import { listAwsCredentials } from '../../service/aws-credentials.js';
import { defineRoute } from '../route.js';
import { awsCredentialInfo, object } from '../schemas.js';

export default defineRoute({
  method: 'GET',
  url: '/v1/aws-credentials',
  operationId: 'listAwsCredentials',
  summary: 'List AWS credentials (active, expired and revoked) by access key id, one page at a time; never their secrets',
  tags: ['tokens'],
  auth: 'token',
  requiresUnsealed: false,
  action: 'tokens:read',
  resource: () => ({ kind: 'token' }),
  successStatus: 200,
  schema: {
    querystring: object({
      limit: { type: 'string', pattern: '^[0-9]{1,4}$', description: 'page size, 1-1000 (default 100)' },
      cursor: { type: 'string', maxLength: 32, description: 'nextCursor from the previous page' },
    }),
    response: {
      200: {
        type: 'object',
        required: ['credentials', 'nextCursor'],
        properties: { credentials: { type: 'array', items: awsCredentialInfo }, nextCursor: { type: ['string', 'null'] } },
      },
    },
  },
  handler: ({ services }, { query }) =>
    listAwsCredentials(services.ctx, {
      ...(query.limit === undefined ? {} : { limit: Number(query.limit) }),
      ...(query.cursor === undefined ? {} : { after: query.cursor }),
    }),
});
