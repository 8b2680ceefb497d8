import { clientFrom, clientOptions, output, pageFlags, pageOptions, type Command } from '../../command.js';

export default {
  path: ['key', 'list'],
  summary: 'List keys (one page; --cursor for the next)',
  usage: '[--limit N] [--cursor C]',
  options: { ...pageOptions, ...clientOptions },
  positionals: [],
  async run(args, io) {
    const page = await clientFrom(args, io).listKeys(pageFlags(args));
    return output(args, io, page, (p) =>
      [
        ...p.keys.map((k) => `${k.id}  ${k.type.padEnd(9)}  ${k.name ?? '-'}${k.address ? `  ${k.address}` : ''}`),
        ...(p.nextCursor ? [`(more: --cursor ${p.nextCursor})`] : []),
        ...(p.keys.length === 0 ? ['no keys'] : []),
      ].join('\n'),
    );
  },
} satisfies Command;
