import { ethereumSignAuthorization } from '../../../service/ethereum/ethereum-sign-authorization.js';
import { defineKeyRoute, signOrHold } from '../../route.js';
import { heldTransactionResponse, keyParams, object } from '../../schemas.js';

const quantity = (description: string) => ({ anyOf: [{ type: 'string' }, { type: 'integer' }], description: `${description}: a non-negative integer (JSON number, decimal string or 0x-hex string)` });

export default defineKeyRoute({
  method: 'POST',
  url: '/v1/keys/:id/ethereum/sign-authorization',
  operationId: 'ethereumSignAuthorization',
  summary: 'Sign an EIP-7702 authorization {chainId, address, nonce} with a secp256k1 key, delegating its account to the code at address; judged by the key\'s transaction rules (allowedDelegates; 202: held for approval)',
  action: 'keys:sign',
  sensitive: ['authorization'],
  schema: {
    params: keyParams,
    body: object(
      {
        authorization: {
          type: 'object',
          required: ['chainId', 'address', 'nonce'],
          properties: {
            chainId: quantity('the chain the authorization is valid on; 0 = every chain (refused by a key with rules unless allowChainIdZeroAuthorizations)'),
            address: { type: 'string', description: 'the delegate: 20-byte address of the code the account will run; 0x0000000000000000000000000000000000000000 clears the delegation' },
            nonce: quantity('the account nonce when the authorization is processed (in a type-4 transaction the key sends itself: the transaction nonce + 1)'),
          },
        },
      },
      ['authorization'],
    ),
    response: {
      200: {
        type: 'object',
        required: ['chainId', 'address', 'nonce', 'yParity', 'r', 's', 'hash', 'from'],
        properties: {
          chainId: { type: 'integer' },
          address: { type: 'string', description: 'the delegate' },
          nonce: { type: 'integer' },
          yParity: { type: 'integer', description: '0 or 1' },
          r: { type: 'string', description: '32-byte 0x-hex' },
          s: { type: 'string', description: '32-byte 0x-hex (low-S)' },
          hash: { type: 'string', description: 'the signed digest keccak256(0x05 ‖ rlp([chainId, address, nonce]))' },
          from: { type: 'string', description: 'EIP-55 address of the key (the authority)' },
        },
      },
      202: heldTransactionResponse,
    },
  },
  handler: (rc, { params, body }) => signOrHold(rc, (requester) => ethereumSignAuthorization(rc.services.ctx, { ...body, key: params.id, ...(requester === undefined ? {} : { requester }) })),
});
