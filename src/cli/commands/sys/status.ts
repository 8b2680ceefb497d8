import { clientFrom, clientOptions, output, table, type Command } from '../../command.js';

export default {
  path: ['operator', 'status'],
  summary: 'Show initialization and seal state',
  usage: '',
  options: { ...clientOptions },
  positionals: [],
  async run(args, io) {
    const h = await clientFrom(args, io).health();
    return output(args, io, h, (r) => table([['Initialized', r.initialized], ['Sealed', r.sealed], ['Seal type', r.sealType ?? '-'], ['Version', r.version]]));
  },
} satisfies Command;
