import { clientFrom, clientOptions, optionalString, output, type Command } from '../../command.js';
import type { PublicKeyFormat } from '../../../protocol/types.js';

export default {
  path: ['key', 'public-key'],
  summary: 'Print a public key (pem, der, hex, compressed or jwk)',
  usage: '<key> [--format pem|der|hex|compressed|jwk]',
  options: {
    format: { type: 'string', value: 'pem|der|hex|compressed|jwk', description: 'PEM or DER SubjectPublicKeyInfo, raw 0x-hex, compressed SEC1 point, or JWK', default: 'pem' },
    ...clientOptions,
  },
  positionals: ['key'],
  async run(args, io) {
    const format = (optionalString(args, 'format') ?? 'pem') as PublicKeyFormat;
    const result = await clientFrom(args, io).getPublicKey(args.positionals[0]!, format);
    return output(args, io, result, (r) => (typeof r.publicKey === 'string' ? r.publicKey.trimEnd() : JSON.stringify(r.publicKey)));
  },
} satisfies Command;
