import { clientFrom, clientOptions, output, table, type Command } from '../../command.js';
import type { WalletInfo } from '../../../protocol/types.js';

export function walletTable(w: WalletInfo): string {
  return table([
    ['ID', w.id],
    ['Name', w.name ?? '-'],
    ['Origin', w.origin],
    ['Created', w.createdAt],
    ['Mnemonic', w.mnemonic === undefined ? undefined : `${w.mnemonic}\n(shown once: write it down and keep it offline; Strongbox cannot show it again)`],
  ]);
}

export default {
  path: ['wallet', 'show'],
  summary: 'Show an HD wallet by id or name',
  usage: '<wallet>',
  options: { ...clientOptions },
  positionals: ['wallet'],
  async run(args, io) {
    return output(args, io, await clientFrom(args, io).getWallet(args.positionals[0]!), walletTable);
  },
} satisfies Command;
