/**
 * The floor under any Node.js HTTP server: node:http with no framework at all, one handler that reads
 * the body, parses JSON, checks `digest` with a regular expression, signs with the libsecp256k1 binding
 * Strongbox loads, verifies the signature (verify-before-release) and writes `{signature}` in hex.
 * No routing, no schema compiler, no hooks, no auth, no storage, no audit. POST /sign-verify-batch
 * takes `{batch: [{digest}, …]}` and does the same per item. What Strongbox costs above this row is
 * its own work and its framework's; what this row costs above in-process sign + verify is Node's HTTP
 * (llhttp, sockets, a write per response). Started by bench/cost.ts:
 *   node dist/bench/raw-server.js   → prints `raw listening on http://127.0.0.1:PORT`
 */
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { native } from '../src/crypto/signers/secp256k1.js';

let sk: Uint8Array;
do sk = randomBytes(32);
while (!native.privateKeyVerify(sk));
const pub = native.publicKeyCreate(sk, false);
const DIGEST = /^0x[0-9a-fA-F]{64}$/;

function signHex(digestHex: unknown): string | undefined {
  if (typeof digestHex !== 'string' || !DIGEST.test(digestHex)) return undefined;
  const digest = Buffer.from(digestHex.slice(2), 'hex');
  const { signature } = native.ecdsaSign(digest, sk);
  if (!native.ecdsaVerify(signature, digest, pub)) throw new Error('self-verification failed');
  return '0x' + Buffer.from(signature).toString('hex');
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let out: string | undefined;
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { digest?: unknown; batch?: { digest?: unknown }[] };
      if (req.url === '/sign-verify-batch' && Array.isArray(body.batch)) {
        const signatures = body.batch.map((item) => signHex(item?.digest));
        if (!signatures.includes(undefined)) out = JSON.stringify({ results: signatures.map((signature) => ({ signature })) });
      } else if (req.url === '/sign-verify') {
        const signature = signHex(body.digest);
        if (signature !== undefined) out = JSON.stringify({ signature });
      }
    } catch {
      out = undefined;
    }
    if (out === undefined) {
      res.writeHead(400, { 'content-type': 'application/json', 'content-length': 2 }).end('{}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(out) }).end(out);
  });
});

server.listen(0, '127.0.0.1', () => {
  const a = server.address();
  process.stdout.write(`raw listening on http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => server.close(() => process.exit(0)));
