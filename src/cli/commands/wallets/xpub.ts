import { clientFrom, clientOptions, optionalString, output, table, UsageError, type Command } from '../../command.js';

export default {
  path: ['wallet', 'xpub'],
  summary: 'Show the BIP32 extended public key at a path (secp256k1), or the ed25519 public key and Solana address',
  usage: "<wallet> [--path \"m/84'/0'/0'\"] [--type secp256k1|ed25519]",
  options: {
    path: { type: 'string', value: 'PATH', description: "the derivation path, e.g. m/84'/0'/0'", default: 'm' },
    type: { type: 'string', value: 'secp256k1|ed25519', description: 'the key type (BIP32 or SLIP-10)', default: "ed25519 under m/44'/501', else secp256k1" },
    ...clientOptions,
  },
  positionals: ['wallet'],
  async run(args, io) {
    const type = optionalString(args, 'type');
    if (type !== undefined && type !== 'secp256k1' && type !== 'ed25519') throw new UsageError('--type must be secp256k1 or ed25519');
    const path = optionalString(args, 'path');
    const result = await clientFrom(args, io).walletXpub(args.positionals[0]!, { ...(path === undefined ? {} : { path }), ...(type === undefined ? {} : { type }) });
    return output(args, io, result, (r) =>
      table([
        ['Path', r.path],
        ['Type', r.type],
        ['Xpub', r.xpub],
        ['Public key', r.publicKey],
        ['Solana address', r.solanaAddress],
      ]),
    );
  },
} satisfies Command;
