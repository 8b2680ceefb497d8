import { clientFrom, clientOptions, optionalString, output, requireString, type Command } from '../../command.js';
import type { RsaEncryptionAlgorithm } from '../../../protocol/types.js';

export default {
  path: ['key', 'decrypt'],
  summary: 'Decrypt a Strongbox ciphertext (aes256 key) or an RSA-OAEP ciphertext (RSA key)',
  usage: '<key> --ciphertext HEX [--aad HEX] [--algorithm RSAES_OAEP_SHA_256|RSAES_OAEP_SHA_1] [--label HEX]',
  options: {
    ciphertext: { type: 'string', value: 'HEX', description: 'the ciphertext key encrypt returned, 0x-hex; required' },
    aad: { type: 'string', value: 'HEX', description: 'the additional authenticated data given to encrypt, 0x-hex', default: 'none' },
    algorithm: { type: 'string', value: 'RSAES_OAEP_SHA_256|RSAES_OAEP_SHA_1', description: 'RSA keys: the OAEP hash', default: 'RSAES_OAEP_SHA_256' },
    label: { type: 'string', value: 'HEX', description: 'RSA keys: the OAEP label, 0x-hex', default: 'none' },
    ...clientOptions,
  },
  positionals: ['key'],
  async run(args, io) {
    const aad = optionalString(args, 'aad');
    const algorithm = optionalString(args, 'algorithm') as RsaEncryptionAlgorithm | undefined;
    const label = optionalString(args, 'label');
    const rsa = { ...(algorithm === undefined ? {} : { algorithm }), ...(label === undefined ? {} : { label }) };
    const result = await clientFrom(args, io).decrypt(args.positionals[0]!, { ciphertext: requireString(args, 'ciphertext'), ...(aad === undefined ? {} : { aad }), ...rsa });
    return output(args, io, result, (r) => r.plaintext);
  },
} satisfies Command;
