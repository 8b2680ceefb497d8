import { ethereumSignMessage } from '../../../service/ethereum/ethereum-sign-message.js';
import { defineKeyRoute } from '../../route.js';
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
  summary: 'Sign an EIP-191 personal message ("\\x19Ethereum Signed Message:\\n" ‖ length ‖ message) with a secp256k1 key',
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
  handler: ({ services }, { params, body }) => ethereumSignMessage(services.ctx, { ...body, key: params.id }),
});
