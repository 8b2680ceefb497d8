import { clientFrom, clientOptions, output, pageFlags, pageOptions, type Command } from '../../command.js';

export default {
  path: ['wallet', 'list'],
  summary: 'List HD wallets (one page; --cursor for the next)',
  usage: '[--limit N] [--cursor C]',
  options: { ...pageOptions, ...clientOptions },
  positionals: [],
  async run(args, io) {
    const page = await clientFrom(args, io).listWallets(pageFlags(args));
    return output(args, io, page, (p) =>
      [
        ...p.wallets.map((w) => `${w.id}  ${w.origin.padEnd(9)}  ${w.name ?? '-'}`),
        ...(p.nextCursor ? [`(more: --cursor ${p.nextCursor})`] : []),
        ...(p.wallets.length === 0 ? ['no wallets'] : []),
      ].join('\n'),
    );
  },
} satisfies Command;
