import { createAwsCredential } from '../../../service/access/aws-credentials.js';
import { defineRoute } from '../../route.js';
import { awsCredentialInfo, duration, object } from '../../schemas.js';

export default defineRoute({
  method: 'POST',
  url: '/v1/aws-credentials',
  operationId: 'createAwsCredentials',
  summary: 'Create AWS SigV4 credentials for the AWS KMS endpoint, bound to policies (never more than the caller\'s) and never outliving the caller\'s token; the secret is shown only here',
  tags: ['tokens'],
  auth: 'token',
  requiresUnsealed: true,
  action: 'tokens:create',
  resource: () => ({ kind: 'token' }),
  successStatus: 201,
  schema: {
    body: object({
      policies: { type: 'array', minItems: 1, maxItems: 32, items: { type: 'string', maxLength: 64 }, description: "default: the caller's policies" },
      ttl: duration("lifetime, 1 s to 365 days, capped by the caller's token expiry (default: that expiry; none if the token never expires)", 'seconds'),
    }),
    response: {
      201: {
        ...awsCredentialInfo,
        required: [...(awsCredentialInfo.required as string[]), 'secretAccessKey'],
        properties: { ...(awsCredentialInfo.properties as Record<string, unknown>), secretAccessKey: { type: 'string' } },
      },
    },
  },
  handler: ({ services, principal }, { body }) => createAwsCredential(services.ctx, principal!, body),
});
