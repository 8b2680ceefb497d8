import { clientFrom, clientOptions, optionalString, output, parseIntegerFlag, readStdin, UsageError, type Command } from '../../command.js';
import { walletTable } from './show.js';

export default {
  path: ['wallet', 'create'],
  summary: 'Create an HD wallet from a fresh BIP39 mnemonic, or import one from STRONGBOX_MNEMONIC or stdin (never the command line)',
  usage: '[--name NAME] [--strength 128|160|192|224|256] [--reveal-mnemonic] | --import (--from-env | --stdin); BIP39 passphrase from STRONGBOX_BIP39_PASSPHRASE',
  options: {
    name: { type: 'string', value: 'NAME', description: 'a unique name for the wallet', default: 'none' },
    strength: { type: 'string', value: 'BITS', description: 'entropy of a generated mnemonic: 128, 160, 192, 224 or 256 bits', default: '256 (24 words)' },
    'reveal-mnemonic': { type: 'boolean', description: 'print the generated mnemonic, once (otherwise it is never shown)' },
    import: { type: 'boolean', description: 'import an existing mnemonic (with --from-env or --stdin) instead of generating one' },
    'from-env': { type: 'boolean', description: 'with --import: read the mnemonic from STRONGBOX_MNEMONIC' },
    stdin: { type: 'boolean', description: 'with --import: read the mnemonic from stdin' },
    ...clientOptions,
  },
  positionals: [],
  async run(args, io) {
    const name = optionalString(args, 'name');
    const strength = parseIntegerFlag(args, 'strength');
    const passphrase = io.env['STRONGBOX_BIP39_PASSPHRASE'];
    let mnemonic: string | undefined;
    if (args.values['import']) {
      if (strength !== undefined || args.values['reveal-mnemonic']) throw new UsageError('--strength and --reveal-mnemonic apply to a generated mnemonic, not --import');
      if (Boolean(args.values['from-env']) === Boolean(args.values['stdin'])) throw new UsageError('--import needs exactly one of --from-env or --stdin');
      mnemonic = args.values['from-env'] ? io.env['STRONGBOX_MNEMONIC'] : await readStdin();
      if (mnemonic === undefined || mnemonic.trim() === '') throw new UsageError(args.values['from-env'] ? 'STRONGBOX_MNEMONIC is not set' : 'no mnemonic on stdin');
      mnemonic = mnemonic.trim();
    } else if (args.values['from-env'] || args.values['stdin']) {
      throw new UsageError('--from-env and --stdin apply to --import');
    }
    const wallet = await clientFrom(args, io).createWallet({
      ...(name === undefined ? {} : { name }),
      ...(mnemonic === undefined ? {} : { mnemonic }),
      ...(passphrase === undefined || passphrase === '' ? {} : { passphrase }),
      ...(strength === undefined ? {} : { strength }),
      ...(args.values['reveal-mnemonic'] ? { revealMnemonic: true } : {}),
    });
    return output(args, io, wallet, walletTable);
  },
} satisfies Command;
