import { clientFrom, clientOptions, output, type Command } from '../../command.js';

export default {
  path: ['app-key', 'revoke'],
  summary: 'Revoke an application key by key id (its signatures are refused from the next request on)',
  usage: '<key-id>',
  options: { ...clientOptions },
  positionals: ['keyId'],
  async run(args, io) {
    return output(args, io, await clientFrom(args, io).revokeAppKey(args.positionals[0]!), (k) => `revoked ${k.keyId} at ${k.revokedAt}`);
  },
} satisfies Command;
