/**
 * A minimal client of p11-kit's RPC protocol (version 0), written for the tests from p11-kit 0.24's
 * rpc-message.c / rpc-client.c and docs/pkcs11.md — independent of src/pkcs11's codec, so a test
 * that talks through it does not let the server's own encoder grade the server.
 *
 * It exists for the mechanisms Debian's p11-kit-client.so 0.24 will not forward (CKM_ECDSA_SHA256,
 * CKM_EDDSA, CKM_AES_GCM, CKM_SHA256_RSA_PKCS_PSS): those are sent here exactly as a newer client
 * would, the parameter as an opaque byte array.
 *
 * Wire: one version byte each way, then frames `u32 code | u32 options length | u32 body length |
 * options | body` (big-endian); a body is `u32 call id | signature (byte array) | arguments`.
 */
import { createConnection, type Socket } from 'node:net';

/** p11-kit's P11_RPC_CALL_* numbers (rpc-message.h), only the ones the tests use. */
export const CALL = {
  C_Initialize: 1,
  C_Finalize: 2,
  C_GetMechanismList: 7,
  C_OpenSession: 10,
  C_CloseSession: 11,
  C_GetSessionInfo: 13,
  C_Login: 18,
  C_Logout: 19,
  C_DestroyObject: 22,
  C_GetAttributeValue: 24,
  C_FindObjectsInit: 26,
  C_FindObjects: 27,
  C_FindObjectsFinal: 28,
  C_EncryptInit: 29,
  C_Encrypt: 30,
  C_EncryptUpdate: 31,
  C_EncryptFinal: 32,
  C_DecryptInit: 33,
  C_Decrypt: 34,
  C_DecryptUpdate: 35,
  C_DecryptFinal: 36,
  C_SignInit: 42,
  C_Sign: 43,
  C_SignUpdate: 44,
  C_SignFinal: 45,
  C_VerifyInit: 48,
  C_Verify: 49,
  C_VerifyUpdate: 50,
  C_VerifyFinal: 51,
  C_GenerateKey: 58,
  C_GenerateKeyPair: 59,
} as const;

/** A PKCS#11 return value other than CKR_OK, as the error reply (call 0, signature "u") carries it. */
export class RpcError extends Error {
  constructor(readonly rv: number) {
    super(`CKR 0x${rv.toString(16)}`);
  }
}

/** A template attribute: CK_ULONG (`ulong`), CK_BBOOL (`bool`) or a byte string. */
export type Attr = { type: number; ulong: bigint } | { type: number; bool: boolean } | { type: number; bytes: Uint8Array };

class Writer {
  private parts: Buffer[] = [];
  u32(n: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    this.parts.push(b);
    return this;
  }
  u64(n: number | bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(n));
    this.parts.push(b);
    return this;
  }
  byte(n: number): this {
    this.parts.push(Buffer.from([n]));
    return this;
  }
  /** byte array: u32 length | bytes; NULL is 0xffffffff */
  bytes(b: Uint8Array | null): this {
    if (b === null) return this.u32(0xffffffff);
    this.u32(b.length);
    this.parts.push(Buffer.from(b));
    return this;
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

class Reader {
  private at = 0;
  constructor(private readonly b: Buffer) {}
  u32(): number {
    const v = this.b.readUInt32BE(this.at);
    this.at += 4;
    return v;
  }
  u64(): bigint {
    const v = this.b.readBigUInt64BE(this.at);
    this.at += 8;
    return v;
  }
  byte(): number {
    return this.b[this.at++]!;
  }
  bytes(): Buffer | null {
    const n = this.u32();
    if (n === 0xffffffff) return null;
    const v = this.b.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }
  get rest(): number {
    return this.b.length - this.at;
  }
}

/** Request arguments, in signature order: the caller gives each token's encoding explicitly. */
export type Arg =
  | { u: number | bigint }
  | { y: number }
  | { ay: Uint8Array | null }
  | { f: number }
  | { M: number; param: Uint8Array | null }
  | { aA: Attr[] }
  /** `fA`: attribute types with the capacity the caller has for each */
  | { fA: [number, number][] };

/** A decoded response value. */
export type Out = bigint | number | Buffer | { length: number } | bigint[] | Buffer[];

export class P11RpcClient {
  private socket!: Socket;
  private buffer = Buffer.alloc(0);
  private waiting: ((b: Buffer) => void) | undefined;
  private failWaiting: ((err: Error) => void) | undefined;
  private closed = false;
  private wanted = 0;
  private code = 1;

  static async connect(path: string): Promise<P11RpcClient> {
    const c = new P11RpcClient();
    c.socket = createConnection(path);
    await new Promise<void>((resolve, reject) => {
      c.socket.once('connect', resolve);
      c.socket.once('error', reject);
    });
    c.socket.on('close', () => {
      c.closed = true;
      c.failWaiting?.(new Error('connection closed'));
    });
    c.socket.on('data', (d: Buffer) => {
      c.buffer = Buffer.concat([c.buffer, d]);
      c.pump();
    });
    c.socket.write(Buffer.from([0]));
    const version = await c.read(1);
    if (version[0] !== 0) throw new Error(`server speaks version ${version[0]}`);
    return c;
  }

  private pump(): void {
    if (this.waiting !== undefined && this.buffer.length >= this.wanted) {
      const out = this.buffer.subarray(0, this.wanted);
      this.buffer = this.buffer.subarray(this.wanted);
      const w = this.waiting;
      this.waiting = undefined;
      w(out);
    }
  }

  private read(n: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.wanted = n;
      this.waiting = resolve;
      this.failWaiting = reject;
      this.pump();
      if (this.waiting !== undefined && this.closed) reject(new Error('connection closed'));
    });
  }

  /**
   * One call: `request` and `response` are the call's signatures from p11-kit's table; throws RpcError
   * for an error reply.
   */
  async call(id: number, request: string, response: string, args: Arg[]): Promise<Out[]> {
    const w = new Writer().u32(id).bytes(Buffer.from(request));
    for (const a of args) encodeArg(w, a);
    const body = w.done();
    const code = this.code++;
    this.socket.write(Buffer.concat([new Writer().u32(code).u32(0).u32(body.length).done(), body]));
    const header = await this.read(12);
    const optionsLength = header.readUInt32BE(4);
    const bodyLength = header.readUInt32BE(8);
    if (header.readUInt32BE(0) !== code) throw new Error('reply to another request');
    await this.read(optionsLength);
    const r = new Reader(await this.read(bodyLength));
    const callId = r.u32();
    const sig = r.bytes()?.toString() ?? '';
    if (callId === 0) {
      if (sig !== 'u') throw new Error(`error reply with signature ${sig}`);
      throw new RpcError(Number(r.u64()));
    }
    if (callId !== id || sig !== response) throw new Error(`reply ${callId} ${sig}, expected ${id} ${response}`);
    const out: Out[] = [];
    for (let i = 0; i < response.length; i++) {
      const t = response[i]!;
      if (t === 'u') out.push(r.u64());
      else if (t === 'a' && response[i + 1] === 'y') {
        i++;
        out.push(r.byte() === 0 ? { length: r.u32() } : (r.bytes() ?? Buffer.alloc(0)));
      } else if (t === 'a' && response[i + 1] === 'u') {
        i++;
        const present = r.byte();
        const n = r.u32();
        if (present === 0) out.push({ length: n });
        else out.push(Array.from({ length: n }, () => r.u64()));
      } else if (t === 'a' && response[i + 1] === 'A') {
        // Only byte-string attributes are read back by the tests (CKA_ID, CKA_LABEL, CKA_EC_POINT, …).
        i++;
        const n = r.u32();
        const values: Buffer[] = [];
        for (let k = 0; k < n; k++) {
          r.u32();
          if (r.byte() === 0) {
            values.push(Buffer.alloc(0));
            continue;
          }
          r.u32();
          values.push(r.bytes() ?? Buffer.alloc(0));
        }
        out.push(values);
      } else throw new Error(`the test client does not read ${t}`);
    }
    if (r.rest !== 0) throw new Error(`${r.rest} bytes after the reply`);
    return out;
  }

  close(): void {
    this.socket.destroy();
  }

  // ---- conveniences over call() -----------------------------------------------------------

  async initialize(): Promise<void> {
    // C_Initialize: reserved byte array (p11-kit sends its handshake bytes), reserved-present byte, reserved
    await this.call(CALL.C_Initialize, 'ayyay', '', [{ ay: Buffer.from('PRIVATE-GNOME-KEYRING-PKCS11-PROTOCOL-V-1') }, { y: 0 }, { ay: null }]);
  }
  async openSession(rw = true): Promise<bigint> {
    return (await this.call(CALL.C_OpenSession, 'uu', 'u', [{ u: 1 }, { u: 0x4 | (rw ? 0x2 : 0) }]))[0] as bigint;
  }
  async login(session: bigint, pin: string): Promise<void> {
    await this.call(CALL.C_Login, 'uuay', '', [{ u: session }, { u: 1 }, { ay: Buffer.from(pin) }]);
  }
  async find(session: bigint, template: Attr[]): Promise<bigint[]> {
    await this.call(CALL.C_FindObjectsInit, 'uaA', '', [{ u: session }, { aA: template }]);
    const found = (await this.call(CALL.C_FindObjects, 'ufu', 'au', [{ u: session }, { f: 100 }]))[0] as bigint[];
    await this.call(CALL.C_FindObjectsFinal, 'u', '', [{ u: session }]);
    return found;
  }
  /** Byte-string attributes of an object (each with room for 4 KiB). */
  async attributes(session: bigint, object: bigint, types: number[]): Promise<Buffer[]> {
    const full = await this.call(CALL.C_GetAttributeValue, 'uufA', 'aAu', [{ u: session }, { u: object }, { fA: types.map((t): [number, number] => [t, 4096]) }]);
    if (full[1] !== 0n) throw new RpcError(Number(full[1]));
    return full[0] as Buffer[];
  }
  /** An init + single-part call with an output buffer (C_Sign, C_Encrypt, C_Decrypt). */
  async oneShot(init: number, op: number, session: bigint, mechanism: number, param: Uint8Array | null, key: bigint, data: Uint8Array): Promise<Buffer> {
    await this.call(init, 'uMu', '', [{ u: session }, { M: mechanism, param }, { u: key }]);
    return (await this.call(op, 'uayfy', 'ay', [{ u: session }, { ay: data }, { f: 1 << 20 }]))[0] as Buffer;
  }
}

function encodeArg(w: Writer, a: Arg): void {
  if ('u' in a) w.u64(a.u);
  else if ('y' in a) w.byte(a.y);
  else if ('ay' in a) {
    // `ay`: present byte, then the array (or, when absent, just a length)
    if (a.ay === null) w.byte(0).u32(0);
    else w.byte(1).bytes(a.ay);
  } else if ('f' in a) w.u32(a.f);
  else if ('M' in a) w.u32(a.M).bytes(a.param);
  else if ('aA' in a) {
    w.u32(a.aA.length);
    for (const x of a.aA) {
      w.u32(x.type).byte(1);
      if ('ulong' in x) w.u32(8).u64(x.ulong);
      else if ('bool' in x) w.u32(1).byte(x.bool ? 1 : 0);
      else w.u32(x.bytes.length).bytes(x.bytes);
    }
  } else {
    w.u32(a.fA.length);
    for (const [type, capacity] of a.fA) w.u32(type).u32(capacity);
  }
}
