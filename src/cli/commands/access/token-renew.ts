import { clientFrom, clientOptions, output, parseIntegerFlag, type Command } from '../../command.js';
import { tokenTable } from './token-lookup.js';

export default {
  path: ['token', 'renew'],
  summary: 'Extend the calling token',
  usage: '[--increment SECONDS]',
  options: {
    increment: { type: 'string', value: 'SECONDS', description: "new lifetime from now, in seconds (never past the parent's expiry or a year after creation)", default: "the token's TTL" },
    ...clientOptions,
  },
  positionals: [],
  async run(args, io) {
    const increment = parseIntegerFlag(args, 'increment');
    return output(args, io, await clientFrom(args, io).renewSelf(increment === undefined ? {} : { increment }), tokenTable);
  },
} satisfies Command;
