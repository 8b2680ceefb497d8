/**
 * Solana wire format, decoded only as far as signing needs: the signature slots, the message header,
 * the static account keys, the instructions and (v0) the address-table lookups. Legacy and version-0
 * messages (https://solana.com/docs/core/transactions, "Versioned Transactions" SIMD-0029 layout).
 *
 * A strict parser: every length is bounds-checked against the remaining bytes, compact-u16 must be
 * canonical (as the runtime requires), trailing bytes are refused, account keys must be distinct and
 * every index must point at an account. Inputs are capped at the network's packet size (1232 bytes).
 */
import { StrongboxError } from '../../protocol/errors.js';

/** PACKET_DATA_SIZE: the largest serialized transaction the network accepts. */
export const MAX_TRANSACTION_BYTES = 1232;
export const SIGNATURE_BYTES = 64;

export interface CompiledInstruction {
  programIdIndex: number;
  accountIndexes: number[];
  data: Uint8Array;
}

export interface AddressTableLookup {
  accountKey: Uint8Array;
  writableIndexes: number[];
  readonlyIndexes: number[];
}

export interface SolanaMessage {
  version: 'legacy' | 0;
  numRequiredSignatures: number;
  numReadonlySignedAccounts: number;
  numReadonlyUnsignedAccounts: number;
  staticAccountKeys: Uint8Array[];
  recentBlockhash: Uint8Array;
  instructions: CompiledInstruction[];
  addressTableLookups: AddressTableLookup[];
  /** the exact serialized message bytes (what the signatures cover) */
  bytes: Uint8Array;
}

export interface SolanaTransaction {
  signatures: Uint8Array[];
  message: SolanaMessage;
}

function invalid(detail: string, field: string): StrongboxError {
  return new StrongboxError('INVALID_TRANSACTION', detail, { field });
}

class Reader {
  offset = 0;
  constructor(
    readonly bytes: Uint8Array,
    readonly field: string,
  ) {}
  u8(what: string): number {
    if (this.offset >= this.bytes.length) throw invalid(`${this.field} ends inside ${what}`, this.field);
    return this.bytes[this.offset++]!;
  }
  take(n: number, what: string): Uint8Array {
    if (n > this.bytes.length - this.offset) throw invalid(`${this.field} ends inside ${what}`, this.field);
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
  /** compact-u16 ("shortvec"): 1-3 bytes, 7 bits each, little-endian; only the minimal encoding of a value ≤ 0xffff. */
  compactU16(what: string): number {
    let value = 0;
    for (let i = 0; i < 3; i++) {
      const b = this.u8(what);
      value |= (b & 0x7f) << (7 * i);
      if ((b & 0x80) === 0) {
        if (i > 0 && b === 0) throw invalid(`${this.field}: ${what} is not a canonical compact-u16`, this.field);
        if (value > 0xffff) throw invalid(`${this.field}: ${what} overflows a compact-u16`, this.field);
        return value;
      }
    }
    throw invalid(`${this.field}: ${what} overflows a compact-u16`, this.field);
  }
  get done(): boolean {
    return this.offset === this.bytes.length;
  }
}

function readIndexes(r: Reader, what: string): number[] {
  const n = r.compactU16(`${what} count`);
  return Array.from(r.take(n, what));
}

function readMessage(r: Reader): SolanaMessage {
  const start = r.offset;
  const first = r.u8('the message header');
  let version: SolanaMessage['version'] = 'legacy';
  let numRequiredSignatures = first;
  if (first & 0x80) {
    const v = first & 0x7f;
    if (v !== 0) throw invalid(`${r.field}: message version ${v} is not supported (legacy and v0 are)`, r.field);
    version = 0;
    numRequiredSignatures = r.u8('the message header');
  }
  const numReadonlySignedAccounts = r.u8('the message header');
  const numReadonlyUnsignedAccounts = r.u8('the message header');
  const numKeys = r.compactU16('the account key count');
  const staticAccountKeys: Uint8Array[] = [];
  for (let i = 0; i < numKeys; i++) staticAccountKeys.push(r.take(32, `account key ${i}`));
  const recentBlockhash = r.take(32, 'the recent blockhash');
  const numInstructions = r.compactU16('the instruction count');
  const instructions: CompiledInstruction[] = [];
  for (let i = 0; i < numInstructions; i++) {
    const programIdIndex = r.u8(`instruction ${i}`);
    const accountIndexes = readIndexes(r, `instruction ${i} accounts`);
    const dataLength = r.compactU16(`instruction ${i} data length`);
    instructions.push({ programIdIndex, accountIndexes, data: r.take(dataLength, `instruction ${i} data`) });
  }
  const addressTableLookups: AddressTableLookup[] = [];
  if (version === 0) {
    const n = r.compactU16('the address table lookup count');
    for (let i = 0; i < n; i++) {
      const accountKey = r.take(32, `address table lookup ${i}`);
      addressTableLookups.push({ accountKey, writableIndexes: readIndexes(r, `lookup ${i} writable indexes`), readonlyIndexes: readIndexes(r, `lookup ${i} readonly indexes`) });
    }
  }
  const message: SolanaMessage = {
    version,
    numRequiredSignatures,
    numReadonlySignedAccounts,
    numReadonlyUnsignedAccounts,
    staticAccountKeys,
    recentBlockhash,
    instructions,
    addressTableLookups,
    bytes: r.bytes.subarray(start, r.offset),
  };
  assertWellFormed(message, r.field);
  return message;
}

function assertWellFormed(m: SolanaMessage, field: string): void {
  const keys = m.staticAccountKeys.length;
  if (m.numRequiredSignatures === 0) throw invalid(`${field}: a message needs at least one signer (the fee payer)`, field);
  if (m.numRequiredSignatures > keys) throw invalid(`${field}: ${m.numRequiredSignatures} required signers but only ${keys} account keys`, field);
  if (m.numReadonlySignedAccounts >= m.numRequiredSignatures) throw invalid(`${field}: the fee payer must be a writable signer`, field);
  if (m.numReadonlyUnsignedAccounts > keys - m.numRequiredSignatures) throw invalid(`${field}: more read-only unsigned accounts than unsigned accounts`, field);
  const seen = new Set<string>();
  for (const k of m.staticAccountKeys) {
    const hex = Buffer.from(k).toString('hex');
    if (seen.has(hex)) throw invalid(`${field}: an account key appears twice`, field);
    seen.add(hex);
  }
  const loaded = m.addressTableLookups.reduce((n, l) => n + l.writableIndexes.length + l.readonlyIndexes.length, 0);
  for (const [i, ins] of m.instructions.entries()) {
    // Program ids must be static keys (the runtime refuses programs loaded from lookup tables).
    if (ins.programIdIndex >= keys) throw invalid(`${field}: instruction ${i} names program ${ins.programIdIndex}, which is not a static account key`, field);
    for (const a of ins.accountIndexes) if (a >= keys + loaded) throw invalid(`${field}: instruction ${i} names account ${a}, beyond the ${keys + loaded} accounts`, field);
  }
}

function decodeBase64(value: unknown, field: string): Uint8Array {
  if (typeof value !== 'string' || value.length === 0 || value.length > Math.ceil(MAX_TRANSACTION_BYTES / 3) * 4 || !/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) {
    throw new StrongboxError('INVALID_ARGUMENT', `${field} must be standard padded base64 of at most ${MAX_TRANSACTION_BYTES} bytes`, { field });
  }
  const bytes = new Uint8Array(Buffer.from(value, 'base64'));
  if (bytes.length > MAX_TRANSACTION_BYTES) throw new StrongboxError('INVALID_ARGUMENT', `${field} must be standard padded base64 of at most ${MAX_TRANSACTION_BYTES} bytes`, { field });
  return bytes;
}

/** A base64 bare message (as a wallet-adapter's "serialize message" gives it). */
export function parseMessage(base64: unknown, field = 'message'): SolanaMessage {
  const r = new Reader(decodeBase64(base64, field), field);
  const message = readMessage(r);
  if (!r.done) throw invalid(`${field} has ${r.bytes.length - r.offset} bytes after the message`, field);
  return message;
}

/** A base64 wire transaction: the signature slots (one per required signer) then the message. */
export function parseTransaction(base64: unknown, field = 'transaction'): SolanaTransaction {
  const r = new Reader(decodeBase64(base64, field), field);
  const count = r.compactU16('the signature count');
  const signatures: Uint8Array[] = [];
  for (let i = 0; i < count; i++) signatures.push(r.take(SIGNATURE_BYTES, `signature ${i}`));
  const message = readMessage(r);
  if (!r.done) throw invalid(`${field} has ${r.bytes.length - r.offset} bytes after the message`, field);
  if (count !== message.numRequiredSignatures) throw invalid(`${field} has ${count} signature slots but its message requires ${message.numRequiredSignatures}`, field);
  return { signatures, message };
}

function compactU16(n: number): number[] {
  const out: number[] = [];
  let v = n;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if (v === 0) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** The wire transaction: compact-u16 count, the signatures, the message bytes unchanged. */
export function serializeTransaction(tx: SolanaTransaction): Uint8Array {
  const prefix = compactU16(tx.signatures.length);
  const out = new Uint8Array(prefix.length + tx.signatures.length * SIGNATURE_BYTES + tx.message.bytes.length);
  out.set(prefix, 0);
  tx.signatures.forEach((s, i) => out.set(s, prefix.length + i * SIGNATURE_BYTES));
  out.set(tx.message.bytes, prefix.length + tx.signatures.length * SIGNATURE_BYTES);
  return out;
}

/** The slot of `publicKey` among the message's required signers, or -1. */
export function signerIndex(message: SolanaMessage, publicKey: Uint8Array): number {
  for (let i = 0; i < message.numRequiredSignatures; i++) {
    if (Buffer.from(message.staticAccountKeys[i]!).equals(publicKey)) return i;
  }
  return -1;
}
