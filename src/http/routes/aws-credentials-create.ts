import { createAwsCredential } from '../../service/aws-credentials.js';
import { defineRoute } from '../route.js';
import { object } from '../schemas.js';

export default defineRoute({
  method: 'POST',
  url: '/v1/aws-credentials',
  operationId: 'createAwsCredentials',
  summary: 'Create AWS SigV4 credentials for the AWS KMS endpoint, bound to policies (never more than the caller\'s); the secret is shown only here',
  tags: ['tokens'],
  auth: 'token',
  requiresUnsealed: true,
  action: 'tokens:create',
  resource: () => ({ kind: 'token' }),
  successStatus: 201,
  schema: {
    body: object({
      policies: { type: 'array', minItems: 1, maxItems: 32, items: { type: 'string', maxLength: 64 }, description: "default: the caller's policies" },
    }),
    response: {
      201: {
        type: 'object',
        required: ['accessKeyId', 'secretAccessKey', 'policies', 'subject', 'createdAt'],
        properties: {
          accessKeyId: { type: 'string' },
          secretAccessKey: { type: 'string' },
          policies: { type: 'array', items: { type: 'string' } },
          subject: { type: 'string' },
          createdAt: { type: 'string' },
        },
      },
    },
  },
  handler: ({ services, principal }, { body }) => createAwsCredential(services.ctx, principal!, body),
});
