import type { BitcoinNetwork } from '../../../protocol/bitcoin.js';
import { clientFrom, clientOptions, optionalString, output, parseIntegerFlag, requireString, UsageError, type Command, type CommandArgs } from '../../command.js';

const list = (args: CommandArgs, name: string): string[] => (args.values[name] as unknown as string[] | undefined) ?? [];

function network(args: CommandArgs): BitcoinNetwork | undefined {
  const value = optionalString(args, 'network');
  if (value !== undefined && value !== 'mainnet' && value !== 'testnet' && value !== 'regtest') throw new UsageError('--network must be mainnet, testnet or regtest');
  return value;
}

export const bitcoinMusig2Nonce = {
  path: ['bitcoin', 'musig2-nonce'],
  summary: "Open a MuSig2 (BIP327) session for one Taproot key-path input of a PSBT: prints the key's public nonce and the session id",
  usage: '<key> --psbt BASE64 --input N --public-key HEX --public-key HEX [...] [--given-order] [--tweak bip86|none] [--network mainnet|testnet|regtest]',
  options: {
    psbt: { type: 'string', value: 'BASE64', description: 'the PSBT (BIP174), base64' },
    input: { type: 'string', value: 'N', description: "index of the input spending the aggregate key's P2TR output" },
    'public-key': { type: 'string', multiple: true, value: 'HEX', description: "a participant's 33-byte compressed public key, 0x-hex (repeat for each, the key's own included)" },
    'given-order': { type: 'boolean', description: 'aggregate the keys in the order given instead of BIP327 KeySort order' },
    tweak: { type: 'string', value: 'bip86|none', description: 'the Taproot tweak of the aggregate key', default: 'bip86' },
    network: { type: 'string', value: 'mainnet|testnet|regtest', description: 'the network the transaction rules see', default: 'mainnet' },
    ...clientOptions,
  },
  positionals: ['key'],
  async run(args, io) {
    const input = parseIntegerFlag(args, 'input');
    if (input === undefined) throw new UsageError('--input is required');
    const publicKeys = list(args, 'public-key');
    if (publicKeys.length < 2) throw new UsageError('--public-key is required for every participant (at least 2)');
    const tweak = optionalString(args, 'tweak');
    if (tweak !== undefined && tweak !== 'bip86' && tweak !== 'none') throw new UsageError('--tweak must be bip86 or none');
    const net = network(args);
    const result = await clientFrom(args, io).bitcoinMusig2Nonce(args.positionals[0]!, {
      psbt: requireString(args, 'psbt'),
      input,
      publicKeys,
      ...(args.values['given-order'] === true ? { sortKeys: false } : {}),
      ...(tweak === undefined ? {} : { tweak }),
      ...(net === undefined ? {} : { network: net }),
    });
    return output(args, io, result, (r) => [`session ${r.session} (expires ${r.expiresAt})`, `publicNonce ${r.publicNonce}`, `signerIndex ${r.signerIndex} of ${r.publicKeys.join(', ')}`, `outputKey ${r.outputKey}`].join('\n'));
  },
} satisfies Command;

export const bitcoinMusig2Sign = {
  path: ['bitcoin', 'musig2-sign'],
  summary: "Sign a MuSig2 session once (the key's transaction rules judge the PSBT first): prints the 32-byte partial signature",
  usage: '<key> --session ID --psbt BASE64 (--public-nonce HEX --public-nonce HEX [...] | --aggregate-nonce HEX)',
  options: {
    session: { type: 'string', value: 'ID', description: 'the session id from musig2-nonce' },
    psbt: { type: 'string', value: 'BASE64', description: 'the same PSBT as for musig2-nonce, base64' },
    'public-nonce': { type: 'string', multiple: true, value: 'HEX', description: "a participant's 66-byte public nonce, 0x-hex, in the session's key order (repeat for each, the key's own included)" },
    'aggregate-nonce': { type: 'string', value: 'HEX', description: 'the 66-byte aggregate nonce, instead of --public-nonce' },
    ...clientOptions,
  },
  positionals: ['key'],
  async run(args, io) {
    const publicNonces = list(args, 'public-nonce');
    const aggregateNonce = optionalString(args, 'aggregate-nonce');
    if ((publicNonces.length === 0) === (aggregateNonce === undefined)) throw new UsageError('give either --public-nonce for every participant or --aggregate-nonce');
    const result = await clientFrom(args, io).bitcoinMusig2Sign(args.positionals[0]!, {
      session: requireString(args, 'session'),
      psbt: requireString(args, 'psbt'),
      ...(aggregateNonce === undefined ? { publicNonces } : { aggregateNonce }),
    });
    return output(args, io, result, (r) => r.partialSignature);
  },
} satisfies Command;
