import { ethereumSignTypedData } from '../../../service/ethereum/ethereum-sign-typed-data.js';
import { defineKeyRoute, signOrHold } from '../../route.js';
import { heldTransactionResponse, keyParams, object } from '../../schemas.js';
import { ethereumSignature } from './sign-message.js';

export default defineKeyRoute({
  method: 'POST',
  url: '/v1/keys/:id/ethereum/sign-typed-data',
  operationId: 'ethereumSignTypedData',
  summary: 'Sign EIP-712 typed structured data (eth_signTypedData_v4) with a secp256k1 key; a key with transaction rules has permits (ERC-2612, DAI, ERC-3009, Permit2) judged like approve (202: held for approval)',
  action: 'keys:sign',
  sensitive: ['typedData'],
  schema: {
    params: keyParams,
    body: object(
      {
        typedData: {
          type: 'object',
          required: ['types', 'primaryType', 'domain', 'message'],
          properties: {
            types: { type: 'object', description: 'struct name → [{name, type}]; EIP712Domain optional (derived from domain)' },
            primaryType: { type: 'string' },
            domain: { type: 'object', description: 'name?, version?, chainId?, verifyingContract?, salt?' },
            message: { type: 'object' },
          },
          description: 'EIP-712 typed data as eth_signTypedData_v4 takes it; integers as JSON numbers, decimal or 0x-hex strings',
        },
      },
      ['typedData'],
    ),
    response: { 200: ethereumSignature, 202: heldTransactionResponse },
  },
  handler: (rc, { params, body }) => signOrHold(rc, (requester) => ethereumSignTypedData(rc.services.ctx, { ...body, key: params.id, ...(requester === undefined ? {} : { requester }) })),
});
