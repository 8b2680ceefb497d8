import { readFileSync } from 'node:fs';
import { clientFrom, clientOptions, output, requireString, table, UsageError, type Command } from '../../command.js';

export default {
  path: ['app-key', 'register'],
  summary: "Register an application's public key for signed requests (RFC 9421) of a token or certificate accessor",
  usage: '--key-id ID --accessor ACCESSOR --public-key FILE',
  options: {
    'key-id': { type: 'string', value: 'ID', description: 'the keyid the application signs with (never reused)' },
    accessor: { type: 'string', value: 'ACCESSOR', description: 'the token accessor, or a certificate accessor cert.<24 hex>' },
    'public-key': { type: 'string', value: 'FILE', description: 'SPKI PEM or JWK (JSON) file of an Ed25519 or P-256 public key' },
    ...clientOptions,
  },
  positionals: [],
  async run(args, io) {
    const file = requireString(args, 'public-key');
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read --public-key ${file}: ${(err as Error).message}`);
    }
    let publicKey: string | Record<string, unknown> = text;
    if (text.trimStart().startsWith('{')) {
      try {
        publicKey = JSON.parse(text) as Record<string, unknown>;
      } catch {
        throw new UsageError(`--public-key ${file} is neither PEM nor JSON`);
      }
    }
    const k = await clientFrom(args, io).registerAppKey({ keyId: requireString(args, 'key-id'), accessor: requireString(args, 'accessor'), publicKey });
    return output(args, io, k, (r) => table([['KeyId', r.keyId], ['Accessor', r.accessor], ['Algorithm', r.algorithm], ['Created', r.createdAt]]));
  },
} satisfies Command;
