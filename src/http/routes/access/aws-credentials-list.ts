import { listAwsCredentials } from '../../../service/access/aws-credentials.js';
import { defineRoute } from '../../route.js';
import { awsCredentialInfo, pageOf, pageQuery, pageResponse } from '../../schemas.js';

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
    querystring: pageQuery,
    response: { 200: pageResponse('credentials', awsCredentialInfo) },
  },
  handler: ({ services }, { query }) =>
    listAwsCredentials(services.ctx, pageOf(query)),
});
