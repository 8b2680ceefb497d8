/**
 * The framework ceiling: a bare Fastify app with one route, POST /sign, that validates
 * `{digest}` with a JSON schema, signs it with the same native libsecp256k1 binding Strongbox
 * uses and returns `{signature}` as hex. No auth, no storage, no key cache, no audit, no logging,
 * no verify-before-release. A second route, POST /sign-verify, adds only Strongbox's
 * verify-before-release (ecdsaVerify against the uncompressed public key), to separate that
 * cost from the rest of Strongbox's request path. POST /sign-verify-batch does the same for each item of
 * `{batch: [{digest}, …]}` (the floor of Strongbox's batch rows). Runs as its own process (started by bench/run.ts):
 *   node dist/bench/bare-server.js [port]
 * and prints `bare listening on http://127.0.0.1:PORT` once ready.
 */
import Fastify from 'fastify';
import { randomBytes } from 'node:crypto';
import { native } from '../src/crypto/signers/secp256k1.js';

function secretKey(): Uint8Array {
  for (;;) {
    const sk = randomBytes(32);
    if (native.privateKeyVerify(sk)) return sk;
  }
}

const sk = secretKey();
const pub = native.publicKeyCreate(sk, false);
const app = Fastify({ logger: false });

const schema = {
  body: {
    type: 'object',
    required: ['digest'],
    additionalProperties: false,
    properties: { digest: { type: 'string', pattern: '^0x[0-9a-fA-F]{64}$' } },
  },
  response: { 200: { type: 'object', required: ['signature'], properties: { signature: { type: 'string' } } } },
};

const toHex = (bytes: Uint8Array): string => '0x' + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

app.post<{ Body: { digest: string } }>('/sign', { schema }, async (request) => {
  const digest = Buffer.from(request.body.digest.slice(2), 'hex');
  const { signature } = native.ecdsaSign(digest, sk);
  return { signature: toHex(signature) };
});

app.post<{ Body: { digest: string } }>('/sign-verify', { schema }, async (request) => {
  const digest = Buffer.from(request.body.digest.slice(2), 'hex');
  const { signature } = native.ecdsaSign(digest, sk);
  if (!native.ecdsaVerify(signature, digest, pub)) throw new Error('self-verification failed');
  return { signature: toHex(signature) };
});

const batchSchema = {
  body: {
    type: 'object',
    required: ['batch'],
    additionalProperties: false,
    properties: { batch: { type: 'array', minItems: 1, maxItems: 1000, items: schema.body } },
  },
  response: { 200: { type: 'object', required: ['results'], properties: { results: { type: 'array', items: schema.response[200] } } } },
};

// The same per item of a batch (the floor for Strongbox's batch rows): one request, n signatures.
app.post<{ Body: { batch: { digest: string }[] } }>('/sign-verify-batch', { schema: batchSchema }, async (request) => ({
  results: request.body.batch.map(({ digest: hex }) => {
    const digest = Buffer.from(hex.slice(2), 'hex');
    const { signature } = native.ecdsaSign(digest, sk);
    if (!native.ecdsaVerify(signature, digest, pub)) throw new Error('self-verification failed');
    return { signature: toHex(signature) };
  }),
}));

const port = Number.parseInt(process.argv[2] ?? '0', 10);
const address = await app.listen({ host: '127.0.0.1', port });
process.stdout.write(`bare listening on ${address}\n`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void app.close().then(() => process.exit(0));
  });
}
