/** GenerateDataKey and GenerateDataKeyWithoutPlaintext: KeySpec AES_256/AES_128 or NumberOfBytes. */
import { generateDataKey } from '../../service/symmetric/generate-data-key.js';
import { validation } from '../errors.js';
import { keyArn } from '../key-id.js';
import { b64, byKeyId, bytesOfHex, defineOperation, encryptionContextAad, int, str, type AwsInput, type AwsOperation } from '../operation.js';
import { assertSymmetricKey, wrapCiphertext } from './symmetric.js';

function dataKeyBytes(input: AwsInput): number {
  const spec = str(input, 'KeySpec', true);
  const n = int(input, 'NumberOfBytes', 1, 1024);
  if ((spec === undefined) === (n === undefined)) throw validation('give exactly one of KeySpec or NumberOfBytes');
  if (n !== undefined) return n;
  if (spec === 'AES_256') return 32;
  if (spec === 'AES_128') return 16;
  throw validation('KeySpec must be AES_256 or AES_128');
}

function dataKeyOperation(name: string, withoutPlaintext: boolean): AwsOperation {
  return defineOperation({
    name,
    action: 'keys:encrypt',
    keyRef: byKeyId,
    async run({ ctx, region }, input, key) {
      assertSymmetricKey(key!);
      const bytes = dataKeyBytes(input);
      const aad = encryptionContextAad(input);
      const result = await generateDataKey(ctx, { key: key!, bytes, withoutPlaintext, ...(aad === undefined ? {} : { aad }) });
      const out: Record<string, unknown> = { CiphertextBlob: b64(wrapCiphertext(key!, result.ciphertext)), KeyId: keyArn(region, key!.id) };
      if (result.plaintext !== undefined) {
        const plaintext = bytesOfHex(result.plaintext);
        out['Plaintext'] = b64(plaintext);
        plaintext.fill(0);
      }
      return out;
    },
  });
}

export const generateDataKeyOperation = dataKeyOperation('GenerateDataKey', false);
export const generateDataKeyWithoutPlaintextOperation = dataKeyOperation('GenerateDataKeyWithoutPlaintext', true);
