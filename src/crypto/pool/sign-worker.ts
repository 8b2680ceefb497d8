/**
 * A signing worker thread: keeps the secp256k1 keys the main thread sent it (each at most once)
 * and signs batches of digests with libsecp256k1, verifying each signature before returning it.
 * Messages in: {op:'batch', items}, {op:'evict', cacheId}, {op:'clear'}; out: {op:'results', results}.
 */
import { parentPort } from 'node:worker_threads';
import { native } from '../signers/secp256k1.js';

interface SignItem {
  id: number;
  cacheId: string;
  digest: Uint8Array;
  /** present the first time this worker sees the key */
  secretKey?: Uint8Array;
  publicKey?: Uint8Array;
}

const keys = new Map<string, { sk: Uint8Array; pk: Uint8Array }>();

function wipeKey(cacheId: string): void {
  const k = keys.get(cacheId);
  if (k) k.sk.fill(0);
  keys.delete(cacheId);
}

parentPort!.on('message', (msg: { op: 'batch'; items: SignItem[] } | { op: 'evict'; cacheId: string } | { op: 'clear' }) => {
  if (msg.op === 'evict') return wipeKey(msg.cacheId);
  if (msg.op === 'clear') {
    for (const id of [...keys.keys()]) wipeKey(id);
    return;
  }
  const results = msg.items.map((item) => {
    if (item.secretKey && item.publicKey) {
      wipeKey(item.cacheId);
      keys.set(item.cacheId, { sk: item.secretKey, pk: item.publicKey });
    }
    const key = keys.get(item.cacheId);
    if (key === undefined) return { id: item.id, error: 'unknown key' };
    try {
      const { signature, recid } = native.ecdsaSign(item.digest, key.sk);
      if (!native.ecdsaVerify(signature, item.digest, key.pk)) return { id: item.id, error: 'signature failed self-verification' };
      return { id: item.id, signature, recid };
    } catch (err) {
      return { id: item.id, error: (err as Error).message };
    }
  });
  parentPort!.postMessage({ op: 'results', results });
});
