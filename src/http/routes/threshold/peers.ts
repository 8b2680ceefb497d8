import { getThresholdPeers, setThresholdPeers } from '../../../service/threshold/peers.js';
import { defineRoute } from '../../route.js';
import { object } from '../../schemas.js';

const peersView = {
  type: 'object',
  required: ['self', 'peers', 'tls'],
  properties: {
    self: { type: ['string', 'null'], description: 'this server\'s peer id' },
    peers: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'url', 'principal', 'pinnedCa'],
        properties: { id: { type: 'string' }, url: { type: 'string' }, principal: { type: 'string' }, pinnedCa: { type: 'boolean', description: 'whether the peer has its own pinned CA (else --tls-client-ca)' } },
      },
    },
    tls: { type: 'boolean', description: 'whether this server has a TLS identity (--tls-cert/--tls-key) to call its peers with' },
  },
};

export const thresholdPeersGet = defineRoute({
  method: 'GET',
  url: '/v1/sys/threshold/peers',
  operationId: 'getThresholdPeers',
  summary: 'This server\'s threshold peer id and the participants it runs threshold keys with',
  tags: ['threshold'],
  auth: 'token',
  requiresUnsealed: true,
  action: 'sys:threshold',
  resource: () => ({ kind: 'sys' }),
  successStatus: 200,
  schema: { response: { 200: peersView } },
  handler: ({ services }) => getThresholdPeers(services.ctx),
});

export const thresholdPeersPut = defineRoute({
  method: 'PUT',
  url: '/v1/sys/threshold/peers',
  operationId: 'setThresholdPeers',
  summary: 'Replace this server\'s threshold peers (sealed under the barrier): every participant, this one included, with its URL and certificate principal',
  tags: ['threshold'],
  auth: 'token',
  requiresUnsealed: true,
  action: 'sys:threshold',
  resource: () => ({ kind: 'sys' }),
  successStatus: 200,
  schema: {
    body: object(
      {
        self: { type: 'string', maxLength: 63, description: 'this server\'s own peer id (one of peers)' },
        peers: {
          type: 'array',
          maxItems: 16,
          items: object(
            {
              id: { type: 'string', maxLength: 63, description: 'peer id, the same on every participant (a-z 0-9 . _ -)' },
              url: { type: 'string', maxLength: 2048, description: 'https:// origin of the peer\'s REST API' },
              principal: { type: 'string', maxLength: 128, description: 'CN of the peer\'s client certificate (mapped by --tls-client-map to a policy granting threshold:participate)' },
              ca: { type: 'string', maxLength: 65536, description: 'PEM CA or certificate the peer\'s server certificate must chain to (default: --tls-client-ca)' },
            },
            ['id', 'url', 'principal'],
          ),
        },
      },
      ['self', 'peers'],
    ),
    response: { 200: peersView },
  },
  handler: ({ services }, { body }) => setThresholdPeers(services.ctx, body),
});
