/**
 * End to end: the SDK's Bitcoin methods against a spawned server whose secp256k1 ECDSA runs on the
 * worker pool (`--sign-workers 2`). The key is imported from a known private key, so bitcoinjs-lib
 * signing the same P2WPKH input with tiny-secp256k1 (RFC 6979, low-S) must produce a byte-identical
 * partial signature; the P2TR signature (fresh BIP340 aux randomness) is verified with tiny-secp256k1
 * against bitcoinjs-lib's BIP341 sighash after bitcoinjs-lib finalizes the transaction.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as bitcoin from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import { StrongboxApiError, StrongboxClient } from '../../src/sdk/client.js';
import { spawnServer, type SpawnedServer } from '../helpers/server.js';

bitcoin.initEccLib(ecc);

// A fixed, valueless test scalar.
const PRIVATE_KEY = new Uint8Array(Buffer.from('0b432b2677937381aef05bb02a66ecd012773062cf3fa2549e44f58ed2401710', 'hex'));
const PUBLIC_KEY = ecc.pointFromScalar(PRIVATE_KEY, true)!;
const network = bitcoin.networks.regtest;
const wpkh = bitcoin.payments.p2wpkh({ pubkey: PUBLIC_KEY, network });
const tr = bitcoin.payments.p2tr({ internalPubkey: PUBLIC_KEY.subarray(1), network });

describe('Bitcoin through the SDK (pooled signer)', () => {
  let dir: string;
  let server: SpawnedServer;
  let client: StrongboxClient;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strongbox-e2e-btc-'));
    server = await spawnServer(['--data-dir', join(dir, 'data'), '--log-level', 'warn', '--sign-workers', '2']);
    const anon = new StrongboxClient({ addr: server.addr });
    const init = await anon.init({ shares: 1, threshold: 1 });
    await anon.unseal(init.shares[0]!);
    client = new StrongboxClient({ addr: server.addr, token: init.rootToken });
    await client.importKey({ type: 'secp256k1', name: 'btc', privateKey: `0x${Buffer.from(PRIVATE_KEY).toString('hex')}` });
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('bitcoinAddress equals bitcoinjs-lib for the imported key', async () => {
    assert.equal((await client.bitcoinAddress('btc', { network: 'regtest' })).address, wpkh.address);
    assert.equal((await client.bitcoinAddress('btc', { network: 'regtest', type: 'p2tr' })).address, tr.address);
    assert.equal((await client.bitcoinAddress('btc')).address, bitcoin.payments.p2wpkh({ pubkey: PUBLIC_KEY }).address);
  });

  it('bitcoinSignPsbt: the P2WPKH signature is byte-identical to bitcoinjs-lib + tiny-secp256k1, the P2TR one verifies, concurrently', async () => {
    const build = (n: number) => {
      const psbt = new bitcoin.Psbt({ network });
      psbt.addInput({ hash: new Uint8Array(32).fill(n), index: 0, witnessUtxo: { script: wpkh.output!, value: 40_000n + BigInt(n) } });
      psbt.addInput({ hash: new Uint8Array(32).fill(n + 100), index: 1, witnessUtxo: { script: tr.output!, value: 60_000n }, tapInternalKey: PUBLIC_KEY.subarray(1) });
      psbt.addOutput({ address: bitcoin.payments.p2wpkh({ pubkey: ecc.pointFromScalar(new Uint8Array(32).fill(3), true)!, network }).address!, value: 99_000n });
      return psbt;
    };
    const psbts = Array.from({ length: 6 }, (_, i) => build(i + 1));
    const results = await Promise.all(psbts.map((p) => client.bitcoinSignPsbt('btc', p.toBase64(), { network: 'regtest' })));
    for (const [i, res] of results.entries()) {
      assert.deepEqual(res.signedInputs, [0, 1]);
      const signed = bitcoin.Psbt.fromBase64(res.psbt, { network });
      const local = build(i + 1);
      local.signInput(0, { publicKey: PUBLIC_KEY, sign: (hash: Uint8Array) => ecc.sign(hash, PRIVATE_KEY) });
      assert.equal(Buffer.from(signed.data.inputs[0]!.partialSig![0]!.signature).toString('hex'), Buffer.from(local.data.inputs[0]!.partialSig![0]!.signature).toString('hex'), `psbt ${i}: P2WPKH signature`);
      signed.finalizeAllInputs();
      const tx = signed.extractTransaction();
      const sighash = tx.hashForWitnessV1(1, [wpkh.output!, tr.output!], [40_000n + BigInt(i + 1), 60_000n], bitcoin.Transaction.SIGHASH_DEFAULT);
      assert.equal(ecc.verifySchnorr(sighash, tr.output!.subarray(2), tx.ins[1]!.witness[0]!), true, `psbt ${i}: P2TR signature`);
    }
  });

  it('errors arrive as StrongboxApiError with the registry code', async () => {
    await assert.rejects(client.bitcoinSignPsbt('btc', 'cHNidP8='), (e: unknown) => e instanceof StrongboxApiError && e.code === 'INVALID_PSBT' && e.status === 400);
  });
});
