import { addAlias } from '../../../service/keys/update-key.js';
import { defineKeyRoute } from '../../route.js';
import { keyInfo, keyName, keyParams, object } from '../../schemas.js';

export default defineKeyRoute({
  method: 'POST',
  url: '/v1/keys/:id/aliases',
  operationId: 'addKeyAlias',
  summary: 'Give a key another unique name (usable wherever a key id is)',
  action: 'keys:update',
  schema: { params: keyParams, body: object({ alias: keyName }, ['alias']), response: { 200: keyInfo } },
  handler: ({ services }, { params, body }) => addAlias(services.ctx, { key: params.id, alias: body.alias }),
});
