import { clientFrom, clientOptions, output, parseDurationFlag, type Command } from '../../command.js';
import { tokenTable } from './token-lookup.js';

export default {
  path: ['token', 'renew'],
  summary: 'Extend the calling token',
  usage: '[--increment DURATION]',
  options: {
    increment: { type: 'string', value: 'DURATION', description: "new lifetime from now: seconds or a duration such as 1h, 7d (never past the token's maximum lifetime or its parent's expiry)", default: "the token's TTL" },
    ...clientOptions,
  },
  positionals: [],
  async run(args, io) {
    const increment = parseDurationFlag(args, 'increment', 'seconds');
    return output(args, io, await clientFrom(args, io).renewSelf(increment === undefined ? {} : { increment }), tokenTable);
  },
} satisfies Command;
