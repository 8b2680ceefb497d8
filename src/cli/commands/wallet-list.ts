import { clientFrom, clientOptions, optionalString, output, parseIntegerFlag, type Command } from '../command.js';

export default {
  path: ['wallet', 'list'],
  summary: 'List HD wallets (one page; --cursor for the next)',
  usage: '[--limit N] [--cursor C]',
  options: { ...clientOptions, limit: { type: 'string' }, cursor: { type: 'string' } },
  positionals: [],
  async run(args, io) {
    const limit = parseIntegerFlag(args, 'limit');
    const cursor = optionalString(args, 'cursor');
    const page = await clientFrom(args, io).listWallets({ ...(limit === undefined ? {} : { limit }), ...(cursor === undefined ? {} : { cursor }) });
    return output(args, io, page, (p) =>
      [
        ...p.wallets.map((w) => `${w.id}  ${w.origin.padEnd(9)}  ${w.name ?? '-'}`),
        ...(p.nextCursor ? [`(more: --cursor ${p.nextCursor})`] : []),
        ...(p.wallets.length === 0 ? ['no wallets'] : []),
      ].join('\n'),
    );
  },
} satisfies Command;
