import { revokeAwsCredential } from '../../../service/access/aws-credentials.js';
import { defineRoute } from '../../route.js';
import { awsCredentialInfo } from '../../schemas.js';

export default defineRoute({
  method: 'DELETE',
  url: '/v1/aws-credentials/:accessKeyId',
  operationId: 'revokeAwsCredential',
  summary: 'Revoke an AWS credential: its next SigV4 request is refused (UnrecognizedClientException); idempotent',
  tags: ['tokens'],
  auth: 'token',
  requiresUnsealed: false,
  action: 'tokens:revoke',
  resource: () => ({ kind: 'token' }),
  successStatus: 200,
  schema: {
    params: { type: 'object', required: ['accessKeyId'], properties: { accessKeyId: { type: 'string', minLength: 1, maxLength: 128 } } },
    response: { 200: awsCredentialInfo },
  },
  handler: ({ services }, { params }) => revokeAwsCredential(services.ctx, params),
});
