import { ethereumSignTransaction } from '../../../service/ethereum/ethereum-sign-transaction.js';
import { defineKeyRoute, signOrHold } from '../../route.js';
import { heldTransactionResponse, keyParams, object } from '../../schemas.js';

const quantity = (description: string) => ({ anyOf: [{ type: 'string' }, { type: 'integer' }], description: `${description}: a non-negative integer (JSON number, decimal string or 0x-hex string)` });

export default defineKeyRoute({
  method: 'POST',
  url: '/v1/keys/:id/ethereum/sign-transaction',
  operationId: 'ethereumSignTransaction',
  summary: 'Sign a legacy (EIP-155), EIP-2930, EIP-1559, EIP-4844 (blob) or EIP-7702 (set-code) Ethereum transaction with a secp256k1 key; returns the raw signed transaction (202: held for approval by the key\'s transaction rules)',
  action: 'keys:sign',
  sensitive: ['transaction'],
  schema: {
    params: keyParams,
    body: object(
      {
        transaction: {
          type: 'object',
          properties: {
            type: { type: 'string', description: 'legacy, eip2930, eip1559, eip4844 or eip7702 (or 0x0 to 0x4); default eip1559' },
            chainId: quantity('required, ≥ 1 (legacy transactions are always EIP-155)'),
            nonce: quantity('required'),
            to: { type: ['string', 'null'], description: '20-byte address; omitted or null for a contract creation' },
            value: quantity('wei, default 0'),
            gas: quantity('gas limit, required, ≥ 21000; at most the chain\'s EIP-7825 cap (2^24 on mainnet, Sepolia, Holesky, Hoodi; --ethereum-gas-cap)'),
            gasPrice: quantity('legacy and eip2930'),
            maxFeePerGas: quantity('eip1559, eip4844, eip7702'),
            maxPriorityFeePerGas: quantity('eip1559, eip4844, eip7702; ≤ maxFeePerGas'),
            data: { type: 'string', description: '0x-hex calldata (default 0x)' },
            accessList: { type: 'array', description: 'eip2930, eip1559, eip4844, eip7702: [{address, storageKeys: [32-byte hex]}]' },
            authorizationList: { type: 'array', description: 'eip7702, required, non-empty: signed authorizations [{chainId, address, nonce, yParity, r, s}] (by the key, from sign-authorization, or by other accounts)' },
            maxFeePerBlobGas: quantity('eip4844, required'),
            blobVersionedHashes: { type: 'array', items: { type: 'string' }, description: 'eip4844, required: 1 to 9 32-byte versioned hashes (0x01 ‖ sha256(commitment)[1:])' },
            sidecar: {
              type: 'object',
              description: 'eip4844, optional: {blobs (131072 bytes each), commitments (48), proofs (48)}, one per versioned hash; checked (versioned hashes, KZG proofs), and then rawTransaction is the network form for eth_sendRawTransaction',
            },
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
          rawTransaction: { type: 'string', description: 'signed transaction for eth_sendRawTransaction (a blob transaction with its sidecar: the network form)' },
          hash: { type: 'string', description: 'transaction hash (of the signed transaction without any sidecar)' },
          from: { type: 'string', description: 'EIP-55 address of the key' },
        },
      },
      202: heldTransactionResponse,
    },
  },
  handler: (rc, { params, body }) => signOrHold(rc, (requester) => ethereumSignTransaction(rc.services.ctx, { ...body, key: params.id, ...(requester === undefined ? {} : { requester }) })),
});
