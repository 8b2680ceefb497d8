import { clientFrom, clientOptions, output, type Command } from '../../command.js';

export default {
  path: ['operator', 'seal'],
  summary: 'Seal Strongbox: every key becomes unusable until a quorum unseals it',
  usage: '',
  options: { ...clientOptions },
  positionals: [],
  async run(args, io) {
    return output(args, io, await clientFrom(args, io).seal(), () => 'Sealed');
  },
} satisfies Command;
