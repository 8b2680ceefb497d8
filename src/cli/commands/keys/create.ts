import { clientFrom, clientOptions, optionalString, output, requireString, type Command } from '../../command.js';
import type { KeyType } from '../../../protocol/types.js';
import { keyTable } from './show.js';

export default {
  path: ['key', 'create'],
  summary: 'Generate a key inside Strongbox',
  usage: '--type secp256k1|p256|ed25519|aes256|hmac256|rsa2048|rsa3072|rsa4096 [--name NAME] [--exportable]',
  options: { ...clientOptions, type: { type: 'string' }, name: { type: 'string' }, exportable: { type: 'boolean' } },
  positionals: [],
  async run(args, io) {
    const name = optionalString(args, 'name');
    const key = await clientFrom(args, io).createKey({ type: requireString(args, 'type') as KeyType, ...(name === undefined ? {} : { name }), ...(args.values['exportable'] ? { exportable: true } : {}) });
    return output(args, io, key, keyTable);
  },
} satisfies Command;
