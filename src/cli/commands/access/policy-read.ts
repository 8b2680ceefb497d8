import { clientFrom, clientOptions, output, type Command } from '../../command.js';

export default {
  path: ['policy', 'read'],
  summary: 'Show a policy document',
  usage: '<name>',
  options: { ...clientOptions },
  positionals: ['name'],
  async run(args, io) {
    return output(args, io, await clientFrom(args, io).getPolicy(args.positionals[0]!), (p) => JSON.stringify({ statements: p.statements }, null, 2));
  },
} satisfies Command;
