import { clientFrom, clientOptions, output, type Command } from '../../command.js';

export default {
  path: ['policy', 'delete'],
  summary: 'Delete a stored policy',
  usage: '<name>',
  options: { ...clientOptions },
  positionals: ['name'],
  async run(args, io) {
    return output(args, io, await clientFrom(args, io).deletePolicy(args.positionals[0]!), () => `deleted policy ${args.positionals[0]}`);
  },
} satisfies Command;
