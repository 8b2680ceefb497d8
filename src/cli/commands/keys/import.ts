import { readFileSync } from 'node:fs';
import { clientFrom, clientOptions, optionalString, output, requireString, UsageError, type Command } from '../../command.js';
import type { KeyType } from '../../../protocol/types.js';
import { keyTable } from './show.js';

export default {
  path: ['key', 'import'],
  summary: 'Import a private key from a PEM file or from 0x-hex in STRONGBOX_PRIVATE_KEY (never on the command line)',
  usage: '--type TYPE (--pem-file FILE | --hex-file FILE | --from-env) [--name NAME] [--exportable]',
  options: {
    type: { type: 'string', value: 'TYPE', description: 'secp256k1, p256, ed25519, aes256 or hmac256; required' },
    'pem-file': { type: 'string', value: 'FILE', description: 'read the private key from a PEM file (SEC1 or PKCS#8)' },
    'hex-file': { type: 'string', value: 'FILE', description: 'read the private key from a file of 0x-hex' },
    'from-env': { type: 'boolean', description: 'read the private key, 0x-hex, from STRONGBOX_PRIVATE_KEY' },
    name: { type: 'string', value: 'NAME', description: 'a unique name for the key', default: 'none' },
    exportable: { type: 'boolean', description: 'allow the key to be exported wrapped later', default: 'not exportable' },
    ...clientOptions,
  },
  positionals: [],
  async run(args, io) {
    const type = requireString(args, 'type') as KeyType;
    const name = optionalString(args, 'name');
    const pemFile = optionalString(args, 'pem-file');
    const hexFile = optionalString(args, 'hex-file');
    const sources = [pemFile, hexFile, args.values['from-env'] ? 'env' : undefined].filter((s) => s !== undefined);
    if (sources.length !== 1) throw new UsageError('give exactly one of --pem-file, --hex-file or --from-env');
    let material: { pem: string } | { privateKey: string };
    if (pemFile !== undefined) material = { pem: readFileSync(pemFile, 'utf8') };
    else if (hexFile !== undefined) material = { privateKey: readFileSync(hexFile, 'utf8').trim() };
    else {
      const v = io.env['STRONGBOX_PRIVATE_KEY'];
      if (v === undefined) throw new UsageError('STRONGBOX_PRIVATE_KEY is not set');
      material = { privateKey: v.trim() };
    }
    const key = await clientFrom(args, io).importKey({ type, ...material, ...(name === undefined ? {} : { name }), ...(args.values['exportable'] ? { exportable: true } : {}) });
    return output(args, io, key, keyTable);
  },
} satisfies Command;
