import { clientFrom, clientOptions, optionalString, output, requireString, UsageError, type Command } from '../../command.js';
import { keyTable } from '../keys/show.js';

export default {
  path: ['wallet', 'derive'],
  summary: "Derive a key from an HD wallet by path (same path, same key); ed25519 by default under m/44'/501'",
  usage: "<wallet> --path \"m/44'/60'/0'/0/0\" [--type secp256k1|ed25519]",
  options: {
    path: { type: 'string', value: 'PATH', description: "the derivation path, e.g. m/44'/60'/0'/0/0 (quote the ' in a shell); required" },
    type: { type: 'string', value: 'secp256k1|ed25519', description: 'the key type (BIP32 or SLIP-10)', default: "ed25519 under m/44'/501', else secp256k1" },
    ...clientOptions,
  },
  positionals: ['wallet'],
  async run(args, io) {
    const type = optionalString(args, 'type');
    if (type !== undefined && type !== 'secp256k1' && type !== 'ed25519') throw new UsageError('--type must be secp256k1 or ed25519');
    const key = await clientFrom(args, io).deriveWalletKey(args.positionals[0]!, { path: requireString(args, 'path'), ...(type === undefined ? {} : { type }) });
    return output(args, io, key, keyTable);
  },
} satisfies Command;
