import { exportKeystore, MAX_PASSPHRASE_CHARS, MIN_PASSPHRASE_CHARS } from '../../../service/keys/export-keystore.js';
import { defineKeyRoute } from '../../route.js';
import { keyParams, object } from '../../schemas.js';

const hexString = { type: 'string' };

export default defineKeyRoute({
  method: 'POST',
  url: '/v1/keys/:id/export-keystore',
  operationId: 'exportKeystore',
  summary: 'Export an exportable secp256k1 key as an Ethereum keystore v3 file (scrypt n=262144 r=8 p=1, AES-128-CTR)',
  action: 'keys:export',
  // The passphrase is a secret: the audit record holds only its HMAC; it is never logged or echoed.
  sensitive: ['passphrase'],
  schema: {
    params: keyParams,
    body: object({ passphrase: { type: 'string', minLength: MIN_PASSPHRASE_CHARS, maxLength: MAX_PASSPHRASE_CHARS, description: 'encrypts the keystore; wallets ask for it on import' } }, ['passphrase']),
    response: {
      200: {
        type: 'object',
        required: ['version', 'id', 'address', 'crypto'],
        properties: {
          version: { type: 'integer', enum: [3] },
          id: { type: 'string', description: 'random UUIDv4' },
          address: { type: 'string', description: 'lowercase Ethereum address without 0x' },
          crypto: {
            type: 'object',
            required: ['cipher', 'cipherparams', 'ciphertext', 'kdf', 'kdfparams', 'mac'],
            properties: {
              cipher: { type: 'string', enum: ['aes-128-ctr'] },
              cipherparams: { type: 'object', required: ['iv'], properties: { iv: hexString } },
              ciphertext: hexString,
              kdf: { type: 'string', enum: ['scrypt'] },
              kdfparams: {
                type: 'object',
                required: ['dklen', 'n', 'r', 'p', 'salt'],
                properties: { dklen: { type: 'integer' }, n: { type: 'integer' }, r: { type: 'integer' }, p: { type: 'integer' }, salt: hexString },
              },
              mac: hexString,
            },
          },
        },
      },
    },
  },
  handler: ({ services }, { params, body }) => exportKeystore(services.ctx, { key: params.id, passphrase: body.passphrase }),
});
