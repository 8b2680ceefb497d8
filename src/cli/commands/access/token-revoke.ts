import { clientFrom, clientOptions, output, type Command } from '../../command.js';

export default {
  path: ['token', 'revoke'],
  summary: 'Revoke a token and its descendants, by accessor',
  usage: '<accessor>',
  options: { ...clientOptions },
  positionals: ['accessor'],
  async run(args, io) {
    return output(args, io, await clientFrom(args, io).revokeToken(args.positionals[0]!), (r) => `revoked ${r.revoked.length} token(s): ${r.revoked.join(', ')}`);
  },
} satisfies Command;
