import { ethereumSignTransaction } from '../../../service/ethereum/ethereum-sign-transaction.js';
import { defineKeyRoute, signOrHold } from '../../route.js';
import { heldTransactionResponse, keyParams, object } from '../../schemas.js';

const quantity = (description: string) => ({ anyOf: [{ type: 'string' }, { type: 'integer' }], description: `${description}: a non-negative integer (JSON number, decimal string or 0x-hex string)` });

export default defineKeyRoute({
  method: 'POST',
  url: '/v1/keys/:id/ethereum/sign-transaction',
  operationId: 'ethereumSignTransaction',
  summary: 'Sign a legacy (EIP-155), EIP-2930 or EIP-1559 Ethereum transaction with a secp256k1 key; returns the raw signed transaction (202: held for approval by the key\'s transaction rules)',
  action: 'keys:sign',
  sensitive: ['transaction'],
  schema: {
    params: keyParams,
    body: object(
      {
        transaction: {
          type: 'object',
          properties: {
            type: { type: 'string', description: 'legacy, eip2930 or eip1559 (or 0x0, 0x1, 0x2); default eip1559; eip4844 and eip7702 are refused with UNSUPPORTED_OPERATION' },
            chainId: quantity('required, ≥ 1 (legacy transactions are always EIP-155)'),
            nonce: quantity('required'),
            to: { type: ['string', 'null'], description: '20-byte address; omitted or null for a contract creation' },
            value: quantity('wei, default 0'),
            gas: quantity('gas limit, required, ≥ 21000'),
            gasPrice: quantity('legacy and eip2930'),
            maxFeePerGas: quantity('eip1559'),
            maxPriorityFeePerGas: quantity('eip1559, ≤ maxFeePerGas'),
            data: { type: 'string', description: '0x-hex calldata (default 0x)' },
            accessList: { type: 'array', description: 'eip2930 and eip1559: [{address, storageKeys: [32-byte hex]}]' },
          },
        },
      },
      ['transaction'],
    ),
    response: {
      200: {
        type: 'object',
        required: ['rawTransaction', 'hash', 'from'],
        properties: {
          rawTransaction: { type: 'string', description: 'signed transaction for eth_sendRawTransaction' },
          hash: { type: 'string', description: 'transaction hash' },
          from: { type: 'string', description: 'EIP-55 address of the key' },
        },
      },
      202: heldTransactionResponse,
    },
  },
  handler: (rc, { params, body }) => signOrHold(rc, (requester) => ethereumSignTransaction(rc.services.ctx, { ...body, key: params.id, ...(requester === undefined ? {} : { requester }) })),
});
