import { clientFrom, clientOptions, output, parseIntegerFlag, type Command } from '../../command.js';
import { tokenTable } from './token-lookup.js';

export default {
  path: ['token', 'renew'],
  summary: 'Extend the calling token',
  usage: '[--increment SECONDS]',
  options: { ...clientOptions, increment: { type: 'string' } },
  positionals: [],
  async run(args, io) {
    const increment = parseIntegerFlag(args, 'increment');
    return output(args, io, await clientFrom(args, io).renewSelf(increment === undefined ? {} : { increment }), tokenTable);
  },
} satisfies Command;
