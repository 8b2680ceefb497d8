/**
 * The Solana wire-format parser and the transaction summary, against transactions built by
 * @solana/web3.js (an independent encoder): the parser must read exactly what web3.js wrote, refuse
 * every malformed variant, and the summary must report the transfers web3.js encoded.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import web3 from '@solana/web3.js';
import { StrongboxError } from '../../protocol/errors.js';
import { parseMessage, parseTransaction, serializeTransaction, signerIndex } from './message.js';
import { summarizeSolanaTransaction, SYSTEM_PROGRAM_ID } from './summary.js';

const { AddressLookupTableAccount, Keypair, PublicKey, SystemProgram, Transaction, TransactionInstruction, TransactionMessage, VersionedTransaction } = web3;
const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
const blockhash = (): string => Keypair.generate().publicKey.toBase58();
const MEMO = new PublicKey('MemoSq4gqABAXKb96qnH8TYKMfW8wTCmC2q1LzxJzAu');

const rejects = (fn: () => unknown, code: 'INVALID_TRANSACTION' | 'INVALID_ARGUMENT', label: string) =>
  assert.throws(fn, (e: unknown) => e instanceof StrongboxError && e.code === code, label);

describe('Solana wire format', () => {
  const payer = Keypair.generate().publicKey;
  const to = Keypair.generate().publicKey;
  const legacy = new Transaction({ feePayer: payer, recentBlockhash: blockhash() })
    .add(SystemProgram.transfer({ fromPubkey: payer, toPubkey: to, lamports: 123_456_789n }))
    .add(new TransactionInstruction({ programId: MEMO, keys: [], data: Buffer.from('hello') }));
  const legacyWire = new Uint8Array(legacy.serialize({ requireAllSignatures: false, verifySignatures: false }));

  it('reads a legacy transaction exactly as web3.js wrote it and writes it back byte for byte', () => {
    const tx = parseTransaction(b64(legacyWire));
    assert.equal(tx.message.version, 'legacy');
    assert.equal(tx.signatures.length, 1);
    assert.equal(tx.message.numRequiredSignatures, 1);
    assert.deepEqual(tx.message.staticAccountKeys.map((k) => new PublicKey(k).toBase58()), legacy.compileMessage().accountKeys.map((k) => k.toBase58()));
    assert.equal(b64(tx.message.bytes), b64(legacy.serializeMessage()));
    assert.equal(b64(serializeTransaction(tx)), b64(legacyWire));
    assert.equal(signerIndex(tx.message, payer.toBytes()), 0);
    assert.equal(signerIndex(tx.message, to.toBytes()), -1, 'a writable non-signer is not a signer');
  });

  it('reads a v0 message with lookups; the summary marks a looked-up recipient as incomplete', () => {
    const table = new AddressLookupTableAccount({ key: Keypair.generate().publicKey, state: { deactivationSlot: 2n ** 64n - 1n, lastExtendedSlot: 0, lastExtendedSlotStartIndex: 0, addresses: [to] } });
    const message = new TransactionMessage({ payerKey: payer, recentBlockhash: blockhash(), instructions: [SystemProgram.transfer({ fromPubkey: payer, toPubkey: to, lamports: 5 })] }).compileToV0Message([table]);
    const parsed = parseMessage(b64(message.serialize()));
    assert.equal(parsed.version, 0);
    assert.equal(parsed.addressTableLookups.length, 1);
    assert.equal(new PublicKey(parsed.addressTableLookups[0]!.accountKey).toBase58(), table.key.toBase58());
    const summary = summarizeSolanaTransaction(parsed);
    assert.equal(summary.complete, false);
    assert.deepEqual(summary.transfers, []);
    assert.deepEqual(summary.programs, [SYSTEM_PROGRAM_ID]);
    const wire = new VersionedTransaction(message).serialize();
    assert.equal(b64(serializeTransaction(parseTransaction(b64(wire)))), b64(wire));
  });

  it('summary: System Program transfers (amounts as bigint lamports) and every program invoked', () => {
    const seedBase = Keypair.generate().publicKey;
    const tx = new Transaction({ feePayer: payer, recentBlockhash: blockhash() })
      .add(SystemProgram.transfer({ fromPubkey: payer, toPubkey: to, lamports: 18_446_744_073_709_551_615n }))
      .add(SystemProgram.transfer({ fromPubkey: payer, toPubkey: seedBase, lamports: 1 }))
      .add(SystemProgram.transfer({ fromPubkey: to, basePubkey: seedBase, toPubkey: payer, lamports: 77, seed: "vault", programId: SystemProgram.programId }))
      .add(SystemProgram.allocate({ accountPubkey: payer, space: 10 }))
      .add(new TransactionInstruction({ programId: MEMO, keys: [], data: Buffer.from('memo') }));
    const summary = summarizeSolanaTransaction(parseMessage(b64(tx.serializeMessage())));
    assert.deepEqual(summary, {
      network: 'unknown',
      transfers: [
        { from: payer.toBase58(), to: to.toBase58(), amount: 18_446_744_073_709_551_615n },
        { from: payer.toBase58(), to: seedBase.toBase58(), amount: 1n },
        { from: to.toBase58(), to: payer.toBase58(), amount: 77n },
      ],
      programs: [SYSTEM_PROGRAM_ID, MEMO.toBase58()],
      complete: true,
    });
  });

  it('summary: no System Program instruction, no transfers', () => {
    const tx = new Transaction({ feePayer: payer, recentBlockhash: blockhash() }).add(new TransactionInstruction({ programId: MEMO, keys: [], data: Buffer.from('x') }));
    assert.deepEqual(summarizeSolanaTransaction(parseMessage(b64(tx.serializeMessage()))), { network: 'unknown', transfers: [], programs: [MEMO.toBase58()], complete: true });
  });

  it('summary: a System Program transfer with malformed data is reported incomplete, not as no transfer', () => {
    const bad = new Transaction({ feePayer: payer, recentBlockhash: blockhash() }).add(new TransactionInstruction({ programId: SystemProgram.programId, keys: [{ pubkey: payer, isSigner: true, isWritable: true }, { pubkey: to, isSigner: false, isWritable: true }], data: Buffer.from([2, 0, 0, 0, 1]) }));
    const summary = summarizeSolanaTransaction(parseMessage(b64(bad.serializeMessage())));
    assert.equal(summary.complete, false);
    assert.deepEqual(summary.transfers, []);
  });

  it('refuses malformed input with INVALID_TRANSACTION (or INVALID_ARGUMENT for the encoding)', () => {
    const msg = new Uint8Array(legacy.serializeMessage());
    // offsets in a legacy message: 0-2 header, 3 account count (compact-u16, < 128 here)
    const withByte = (bytes: Uint8Array, index: number, value: number) => {
      const copy = bytes.slice();
      copy[index] = value;
      return copy;
    };
    const keyCount = msg[3]!;
    const dup = msg.slice();
    dup.set(msg.subarray(4, 36), 36); // account key 1 := account key 0
    const cases: [string, Uint8Array][] = [
      ['empty', new Uint8Array(0)],
      ['header only', msg.subarray(0, 3)],
      ['no signer', withByte(msg, 0, 0)],
      ['more signers than keys', withByte(msg, 0, keyCount + 1)],
      ['fee payer read-only', withByte(msg, 1, 1)],
      ['read-only unsigned beyond the keys', withByte(msg, 2, keyCount)],
      ['account count beyond the data', withByte(msg, 3, 100)],
      ['duplicate account key', dup],
      ['non-canonical compact-u16', new Uint8Array([...msg.subarray(0, 3), 0x80 | keyCount, 0x00, ...msg.subarray(4)])],
      ['version 1', new Uint8Array([0x81, ...msg])],
      ['truncated', msg.subarray(0, msg.length - 1)],
      ['trailing byte', new Uint8Array([...msg, 0])],
    ];
    for (const [label, bytes] of cases) rejects(() => parseMessage(b64(bytes)), label === 'empty' ? 'INVALID_ARGUMENT' : 'INVALID_TRANSACTION', label);
    // an instruction naming a program beyond the account keys
    const tail = msg.length - (1 + 1 + 0 + 1 + 5); // the memo instruction: program index, 0 accounts, data length 5, data
    rejects(() => parseMessage(b64(withByte(msg, tail, 200))), 'INVALID_TRANSACTION', 'program index out of range');
    rejects(() => parseTransaction(b64(new Uint8Array([0xff, 0xff, 0xff, 0x03]))), 'INVALID_TRANSACTION', 'compact-u16 overflow');
    rejects(() => parseTransaction('not base64!'), 'INVALID_ARGUMENT', 'bad base64');
    rejects(() => parseTransaction(b64(new Uint8Array(1233))), 'INVALID_ARGUMENT', 'over the packet size');
    rejects(() => parseTransaction(42), 'INVALID_ARGUMENT', 'not a string');
  });
});
