import { clientFrom, clientOptions, optionalString, output, requireString, type Command } from '../../command.js';
import type { RsaEncryptionAlgorithm } from '../../../protocol/types.js';

export default {
  path: ['key', 'encrypt'],
  summary: 'Encrypt hex plaintext with an aes256 key (AES-GCM) or an RSA key (OAEP)',
  usage: '<key> --plaintext HEX [--aad HEX] [--algorithm RSAES_OAEP_SHA_256|RSAES_OAEP_SHA_1] [--label HEX]',
  options: {
    plaintext: { type: 'string', value: 'HEX', description: 'the data to encrypt, 0x-hex; required' },
    aad: { type: 'string', value: 'HEX', description: 'additional authenticated data, 0x-hex: decrypting needs the same', default: 'none' },
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
    const result = await clientFrom(args, io).encrypt(args.positionals[0]!, { plaintext: requireString(args, 'plaintext'), ...(aad === undefined ? {} : { aad }), ...rsa });
    return output(args, io, result, (r) => r.ciphertext);
  },
} satisfies Command;
