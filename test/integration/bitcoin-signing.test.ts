/**
 * Bitcoin through the REST API (inject), checked independently with bitcoinjs-lib 7 and
 * tiny-secp256k1 (libsecp256k1 compiled to WebAssembly):
 * - addresses: P2WPKH and P2TR for mainnet, testnet and regtest equal bitcoinjs-lib's payments;
 * - PSBT signing: a PSBT built by bitcoinjs-lib with P2WPKH and P2TR inputs of Strongbox keys and
 *   one input of someone else is signed by Strongbox, the other party signs theirs with
 *   bitcoinjs-lib, bitcoinjs-lib finalizes and extracts, and every input's witness signature is
 *   verified with tiny-secp256k1 against the sighash bitcoinjs-lib computes (hashForWitnessV0 /
 *   hashForWitnessV1);
 * - refusals: malformed PSBT, no input of the key, missing witnessUtxo, legacy inputs, script
 *   trees, unsupported sighash types, wrong key types, disabled keys, and policy.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as bitcoin from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import { startTestBox, type TestBox } from '../helpers/app.js';

bitcoin.initEccLib(ecc);

const networks = { mainnet: bitcoin.networks.bitcoin, testnet: bitcoin.networks.testnet, regtest: bitcoin.networks.regtest } as const;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/^0x/, ''), 'hex'));

/** A key Strongbox does not hold, for "someone else's" input, with a bitcoinjs-lib Signer. */
function foreignKey(): { secretKey: Uint8Array; publicKey: Uint8Array; signer: bitcoin.Signer } {
  let secretKey: Uint8Array;
  do secretKey = new Uint8Array(randomBytes(32));
  while (!ecc.isPrivate(secretKey));
  const publicKey = ecc.pointFromScalar(secretKey, true)!;
  return { secretKey, publicKey, signer: { publicKey, sign: (hash: Uint8Array) => ecc.sign(hash, secretKey) } };
}

const txid = (n: number): Uint8Array => new Uint8Array(32).fill(n);

/** A previous transaction paying `value` to `script`, for nonWitnessUtxo. */
function previousTx(script: Uint8Array, value: bigint): bitcoin.Transaction {
  const prev = new bitcoin.Transaction();
  prev.addInput(txid(0xee), 0);
  prev.addOutput(script, value);
  return prev;
}

describe('Bitcoin', () => {
  let box: TestBox;
  /** compressed public keys of the Strongbox keys */
  const keys: Record<string, Uint8Array> = {};
  const other = foreignKey();
  const otherP2wpkh = bitcoin.payments.p2wpkh({ pubkey: other.publicKey, network: networks.regtest });

  const p2wpkhOf = (name: string, network: keyof typeof networks = 'regtest') => bitcoin.payments.p2wpkh({ pubkey: keys[name]!, network: networks[network] });
  const p2trOf = (name: string, network: keyof typeof networks = 'regtest') => bitcoin.payments.p2tr({ internalPubkey: keys[name]!.subarray(1), network: networks[network] });
  const signPsbt = (psbt: bitcoin.Psbt | string, key = 'btc', token?: string) =>
    box.call('POST', `/v1/keys/${key}/bitcoin/sign-psbt`, { psbt: typeof psbt === 'string' ? psbt : psbt.toBase64(), network: 'regtest' }, token);

  before(async () => {
    box = await startTestBox();
    for (const name of ['btc', 'btc2', 'off']) {
      const res = await box.call('POST', '/v1/keys', { type: 'secp256k1', name });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const pub = await box.call('GET', `/v1/keys/${name}/public-key?format=compressed`);
      keys[name] = bytes(pub.body.publicKey);
    }
    assert.equal((await box.call('POST', '/v1/keys/off/disable')).status, 200);
    for (const type of ['p256', 'ed25519', 'aes256']) assert.equal((await box.call('POST', '/v1/keys', { type, name: `k-${type}` })).status, 201);
  });
  after(() => box.cleanup());

  describe('addresses', () => {
    for (const network of ['mainnet', 'testnet', 'regtest'] as const) {
      for (const type of ['p2wpkh', 'p2tr'] as const) {
        it(`${type} on ${network} equals bitcoinjs-lib's payments.${type}`, async () => {
          const res = await box.call('GET', `/v1/keys/btc/bitcoin/address?network=${network}&type=${type}`);
          assert.equal(res.status, 200, JSON.stringify(res.body));
          const expected = type === 'p2wpkh' ? p2wpkhOf('btc', network) : p2trOf('btc', network);
          assert.deepEqual(res.body, { address: expected.address, type, network, scriptPubKey: `0x${hex(expected.output!)}` });
          // bitcoinjs-lib decodes the address back to the same script on that network.
          assert.equal(hex(bitcoin.address.toOutputScript(expected.address!, networks[network])), hex(expected.output!));
        });
      }
    }

    it('defaults to P2WPKH on mainnet', async () => {
      const res = await box.call('GET', '/v1/keys/btc/bitcoin/address');
      assert.equal(res.status, 200);
      assert.equal(res.body.address, p2wpkhOf('btc', 'mainnet').address);
      assert.match(res.body.address, /^bc1q/);
    });

    it('prefixes: bc1q/bc1p, tb1q/tb1p, bcrt1q/bcrt1p', async () => {
      for (const [network, hrp] of [['mainnet', 'bc'], ['testnet', 'tb'], ['regtest', 'bcrt']] as const) {
        assert.match((await box.call('GET', `/v1/keys/btc/bitcoin/address?network=${network}&type=p2wpkh`)).body.address, new RegExp(`^${hrp}1q`));
        assert.match((await box.call('GET', `/v1/keys/btc/bitcoin/address?network=${network}&type=p2tr`)).body.address, new RegExp(`^${hrp}1p`));
      }
    });

    it('is readable for a disabled key (it derives from the public key only)', async () => {
      const res = await box.call('GET', '/v1/keys/off/bitcoin/address?type=p2tr');
      assert.equal(res.status, 200);
      assert.equal(res.body.address, p2trOf('off', 'mainnet').address);
    });
  });

  describe('sign-psbt', () => {
    it('signs the P2WPKH and P2TR inputs of the key, leaves the foreign input, and bitcoinjs-lib finalizes a transaction whose every signature tiny-secp256k1 verifies', async () => {
      const mine = p2wpkhOf('btc');
      const mineTr = p2trOf('btc');
      const theirs = p2wpkhOf('btc2');
      const prevouts = [
        { script: mine.output!, value: 50_000n },
        { script: otherP2wpkh.output!, value: 70_000n },
        { script: mineTr.output!, value: 80_000n },
        { script: mine.output!, value: 30_000n },
      ];
      const psbt = new bitcoin.Psbt({ network: networks.regtest });
      psbt.addInput({ hash: txid(1), index: 0, witnessUtxo: prevouts[0]! });
      psbt.addInput({ hash: txid(2), index: 1, witnessUtxo: prevouts[1]! });
      psbt.addInput({ hash: txid(3), index: 2, witnessUtxo: prevouts[2]!, tapInternalKey: keys.btc!.subarray(1) });
      psbt.addInput({ hash: txid(4), index: 3, witnessUtxo: prevouts[3]!, sighashType: bitcoin.Transaction.SIGHASH_ALL | bitcoin.Transaction.SIGHASH_ANYONECANPAY });
      psbt.addOutput({ address: theirs.address!, value: 150_000n });
      psbt.addOutput({ address: mineTr.address!, value: 79_000n });

      const res = await signPsbt(psbt);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body.signedInputs, [0, 2, 3]);
      const signed = bitcoin.Psbt.fromBase64(res.body.psbt, { network: networks.regtest });
      assert.equal(signed.data.inputs[1]!.partialSig, undefined, 'the foreign input is left unsigned');
      assert.equal(signed.data.inputs[0]!.partialSig?.length, 1);
      assert.equal(hex(signed.data.inputs[0]!.partialSig![0]!.pubkey), hex(keys.btc!));
      assert.equal(signed.data.inputs[2]!.tapKeySig?.length, 64, 'SIGHASH_DEFAULT: 64 bytes, no sighash byte');

      // bitcoinjs-lib's own validation of the Strongbox signatures (its sighash, tiny-secp256k1).
      const validator = (pubkey: Uint8Array, msghash: Uint8Array, signature: Uint8Array) =>
        pubkey.length === 32 ? ecc.verifySchnorr(msghash, pubkey, signature) : ecc.verify(msghash, pubkey, signature, true);
      for (const i of [0, 2, 3]) assert.equal(signed.validateSignaturesOfInput(i, validator), true, `input ${i}`);

      signed.signInput(1, other.signer);
      signed.finalizeAllInputs();
      const tx = signed.extractTransaction();

      const scripts = prevouts.map((p) => p.script);
      const values = prevouts.map((p) => p.value);
      const ecdsaInputs: [number, Uint8Array, bigint][] = [
        [0, keys.btc!, 50_000n],
        [1, other.publicKey, 70_000n],
        [3, keys.btc!, 30_000n],
      ];
      for (const [i, pubkey, value] of ecdsaInputs) {
        const [sigWithType, witnessPubkey] = tx.ins[i]!.witness;
        assert.equal(hex(witnessPubkey!), hex(pubkey), `input ${i}: witness public key`);
        const { signature, hashType } = bitcoin.script.signature.decode(sigWithType!);
        const scriptCode = bitcoin.payments.p2pkh({ pubkey }).output!;
        const sighash = tx.hashForWitnessV0(i, scriptCode, value, hashType);
        assert.equal(ecc.verify(sighash, pubkey, signature, true), true, `input ${i}: ECDSA (low-S) over the BIP143 sighash`);
        assert.equal(hashType, i === 3 ? 0x81 : 0x01, `input ${i}: sighash type`);
      }
      const [schnorrSig, ...rest] = tx.ins[2]!.witness;
      assert.equal(rest.length, 0, 'key-path witness is one signature');
      const sighash = tx.hashForWitnessV1(2, scripts, values, bitcoin.Transaction.SIGHASH_DEFAULT);
      const outputKey = mineTr.output!.subarray(2);
      assert.equal(ecc.verifySchnorr(sighash, outputKey, schnorrSig!), true, 'input 2: BIP340 over the BIP341 sighash under the tweaked output key');
      assert.equal(ecc.verifySchnorr(sighash, keys.btc!.subarray(1), schnorrSig!), false, 'not under the untweaked internal key');
      // The outputs are what the PSBT said.
      assert.deepEqual(tx.outs.map((o) => o.value), [150_000n, 79_000n]);
    });

    it('honours SIGHASH_ALL on a P2TR input (65-byte signature) and adds tapInternalKey when absent', async () => {
      const mineTr = p2trOf('btc');
      const psbt = new bitcoin.Psbt({ network: networks.regtest });
      psbt.addInput({ hash: txid(5), index: 0, witnessUtxo: { script: mineTr.output!, value: 10_000n }, sighashType: bitcoin.Transaction.SIGHASH_ALL });
      psbt.addOutput({ address: otherP2wpkh.address!, value: 9_000n });
      const res = await signPsbt(psbt);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const signed = bitcoin.Psbt.fromBase64(res.body.psbt);
      const input = signed.data.inputs[0]!;
      assert.equal(input.tapKeySig?.length, 65);
      assert.equal(input.tapKeySig![64], bitcoin.Transaction.SIGHASH_ALL);
      assert.equal(hex(input.tapInternalKey!), hex(keys.btc!.subarray(1)));
      signed.finalizeAllInputs();
      const tx = signed.extractTransaction();
      const sighash = tx.hashForWitnessV1(0, [mineTr.output!], [10_000n], bitcoin.Transaction.SIGHASH_ALL);
      assert.equal(ecc.verifySchnorr(sighash, mineTr.output!.subarray(2), tx.ins[0]!.witness[0]!.subarray(0, 64)), true);
    });

    it('two keys sign their own inputs of one PSBT in turn', async () => {
      const psbt = new bitcoin.Psbt({ network: networks.regtest });
      psbt.addInput({ hash: txid(6), index: 0, witnessUtxo: { script: p2wpkhOf('btc').output!, value: 10_000n } });
      psbt.addInput({ hash: txid(7), index: 0, witnessUtxo: { script: p2trOf('btc2').output!, value: 10_000n } });
      psbt.addOutput({ address: otherP2wpkh.address!, value: 19_000n });
      const first = await signPsbt(psbt, 'btc');
      assert.deepEqual(first.body.signedInputs, [0]);
      const second = await signPsbt(first.body.psbt, 'btc2');
      assert.equal(second.status, 200, JSON.stringify(second.body));
      assert.deepEqual(second.body.signedInputs, [1]);
      const signed = bitcoin.Psbt.fromBase64(second.body.psbt);
      signed.finalizeAllInputs();
      const tx = signed.extractTransaction();
      const scripts = [p2wpkhOf('btc').output!, p2trOf('btc2').output!];
      const sighash = tx.hashForWitnessV1(1, scripts, [10_000n, 10_000n], bitcoin.Transaction.SIGHASH_DEFAULT);
      assert.equal(ecc.verifySchnorr(sighash, p2trOf('btc2').output!.subarray(2), tx.ins[1]!.witness[0]!), true);
    });

    describe('refusals', () => {
      const withInput = (input: Partial<Parameters<bitcoin.Psbt['addInput']>[0]>, extra?: (p: bitcoin.Psbt) => void): bitcoin.Psbt => {
        const psbt = new bitcoin.Psbt({ network: networks.regtest });
        psbt.addInput({ hash: txid(9), index: 0, ...input });
        extra?.(psbt);
        psbt.addOutput({ address: otherP2wpkh.address!, value: 1_000n });
        return psbt;
      };

      const cases: [string, () => bitcoin.Psbt | string, string, number, string, RegExp][] = [
        ['not base64', () => 'not base64!', 'btc', 400, 'INVALID_PSBT', /base64/],
        ['base64 of garbage', () => Buffer.from('hello world').toString('base64'), 'btc', 400, 'INVALID_PSBT', /not a valid BIP174 PSBT/],
        ['truncated PSBT', () => { const b = Buffer.from(withInput({ witnessUtxo: { script: p2wpkhOf('btc').output!, value: 5_000n } }).toBuffer()); return b.subarray(0, b.length - 7).toString('base64'); }, 'btc', 400, 'INVALID_PSBT', /not a valid BIP174 PSBT/],
        ['only someone else\'s input', () => withInput({ witnessUtxo: { script: otherP2wpkh.output!, value: 5_000n } }), 'btc', 400, 'PSBT_NO_KEY_INPUTS', /no unsigned input of the psbt spends the key/],
        ['another Strongbox key\'s input', () => withInput({ witnessUtxo: { script: p2wpkhOf('btc2').output!, value: 5_000n } }), 'btc', 400, 'PSBT_NO_KEY_INPUTS', /no unsigned input of the psbt spends the key/],
        ['own P2WPKH input with nonWitnessUtxo only (no witnessUtxo)', () => { const prev = previousTx(p2wpkhOf('btc').output!, 5_000n); return withInput({ hash: prev.getHash(), nonWitnessUtxo: prev.toBuffer() }); }, 'btc', 400, 'PSBT_INPUT_UNSUPPORTED', /^psbt input 0: spends an output of the key but has no witnessUtxo/],
        ['own legacy P2PKH input', () => { const prev = previousTx(bitcoin.payments.p2pkh({ pubkey: keys.btc! }).output!, 5_000n); return withInput({ hash: prev.getHash(), nonWitnessUtxo: prev.toBuffer() }); }, 'btc', 400, 'PSBT_INPUT_UNSUPPORTED', /^psbt input 0: spends a legacy/],
        ['own nested P2SH-P2WPKH input', () => { const sh = bitcoin.payments.p2sh({ redeem: p2wpkhOf('btc') }); return withInput({ witnessUtxo: { script: sh.output!, value: 5_000n }, redeemScript: p2wpkhOf('btc').output! }); }, 'btc', 400, 'PSBT_INPUT_UNSUPPORTED', /^psbt input 0: .*nested-segwit/],
        ['input naming the key but with no spent output at all', () => withInput({ tapInternalKey: keys.btc!.subarray(1) }), 'btc', 400, 'PSBT_INPUT_UNSUPPORTED', /^psbt input 0: names the key .* has no witnessUtxo/],
        ['P2TR with a script tree on the key', () => {
          const tree = bitcoin.payments.p2tr({ internalPubkey: keys.btc!.subarray(1), scriptTree: { output: bitcoin.script.compile([other.publicKey.subarray(1), bitcoin.opcodes.OP_CHECKSIG]) }, network: networks.regtest });
          return withInput({ witnessUtxo: { script: tree.output!, value: 5_000n }, tapInternalKey: keys.btc!.subarray(1), tapMerkleRoot: tree.hash! });
        }, 'btc', 400, 'PSBT_INPUT_UNSUPPORTED', /^psbt input 0: names the key .* script paths/],
        ['P2WPKH with SIGHASH_NONE', () => withInput({ witnessUtxo: { script: p2wpkhOf('btc').output!, value: 5_000n }, sighashType: bitcoin.Transaction.SIGHASH_NONE }), 'btc', 400, 'UNSUPPORTED_SIGHASH', /^psbt input 0: sighash type 0x02 is not signed for p2wpkh/],
        ['P2WPKH with SIGHASH_SINGLE|ANYONECANPAY', () => withInput({ witnessUtxo: { script: p2wpkhOf('btc').output!, value: 5_000n }, sighashType: bitcoin.Transaction.SIGHASH_SINGLE | bitcoin.Transaction.SIGHASH_ANYONECANPAY }), 'btc', 400, 'UNSUPPORTED_SIGHASH', /^psbt input 0: sighash type 0x83/],
        ['P2TR with SIGHASH_SINGLE', () => withInput({ witnessUtxo: { script: p2trOf('btc').output!, value: 5_000n }, sighashType: bitcoin.Transaction.SIGHASH_SINGLE }), 'btc', 400, 'UNSUPPORTED_SIGHASH', /^psbt input 0: sighash type 0x03 is not signed for p2tr/],
        ['P2TR when another input has no spent output', () => withInput({ witnessUtxo: { script: p2trOf('btc').output!, value: 5_000n } }, (p) => p.addInput({ hash: txid(10), index: 0 })), 'btc', 400, 'PSBT_INPUT_UNSUPPORTED', /input 1 has no witnessUtxo or nonWitnessUtxo/],
        ['a p256 key', () => withInput({ witnessUtxo: { script: p2wpkhOf('btc').output!, value: 5_000n } }), 'k-p256', 400, 'UNSUPPORTED_OPERATION', /needs a secp256k1 key/],
        ['an aes256 key', () => withInput({ witnessUtxo: { script: p2wpkhOf('btc').output!, value: 5_000n } }), 'k-aes256', 400, 'UNSUPPORTED_OPERATION', /needs a secp256k1 key/],
        ['a disabled key', () => withInput({ witnessUtxo: { script: p2wpkhOf('off').output!, value: 5_000n } }), 'off', 409, 'KEY_DISABLED', /disabled/],
        ['an unknown key', () => withInput({ witnessUtxo: { script: p2wpkhOf('btc').output!, value: 5_000n } }), 'ghost', 404, 'KEY_NOT_FOUND', /ghost/],
      ];
      for (const [label, build, key, status, code, detail] of cases) {
        it(`${label} → ${status} ${code}`, async () => {
          const res = await signPsbt(build(), key);
          assert.equal(res.status, status, JSON.stringify(res.body));
          assert.equal(res.body.code, code, JSON.stringify(res.body));
          assert.match(res.body.detail, detail);
          if (code.includes('PSBT') || code === 'UNSUPPORTED_SIGHASH') assert.equal(res.body.field, 'psbt');
        });
      }

      it('an unknown network → 400 naming network', async () => {
        const res = await box.call('POST', '/v1/keys/btc/bitcoin/sign-psbt', { psbt: withInput({ witnessUtxo: { script: p2wpkhOf('btc').output!, value: 5_000n } }).toBase64(), network: 'litecoin' });
        assert.equal(res.status, 400);
        assert.equal(res.body.field, 'network');
      });
    });

    it('policy: keys:read reads the address but cannot sign; keys:sign signs', async () => {
      const id = (await box.call('GET', '/v1/keys/btc')).body.id as string;
      assert.equal((await box.call('PUT', '/v1/policies/btc-read', { statements: [{ effect: 'allow', actions: ['keys:read'], resources: [`key:${id}`] }] })).status, 200);
      assert.equal((await box.call('PUT', '/v1/policies/btc-sign', { statements: [{ effect: 'allow', actions: ['keys:sign'], resources: [`key:${id}`] }] })).status, 200);
      const reader = (await box.call('POST', '/v1/tokens', { policies: ['btc-read'] })).body.token as string;
      const signer = (await box.call('POST', '/v1/tokens', { policies: ['btc-sign'] })).body.token as string;
      const psbt = new bitcoin.Psbt({ network: networks.regtest });
      psbt.addInput({ hash: txid(11), index: 0, witnessUtxo: { script: p2wpkhOf('btc').output!, value: 5_000n } });
      psbt.addOutput({ address: otherP2wpkh.address!, value: 4_000n });

      assert.equal((await box.call('GET', `/v1/keys/${id}/bitcoin/address`, undefined, reader)).status, 200);
      const denied = await signPsbt(psbt, id, reader);
      assert.equal(denied.status, 403);
      assert.equal(denied.body.code, 'PERMISSION_DENIED');
      assert.equal((await box.call('GET', `/v1/keys/${id}/bitcoin/address`, undefined, signer)).status, 403);
      const ok = await signPsbt(psbt, id, signer);
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.deepEqual(ok.body.signedInputs, [0]);
    });
  });
});
