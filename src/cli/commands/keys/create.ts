import { clientFrom, clientOptions, optionalString, output, requireString, type Command } from '../../command.js';
import type { KeyType } from '../../../protocol/types.js';
import { keyTable } from './show.js';

export default {
  path: ['key', 'create'],
  summary: 'Generate a key inside Strongbox',
  usage: '--type secp256k1|p256|ed25519|aes256|hmac256|rsa2048|rsa3072|rsa4096 [--name NAME] [--exportable]',
  options: {
    type: { type: 'string', value: 'TYPE', description: 'secp256k1, p256, ed25519 (signing), rsa2048, rsa3072, rsa4096 (signing, OAEP encryption), aes256 (encryption) or hmac256 (MACs); required' },
    name: { type: 'string', value: 'NAME', description: 'a unique name to use instead of the id (1-128 of A-Z a-z 0-9 . _ -)', default: 'none' },
    exportable: { type: 'boolean', description: 'allow the key to be exported wrapped (key export); fixed for its life', default: 'not exportable' },
    ...clientOptions,
  },
  positionals: [],
  async run(args, io) {
    const name = optionalString(args, 'name');
    const key = await clientFrom(args, io).createKey({ type: requireString(args, 'type') as KeyType, ...(name === undefined ? {} : { name }), ...(args.values['exportable'] ? { exportable: true } : {}) });
    return output(args, io, key, keyTable);
  },
} satisfies Command;
