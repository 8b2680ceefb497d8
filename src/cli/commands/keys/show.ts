import { clientFrom, clientOptions, output, table, type Command } from '../../command.js';
import type { KeyInfo } from '../../../protocol/types.js';

export function keyTable(k: KeyInfo): string {
  return table([
    ['ID', k.id],
    ['Name', k.name ?? '-'],
    ['Type', k.type],
    ['State', k.state + (k.deletionDate ? ` (destroyed on ${k.deletionDate})` : '')],
    ['Aliases', k.aliases.length ? k.aliases.join(', ') : undefined],
    ['Description', k.description || undefined],
    ['Tags', Object.keys(k.tags).length ? Object.entries(k.tags).map(([a, b]) => `${a}=${b}`).join(', ') : undefined],
    ['Origin', k.origin],
    ['Exportable', k.exportable ? 'yes' : undefined],
    ['Version', k.version],
    ['Public key', k.publicKey],
    ['Address', k.address],
    ['Solana address', k.solanaAddress],
    ['Wallet', k.wallet],
    ['Path', k.path],
    ['KCV', k.kcv],
    ['Created', k.createdAt],
  ]);
}

export default {
  path: ['key', 'show'],
  summary: 'Show a key by id or name',
  usage: '<key>',
  options: { ...clientOptions },
  positionals: ['key'],
  async run(args, io) {
    return output(args, io, await clientFrom(args, io).getKey(args.positionals[0]!), keyTable);
  },
} satisfies Command;
