import { solanaSignTransaction } from '../../../service/solana/solana-sign-transaction.js';
import { defineKeyRoute, signOrHold } from '../../route.js';
import { heldTransactionResponse, keyParams, object } from '../../schemas.js';

const base64 = (description: string) => ({ type: 'string', maxLength: 1644, description });

export default defineKeyRoute({
  method: 'POST',
  url: '/v1/keys/:id/solana/sign-transaction',
  operationId: 'solanaSignTransaction',
  summary: "Sign a Solana transaction (legacy or v0) with an ed25519 key, placing the signature in the key's slot among the required signers",
  action: 'keys:sign',
  sensitive: ['transaction', 'message'],
  schema: {
    params: keyParams,
    body: object({
      transaction: base64('base64 wire transaction (compact-u16 signature count, 64-byte slots, message), at most 1232 bytes; other signers\' slots are kept'),
      message: base64('base64 bare serialized message (instead of transaction); every other slot of the answer is zero'),
    }),
    response: {
      200: {
        type: 'object',
        required: ['transaction', 'signature', 'message'],
        properties: {
          transaction: { type: 'string', description: 'base64 wire transaction with this key\'s signature in its slot' },
          signature: { type: 'string', description: 'base58 Ed25519 signature (the transaction id when the key is the fee payer)' },
          message: { type: 'string', description: 'base64 message that was signed' },
        },
      },
      202: heldTransactionResponse,
    },
  },
  handler: (rc, { params, body }) => signOrHold(rc, (requester) => solanaSignTransaction(rc.services.ctx, { ...body, key: params.id, ...(requester === undefined ? {} : { requester }) })),
});
