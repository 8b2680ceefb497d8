/**
 * Strongbox as one cosigner of Bitcoin multisig spends, through the REST API (inject), checked
 * independently with bitcoinjs-lib 7 and tiny-secp256k1 (libsecp256k1 compiled to WebAssembly):
 * - 2-of-3 P2WSH sortedmulti: bitcoinjs-lib builds the PSBT (payments.p2ms inside payments.p2wsh),
 *   Strongbox adds its partial_sig, bitcoinjs-lib signs with a second key, validates both signatures,
 *   finalizes and extracts; every witness signature is verified against bitcoinjs-lib's BIP143 sighash.
 * - 2-of-3 P2TR script path multi_a (a leaf under an unspendable internal key, plus a second leaf):
 *   Strongbox adds its tap_script_sig, bitcoinjs-lib adds another, and the finalized witness
 *   (sigs in reverse key order, empty for the missing key, leaf script, control block) is checked
 *   against bitcoinjs-lib's BIP341 script-path sighash.
 * - a key derived from an HD wallet as the participant;
 * - transaction rules judging the whole multisig spend (limit exceeded → 403, change to the multisig is
 *   not a transfer);
 * - malformed or unexpected scripts refused with 4xx naming psbt;
 * - descriptors (POST /v1/wallets/{id}/bitcoin/multisig): the addresses of wsh(sortedmulti(…)) and
 *   tr(NUMS,multi_a(…)) with the wallet's xpub and two foreign xpubs equal bitcoinjs-lib's payments of
 *   the same keys, and the wallet key at the returned path cosigns a spend of that address; bad
 *   checksums, private keys, foreign-only descriptors refused with 400 naming descriptor.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as bitcoin from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import { HDKey } from '@scure/bip32';
import { startTestBox, type TestBox } from '../helpers/app.js';
import { descriptorChecksum } from '../../src/chains/bitcoin/descriptor.js';

bitcoin.initEccLib(ecc);

const regtest = bitcoin.networks.regtest;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/^0x/, ''), 'hex'));
const txid = (n: number): Uint8Array => new Uint8Array(32).fill(n);
const { OPS } = bitcoin.script;

/** A key Strongbox does not hold, with bitcoinjs-lib Signers for ECDSA and BIP340. */
function foreignKey(): { secretKey: Uint8Array; publicKey: Uint8Array; xOnly: Uint8Array; signer: bitcoin.Signer } {
  let secretKey: Uint8Array;
  do secretKey = new Uint8Array(randomBytes(32));
  while (!ecc.isPrivate(secretKey));
  const publicKey = ecc.pointFromScalar(secretKey, true)!;
  return {
    secretKey,
    publicKey,
    xOnly: publicKey.subarray(1),
    signer: { publicKey, sign: (hash: Uint8Array) => ecc.sign(hash, secretKey), signSchnorr: (hash: Uint8Array) => ecc.signSchnorr(hash, secretKey, new Uint8Array(randomBytes(32))) },
  };
}

/** BIP341's example NUMS point H (lift_x of SHA-256 of the uncompressed G): no key path. */
const NUMS = bytes('50929b74c1a04954b78b4b6035e97a5e078a5a0f28ec96d547bfee9ace803ac0');

const sortKeys = (keys: Uint8Array[]): Uint8Array[] => [...keys].sort((a, b) => Buffer.compare(a, b));

/** <pk1> OP_CHECKSIG <pk2> OP_CHECKSIGADD … <m> OP_NUMEQUAL (BIP386 multi_a), compiled by bitcoinjs-lib. */
function multiA(m: number, xOnlyKeys: Uint8Array[]): Uint8Array {
  const chunks: (number | Uint8Array)[] = [];
  xOnlyKeys.forEach((key, i) => chunks.push(key, i === 0 ? OPS.OP_CHECKSIG : OPS.OP_CHECKSIGADD));
  chunks.push(bitcoin.script.number.encode(m), OPS.OP_NUMEQUAL);
  return bitcoin.script.compile(chunks);
}

const validator = (pubkey: Uint8Array, msghash: Uint8Array, signature: Uint8Array) => (pubkey.length === 32 ? ecc.verifySchnorr(msghash, pubkey, signature) : ecc.verify(msghash, pubkey, signature, true));

describe('Bitcoin multisig cosigning', () => {
  let box: TestBox;
  let mine: Uint8Array; // compressed public key of Strongbox key 'ms'
  const alice = foreignKey();
  const bob = foreignKey();
  const payee = foreignKey();
  const payeeAddress = bitcoin.payments.p2wpkh({ pubkey: payee.publicKey, network: regtest }).address!;

  const signPsbt = (psbt: bitcoin.Psbt | string, key = 'ms') => box.call('POST', `/v1/keys/${key}/bitcoin/sign-psbt`, { psbt: typeof psbt === 'string' ? psbt : psbt.toBase64(), network: 'regtest' });

  before(async () => {
    box = await startTestBox();
    for (const name of ['ms', 'ruled-ms']) {
      assert.equal((await box.call('POST', '/v1/keys', { type: 'secp256k1', name })).status, 201);
    }
    mine = bytes((await box.call('GET', '/v1/keys/ms/public-key?format=compressed')).body.publicKey);
  });
  after(() => box.cleanup());

  /** 2-of-3 P2WSH sortedmulti of `keys` (compressed). */
  const p2wshMulti = (keys: Uint8Array[]) => bitcoin.payments.p2wsh({ redeem: bitcoin.payments.p2ms({ m: 2, pubkeys: sortKeys(keys), network: regtest }), network: regtest });

  describe('P2WSH sortedmulti 2-of-3', () => {
    it('Strongbox adds its partial_sig, bitcoinjs-lib adds a second, finalizes, and both signatures verify against the BIP143 sighash', async () => {
      const wsh = p2wshMulti([mine, alice.publicKey, bob.publicKey]);
      const psbt = new bitcoin.Psbt({ network: regtest });
      psbt.addInput({ hash: txid(1), index: 0, witnessUtxo: { script: wsh.output!, value: 100_000n }, witnessScript: wsh.redeem!.output! });
      psbt.addOutput({ address: payeeAddress, value: 60_000n });
      psbt.addOutput({ address: wsh.address!, value: 39_000n });

      const res = await signPsbt(psbt);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body.signedInputs, [0]);
      const signed = bitcoin.Psbt.fromBase64(res.body.psbt, { network: regtest });
      assert.equal(signed.data.inputs[0]!.partialSig?.length, 1);
      assert.equal(hex(signed.data.inputs[0]!.partialSig![0]!.pubkey), hex(mine));
      assert.equal(signed.validateSignaturesOfInput(0, validator), true, "bitcoinjs-lib validates Strongbox's signature");

      signed.signInput(0, alice.signer);
      assert.equal(signed.validateSignaturesOfInput(0, validator), true);
      signed.finalizeAllInputs();
      const tx = signed.extractTransaction();
      const witness = tx.ins[0]!.witness;
      assert.equal(witness.length, 4, 'OP_0 dummy, two signatures, witnessScript');
      assert.equal(witness[0]!.length, 0);
      assert.equal(hex(witness[3]!), hex(wsh.redeem!.output!));
      // The signatures appear in key order (CHECKMULTISIG); each verifies under one of the participants.
      const keys = sortKeys([mine, alice.publicKey, bob.publicKey]);
      const signers: string[] = [];
      for (const sigWithType of [witness[1]!, witness[2]!]) {
        const { signature, hashType } = bitcoin.script.signature.decode(sigWithType);
        assert.equal(hashType, bitcoin.Transaction.SIGHASH_ALL);
        const sighash = tx.hashForWitnessV0(0, wsh.redeem!.output!, 100_000n, hashType);
        const who = keys.find((k) => ecc.verify(sighash, k, signature, true));
        assert.ok(who !== undefined, 'a signature of a participant over the BIP143 sighash');
        signers.push(hex(who));
      }
      assert.deepEqual(new Set(signers), new Set([hex(mine), hex(alice.publicKey)]));
      assert.deepEqual(signers, [hex(mine), hex(alice.publicKey)].sort(), 'in the key order of the script');
    });

    it('signs only inputs where the key is a participant; leaves a multisig without it alone', async () => {
      const withMe = p2wshMulti([mine, alice.publicKey, bob.publicKey]);
      const without = p2wshMulti([alice.publicKey, bob.publicKey, payee.publicKey]);
      const psbt = new bitcoin.Psbt({ network: regtest });
      psbt.addInput({ hash: txid(2), index: 0, witnessUtxo: { script: without.output!, value: 10_000n }, witnessScript: without.redeem!.output! });
      psbt.addInput({ hash: txid(3), index: 0, witnessUtxo: { script: withMe.output!, value: 10_000n }, witnessScript: withMe.redeem!.output! });
      psbt.addOutput({ address: payeeAddress, value: 19_000n });
      const res = await signPsbt(psbt);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body.signedInputs, [1]);
      const signed = bitcoin.Psbt.fromBase64(res.body.psbt);
      assert.equal(signed.data.inputs[0]!.partialSig, undefined);
      assert.equal(signed.validateSignaturesOfInput(1, validator), true);
    });
  });

  describe('P2TR multi_a 2-of-3 (script path)', () => {
    it("Strongbox adds its tap_script_sig, bitcoinjs-lib adds a second, and the finalized script-path witness verifies against bitcoinjs-lib's BIP341 sighash", async () => {
      const leafKeys = [mine.subarray(1), alice.xOnly, bob.xOnly];
      const leaf = { output: multiA(2, leafKeys), version: 0xc0 };
      const other = { output: bitcoin.script.compile([bob.xOnly, OPS.OP_CHECKSIG]), version: 0xc0 };
      const scriptTree: [typeof leaf, typeof other] = [leaf, other];
      const tr = bitcoin.payments.p2tr({ internalPubkey: NUMS, scriptTree, redeem: leaf, network: regtest });
      const controlBlock = tr.witness![tr.witness!.length - 1]!;
      const foreignTr = bitcoin.payments.p2wpkh({ pubkey: payee.publicKey, network: regtest });

      const psbt = new bitcoin.Psbt({ network: regtest });
      psbt.addInput({ hash: txid(4), index: 1, witnessUtxo: { script: tr.output!, value: 200_000n }, tapInternalKey: NUMS, tapLeafScript: [{ leafVersion: 0xc0, script: leaf.output, controlBlock }] });
      psbt.addInput({ hash: txid(5), index: 0, witnessUtxo: { script: foreignTr.output!, value: 5_000n } });
      psbt.addOutput({ address: payeeAddress, value: 150_000n });
      psbt.addOutput({ address: tr.address!, value: 54_000n });

      const res = await signPsbt(psbt);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body.signedInputs, [0]);
      const signed = bitcoin.Psbt.fromBase64(res.body.psbt, { network: regtest });
      const tss = signed.data.inputs[0]!.tapScriptSig;
      assert.equal(tss?.length, 1);
      assert.equal(hex(tss![0]!.pubkey), hex(mine.subarray(1)), 'keyed by the untweaked x-only key');
      assert.equal(tss![0]!.signature.length, 64, 'SIGHASH_DEFAULT');
      const leafHash = bitcoin.crypto.taggedHash('TapLeaf', Buffer.concat([Buffer.from([0xc0]), Buffer.from([leaf.output.length]), leaf.output]));
      assert.equal(hex(tss![0]!.leafHash), hex(leafHash));
      assert.equal(signed.validateSignaturesOfInput(0, validator), true, "bitcoinjs-lib validates Strongbox's tapscript signature");

      signed.signTaprootInput(0, alice.signer, leafHash);
      assert.equal(signed.data.inputs[0]!.tapScriptSig?.length, 2);
      // multi_a needs a witness element for every key (empty for the missing one), in reverse key order.
      signed.finalizeInput(0, (_i: number, input: (typeof signed.data.inputs)[number]) => {
        const sigOf = (key: Uint8Array) => input.tapScriptSig!.find((s: { pubkey: Uint8Array }) => Buffer.compare(s.pubkey, key) === 0)?.signature ?? new Uint8Array(0);
        const stack = [...leafKeys].reverse().map(sigOf);
        const items = [...stack, leaf.output, controlBlock];
        const parts: Buffer[] = [Buffer.from([items.length])];
        for (const item of items) parts.push(Buffer.from([item.length]), Buffer.from(item));
        return { finalScriptWitness: Buffer.concat(parts), finalScriptSig: undefined };
      });
      // The other party's P2WPKH input is signed by its owner, so the transaction is complete.
      signed.signInput(1, payee.signer);
      signed.finalizeInput(1);
      const tx = signed.extractTransaction();

      const witness = tx.ins[0]!.witness;
      assert.equal(witness.length, 5, 'three signature slots, leaf script, control block');
      assert.equal(hex(witness[3]!), hex(leaf.output));
      assert.equal(hex(witness[4]!), hex(controlBlock));
      assert.equal(witness[0]!.length, 0, "bob's slot is empty");
      const sighash = tx.hashForWitnessV1(0, [tr.output!, foreignTr.output!], [200_000n, 5_000n], bitcoin.Transaction.SIGHASH_DEFAULT, leafHash);
      assert.equal(ecc.verifySchnorr(sighash, alice.xOnly, witness[1]!), true, "alice's signature over the BIP341 script-path sighash");
      assert.equal(ecc.verifySchnorr(sighash, mine.subarray(1), witness[2]!), true, "Strongbox's signature over the BIP341 script-path sighash");
      const keyPath = tx.hashForWitnessV1(0, [tr.output!, foreignTr.output!], [200_000n, 5_000n], bitcoin.Transaction.SIGHASH_DEFAULT);
      assert.equal(ecc.verifySchnorr(keyPath, mine.subarray(1), witness[2]!), false, 'not a key-path signature');
      // The control block commits the leaf to the output key (bitcoinjs-lib recomputes the output from internal key and tree).
      assert.equal(hex(bitcoin.payments.p2tr({ internalPubkey: NUMS, scriptTree, network: regtest }).output!), hex(tr.output!));
    });

    it('refuses a leaf whose control block does not commit to the spent output (400 INVALID_PSBT naming psbt)', async () => {
      const leaf = { output: multiA(2, [mine.subarray(1), alice.xOnly, bob.xOnly]), version: 0xc0 };
      const tr = bitcoin.payments.p2tr({ internalPubkey: NUMS, scriptTree: leaf, redeem: leaf, network: regtest });
      const elsewhere = bitcoin.payments.p2tr({ internalPubkey: alice.xOnly, scriptTree: leaf, redeem: leaf, network: regtest });
      const psbt = new bitcoin.Psbt({ network: regtest });
      psbt.addInput({ hash: txid(6), index: 0, witnessUtxo: { script: tr.output!, value: 10_000n }, tapLeafScript: [{ leafVersion: 0xc0, script: leaf.output, controlBlock: elsewhere.witness![elsewhere.witness!.length - 1]! }] });
      psbt.addOutput({ address: payeeAddress, value: 9_000n });
      const res = await signPsbt(psbt);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.code, 'INVALID_PSBT');
      assert.equal(res.body.field, 'psbt');
      assert.match(res.body.detail, /commitment|control block/, 'btc-signer checks the Taproot commitment when it parses; multisig.ts checks it again before signing');
    });
  });

  describe('refusals', () => {
    const refusals: [string, () => bitcoin.Psbt, string][] = [
      [
        'unsorted keys (multi, not sortedmulti)',
        () => {
          const keys = sortKeys([mine, alice.publicKey, bob.publicKey]).reverse();
          const wsh = bitcoin.payments.p2wsh({ redeem: bitcoin.payments.p2ms({ m: 2, pubkeys: keys, network: regtest }), network: regtest });
          const psbt = new bitcoin.Psbt({ network: regtest });
          psbt.addInput({ hash: txid(7), index: 0, witnessUtxo: { script: wsh.output!, value: 10_000n }, witnessScript: wsh.redeem!.output! });
          return psbt.addOutput({ address: payeeAddress, value: 9_000n });
        },
        'MULTISIG_SCRIPT_UNSUPPORTED',
      ],
      [
        'a witnessScript with the key that is not a multisig (key OR hashlock)',
        () => {
          const script = bitcoin.script.compile([OPS.OP_IF, mine, OPS.OP_CHECKSIG, OPS.OP_ELSE, OPS.OP_SHA256, new Uint8Array(32), OPS.OP_EQUAL, OPS.OP_ENDIF]);
          const wsh = bitcoin.payments.p2wsh({ redeem: { output: script }, network: regtest });
          const psbt = new bitcoin.Psbt({ network: regtest });
          psbt.addInput({ hash: txid(8), index: 0, witnessUtxo: { script: wsh.output!, value: 10_000n }, witnessScript: script });
          return psbt.addOutput({ address: payeeAddress, value: 9_000n });
        },
        'MULTISIG_SCRIPT_UNSUPPORTED',
      ],
      [
        'a tapscript leaf with the key that is not multi_a (single-key checksig)',
        () => {
          const leaf = { output: bitcoin.script.compile([mine.subarray(1), OPS.OP_CHECKSIG]), version: 0xc0 };
          const tr = bitcoin.payments.p2tr({ internalPubkey: NUMS, scriptTree: leaf, redeem: leaf, network: regtest });
          const psbt = new bitcoin.Psbt({ network: regtest });
          psbt.addInput({ hash: txid(9), index: 0, witnessUtxo: { script: tr.output!, value: 10_000n }, tapLeafScript: [{ leafVersion: 0xc0, script: leaf.output, controlBlock: tr.witness![tr.witness!.length - 1]! }] });
          return psbt.addOutput({ address: payeeAddress, value: 9_000n });
        },
        'MULTISIG_SCRIPT_UNSUPPORTED',
      ],
      [
        'a multi_a with a repeated key',
        () => {
          const leaf = { output: multiA(2, [mine.subarray(1), mine.subarray(1), bob.xOnly]), version: 0xc0 };
          const tr = bitcoin.payments.p2tr({ internalPubkey: NUMS, scriptTree: leaf, redeem: leaf, network: regtest });
          const psbt = new bitcoin.Psbt({ network: regtest });
          psbt.addInput({ hash: txid(10), index: 0, witnessUtxo: { script: tr.output!, value: 10_000n }, tapLeafScript: [{ leafVersion: 0xc0, script: leaf.output, controlBlock: tr.witness![tr.witness!.length - 1]! }] });
          return psbt.addOutput({ address: payeeAddress, value: 9_000n });
        },
        'MULTISIG_SCRIPT_UNSUPPORTED',
      ],
      [
        'SIGHASH_NONE on a P2WSH multisig input',
        () => {
          const wsh = p2wshMulti([mine, alice.publicKey, bob.publicKey]);
          const psbt = new bitcoin.Psbt({ network: regtest });
          psbt.addInput({ hash: txid(11), index: 0, witnessUtxo: { script: wsh.output!, value: 10_000n }, witnessScript: wsh.redeem!.output!, sighashType: bitcoin.Transaction.SIGHASH_NONE });
          return psbt.addOutput({ address: payeeAddress, value: 9_000n });
        },
        'UNSUPPORTED_SIGHASH',
      ],
      [
        'a P2WSH multisig input without its witnessScript',
        () => {
          const wsh = p2wshMulti([mine, alice.publicKey, bob.publicKey]);
          const psbt = new bitcoin.Psbt({ network: regtest });
          psbt.addInput({ hash: txid(12), index: 0, witnessUtxo: { script: wsh.output!, value: 10_000n }, bip32Derivation: [{ masterFingerprint: new Uint8Array(4), path: 'm/0', pubkey: mine }] });
          return psbt.addOutput({ address: payeeAddress, value: 9_000n });
        },
        'PSBT_INPUT_UNSUPPORTED',
      ],
    ];
    for (const [what, build, code] of refusals) {
      it(`${what}: 400 ${code} naming psbt`, async () => {
        const res = await signPsbt(build());
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.equal(res.body.code, code);
        assert.equal(res.body.field, 'psbt');
      });
    }
  });

  describe('transaction rules judge the whole multisig spend', () => {
    it('refuses a spend above maxValuePerTransaction (403 TRANSACTION_DENIED), signs one below it; change back to the multisig is not a transfer', async () => {
      const ruled = bytes((await box.call('GET', '/v1/keys/ruled-ms/public-key?format=compressed')).body.publicKey);
      const res = await box.call('PUT', '/v1/keys/ruled-ms/transaction-rules', { version: 1, allowedNetworks: { bitcoin: ['regtest'] }, maxValuePerTransaction: '50000', maxFeePerTransaction: '2000' });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const wsh = p2wshMulti([ruled, alice.publicKey, bob.publicKey]);
      const spend = (n: number, amount: bigint) => {
        const psbt = new bitcoin.Psbt({ network: regtest });
        psbt.addInput({ hash: txid(20 + n), index: 0, witnessUtxo: { script: wsh.output!, value: 500_000n }, witnessScript: wsh.redeem!.output! });
        psbt.addOutput({ address: payeeAddress, value: amount });
        psbt.addOutput({ address: wsh.address!, value: 500_000n - amount - 1_000n });
        return psbt;
      };
      const over = await signPsbt(spend(1, 60_000n), 'ruled-ms');
      assert.equal(over.status, 403, JSON.stringify(over.body));
      assert.equal(over.body.code, 'TRANSACTION_DENIED');
      const under = await signPsbt(spend(2, 40_000n), 'ruled-ms');
      assert.equal(under.status, 200, `439,000 sat of change to the multisig itself is not counted: ${JSON.stringify(under.body)}`);
      assert.equal(bitcoin.Psbt.fromBase64(under.body.psbt).validateSignaturesOfInput(0, validator), true);
    });
  });

  describe('HD wallet keys as participants', () => {
    it('a key derived from a wallet cosigns a multi_a whose participant is that derived key', async () => {
      assert.equal((await box.call('POST', '/v1/wallets', { name: 'vault' })).status, 201);
      const derived = await box.call('POST', '/v1/wallets/vault/derive', { path: "m/48'/1'/0'/2'/0/0" });
      assert.equal(derived.status, 200, JSON.stringify(derived.body));
      const xpub = await box.call('GET', `/v1/wallets/vault/xpub?path=${encodeURIComponent("m/48'/1'/0'/2'/0/0")}`);
      const participant = bytes(xpub.body.publicKey);
      const leaf = { output: multiA(2, [alice.xOnly, participant.subarray(1), bob.xOnly]), version: 0xc0 };
      const tr = bitcoin.payments.p2tr({ internalPubkey: NUMS, scriptTree: leaf, redeem: leaf, network: regtest });
      const psbt = new bitcoin.Psbt({ network: regtest });
      psbt.addInput({ hash: txid(30), index: 0, witnessUtxo: { script: tr.output!, value: 10_000n }, tapLeafScript: [{ leafVersion: 0xc0, script: leaf.output, controlBlock: tr.witness![tr.witness!.length - 1]! }] });
      psbt.addOutput({ address: payeeAddress, value: 9_000n });
      const res = await signPsbt(psbt, derived.body.id);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const signed = bitcoin.Psbt.fromBase64(res.body.psbt);
      assert.equal(hex(signed.data.inputs[0]!.tapScriptSig![0]!.pubkey), hex(participant.subarray(1)));
      assert.equal(signed.validateSignaturesOfInput(0, validator), true);
    });
  });

  describe('descriptors: POST /v1/wallets/{id}/bitcoin/multisig', () => {
    const ORIGIN = "48'/1'/0'/2'";
    const foreignXpub = (): HDKey => HDKey.fromMasterSeed(new Uint8Array(randomBytes(32)), { private: 0x04358394, public: 0x043587cf }).derive(`m/${ORIGIN}`);
    const cosigners = [foreignXpub(), foreignXpub()];
    let walletXpub: string;
    let fingerprint: string;
    const withChecksum = (d: string) => `${d}#${descriptorChecksum(d)!}`;
    const expr = (fp: string, xpub: string) => `[${fp}/${ORIGIN}]${xpub}/0/*`;
    const derive = (xpub: string, index: number) => new Uint8Array(HDKey.fromExtendedKey(xpub, xpub.startsWith('tpub') ? { private: 0x04358394, public: 0x043587cf } : undefined).deriveChild(0).deriveChild(index).publicKey!);

    before(async () => {
      assert.equal((await box.call('POST', '/v1/wallets', { name: 'coord' })).status, 201);
      const res = await box.call('GET', `/v1/wallets/coord/xpub?path=${encodeURIComponent(`m/${ORIGIN}`)}`);
      walletXpub = res.body.xpub;
      const master = await box.call('GET', '/v1/wallets/coord/xpub?path=m');
      fingerprint = Buffer.from(bitcoin.crypto.hash160(bytes(master.body.publicKey)).subarray(0, 4)).toString('hex');
    });

    it('wsh(sortedmulti(2, wallet, A, B)): addresses equal bitcoinjs-lib p2wsh(p2ms(sorted keys)), and the derived wallet key cosigns a spend', async () => {
      const descriptor = withChecksum(`wsh(sortedmulti(2,${expr(fingerprint, walletXpub)},${expr('aaaaaaaa', cosigners[0]!.publicExtendedKey)},${expr('bbbbbbbb', cosigners[1]!.publicExtendedKey)}))`);
      const res = await box.call('POST', '/v1/wallets/coord/bitcoin/multisig', { descriptor, network: 'regtest', from: 5, count: 3 });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.type, 'wsh_sortedmulti');
      assert.equal(res.body.threshold, 2);
      assert.equal(res.body.participants, 3);
      assert.deepEqual(res.body.walletKeys, [{ position: 0, originPath: `m/${ORIGIN}` }]);
      assert.deepEqual(res.body.addresses.map((a: { index: number }) => a.index), [5, 6, 7]);
      for (const a of res.body.addresses) {
        const keys = [derive(walletXpub, a.index), derive(cosigners[0]!.publicExtendedKey, a.index), derive(cosigners[1]!.publicExtendedKey, a.index)];
        const expected = p2wshMulti(keys);
        assert.equal(a.address, expected.address, `index ${a.index}: address`);
        assert.equal(a.witnessScript, `0x${hex(expected.redeem!.output!)}`);
        assert.equal(a.walletKeys[0].path, `m/${ORIGIN}/0/${a.index}`);
        assert.equal(a.walletKeys[0].publicKey, `0x${hex(keys[0]!)}`);
        assert.equal(a.walletKeys[0].keyId, null, 'not derived yet');
      }
      // Derive the wallet key at index 5 and cosign a spend of the first address.
      const first = res.body.addresses[0];
      const key = await box.call('POST', '/v1/wallets/coord/derive', { path: first.walletKeys[0].path });
      assert.equal(key.status, 200);
      const again = await box.call('POST', '/v1/wallets/coord/bitcoin/multisig', { descriptor, network: 'regtest', from: 5, count: 1 });
      assert.equal(again.body.addresses[0].walletKeys[0].keyId, key.body.id);
      const psbt = new bitcoin.Psbt({ network: regtest });
      psbt.addInput({ hash: txid(40), index: 0, witnessUtxo: { script: bitcoin.address.toOutputScript(first.address, regtest), value: 10_000n }, witnessScript: bytes(first.witnessScript) });
      psbt.addOutput({ address: payeeAddress, value: 9_000n });
      const signed = await signPsbt(psbt, key.body.id);
      assert.equal(signed.status, 200, JSON.stringify(signed.body));
      assert.equal(bitcoin.Psbt.fromBase64(signed.body.psbt).validateSignaturesOfInput(0, validator), true);
    });

    it('tr(NUMS, multi_a(2, wallet, A, B)): addresses equal bitcoinjs-lib p2tr of the same leaf', async () => {
      const descriptor = withChecksum(`tr(${hex(NUMS)},multi_a(2,${expr('aaaaaaaa', cosigners[0]!.publicExtendedKey)},${expr(fingerprint, walletXpub)},${expr('bbbbbbbb', cosigners[1]!.publicExtendedKey)}))`);
      const res = await box.call('POST', '/v1/wallets/coord/bitcoin/multisig', { descriptor, network: 'regtest', count: 2 });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.type, 'tr_multi_a');
      assert.deepEqual(res.body.walletKeys, [{ position: 1, originPath: `m/${ORIGIN}` }]);
      for (const a of res.body.addresses) {
        const keys = [derive(cosigners[0]!.publicExtendedKey, a.index), derive(walletXpub, a.index), derive(cosigners[1]!.publicExtendedKey, a.index)].map((k) => k.subarray(1));
        const leaf = { output: multiA(2, keys), version: 0xc0 };
        const expected = bitcoin.payments.p2tr({ internalPubkey: NUMS, scriptTree: leaf, redeem: leaf, network: regtest });
        assert.equal(a.address, expected.address, `index ${a.index}: address`);
        assert.equal(a.leafScript, `0x${hex(leaf.output)}`);
        assert.equal(a.controlBlock, `0x${hex(expected.witness![expected.witness!.length - 1]!)}`);
        assert.equal(a.internalKey, `0x${hex(NUMS)}`);
      }
    });

    const refusals: [string, () => string, string][] = [
      ['a checksum that does not match', () => `wsh(sortedmulti(2,${expr(fingerprint, walletXpub)},${expr('aaaaaaaa', cosigners[0]!.publicExtendedKey)}))#qqqqqqqq`, 'checksum'],
      ['no checksum', () => `wsh(sortedmulti(2,${expr(fingerprint, walletXpub)},${expr('aaaaaaaa', cosigners[0]!.publicExtendedKey)}))`, 'checksum'],
      ['no key of the wallet', () => withChecksum(`wsh(sortedmulti(1,${expr('aaaaaaaa', cosigners[0]!.publicExtendedKey)},${expr('bbbbbbbb', cosigners[1]!.publicExtendedKey)}))`), 'no multisig key of wallet'],
      ['a private key', () => withChecksum(`wsh(sortedmulti(1,${expr(fingerprint, walletXpub)},[aaaaaaaa/${ORIGIN}]${cosigners[0]!.privateExtendedKey}/0/*))`), 'private key'],
      ['multi() instead of sortedmulti() in wsh', () => withChecksum(`wsh(multi(1,${expr(fingerprint, walletXpub)},${expr('aaaaaaaa', cosigners[0]!.publicExtendedKey)}))`), 'sortedmulti'],
      ['a threshold above the number of keys', () => withChecksum(`wsh(sortedmulti(3,${expr(fingerprint, walletXpub)},${expr('aaaaaaaa', cosigners[0]!.publicExtendedKey)}))`), 'threshold'],
      ['a hardened step after an xpub', () => withChecksum(`wsh(sortedmulti(1,[${fingerprint}/${ORIGIN}]${walletXpub}/0h/*))`), 'hardened'],
      ['pkh()', () => withChecksum(`pkh(${expr(fingerprint, walletXpub)})`), 'must be'],
      ['unbalanced parentheses', () => withChecksum(`wsh(sortedmulti(1,${expr(fingerprint, walletXpub)})`), 'unbalanced'],
    ];
    for (const [what, descriptor, detail] of refusals) {
      it(`refuses ${what}: 400 INVALID_DESCRIPTOR naming descriptor`, async () => {
        const res = await box.call('POST', '/v1/wallets/coord/bitcoin/multisig', { descriptor: descriptor(), network: 'regtest' });
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.equal(res.body.code, 'INVALID_DESCRIPTOR');
        assert.equal(res.body.field, 'descriptor');
        assert.match(res.body.detail, new RegExp(detail));
      });
    }

    it('refuses a count above 100 naming count', async () => {
      const descriptor = withChecksum(`wsh(sortedmulti(1,${expr(fingerprint, walletXpub)}))`);
      const res = await box.call('POST', '/v1/wallets/coord/bitcoin/multisig', { descriptor, count: 101 });
      assert.equal(res.status, 400);
      assert.match(JSON.stringify(res.body), /count/);
    });
  });
});
