import { clientFrom, clientOptions, optionalString, output, parseIntegerFlag, type Command } from '../command.js';

export default {
  path: ['key', 'list'],
  summary: 'List keys (one page; --cursor for the next)',
  usage: '[--limit N] [--cursor C]',
  options: { ...clientOptions, limit: { type: 'string' }, cursor: { type: 'string' } },
  positionals: [],
  async run(args, io) {
    const limit = parseIntegerFlag(args, 'limit');
    const cursor = optionalString(args, 'cursor');
    const page = await clientFrom(args, io).listKeys({ ...(limit === undefined ? {} : { limit }), ...(cursor === undefined ? {} : { cursor }) });
    return output(args, io, page, (p) =>
      [
        ...p.keys.map((k) => `${k.id}  ${k.type.padEnd(9)}  ${k.name ?? '-'}${k.address ? `  ${k.address}` : ''}`),
        ...(p.nextCursor ? [`(more: --cursor ${p.nextCursor})`] : []),
        ...(p.keys.length === 0 ? ['no keys'] : []),
      ].join('\n'),
    );
  },
} satisfies Command;
