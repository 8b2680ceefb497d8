import { ethereumSignUserOperation } from '../../../service/ethereum/ethereum-sign-user-operation.js';
import { defineKeyRoute, signOrHold } from '../../route.js';
import { heldTransactionResponse, keyParams, object } from '../../schemas.js';

const quantity = (description: string) => ({ anyOf: [{ type: 'string' }, { type: 'integer' }], description: `${description}: a non-negative integer (JSON number, decimal string or 0x-hex string)` });
const optional = (schema: Record<string, unknown>) => ({ ...schema, anyOf: [...(schema['anyOf'] as unknown[] ?? [{ type: schema['type'] }]), { type: 'null' }] });

export default defineKeyRoute({
  method: 'POST',
  url: '/v1/keys/:id/ethereum/sign-user-operation',
  operationId: 'ethereumSignUserOperation',
  summary: 'Sign an ERC-4337 user operation (EntryPoint v0.7 or v0.8) for a smart account the secp256k1 key owns; Strongbox computes the userOpHash, and a key with transaction rules has the calls judged (202: held for approval)',
  action: 'keys:sign',
  sensitive: ['userOperation'],
  schema: {
    params: keyParams,
    body: object(
      {
        userOperation: {
          type: 'object',
          description: 'the unpacked operation as viem and bundlers write it (v0.7/v0.8 fields); unknown fields are refused',
          properties: {
            sender: { type: 'string', description: 'the smart account (20-byte address)' },
            nonce: quantity('the EntryPoint nonce (key ‖ sequence)'),
            factory: { type: ['string', 'null'], description: 'the account factory, when the operation deploys the account' },
            factoryData: { type: ['string', 'null'], description: '0x-hex calldata for the factory' },
            callData: { type: 'string', description: '0x-hex: what the account executes (read: execute, executeBatch, ERC-7579/7821 execute)' },
            callGasLimit: quantity('uint128'),
            verificationGasLimit: quantity('uint128'),
            preVerificationGas: quantity('uint256'),
            maxFeePerGas: quantity('uint128'),
            maxPriorityFeePerGas: quantity('uint128, ≤ maxFeePerGas'),
            paymaster: { type: ['string', 'null'], description: 'the paymaster (20-byte address), if any' },
            paymasterVerificationGasLimit: optional(quantity('uint128, with a paymaster')),
            paymasterPostOpGasLimit: optional(quantity('uint128, with a paymaster')),
            paymasterData: { type: ['string', 'null'], description: '0x-hex, with a paymaster' },
            signature: { type: 'string', description: 'ignored (a placeholder from bundler tooling)' },
          },
        },
        entryPoint: { type: 'string', description: 'the EntryPoint contract address (part of the userOpHash)' },
        entryPointVersion: { type: 'string', enum: ['0.7', '0.8'], description: 'how the userOpHash is computed: 0.7 (abi.encode, EntryPoint 0.7 getUserOpHash) or 0.8 (EIP-712 PackedUserOperation)' },
        chainId: quantity('the chain id, ≥ 1 (part of the userOpHash)'),
        signatureFormat: { type: 'string', enum: ['raw', 'eip191'], description: 'raw: ECDSA over the userOpHash (SimpleAccount v0.8); eip191: over its EIP-191 personal-message digest (SimpleAccount v0.7, Solady ERC4337). Default eip191 for 0.7, raw for 0.8' },
      },
      ['userOperation', 'entryPoint', 'entryPointVersion', 'chainId'],
    ),
    response: {
      200: {
        type: 'object',
        required: ['signature', 'hash', 'signatureFormat'],
        properties: {
          signature: { type: 'string', description: '65 bytes r‖s‖v, v ∈ {27, 28}: the operation\'s signature field for an ECDSA-owned account' },
          hash: { type: 'string', description: 'the userOpHash' },
          signatureFormat: { type: 'string', description: 'raw or eip191: what was signed' },
        },
      },
      202: heldTransactionResponse,
    },
  },
  handler: (rc, { params, body }) => signOrHold(rc, (requester) => ethereumSignUserOperation(rc.services.ctx, { ...body, key: params.id, ...(requester === undefined ? {} : { requester }) })),
});
