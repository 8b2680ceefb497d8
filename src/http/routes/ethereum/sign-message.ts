import { ethereumSignMessage } from '../../../service/ethereum/ethereum-sign-message.js';
import { defineKeyRoute, signOrHold } from '../../route.js';
import { keyParams, object } from '../../schemas.js';

export const ethereumSignature = {
  type: 'object',
  required: ['signature', 'hash'],
  properties: { signature: { type: 'string', description: '65 bytes r‖s‖v, v ∈ {27, 28}' }, hash: { type: 'string', description: 'the 32-byte digest signed' } },
};

export default defineKeyRoute({
  method: 'POST',
  url: '/v1/keys/:id/ethereum/sign-message',
  operationId: 'ethereumSignMessage',
  summary: 'Sign an EIP-191 personal message ("\\x19Ethereum Signed Message:\\n" ‖ length ‖ message) with a secp256k1 key; for a key with transaction rules, a message that is not readable text (32 bytes, binary, control characters) is blind signing (403 BLIND_SIGNING_FORBIDDEN under forbidBlindSigning)',
  action: 'keys:sign',
  sensitive: ['message'],
  schema: {
    params: keyParams,
    body: object(
      {
        message: { type: 'string', description: 'the message: its UTF-8 bytes (encoding utf8, the default) or 0x-hex bytes (encoding hex); at most 256 KiB' },
        encoding: { type: 'string', enum: ['utf8', 'hex'], description: 'how message is given (default utf8: a 0x string is signed as text)' },
      },
      ['message'],
    ),
    response: { 200: ethereumSignature },
  },
  handler: (rc, { params, body }) => signOrHold(rc, (requester) => ethereumSignMessage(rc.services.ctx, { ...body, key: params.id, ...(requester === undefined ? {} : { requester }) })),
});
