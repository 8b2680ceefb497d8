import { StrongboxError } from '../../../protocol/errors.js';
import { fromJsonTtlv, toJsonTtlv } from '../../../kmip/json.js';
import { handleKmipMessage } from '../../../kmip/server/dispatch.js';
import { TtlvError } from '../../../kmip/ttlv.js';
import { defineRoute } from '../../route.js';

/** KMIP over HTTPS with the JSON encoding of TTLV (KMIP 2.1 Profiles §5.4): the same operation table as the TTLV listener. */
export default defineRoute({
  method: 'POST',
  url: '/kmip/2_1',
  operationId: 'kmipJson',
  summary: 'KMIP request message in JSON TTLV (tag/type/value); answers the KMIP response message in JSON TTLV. Every batch item is authorized and audited on its own (kmip.<Operation>)',
  tags: ['kmip'],
  auth: 'token',
  requiresUnsealed: false,
  // Each batch item is authorized on its own (keys:create, keys:read, keys:encrypt, … on the key it names).
  action: null,
  successStatus: 200,
  schema: {
    body: { description: 'a KMIP Request Message as JSON TTLV: {"tag": "RequestMessage", "value": [...]}', type: 'object' },
    response: { 200: { description: 'the KMIP Response Message as JSON TTLV (failures are batch items with Result Status OperationFailed)', type: 'object', additionalProperties: true } },
  },
  handler: async ({ services, principal, request }, { body }) => {
    let item;
    try {
      item = fromJsonTtlv(body);
    } catch (err) {
      if (!(err instanceof TtlvError)) throw err;
      const field = /^(\$[^:]*):/.exec(err.message)?.[1] ?? '$';
      throw new StrongboxError('INVALID_ARGUMENT', `not a JSON TTLV message: ${err.message}`, { field });
    }
    const response = await handleKmipMessage({ ctx: services.ctx, principal, clientIp: request.ip, signedRequestsChecked: true, log: (message, fields) => request.log.error(fields, message) }, item);
    return toJsonTtlv(response);
  },
});
