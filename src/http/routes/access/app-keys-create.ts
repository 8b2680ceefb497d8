import { registerAppKey } from '../../../service/access/app-keys.js';
import { defineRoute } from '../../route.js';
import { appKeyInfo, object } from '../../schemas.js';

export default defineRoute({
  method: 'POST',
  url: '/v1/auth/app-keys',
  operationId: 'registerAppKey',
  summary: "Register an application's public key (Ed25519 or ECDSA P-256, PEM or JWK) for signed requests (RFC 9421), bound to a token accessor or a certificate accessor",
  tags: ['tokens'],
  auth: 'token',
  requiresUnsealed: false,
  action: 'tokens:app-keys',
  resource: () => ({ kind: 'token' }),
  successStatus: 201,
  schema: {
    body: object(
      {
        keyId: { type: 'string', minLength: 1, maxLength: 128, description: 'the keyid the application will put in Signature-Input; never reused' },
        accessor: { type: 'string', minLength: 1, maxLength: 128, description: 'the token accessor, or a client certificate accessor (cert.<24 hex>)' },
        publicKey: { anyOf: [{ type: 'string', maxLength: 4096 }, { type: 'object', maxProperties: 16 }], description: 'SPKI PEM, or a public JWK (OKP Ed25519 or EC P-256)' },
      },
      ['keyId', 'accessor', 'publicKey'],
    ),
    response: { 201: appKeyInfo },
  },
  handler: ({ services }, { body }) => registerAppKey(services.ctx, body),
});
