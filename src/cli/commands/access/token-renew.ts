import { clientFrom, clientOptions, output, parseDurationFlag, type Command } from '../../command.js';
import { tokenTable } from './token-lookup.js';

export default {
  path: ['token', 'renew'],
  summary: 'Extend the calling token',
  usage: '[--increment DURATION]',
  options: { ...clientOptions, increment: { type: 'string' } },
  positionals: [],
  async run(args, io) {
    const increment = parseDurationFlag(args, 'increment', 'seconds');
    return output(args, io, await clientFrom(args, io).renewSelf(increment === undefined ? {} : { increment }), tokenTable);
  },
} satisfies Command;
