/**
 * Solana signing through the REST API, every result checked with @solana/web3.js (an independent
 * library): transactions are built with it, signed by Strongbox, deserialized with it and every
 * signature verified (Transaction.verifySignatures for legacy; @noble/curves ed25519 over the
 * message web3.js re-serializes for v0). Multi-signer transactions: Strongbox fills only its slot.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import web3 from '@solana/web3.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { base58 } from '@scure/base';
import { startTestBox, type TestBox } from '../helpers/app.js';

const { AddressLookupTableAccount, Keypair, PublicKey, SystemProgram, Transaction, TransactionMessage, VersionedTransaction } = web3;
type PublicKeyT = InstanceType<typeof PublicKey>;

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
const blockhash = (): string => Keypair.generate().publicKey.toBase58();

/** Every signature of a v0 (or legacy) VersionedTransaction against its required signers. */
function verifyAll(tx: InstanceType<typeof VersionedTransaction>): void {
  const message = tx.message.serialize();
  const signers = tx.message.staticAccountKeys.slice(0, tx.message.header.numRequiredSignatures);
  assert.equal(tx.signatures.length, signers.length);
  signers.forEach((key, i) => assert.ok(ed25519.verify(tx.signatures[i]!, message, key.toBytes()), `signature ${i} (${key.toBase58()}) verifies`));
}

describe('Solana signing', () => {
  let box: TestBox;
  let sol: PublicKeyT;
  let keyId: string;
  const url = (key = 'sol') => `/v1/keys/${key}/solana/sign-transaction`;

  before(async () => {
    box = await startTestBox();
    const res = await box.call('POST', '/v1/keys', { type: 'ed25519', name: 'sol' });
    assert.equal(res.status, 201);
    keyId = res.body.id;
    sol = new PublicKey(res.body.solanaAddress);
    assert.equal(sol.toBuffer().toString('hex'), res.body.publicKey.slice(2), 'solanaAddress is the base58 public key');
    assert.equal((await box.call('POST', '/v1/keys', { type: 'secp256k1', name: 'k1' })).status, 201);
    assert.equal((await box.call('POST', '/v1/keys', { type: 'ed25519', name: 'sol-off' })).status, 201);
    assert.equal((await box.call('POST', '/v1/keys/sol-off/disable')).status, 200);
  });
  after(() => box.cleanup());

  it('legacy transfer, Strongbox the fee payer: web3.js verifies the signature; it is the transaction id', async () => {
    const tx = new Transaction({ feePayer: sol, recentBlockhash: blockhash() }).add(SystemProgram.transfer({ fromPubkey: sol, toPubkey: Keypair.generate().publicKey, lamports: 1_000_000 }));
    const res = await box.call('POST', url(), { transaction: b64(tx.serialize({ requireAllSignatures: false, verifySignatures: false })) });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const signed = Transaction.from(Buffer.from(res.body.transaction, 'base64'));
    assert.equal(signed.verifySignatures(), true);
    assert.equal(base58.encode(signed.signature!), res.body.signature);
    assert.equal(res.body.message, b64(tx.serializeMessage()));
  });

  it('v0 transaction with an address lookup table: signed, and re-serialized identically by web3.js', async () => {
    const recipient = Keypair.generate().publicKey;
    const table = new AddressLookupTableAccount({
      key: Keypair.generate().publicKey,
      state: { deactivationSlot: BigInt('18446744073709551615'), lastExtendedSlot: 0, lastExtendedSlotStartIndex: 0, addresses: [recipient, Keypair.generate().publicKey] },
    });
    const message = new TransactionMessage({ payerKey: sol, recentBlockhash: blockhash(), instructions: [SystemProgram.transfer({ fromPubkey: sol, toPubkey: recipient, lamports: 42 })] }).compileToV0Message([table]);
    assert.equal(message.addressTableLookups.length, 1, 'the recipient comes from the lookup table');
    const unsigned = new VersionedTransaction(message);
    const res = await box.call('POST', url(), { transaction: b64(unsigned.serialize()) });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const signed = VersionedTransaction.deserialize(Buffer.from(res.body.transaction, 'base64'));
    assert.equal(signed.version, 0);
    verifyAll(signed);
    assert.equal(b64(signed.message.serialize()), b64(message.serialize()), 'the message is unchanged');
    assert.equal(base58.encode(signed.signatures[0]!), res.body.signature);
  });

  it('multi-signer legacy: a co-signer signs before or after Strongbox; each keeps the other\'s signature', async () => {
    const payer = Keypair.generate();
    const build = () => new Transaction({ feePayer: payer.publicKey, recentBlockhash: blockhash() }).add(SystemProgram.transfer({ fromPubkey: sol, toPubkey: payer.publicKey, lamports: 5 }));

    // co-signer first
    const first = build();
    first.partialSign(payer);
    const res1 = await box.call('POST', url(), { transaction: b64(first.serialize({ requireAllSignatures: false })) });
    assert.equal(res1.status, 200, JSON.stringify(res1.body));
    const done1 = Transaction.from(Buffer.from(res1.body.transaction, 'base64'));
    assert.equal(done1.verifySignatures(), true);
    assert.equal(done1.signatures.find((s) => s.publicKey.equals(payer.publicKey))!.signature!.toString('hex'), first.signature!.toString('hex'), 'the fee payer\'s signature is untouched');

    // Strongbox first: the payer's slot stays empty, then the payer signs the same message
    const second = build();
    const res2 = await box.call('POST', url(), { transaction: b64(second.serialize({ requireAllSignatures: false, verifySignatures: false })) });
    assert.equal(res2.status, 200);
    const partial = Transaction.from(Buffer.from(res2.body.transaction, 'base64'));
    assert.equal(partial.verifySignatures(), false, 'not yet fully signed');
    assert.equal(partial.verifySignatures(false), true, 'what is there verifies');
    assert.ok(partial.signatures.find((s) => s.publicKey.equals(payer.publicKey))!.signature === null, 'the payer slot is still empty');
    partial.partialSign(payer);
    assert.equal(partial.verifySignatures(), true);
  });

  it('multi-signer v0: Strongbox fills only its own slot (the second signer)', async () => {
    const payer = Keypair.generate();
    const message = new TransactionMessage({
      payerKey: payer.publicKey,
      recentBlockhash: blockhash(),
      instructions: [SystemProgram.transfer({ fromPubkey: sol, toPubkey: payer.publicKey, lamports: 1 }), SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: sol, lamports: 2 })],
    }).compileToV0Message();
    const tx = new VersionedTransaction(message);
    tx.sign([payer]);
    const res = await box.call('POST', url(), { transaction: b64(tx.serialize()) });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const signed = VersionedTransaction.deserialize(Buffer.from(res.body.transaction, 'base64'));
    assert.equal(b64(signed.signatures[0]!), b64(tx.signatures[0]!), 'the payer signature is untouched');
    assert.equal(signed.message.staticAccountKeys[1]!.toBase58(), sol.toBase58());
    verifyAll(signed);
  });

  it('a bare message: the answer is a wire transaction with only Strongbox\'s slot filled', async () => {
    const payer = Keypair.generate();
    const message = new TransactionMessage({ payerKey: payer.publicKey, recentBlockhash: blockhash(), instructions: [SystemProgram.transfer({ fromPubkey: sol, toPubkey: payer.publicKey, lamports: 9 })] }).compileToV0Message();
    const res = await box.call('POST', url(keyId), { message: b64(message.serialize()) });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const tx = VersionedTransaction.deserialize(Buffer.from(res.body.transaction, 'base64'));
    assert.ok(tx.signatures[0]!.every((b) => b === 0), 'the payer slot is zero');
    assert.ok(ed25519.verify(tx.signatures[1]!, message.serialize(), sol.toBytes()));
    tx.sign([payer]);
    verifyAll(tx);
  });

  it('a key derived from a wallet at m/44\'/501\'/0\'/0\' signs Solana transactions', async () => {
    const wallet = await box.call('POST', '/v1/wallets', {});
    const key = await box.call('POST', `/v1/wallets/${wallet.body.id}/derive`, { path: "m/44'/501'/0'/0'" });
    assert.equal(key.body.type, 'ed25519');
    const owner = new PublicKey(key.body.solanaAddress);
    const tx = new Transaction({ feePayer: owner, recentBlockhash: blockhash() }).add(SystemProgram.transfer({ fromPubkey: owner, toPubkey: sol, lamports: 3 }));
    const res = await box.call('POST', url(key.body.id), { transaction: b64(tx.serialize({ requireAllSignatures: false, verifySignatures: false })) });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(Transaction.from(Buffer.from(res.body.transaction, 'base64')).verifySignatures(), true);
  });

  it('bad input: 4xx naming the problem', async () => {
    const other = Keypair.generate();
    const notMine = new Transaction({ feePayer: other.publicKey, recentBlockhash: blockhash() }).add(SystemProgram.transfer({ fromPubkey: other.publicKey, toPubkey: sol, lamports: 1 }));
    const good = new Transaction({ feePayer: sol, recentBlockhash: blockhash() }).add(SystemProgram.transfer({ fromPubkey: sol, toPubkey: other.publicKey, lamports: 1 }));
    const wire = new Uint8Array(good.serialize({ requireAllSignatures: false, verifySignatures: false }));
    const cases: [string, string, unknown, number, string][] = [
      ['not a required signer', url(), { transaction: b64(notMine.serialize({ requireAllSignatures: false, verifySignatures: false })) }, 400, 'NOT_A_REQUIRED_SIGNER'],
      ['secp256k1 key', url('k1'), { transaction: b64(wire) }, 400, 'UNSUPPORTED_OPERATION'],
      ['disabled key', url('sol-off'), { transaction: b64(wire) }, 409, 'KEY_DISABLED'],
      ['unknown key', url('nope'), { transaction: b64(wire) }, 404, 'KEY_NOT_FOUND'],
      ['neither field', url(), {}, 400, 'INVALID_ARGUMENT'],
      ['both fields', url(), { transaction: b64(wire), message: b64(good.serializeMessage()) }, 400, 'INVALID_ARGUMENT'],
      ['not base64', url(), { transaction: '!!!!' }, 400, 'INVALID_ARGUMENT'],
      ['truncated', url(), { transaction: b64(wire.subarray(0, wire.length - 7)) }, 400, 'INVALID_TRANSACTION'],
      ['trailing bytes', url(), { transaction: b64(new Uint8Array([...wire, 0, 0, 0])) }, 400, 'INVALID_TRANSACTION'],
      ['slot count mismatch', url(), { transaction: b64(new Uint8Array([2, ...wire.subarray(1, 65), ...new Uint8Array(64), ...wire.subarray(65)])) }, 400, 'INVALID_TRANSACTION'],
      ['message given as a transaction', url(), { transaction: b64(good.serializeMessage()) }, 400, 'INVALID_TRANSACTION'],
      ['transaction given as a message', url(), { message: b64(wire) }, 400, 'INVALID_TRANSACTION'],
      ['unsupported version', url(), { message: b64(new Uint8Array([0x81, ...good.serializeMessage()])) }, 400, 'INVALID_TRANSACTION'],
      ['unknown field', url(), { transaction: b64(wire), extra: 1 }, 400, 'UNKNOWN_FIELD'],
      ['oversized', url(), { transaction: b64(new Uint8Array(1300)) }, 400, 'INVALID_ARGUMENT'],
    ];
    for (const [label, u, body, status, code] of cases) {
      const res = await box.call('POST', u, body);
      assert.equal(res.status, status, `${label}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, code, label);
    }
  });
});
