import { readFileSync } from 'node:fs';
import { clientFrom, clientOptions, optionalString, output, requireString, type Command } from '../../command.js';
import type { KeyType } from '../../../protocol/types.js';
import { keyTable } from './show.js';

/** The wrapped key file: raw bytes (as `key export --out` writes them) or 0x-hex text. */
function wrappedKeyFrom(file: Buffer): string {
  const text = file.toString('latin1').trim();
  if (/^(0x)?([0-9a-fA-F]{2})+$/.test(text)) return text.startsWith('0x') ? text : `0x${text}`;
  return `0x${file.toString('hex')}`;
}

export default {
  path: ['key', 'import-wrapped'],
  summary: 'Import key material wrapped to this server\'s wrapping key (see key wrapping-key); no plaintext in transit',
  usage: '--type TYPE --wrapped-file FILE [--name NAME] [--exportable]',
  options: {
    type: { type: 'string', value: 'TYPE', description: 'secp256k1, p256, ed25519, aes256 or hmac256; required' },
    'wrapped-file': { type: 'string', value: 'FILE', description: 'the wrapped key material: raw bytes or 0x-hex text; required' },
    name: { type: 'string', value: 'NAME', description: 'a unique name for the key', default: 'none' },
    exportable: { type: 'boolean', description: 'allow the key to be exported wrapped later', default: 'not exportable' },
    ...clientOptions,
  },
  positionals: [],
  async run(args, io) {
    const type = requireString(args, 'type') as KeyType;
    const wrappedKey = wrappedKeyFrom(readFileSync(requireString(args, 'wrapped-file')));
    const name = optionalString(args, 'name');
    const key = await clientFrom(args, io).importWrappedKey({ type, wrappedKey, ...(name === undefined ? {} : { name }), ...(args.values['exportable'] ? { exportable: true } : {}) });
    return output(args, io, key, keyTable);
  },
} satisfies Command;
