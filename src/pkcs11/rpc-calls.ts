/**
 * The p11-kit RPC call table (protocol version 0) and the signature-driven codec of message
 * bodies: `u32 call id | byte-array signature | arguments`, where the signature names each
 * argument's encoding. Both directions use the same encodings:
 *
 *   u   CK_ULONG: u64                           y   CK_BYTE: one byte
 *   v   CK_VERSION: major, minor bytes          s   space-padded string: byte array
 *   z   NUL-terminated string: byte array       M   CK_MECHANISM: u32 type | parameter
 *   ay  byte array: u8 present | (present ? byte array : u32 length)
 *   au  ulong array: u8 present | u32 count | (present ? count × u64)
 *   aA  attribute array: u32 count | per attribute: u32 type | u8 valid | (valid ? u32 length | value)
 *   fy  output byte buffer the caller has: u32 capacity (0 = "how long?")
 *   fu  output ulong buffer: u32 capacity
 *   fA  attribute template to fill: u32 count | per attribute: u32 type | u32 capacity
 *
 * An attribute's value is encoded by its type (CK_BBOOL one byte, CK_ULONG u64, dates and byte
 * strings as byte arrays, …: `attributeValueKind`). A mechanism's parameter is a byte array, except
 * RSA-PSS (hashAlg, mgf, sLen: three u64) and RSA-OAEP (hashAlg, mgf, source: three u64, then the
 * source data as a byte array). The error reply is call 0 with signature "u" (the CK_RV).
 *
 * Pure (no import of service/); test/vectors/pkcs11 checks it byte for byte against frames captured
 * from p11-kit 0.24.1's own client and server.
 */
import { CKA, CKM } from './constants.js';
import { MessageReader, MessageWriter, RpcProtocolError } from './rpc-message.js';

export interface CallSpec {
  id: number;
  name: string;
  request: string;
  response: string;
}

/** [name, request signature, response signature], in call-id order starting at 1 (0 is the error reply). */
const TABLE: readonly (readonly [string, string, string])[] = [
  ['C_Initialize', 'ayyay', ''],
  ['C_Finalize', '', ''],
  ['C_GetInfo', '', 'vsusv'],
  ['C_GetSlotList', 'yfu', 'au'],
  ['C_GetSlotInfo', 'u', 'ssuvv'],
  ['C_GetTokenInfo', 'u', 'ssssuuuuuuuuuuuvvs'],
  ['C_GetMechanismList', 'ufu', 'au'],
  ['C_GetMechanismInfo', 'uu', 'uuu'],
  ['C_InitToken', 'uayz', ''],
  ['C_OpenSession', 'uu', 'u'],
  ['C_CloseSession', 'u', ''],
  ['C_CloseAllSessions', 'u', ''],
  ['C_GetSessionInfo', 'u', 'uuuu'],
  ['C_InitPIN', 'uay', ''],
  ['C_SetPIN', 'uayay', ''],
  ['C_GetOperationState', 'ufy', 'ay'],
  ['C_SetOperationState', 'uayuu', ''],
  ['C_Login', 'uuay', ''],
  ['C_Logout', 'u', ''],
  ['C_CreateObject', 'uaA', 'u'],
  ['C_CopyObject', 'uuaA', 'u'],
  ['C_DestroyObject', 'uu', ''],
  ['C_GetObjectSize', 'uu', 'u'],
  ['C_GetAttributeValue', 'uufA', 'aAu'],
  ['C_SetAttributeValue', 'uuaA', ''],
  ['C_FindObjectsInit', 'uaA', ''],
  ['C_FindObjects', 'ufu', 'au'],
  ['C_FindObjectsFinal', 'u', ''],
  ['C_EncryptInit', 'uMu', ''],
  ['C_Encrypt', 'uayfy', 'ay'],
  ['C_EncryptUpdate', 'uayfy', 'ay'],
  ['C_EncryptFinal', 'ufy', 'ay'],
  ['C_DecryptInit', 'uMu', ''],
  ['C_Decrypt', 'uayfy', 'ay'],
  ['C_DecryptUpdate', 'uayfy', 'ay'],
  ['C_DecryptFinal', 'ufy', 'ay'],
  ['C_DigestInit', 'uM', ''],
  ['C_Digest', 'uayfy', 'ay'],
  ['C_DigestUpdate', 'uay', ''],
  ['C_DigestKey', 'uu', ''],
  ['C_DigestFinal', 'ufy', 'ay'],
  ['C_SignInit', 'uMu', ''],
  ['C_Sign', 'uayfy', 'ay'],
  ['C_SignUpdate', 'uay', ''],
  ['C_SignFinal', 'ufy', 'ay'],
  ['C_SignRecoverInit', 'uMu', ''],
  ['C_SignRecover', 'uayfy', 'ay'],
  ['C_VerifyInit', 'uMu', ''],
  ['C_Verify', 'uayay', ''],
  ['C_VerifyUpdate', 'uay', ''],
  ['C_VerifyFinal', 'uay', ''],
  ['C_VerifyRecoverInit', 'uMu', ''],
  ['C_VerifyRecover', 'uayfy', 'ay'],
  ['C_DigestEncryptUpdate', 'uayfy', 'ay'],
  ['C_DecryptDigestUpdate', 'uayfy', 'ay'],
  ['C_SignEncryptUpdate', 'uayfy', 'ay'],
  ['C_DecryptVerifyUpdate', 'uayfy', 'ay'],
  ['C_GenerateKey', 'uMaA', 'u'],
  ['C_GenerateKeyPair', 'uMaAaA', 'uu'],
  ['C_WrapKey', 'uMuufy', 'ay'],
  ['C_UnwrapKey', 'uMuayaA', 'u'],
  ['C_DeriveKey', 'uMuaA', 'u'],
  ['C_SeedRandom', 'uay', ''],
  ['C_GenerateRandom', 'ufy', 'ay'],
  ['C_WaitForSlotEvent', 'u', 'u'],
];

export const ERROR_CALL_ID = 0;
export const calls: readonly CallSpec[] = TABLE.map(([name, request, response], i) => ({ id: i + 1, name, request, response }));
const byName = new Map(calls.map((c) => [c.name, c]));
export const CALL_COUNT = calls.length + 1;

export function callById(id: number): CallSpec | undefined {
  return id >= 1 && id <= calls.length ? calls[id - 1] : undefined;
}

export function callByName(name: string): CallSpec {
  const c = byName.get(name);
  if (c === undefined) throw new Error(`unknown call ${name}`);
  return c;
}

/** A signature split into tokens: `a?`/`f?` pairs and single letters. */
export function tokens(signature: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < signature.length; i++) {
    const c = signature[i]!;
    if (c === 'a' || c === 'f') {
      const next = signature[i + 1];
      if (next === undefined) throw new Error(`signature ${signature} ends in ${c}`);
      out.push(c + next);
      i++;
    } else out.push(c);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Attribute values

export type AttributeValueKind = 'byte' | 'ulong' | 'attributes' | 'mechanisms' | 'date' | 'bytes';

const BYTE_ATTRS = new Set<number>([
  CKA.TOKEN, CKA.PRIVATE, CKA.TRUSTED, CKA.SENSITIVE, CKA.ENCRYPT, CKA.DECRYPT, CKA.WRAP, CKA.UNWRAP, CKA.SIGN, CKA.SIGN_RECOVER,
  CKA.VERIFY, CKA.VERIFY_RECOVER, CKA.DERIVE, CKA.EXTRACTABLE, CKA.LOCAL, CKA.NEVER_EXTRACTABLE, CKA.ALWAYS_SENSITIVE, CKA.MODIFIABLE,
  CKA.COPYABLE, 0x207 /* SECONDARY_AUTH */, CKA.ALWAYS_AUTHENTICATE, CKA.WRAP_WITH_TRUSTED, 0x301 /* RESET_ON_INIT */, 0x302 /* HAS_RESET */,
  0x405 /* COLOR */,
]);
const ULONG_ATTRS = new Set<number>([
  CKA.CLASS, CKA.CERTIFICATE_TYPE, 0x87 /* CERTIFICATE_CATEGORY */, 0x88 /* JAVA_MIDP_SECURITY_DOMAIN */, CKA.KEY_TYPE, CKA.MODULUS_BITS,
  0x133 /* PRIME_BITS */, 0x134 /* SUB_PRIME_BITS */, CKA.VALUE_BITS, CKA.VALUE_LEN, CKA.KEY_GEN_MECHANISM, 0x201 /* AUTH_PIN_FLAGS */,
  0x300 /* HW_FEATURE_TYPE */, 0x400, 0x401, 0x402, 0x403, 0x404, 0x406 /* PIXEL_X … BITS_PER_PIXEL */, 0x500 /* MECHANISM_TYPE */,
]);

/**
 * How p11-kit 0.24 encodes an attribute's value, by type. Unknown types (CKA_DESTROYABLE,
 * CKA_PUBLIC_KEY_INFO and vendor attributes among them) are byte arrays, exactly as p11-kit does.
 */
export function attributeValueKind(type: number): AttributeValueKind {
  if (BYTE_ATTRS.has(type)) return 'byte';
  if (ULONG_ATTRS.has(type)) return 'ulong';
  if (type === CKA.WRAP_TEMPLATE || type === CKA.UNWRAP_TEMPLATE) return 'attributes';
  if (type === CKA.ALLOWED_MECHANISMS) return 'mechanisms';
  if (type === CKA.START_DATE || type === CKA.END_DATE) return 'date';
  return 'bytes';
}

export type AttributeValue =
  | { kind: 'byte'; value: number }
  | { kind: 'ulong'; value: bigint }
  | { kind: 'bytes' | 'date'; value: Uint8Array | null }
  | { kind: 'mechanisms'; value: bigint[] }
  | { kind: 'attributes'; value: Attribute[] };

/**
 * One attribute of an `aA` array. `value` null = not valid (CK_UNAVAILABLE_INFORMATION);
 * `sizeOnly` = the length is meaningful but no value is sent (answering a size query).
 */
export interface Attribute {
  type: number;
  length: number;
  value: AttributeValue | null;
  sizeOnly?: boolean;
}

export const bool = (type: number, v: boolean): Attribute => ({ type, length: 1, value: { kind: 'byte', value: v ? 1 : 0 } });
export const ulongAttr = (type: number, v: number | bigint): Attribute => ({ type, length: 8, value: { kind: 'ulong', value: BigInt(v) } });
export const bytesAttr = (type: number, v: Uint8Array): Attribute => ({ type, length: v.length, value: { kind: attributeValueKind(type) === 'date' ? 'date' : 'bytes', value: v } });

function readAttribute(r: MessageReader, depth: number): Attribute {
  const type = r.uint32('attribute type');
  const valid = r.byte('attribute validity');
  if (valid === 0) return { type, length: -1, value: null };
  const length = r.uint32('attribute length');
  const kind = attributeValueKind(type);
  switch (kind) {
    case 'byte':
      return { type, length, value: { kind, value: r.byte('attribute value') } };
    case 'ulong':
      return { type, length, value: { kind, value: r.uint64('attribute value') } };
    case 'bytes':
    case 'date': {
      const v = r.byteArray('attribute value');
      if (v !== null && v.length !== length) throw new RpcProtocolError(`attribute 0x${type.toString(16)}: length ${length} but ${v.length} value bytes`);
      if (kind === 'date' && v !== null && v.length !== 0 && v.length !== 8) throw new RpcProtocolError('a date attribute is 0 or 8 bytes');
      return { type, length, value: { kind, value: v } };
    }
    case 'mechanisms': {
      const n = r.uint32('mechanism count');
      if (n > r.remaining / 8) throw new RpcProtocolError('mechanism array longer than the message');
      const value: bigint[] = [];
      for (let i = 0; i < n; i++) value.push(r.uint64('mechanism'));
      return { type, length, value: { kind, value } };
    }
    case 'attributes': {
      // p11-kit refuses nested templates in requests; one level is all a template needs.
      if (depth > 0) throw new RpcProtocolError('nested attribute templates are not supported');
      return { type, length, value: { kind, value: readAttributeArray(r, depth + 1) } };
    }
  }
}

function readAttributeArray(r: MessageReader, depth = 0): Attribute[] {
  const n = r.uint32('attribute count');
  // Each attribute takes at least 5 bytes: a count beyond that is a lie, refused before looping.
  if (n > r.remaining / 5) throw new RpcProtocolError('attribute array longer than the message');
  const out: Attribute[] = [];
  for (let i = 0; i < n; i++) out.push(readAttribute(r, depth));
  return out;
}

function writeAttribute(w: MessageWriter, a: Attribute): void {
  w.uint32(a.type);
  if (a.value === null && a.sizeOnly !== true) {
    w.byte(0);
    return;
  }
  w.byte(1).uint32(a.length);
  const kind = attributeValueKind(a.type);
  const v = a.sizeOnly === true ? null : a.value;
  switch (kind) {
    case 'byte':
      w.byte(v?.kind === 'byte' ? v.value : 0);
      return;
    case 'ulong':
      w.uint64(v?.kind === 'ulong' ? v.value : 0n);
      return;
    case 'bytes':
    case 'date':
      w.byteArray(v !== null && (v.kind === 'bytes' || v.kind === 'date') ? v.value : null);
      return;
    case 'mechanisms': {
      const list = v?.kind === 'mechanisms' ? v.value : [];
      w.uint32(v === null ? Math.floor(a.length / 8) : list.length);
      for (const m of list) w.uint64(m);
      return;
    }
    case 'attributes': {
      const list = v?.kind === 'attributes' ? v.value : [];
      w.uint32(list.length);
      for (const x of list) writeAttribute(w, x);
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Mechanisms

export interface PssParameters {
  kind: 'pss';
  hashAlg: bigint;
  mgf: bigint;
  sLen: bigint;
}
export interface OaepParameters {
  kind: 'oaep';
  hashAlg: bigint;
  mgf: bigint;
  source: bigint;
  sourceData: Uint8Array | null;
}
export interface Mechanism {
  type: number;
  /** the raw parameter bytes (null: none), or the decoded RSA-PSS / RSA-OAEP parameters */
  parameter: Uint8Array | null | PssParameters | OaepParameters;
}

function readMechanism(r: MessageReader): Mechanism {
  const type = r.uint32('mechanism type');
  if (type === CKM.RSA_PKCS_PSS) return { type, parameter: { kind: 'pss', hashAlg: r.uint64(), mgf: r.uint64(), sLen: r.uint64() } };
  if (type === CKM.RSA_PKCS_OAEP) return { type, parameter: { kind: 'oaep', hashAlg: r.uint64(), mgf: r.uint64(), source: r.uint64(), sourceData: r.byteArray('OAEP source data') } };
  return { type, parameter: r.byteArray('mechanism parameter') };
}

function writeMechanism(w: MessageWriter, m: Mechanism): void {
  w.uint32(m.type);
  const p = m.parameter;
  if (p !== null && !(p instanceof Uint8Array)) {
    if (p.kind === 'pss') w.uint64(p.hashAlg).uint64(p.mgf).uint64(p.sLen);
    else w.uint64(p.hashAlg).uint64(p.mgf).uint64(p.source).byteArray(p.sourceData);
    return;
  }
  w.byteArray(p);
}

// ---------------------------------------------------------------------------------------------
// Values by signature token

export interface Version {
  major: number;
  minor: number;
}
/** `ay` / `au` sent without data: only the length (a size answer, or CKR_BUFFER_TOO_SMALL). */
export interface LengthOnly {
  lengthOnly: number;
}
export interface TemplateSlot {
  type: number;
  length: number;
}
export type RpcValue = bigint | number | Version | Uint8Array | LengthOnly | bigint[] | Attribute[] | TemplateSlot[] | Mechanism;

function readToken(r: MessageReader, token: string): RpcValue {
  switch (token) {
    case 'u':
      return r.uint64();
    case 'y':
      return r.byte();
    case 'v':
      return { major: r.byte('version'), minor: r.byte('version') };
    case 's':
    case 'z': {
      const v = r.byteArray('string');
      return v ?? new Uint8Array(0);
    }
    case 'ay': {
      const present = r.byte('byte array presence');
      if (present === 0) return { lengthOnly: r.uint32('byte array length') };
      return r.byteArray('byte array') ?? new Uint8Array(0);
    }
    case 'au': {
      const present = r.byte('ulong array presence');
      const n = r.uint32('ulong array count');
      if (present === 0) return { lengthOnly: n };
      if (n > r.remaining / 8) throw new RpcProtocolError('ulong array longer than the message');
      const out: bigint[] = [];
      for (let i = 0; i < n; i++) out.push(r.uint64());
      return out;
    }
    case 'aA':
      return readAttributeArray(r);
    case 'fy':
    case 'fu':
      return r.uint32('buffer length');
    case 'fA': {
      const n = r.uint32('template count');
      if (n > r.remaining / 8) throw new RpcProtocolError('template longer than the message');
      const out: TemplateSlot[] = [];
      for (let i = 0; i < n; i++) out.push({ type: r.uint32('template type'), length: r.uint32('template length') });
      return out;
    }
    case 'M':
      return readMechanism(r);
    default:
      throw new Error(`unknown signature token ${token}`);
  }
}

function writeToken(w: MessageWriter, token: string, v: RpcValue): void {
  const isLengthOnly = (x: RpcValue): x is LengthOnly => typeof x === 'object' && x !== null && 'lengthOnly' in x;
  switch (token) {
    case 'u':
      w.uint64(v as bigint | number);
      return;
    case 'y':
      w.byte(v as number);
      return;
    case 'v':
      w.byte((v as Version).major).byte((v as Version).minor);
      return;
    case 's':
    case 'z':
      w.byteArray(v as Uint8Array);
      return;
    case 'ay':
      if (isLengthOnly(v)) w.byte(0).uint32(v.lengthOnly);
      else w.byte(1).byteArray(v as Uint8Array);
      return;
    case 'au':
      if (isLengthOnly(v)) w.byte(0).uint32(v.lengthOnly);
      else {
        const list = v as bigint[];
        w.byte(1).uint32(list.length);
        for (const x of list) w.uint64(x);
      }
      return;
    case 'aA': {
      const list = v as Attribute[];
      w.uint32(list.length);
      for (const a of list) writeAttribute(w, a);
      return;
    }
    case 'fy':
    case 'fu':
      w.uint32(v as number);
      return;
    case 'fA': {
      const list = v as TemplateSlot[];
      w.uint32(list.length);
      for (const s of list) w.uint32(s.type).uint32(s.length);
      return;
    }
    case 'M':
      writeMechanism(w, v as Mechanism);
      return;
    default:
      throw new Error(`unknown signature token ${token}`);
  }
}

export interface DecodedMessage {
  call: CallSpec | undefined;
  /** 0 for the error reply */
  callId: number;
  values: RpcValue[];
}

/**
 * Parses a message body. Requests must name a call (1…65) with its exact request signature;
 * replies a call with its response signature, or the error reply. Trailing bytes are malformed.
 */
export function decodeMessage(body: Uint8Array, direction: 'request' | 'response'): DecodedMessage {
  const r = new MessageReader(body);
  const callId = r.uint32('call id');
  const call = callById(callId);
  if (call === undefined && !(direction === 'response' && callId === ERROR_CALL_ID)) throw new RpcProtocolError(`unknown call id ${callId}`);
  const expected = call === undefined ? 'u' : direction === 'request' ? call.request : call.response;
  const sig = r.byteArray('signature');
  if (sig === null || new TextDecoder().decode(sig) !== expected) throw new RpcProtocolError(`call ${call?.name ?? 'ERROR'}: signature does not match ${JSON.stringify(expected)}`);
  const values = tokens(expected).map((t) => readToken(r, t));
  if (r.remaining !== 0) throw new RpcProtocolError(`call ${call?.name ?? 'ERROR'}: ${r.remaining} bytes after the last argument`);
  return { call, callId, values };
}

/** Encodes a body: the call id, its signature for the direction, and the values in order. */
export function encodeMessage(callId: number, direction: 'request' | 'response', values: readonly RpcValue[]): Uint8Array {
  const call = callById(callId);
  const sig = call === undefined ? 'u' : direction === 'request' ? call.request : call.response;
  const toks = tokens(sig);
  if (toks.length !== values.length) throw new Error(`${call?.name ?? 'ERROR'} ${direction}: ${toks.length} values expected, got ${values.length}`);
  const w = new MessageWriter().uint32(callId).byteArray(new TextEncoder().encode(sig));
  toks.forEach((t, i) => writeToken(w, t, values[i]!));
  return w.finish();
}

/** The error reply: call 0, signature "u", the CK_RV. */
export function encodeError(rv: number): Uint8Array {
  return encodeMessage(ERROR_CALL_ID, 'response', [BigInt(rv)]);
}
