/** GenerateRandom: bytes from Strongbox's CSPRNG; any authenticated caller (no key involved). */
import { generateRandom } from '../../service/keys/generate-random.js';
import { b64, defineOperation, int } from '../operation.js';
import { validation } from '../errors.js';

export default defineOperation({
  name: 'GenerateRandom',
  action: null,
  async run(_rc, input) {
    const n = int(input, 'NumberOfBytes', 1, 1024);
    if (n === undefined) throw validation('NumberOfBytes is required (1 to 1024)');
    if (input['CustomKeyStoreId'] !== undefined) throw validation('CustomKeyStoreId is not supported');
    const bytes = generateRandom(n);
    const out = { Plaintext: b64(bytes) };
    bytes.fill(0);
    return out;
  },
});
