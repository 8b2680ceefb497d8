import { createBackup } from '../../../service/sys/backup.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  method: 'GET',
  url: '/v1/sys/backup',
  operationId: 'backup',
  summary: 'One file with every record still sealed, the sealed keyring and root key, and a MAC under a root-derived key (application/octet-stream)',
  tags: ['sys'],
  auth: 'token',
  requiresUnsealed: true,
  action: 'sys:backup',
  resource: () => ({ kind: 'sys' }),
  successStatus: 200,
  schema: { response: { 200: { type: 'string', format: 'binary', description: 'the backup file' } } },
  handler: async ({ services, reply }) => {
    const file = await createBackup(services.ctx);
    reply.type('application/octet-stream').header('content-disposition', `attachment; filename="strongbox-${new Date().toISOString().slice(0, 10)}.sbbak"`);
    return Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  },
});
