import { handleRpc } from '../../../ethrpc/dispatch.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  method: 'POST',
  url: '/v1/ethereum/rpc',
  operationId: 'ethereumRpc',
  summary:
    'Ethereum JSON-RPC signer: eth_accounts, eth_sign, personal_sign, eth_signTypedData_v4, eth_signTransaction and eth_sendTransaction with Strongbox keys; other eth_/net_/web3_ methods pass through to the upstream node (--ethereum-upstream)',
  tags: ['ethereum'],
  auth: 'token',
  requiresUnsealed: true,
  // Each call is authorized on its own (keys:sign on the `from` key, ethereum:rpc to pass through) and audited as ethrpc.<method>.
  action: null,
  successStatus: 200,
  schema: {
    body: { description: 'a JSON-RPC 2.0 request, or a batch (an array of at most 100)', anyOf: [{ type: 'object' }, { type: 'array' }] },
    response: {
      200: {
        description: 'the JSON-RPC response, or an array of them for a batch (errors are JSON-RPC error objects, with the Strongbox code in error.data.code)',
        anyOf: [{ type: 'object', additionalProperties: true }, { type: 'array', items: { type: 'object', additionalProperties: true } }],
      },
      204: { type: 'null', description: 'every call was a notification' },
      400: { description: 'not a JSON-RPC request (no jsonrpc "2.0", no method, an empty or oversized batch): a JSON-RPC error object with code -32600', type: 'object', additionalProperties: true },
    },
  },
  handler: async ({ services, principal, request, reply }, { body }) => {
    // Token limits count calls, not requests: each call of a batch after the first is charged (ethrpc/dispatch.ts).
    const out = await handleRpc(services.ctx, { principal: principal!, ip: request.ip, requestId: request.id, charge: () => services.auth.charge(principal!) }, body);
    reply.status(out.status);
    return out.body;
  },
});
