import type { BitcoinNetwork } from '../../../protocol/bitcoin.js';
import { clientFrom, clientOptions, optionalString, output, parseIntegerFlag, UsageError, type Command } from '../../command.js';

export default {
  path: ['wallet', 'multisig'],
  summary: 'Bitcoin multisig addresses of a descriptor (wsh(sortedmulti(…)), tr(KEY,multi_a(…))) in which the wallet is a participant',
  usage: "<wallet> --descriptor 'wsh(sortedmulti(2,[fp/48h/0h/0h/2h]xpub…/0/*,…))#checksum' [--network mainnet|testnet|regtest] [--from N] [--count N]",
  options: {
    descriptor: { type: 'string', value: 'DESCRIPTOR', description: 'BIP380 descriptor with its #checksum' },
    network: { type: 'string', value: 'mainnet|testnet|regtest', description: 'the network of the addresses', default: 'mainnet' },
    from: { type: 'string', value: 'N', description: 'first address index', default: '0' },
    count: { type: 'string', value: 'N', description: 'number of addresses (at most 100)', default: '1' },
    ...clientOptions,
  },
  positionals: ['wallet'],
  async run(args, io) {
    const descriptor = optionalString(args, 'descriptor');
    if (descriptor === undefined) throw new UsageError('--descriptor is required');
    const network = optionalString(args, 'network');
    if (network !== undefined && network !== 'mainnet' && network !== 'testnet' && network !== 'regtest') throw new UsageError('--network must be mainnet, testnet or regtest');
    const from = parseIntegerFlag(args, 'from');
    const count = parseIntegerFlag(args, 'count');
    const result = await clientFrom(args, io).walletBitcoinMultisig(args.positionals[0]!, {
      descriptor,
      ...(network === undefined ? {} : { network: network as BitcoinNetwork }),
      ...(from === undefined ? {} : { from }),
      ...(count === undefined ? {} : { count }),
    });
    return output(args, io, result, (r) =>
      [
        `${r.type} ${r.threshold}-of-${r.participants} on ${r.network}; wallet keys at ${r.walletKeys.map((k) => k.originPath).join(', ')}`,
        ...r.addresses.map((a) => `${a.index}\t${a.address}\t${a.walletKeys.map((k) => `${k.path}${k.keyId === null ? '' : ` (key ${k.keyId})`}`).join(', ')}`),
      ].join('\n'),
    );
  },
} satisfies Command;
