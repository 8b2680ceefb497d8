import { clientFrom, clientOptions, output, type Command } from '../../command.js';

export default {
  path: ['aws-credentials', 'revoke'],
  summary: 'Revoke AWS credentials by access key id (refused from the next request on)',
  usage: '<access-key-id>',
  options: { ...clientOptions },
  positionals: ['accessKeyId'],
  async run(args, io) {
    return output(args, io, await clientFrom(args, io).revokeAwsCredential(args.positionals[0]!), (c) => `revoked ${c.accessKeyId} at ${c.revokedAt}`);
  },
} satisfies Command;
