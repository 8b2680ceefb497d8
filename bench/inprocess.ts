/**
 * The limit: native secp256k1 ECDSA signing in this process, on one core (one JS thread; the
 * binding is synchronous and single-threaded), with the binding Strongbox itself loads.
 */
import { randomBytes } from 'node:crypto';
import { native } from '../src/crypto/signers/secp256k1.js';
import { machineBusySeconds, selfCpuSeconds } from './cpu.js';

export interface InProcessResult {
  /** ecdsaSign calls per second */
  signPerSec: number;
  /** ecdsaSign + ecdsaVerify (Strongbox's verify-before-release) per second */
  signVerifyPerSec: number;
  /** CPU used by other processes while measuring, % of one core (undefined without /proc) */
  otherCpuPct: number | undefined;
}

function secretKey(): Uint8Array {
  for (;;) {
    const sk = randomBytes(32);
    if (native.privateKeyVerify(sk)) return sk;
  }
}

/** Runs `op` (on a rotating set of digests) for `ms` and returns operations per second. */
function measure(op: (digest: Uint8Array) => void, digests: Uint8Array[], ms: number): number {
  const batch = 64;
  let n = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < batch; i++) op(digests[(n + i) & 1023]!);
    n += batch;
    now = process.hrtime.bigint();
  }
  return n / (Number(now - start) / 1e9);
}

export function measureInProcess(options: { warmupMs: number; durationMs: number; verify?: boolean }): InProcessResult {
  const machine0 = machineBusySeconds();
  const self0 = selfCpuSeconds();
  const t0 = performance.now();
  const sk = secretKey();
  // Strongbox verifies against the uncompressed public key it stores; do the same.
  const pub = native.publicKeyCreate(sk, false);
  const digests = Array.from({ length: 1024 }, () => new Uint8Array(randomBytes(32)));
  let sink = 0;
  const sign = (d: Uint8Array): void => {
    sink ^= native.ecdsaSign(d, sk).recid;
  };
  const signVerify = (d: Uint8Array): void => {
    const { signature } = native.ecdsaSign(d, sk);
    if (!native.ecdsaVerify(signature, d, pub)) throw new Error('in-process self-verification failed');
  };
  measure(sign, digests, options.warmupMs);
  const signPerSec = measure(sign, digests, options.durationMs);
  let signVerifyPerSec = Number.NaN;
  if (options.verify !== false) {
    measure(signVerify, digests, Math.min(500, options.warmupMs));
    signVerifyPerSec = measure(signVerify, digests, options.durationMs);
  }
  if (sink < 0) console.log(sink); // keeps the result observable
  const wall = (performance.now() - t0) / 1000;
  const machine1 = machineBusySeconds();
  const otherCpuPct =
    machine0 === undefined || machine1 === undefined ? undefined : Math.max(0, (100 * (machine1 - machine0 - (selfCpuSeconds() - self0))) / wall);
  return { signPerSec, signVerifyPerSec, otherCpuPct };
}
