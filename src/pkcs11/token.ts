/**
 * The `strongbox` token as one p11-kit connection sees it (one application process): one slot,
 * sessions, login, objects, and the PKCS#11 functions as translations into service/ calls.
 *
 * Login is CKU_USER with a Strongbox token as PIN (or, on a socket only the server's user can open,
 * the path of a file holding one); every later call runs as that principal, re-validated through the
 * authenticator's cache, so a revoked or expired token stops working within its bound. Objects are
 * the keys the principal may read (`keys:read`); each use is authorized with the action the HTTP
 * API uses for it. Refusals are PKCS#11 return values (`Pkcs11Error`), never exceptions to the
 * transport. PKCS#11 v3.0 base specification, §5 (functions).
 */
import { readFileSync, statSync } from 'node:fs';
import { StrongboxError, errorCodes } from '../protocol/errors.js';
import { isThresholdKeyType, KEY_NAME_PATTERN, type KeyType } from '../protocol/types.js';
import type { Authenticator } from '../service/access/authenticate.js';
import { authorize, decide, describeResource } from '../service/access/authorize.js';
import { signedRequestRequirement } from '../service/access/signed-requests.js';
import type { Principal, ServiceContext } from '../service/shared/context.js';
import { keyRecordResource, resolveKey, type ServiceKey } from '../service/shared/resolve-key.js';
import { listKeys } from '../service/keys/list-keys.js';
import { getPublicKey } from '../service/keys/get-public-key.js';
import { createKey } from '../service/keys/create-key.js';
import { scheduleKeyDeletion } from '../service/keys/key-lifecycle.js';
import { sign } from '../service/keys/sign.js';
import { verify } from '../service/keys/verify.js';
import { generateRandom, MAX_RANDOM_BYTES } from '../service/keys/generate-random.js';
import { encrypt } from '../service/symmetric/encrypt.js';
import { decrypt } from '../service/symmetric/decrypt.js';
import { generateMac } from '../service/symmetric/generate-mac.js';
import { verifyMac } from '../service/symmetric/verify-mac.js';
import { rsaDecrypt, rsaEncrypt } from '../service/keys/rsa-encryption.js';
import type { Action } from '../policy/actions.js';
import type { Resource } from '../policy/types.js';
import { CKA, CKF_SESSION, CKF_SLOT, CKF_TOKEN, CKM, CKO, CKR, CKS, CKU } from './constants.js';
import { certificateAttributes, classesOf, curveOfParams, matches, objectAttributes, SENSITIVE_ATTRIBUTES, type ObjectClass } from './objects.js';
import { deleteKeyCertificate, keyCertificateDer } from '../service/keys/key-certificate.js';
import { createDigest, ecdsaDigest, mechanismFor, mechanisms, type MechanismSpec, type Operation } from './mechanisms.js';
import { oaepParameters, parseDigestInfo, pssParameters, type RsaSignHash } from './rsa-parameters.js';
import type { RsaEncryptionAlgorithm } from '../protocol/types.js';
import type { Attribute, LengthOnly, Mechanism, RpcValue, TemplateSlot } from './rpc-calls.js';

export const SLOT_ID = 1;
export const TOKEN_LABEL = 'strongbox';
/** Keys looked at when listing objects (as eth_accounts: docs/pkcs11.md). */
export const MAX_OBJECT_SCAN = 10_000;
/** Data gathered by multi-part operations (C_*Update) before CKR_DATA_LEN_RANGE. */
export const MAX_PART_BYTES = 256 * 1024;
const MAX_SESSIONS = 64;
const MAX_PIN_BYTES = 4096;

import { Pkcs11Error } from './errors.js';
export { Pkcs11Error };

/** What the audit record of a call says, filled in as the call runs. */
export interface CallNote {
  action: Action | null;
  resource: string | null;
  reason: string | null;
  /** sensitive input (data to sign, encrypt, …), HMAC'd by the audit log */
  data?: Uint8Array;
}

interface ActiveOperation {
  op: Operation;
  mechanism: MechanismSpec;
  key: ServiceKey | undefined;
  parts: Uint8Array[];
  size: number;
  digest?: ReturnType<typeof createDigest>;
  /** a result computed for a size query, handed out by the next call (C_Encrypt's two-call idiom) */
  result?: Uint8Array;
  /** RSA: the signature length (the modulus's bytes), known before signing */
  outputBytes?: number;
  /** CKM_RSA_PKCS_PSS: the hash its parameter names (the input is a digest of its length) */
  pss?: { hash: RsaSignHash; bytes: number };
  /** CKM_RSA_PKCS_OAEP: the parameter as Strongbox's algorithm and label */
  oaep?: { algorithm: RsaEncryptionAlgorithm; label: Uint8Array };
}

const RSA_BITS = new Map<string, KeyType>([
  ['2048', 'rsa2048'],
  ['3072', 'rsa3072'],
  ['4096', 'rsa4096'],
]);
/** The modulus bytes of an RSA key type (undefined for other types). */
const rsaModulusBytes = (type: KeyType): number | undefined => (type.startsWith('rsa') ? Number(type.slice(3)) / 8 : undefined);

interface Session {
  rw: boolean;
  find?: number[];
  ops: Map<'sign' | 'verify' | 'encrypt' | 'decrypt' | 'digest', ActiveOperation>;
}

/** Space-padded fixed-width string (CK_UTF8CHAR arrays of CK_INFO, CK_TOKEN_INFO, …). */
export function padded(text: string, width: number): Uint8Array {
  const out = new Uint8Array(width).fill(0x20);
  out.set(new TextEncoder().encode(text).subarray(0, width));
  return out;
}

const u = (n: number | bigint) => BigInt(n);
const toHex = (b: Uint8Array): `0x${string}` => `0x${Buffer.from(b).toString('hex')}`;
const fromHex = (h: string) => new Uint8Array(Buffer.from(h.replace(/^0x/, ''), 'hex'));
const num = (v: RpcValue) => (typeof v === 'bigint' ? (v > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(v)) : (v as number));

/** A Strongbox error as a PKCS#11 return value (by code category: never by message). */
export function toReturnValue(err: unknown, loginCall = false): Pkcs11Error {
  if (err instanceof Pkcs11Error) return err;
  if (!(err instanceof StrongboxError)) return new Pkcs11Error(CKR.GENERAL_ERROR, 'internal error', 'INTERNAL');
  const code = err.code;
  const category = errorCodes[code].category;
  const rv = (() => {
    if (code === 'TOKEN_EXPIRED' && loginCall) return CKR.PIN_EXPIRED;
    if (code === 'KEY_NOT_FOUND') return CKR.KEY_HANDLE_INVALID;
    if (code === 'DECRYPTION_FAILED' || code === 'KEY_VERSION_NOT_FOUND' || code === 'KEY_VERSION_DISABLED') return CKR.ENCRYPTED_DATA_INVALID;
    if (code === 'UNSUPPORTED_OPERATION') return CKR.KEY_TYPE_INCONSISTENT;
    if (code === 'KEY_NAME_TAKEN' || code === 'ALIAS_TAKEN') return CKR.ATTRIBUTE_VALUE_INVALID;
    switch (category) {
      case 'UNAUTHENTICATED':
        return loginCall ? CKR.PIN_INCORRECT : CKR.USER_NOT_LOGGED_IN;
      case 'PERMISSION_DENIED':
        return CKR.KEY_FUNCTION_NOT_PERMITTED;
      case 'NOT_FOUND':
        return CKR.OBJECT_HANDLE_INVALID;
      case 'FAILED_PRECONDITION':
        return CKR.KEY_FUNCTION_NOT_PERMITTED;
      case 'INVALID_ARGUMENT':
      case 'PAYLOAD_TOO_LARGE':
        return CKR.ARGUMENTS_BAD;
      case 'UNAVAILABLE':
      case 'RESOURCE_EXHAUSTED':
        return CKR.DEVICE_ERROR;
      default:
        return CKR.GENERAL_ERROR;
    }
  })();
  return new Pkcs11Error(rv, err.message, code);
}

export interface TokenOptions {
  /** the socket is shared with a group: a PIN may not name a file (the server would read it for them) */
  groupShared: boolean;
  /**
   * The per-source authentication throttle the HTTP API uses (http/source-throttle.ts): every wrong
   * PIN takes one failure from the socket's budget, and while it is empty C_Login answers
   * CKR_PIN_LOCKED before the PIN is even looked at.
   */
  throttle?: LoginThrottle;
}

/** The part of the source throttle a login needs (structural, so pkcs11/ does not import http/). */
export interface LoginThrottle {
  retryAfterMs(source: string): number;
  failed(source: string): void;
}

/**
 * The source a PKCS#11 login counts as in the throttle. Node cannot name the peer of a Unix socket
 * (no SO_PEERCRED), so every process that can open the socket shares one budget, apart from the
 * HTTP API's own Unix socket (`local`).
 */
export const PKCS11_THROTTLE_SOURCE = 'unix:pkcs11';

/** One connection's view of the token. */
export class TokenConnection {
  initialized = false;
  private principal: Principal | undefined;
  private secret: string | undefined;
  private readonly sessions = new Map<number, Session>();
  private nextSession = 1;
  private readonly handles = new Map<number, { keyId: string; cls: ObjectClass }>();
  private readonly handleOf = new Map<string, number>();
  private nextHandle = 1;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly auth: Authenticator,
    private readonly options: TokenOptions,
  ) {}

  get accessor(): string | null {
    return this.principal?.accessor ?? null;
  }

  /** Forget the login and every session (connection closed). */
  close(): void {
    this.principal = undefined;
    this.secret = undefined;
    this.sessions.clear();
  }

  /** Runs one call; returns the response values, or throws Pkcs11Error. */
  async call(name: string, v: RpcValue[], note: CallNote): Promise<RpcValue[]> {
    if (name !== 'C_Initialize' && !this.initialized) throw new Pkcs11Error(CKR.CRYPTOKI_NOT_INITIALIZED);
    switch (name) {
      case 'C_Initialize':
        if (this.initialized) throw new Pkcs11Error(CKR.CRYPTOKI_ALREADY_INITIALIZED);
        this.initialized = true;
        return [];
      case 'C_Finalize':
        this.close();
        this.initialized = false;
        return [];
      case 'C_GetInfo':
        return [{ major: 2, minor: 40 }, padded('Strongbox', 32), 0n, padded('Strongbox PKCS#11 over p11-kit', 32), { major: 1, minor: 0 }];
      case 'C_GetSlotList': {
        const capacity = num(v[1]!);
        return [capacity === 0 ? ({ lengthOnly: 1 } satisfies LengthOnly) : [u(SLOT_ID)]];
      }
      case 'C_GetSlotInfo':
        this.slot(v[0]!);
        return [padded('Strongbox', 64), padded('Strongbox', 32), u(CKF_SLOT.TOKEN_PRESENT | CKF_SLOT.HW_SLOT), { major: 1, minor: 0 }, { major: 1, minor: 0 }];
      case 'C_GetTokenInfo': {
        this.slot(v[0]!);
        const rw = [...this.sessions.values()].filter((s) => s.rw).length;
        const infinite = 0n;
        return [
          padded(TOKEN_LABEL, 32),
          padded('Strongbox', 32),
          padded('Strongbox KMS', 16),
          padded('1', 16),
          u(CKF_TOKEN.RNG | CKF_TOKEN.LOGIN_REQUIRED | CKF_TOKEN.USER_PIN_INITIALIZED | CKF_TOKEN.TOKEN_INITIALIZED),
          u(MAX_SESSIONS),
          u(this.sessions.size),
          u(MAX_SESSIONS),
          u(rw),
          u(MAX_PIN_BYTES),
          1n,
          infinite,
          infinite,
          infinite,
          infinite,
          { major: 1, minor: 0 },
          { major: 1, minor: 0 },
          padded('', 16),
        ];
      }
      case 'C_GetMechanismList': {
        this.slot(v[0]!);
        const list = [...mechanisms.keys()].map(u);
        return [num(v[1]!) < list.length ? ({ lengthOnly: list.length } satisfies LengthOnly) : list];
      }
      case 'C_GetMechanismInfo': {
        this.slot(v[0]!);
        const m = mechanisms.get(num(v[1]!));
        if (m === undefined) throw new Pkcs11Error(CKR.MECHANISM_INVALID);
        return [u(m.minKeySize), u(m.maxKeySize), u(m.flags)];
      }
      case 'C_OpenSession': {
        this.slot(v[0]!);
        const flags = num(v[1]!);
        if ((flags & CKF_SESSION.SERIAL_SESSION) === 0) throw new Pkcs11Error(CKR.SESSION_PARALLEL_NOT_SUPPORTED);
        if (this.sessions.size >= MAX_SESSIONS) throw new Pkcs11Error(CKR.SESSION_COUNT);
        const h = this.nextSession++;
        this.sessions.set(h, { rw: (flags & CKF_SESSION.RW_SESSION) !== 0, ops: new Map() });
        return [u(h)];
      }
      case 'C_CloseSession':
        this.session(v[0]!);
        this.sessions.delete(num(v[0]!));
        if (this.sessions.size === 0) this.principal = undefined;
        return [];
      case 'C_CloseAllSessions':
        this.slot(v[0]!);
        this.sessions.clear();
        this.principal = undefined;
        return [];
      case 'C_GetSessionInfo': {
        const s = this.session(v[0]!);
        const state = this.principal === undefined ? (s.rw ? CKS.RW_PUBLIC_SESSION : CKS.RO_PUBLIC_SESSION) : s.rw ? CKS.RW_USER_FUNCTIONS : CKS.RO_USER_FUNCTIONS;
        return [u(SLOT_ID), u(state), u(CKF_SESSION.SERIAL_SESSION | (s.rw ? CKF_SESSION.RW_SESSION : 0)), 0n];
      }
      case 'C_Login':
        await this.login(v, note);
        return [];
      case 'C_Logout':
        this.session(v[0]!);
        if (this.principal === undefined) throw new Pkcs11Error(CKR.USER_NOT_LOGGED_IN);
        this.principal = undefined;
        this.secret = undefined;
        return [];
      case 'C_FindObjectsInit':
        return this.findInit(v, note);
      case 'C_FindObjects': {
        const s = this.session(v[0]!);
        if (s.find === undefined) throw new Pkcs11Error(CKR.OPERATION_NOT_INITIALIZED);
        const max = num(v[1]!);
        const out = s.find.splice(0, Math.max(0, max));
        return [out.map(u)];
      }
      case 'C_FindObjectsFinal': {
        const s = this.session(v[0]!);
        if (s.find === undefined) throw new Pkcs11Error(CKR.OPERATION_NOT_INITIALIZED);
        delete s.find;
        return [];
      }
      case 'C_GetAttributeValue':
        return this.getAttributes(v, note);
      case 'C_GetObjectSize':
        this.session(v[0]!);
        await this.object(v[1]!, 'keys:read', note);
        throw new Pkcs11Error(CKR.FUNCTION_NOT_SUPPORTED);
      case 'C_DestroyObject':
        return this.destroy(v, note);
      case 'C_GenerateKeyPair':
        return this.generateKeyPair(v, note);
      case 'C_GenerateKey':
        return this.generateKey(v, note);
      case 'C_GenerateRandom': {
        this.session(v[0]!);
        await this.requireLogin();
        const n = num(v[1]!);
        if (n < 1 || n > MAX_RANDOM_BYTES) throw new Pkcs11Error(CKR.DATA_LEN_RANGE, `C_GenerateRandom gives 1 to ${MAX_RANDOM_BYTES} bytes`);
        return [generateRandom(n)];
      }
      case 'C_SeedRandom':
        this.session(v[0]!);
        throw new Pkcs11Error(CKR.RANDOM_SEED_NOT_SUPPORTED);
      case 'C_SignInit':
        return this.init('sign', v, note);
      case 'C_VerifyInit':
        return this.init('verify', v, note);
      case 'C_EncryptInit':
        return this.init('encrypt', v, note);
      case 'C_DecryptInit':
        return this.init('decrypt', v, note);
      case 'C_DigestInit':
        return this.digestInit(v);
      case 'C_SignUpdate':
      case 'C_VerifyUpdate':
      case 'C_DigestUpdate':
        this.update(name === 'C_SignUpdate' ? 'sign' : name === 'C_VerifyUpdate' ? 'verify' : 'digest', v[0]!, v[1] as Uint8Array, note);
        return [];
      case 'C_Sign':
        this.update('sign', v[0]!, v[1] as Uint8Array, note);
        return [await this.finishOutput('sign', v[0]!, num(v[2]!), note)];
      case 'C_SignFinal':
        return [await this.finishOutput('sign', v[0]!, num(v[1]!), note)];
      case 'C_Digest':
        this.update('digest', v[0]!, v[1] as Uint8Array, note);
        return [await this.finishOutput('digest', v[0]!, num(v[2]!), note)];
      case 'C_DigestFinal':
        return [await this.finishOutput('digest', v[0]!, num(v[1]!), note)];
      case 'C_Encrypt':
        this.update('encrypt', v[0]!, v[1] as Uint8Array, note, true);
        return [await this.finishOutput('encrypt', v[0]!, num(v[2]!), note)];
      case 'C_Decrypt':
        this.update('decrypt', v[0]!, v[1] as Uint8Array, note, true);
        return [await this.finishOutput('decrypt', v[0]!, num(v[2]!), note)];
      case 'C_EncryptUpdate':
      case 'C_DecryptUpdate':
        // Multi-part: the parts are gathered (up to MAX_PART_BYTES) and the whole result comes from
        // C_*Final. Strongbox's AES-GCM ciphertext carries its nonce and tag, and RSA-OAEP is one
        // block, so no output can be given before the last part (PKCS#11 §5.8 allows an empty part).
        this.update(name === 'C_EncryptUpdate' ? 'encrypt' : 'decrypt', v[0]!, v[1] as Uint8Array, note);
        return [new Uint8Array(0)];
      case 'C_EncryptFinal':
        return [await this.finishOutput('encrypt', v[0]!, num(v[1]!), note)];
      case 'C_DecryptFinal':
        return [await this.finishOutput('decrypt', v[0]!, num(v[1]!), note)];
      case 'C_Verify':
        this.update('verify', v[0]!, v[1] as Uint8Array, note);
        await this.finishVerify(v[0]!, v[2] as Uint8Array, note);
        return [];
      case 'C_VerifyFinal':
        await this.finishVerify(v[0]!, v[1] as Uint8Array, note);
        return [];
      default:
        throw new Pkcs11Error(CKR.FUNCTION_NOT_SUPPORTED);
    }
  }

  // ------------------------------------------------------------------------------------------
  // slots, sessions, login

  private slot(id: RpcValue): void {
    if (num(id) !== SLOT_ID) throw new Pkcs11Error(CKR.SLOT_ID_INVALID);
  }

  private session(h: RpcValue): Session {
    const s = this.sessions.get(num(h));
    if (s === undefined) throw new Pkcs11Error(CKR.SESSION_HANDLE_INVALID);
    return s;
  }

  /** The logged-in principal, re-validated (revocation and expiry apply within the token cache's bound). */
  private async requireLogin(): Promise<Principal> {
    if (this.principal === undefined || this.secret === undefined) throw new Pkcs11Error(CKR.USER_NOT_LOGGED_IN);
    // Use-limited tokens are charged once, at login; others are checked again on every call.
    if (this.principal.token.numUsesLeft !== null) return this.principal;
    try {
      this.principal = await this.auth.authenticate(`Bearer ${this.secret}`);
    } catch (err) {
      this.principal = undefined;
      this.secret = undefined;
      throw toReturnValue(err);
    }
    // A policy that came to require signed requests after login ends the login.
    if ((await signedRequestRequirement(this.ctx, this.principal)) !== undefined) {
      this.principal = undefined;
      this.secret = undefined;
      throw new Pkcs11Error(CKR.USER_NOT_LOGGED_IN, "the token's policy requires signed requests (RFC 9421)");
    }
    return this.principal;
  }

  private async login(v: RpcValue[], note: CallNote): Promise<void> {
    this.session(v[0]!);
    const userType = num(v[1]!);
    // No security officer: tokens and policies are administered through the API.
    if (userType !== CKU.USER) throw new Pkcs11Error(CKR.USER_TYPE_INVALID);
    if (this.principal !== undefined) throw new Pkcs11Error(CKR.USER_ALREADY_LOGGED_IN);
    const throttle = this.options.throttle;
    // A socket whose peers failed too often is refused before the PIN is read or looked up, as
    // HTTP answers 429 AUTH_THROTTLED; CKR_PIN_LOCKED is PKCS#11's word for it (it lifts by itself).
    const waitMs = throttle?.retryAfterMs(PKCS11_THROTTLE_SOURCE) ?? 0;
    if (waitMs > 0) {
      note.reason = `AUTH_THROTTLED: too many wrong PINs on this socket, retry after ${Math.ceil(waitMs / 1000)} s`;
      throw new Pkcs11Error(CKR.PIN_LOCKED, note.reason, 'AUTH_THROTTLED');
    }
    const pinValue = v[2];
    if (!(pinValue instanceof Uint8Array)) throw new Pkcs11Error(CKR.PIN_INCORRECT, 'protected authentication path is not supported');
    if (pinValue.length === 0 || pinValue.length > MAX_PIN_BYTES) throw new Pkcs11Error(CKR.PIN_LEN_RANGE);
    let secret = new TextDecoder().decode(pinValue);
    let principal: Principal;
    try {
      if (secret.startsWith('/')) secret = this.readPinFile(secret);
      principal = await this.auth.authenticate(`Bearer ${secret}`);
    } catch (err) {
      const rv = toReturnValue(err, true);
      if (rv.rv === CKR.PIN_INCORRECT || rv.rv === CKR.PIN_EXPIRED) throttle?.failed(PKCS11_THROTTLE_SOURCE);
      if (!(err instanceof Pkcs11Error)) note.reason = err instanceof StrongboxError ? err.code : 'error';
      throw rv;
    }
    // A token whose policy requires signed requests (RFC 9421) cannot sign PKCS#11 calls: refused, so the
    // socket is no way around the requirement.
    if ((await signedRequestRequirement(this.ctx, principal)) !== undefined) {
      note.reason = 'SIGNATURE_REQUIRED';
      throw new Pkcs11Error(CKR.PIN_INCORRECT, "the token's policy requires signed requests (RFC 9421), which PKCS#11 calls cannot carry");
    }
    this.principal = principal;
    this.secret = secret;
  }

  /**
   * A PIN naming a file: only when the socket is the server user's alone (0600), so the peer could
   * read the file itself. On a group-shared socket the server would be reading a file for a peer
   * that may not be allowed to, so a path is just a wrong PIN there.
   */
  private readPinFile(path: string): string {
    if (this.options.groupShared) throw new Pkcs11Error(CKR.PIN_INCORRECT, 'a PIN file is not accepted on a group-shared socket');
    try {
      const st = statSync(path);
      if (!st.isFile() || st.size > MAX_PIN_BYTES) throw new Error('not a small regular file');
      // Only the line ending is stripped (as for STRONGBOX_PKCS11_PIN_FILE).
      return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    } catch {
      throw new Pkcs11Error(CKR.PIN_INCORRECT, 'the PIN file cannot be read');
    }
  }

  private async authorizeKey(action: Action, key: ServiceKey, note: CallNote): Promise<void> {
    const principal = await this.requireLogin();
    note.action = action;
    const resource = keyRecordResource(key);
    note.resource = describeResource(resource);
    note.reason = (await authorize(this.ctx, principal, action, resource, undefined)).reason;
  }

  /** The key collection, with the name a new key will have (as POST /v1/keys authorizes it). */
  private async authorizeCollection(action: Action, note: CallNote, name: string | undefined): Promise<void> {
    const principal = await this.requireLogin();
    const resource: Resource = { kind: 'keys', ...(name === undefined ? {} : { name }) };
    note.action = action;
    note.resource = describeResource(resource);
    note.reason = (await authorize(this.ctx, principal, action, resource, undefined)).reason;
  }

  // ------------------------------------------------------------------------------------------
  // objects

  private handleFor(keyId: string, cls: ObjectClass): number {
    const k = `${keyId}/${cls}`;
    let h = this.handleOf.get(k);
    if (h === undefined) {
      h = this.nextHandle++;
      this.handleOf.set(k, h);
      this.handles.set(h, { keyId, cls });
    }
    return h;
  }

  /** The key behind an object handle, authorized for `action`; unknown or hidden → CKR_OBJECT_HANDLE_INVALID. */
  private async object(h: RpcValue, action: Action, note: CallNote, invalid: number = CKR.OBJECT_HANDLE_INVALID): Promise<{ key: ServiceKey; cls: ObjectClass }> {
    const entry = this.handles.get(num(h));
    if (entry === undefined) throw new Pkcs11Error(invalid);
    await this.requireLogin();
    let key: ServiceKey;
    try {
      key = await resolveKey(this.ctx, entry.keyId);
    } catch (err) {
      throw err instanceof StrongboxError && err.code === 'KEY_NOT_FOUND' ? new Pkcs11Error(invalid) : toReturnValue(err);
    }
    if (key.state === 'destroyed' || key.state === 'pending_deletion') throw new Pkcs11Error(invalid);
    // Objects the principal may not read do not exist for it; other actions are refusals.
    const principal = this.principal!;
    if (action !== 'keys:read' && !(await decide(this.ctx, principal, 'keys:read', keyRecordResource(key), undefined)).allowed) throw new Pkcs11Error(invalid);
    try {
      await this.authorizeKey(action, key, note);
    } catch (err) {
      if (action === 'keys:read') throw new Pkcs11Error(invalid);
      throw toReturnValue(err);
    }
    return { key, cls: entry.cls };
  }

  private async findInit(v: RpcValue[], note: CallNote): Promise<RpcValue[]> {
    const s = this.session(v[0]!);
    if (s.find !== undefined) throw new Pkcs11Error(CKR.OPERATION_ACTIVE);
    const template = v[1] as Attribute[];
    if (this.principal === undefined) {
      // Before login the token shows nothing (CKF_LOGIN_REQUIRED; every object is the principal's).
      s.find = [];
      return [];
    }
    const principal = await this.requireLogin();
    note.action = 'keys:read';
    note.resource = 'keys';
    const found: number[] = [];
    let cursor: string | undefined;
    let scanned = 0;
    // A key's certificate is one more row to read: only when the template can match a certificate.
    const classWanted = template.find((a) => a.type === CKA.CLASS)?.value;
    const wantsCertificates = classWanted?.kind !== 'ulong' || BigInt(classWanted.value) === BigInt(CKO.CERTIFICATE);
    do {
      const page = await listKeys(this.ctx, { limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
      for (const info of page.keys) {
        if (info.state !== 'enabled' && info.state !== 'disabled') continue;
        // Threshold keys sign only as a quorum, through the chain routes: they are no PKCS#11 objects.
        if (isThresholdKeyType(info.type)) continue;
        const key = await resolveKey(this.ctx, info.id);
        if (!(await decide(this.ctx, principal, 'keys:read', keyRecordResource(key), undefined)).allowed) continue;
        const spki = await this.spkiOf(key);
        for (const cls of classesOf(key)) if (matches(objectAttributes(key, cls, spki), template)) found.push(this.handleFor(key.id, cls));
        if (wantsCertificates) {
          const der = await keyCertificateDer(this.ctx, key);
          if (der !== undefined && matches(certificateAttributes(key, der), template) && (await decide(this.ctx, principal, 'keys:certificate:read', keyRecordResource(key), undefined)).allowed) {
            found.push(this.handleFor(key.id, CKO.CERTIFICATE));
          }
        }
      }
      scanned += page.keys.length;
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined && scanned < MAX_OBJECT_SCAN);
    s.find = found;
    note.reason = `${found.length} objects`;
    return [];
  }

  private async spkiOf(key: ServiceKey): Promise<Uint8Array | undefined> {
    if (key.publicKey === null || key.type === 'aes256' || key.type === 'hmac256') return undefined;
    const r = await getPublicKey(this.ctx, { key, format: 'der' });
    return fromHex(r.publicKey as string);
  }

  private async getAttributes(v: RpcValue[], note: CallNote): Promise<RpcValue[]> {
    this.session(v[0]!);
    const { key, cls } = await this.object(v[1]!, this.handles.get(num(v[1]!))?.cls === CKO.CERTIFICATE ? 'keys:certificate:read' : 'keys:read', note);
    let attrs: Map<number, Attribute>;
    if (cls === CKO.CERTIFICATE) {
      // Removed through the API since C_FindObjects: the object is gone.
      const der = await keyCertificateDer(this.ctx, key);
      if (der === undefined) throw new Pkcs11Error(CKR.OBJECT_HANDLE_INVALID);
      attrs = certificateAttributes(key, der);
    } else attrs = objectAttributes(key, cls, await this.spkiOf(key));
    let rv: number = CKR.OK;
    const out: Attribute[] = (v[2] as TemplateSlot[]).map((slot) => {
      const a = attrs.get(slot.type);
      if (a === undefined) {
        if (rv === CKR.OK || rv === CKR.BUFFER_TOO_SMALL) rv = SENSITIVE_ATTRIBUTES.has(slot.type) ? CKR.ATTRIBUTE_SENSITIVE : CKR.ATTRIBUTE_TYPE_INVALID;
        return { type: slot.type, length: -1, value: null };
      }
      if (slot.length === 0) return { ...a, sizeOnly: true };
      if (slot.length < a.length) {
        if (rv === CKR.OK) rv = CKR.BUFFER_TOO_SMALL;
        return { type: slot.type, length: -1, value: null };
      }
      return a;
    });
    return [out, u(rv)];
  }

  private async destroy(v: RpcValue[], note: CallNote): Promise<RpcValue[]> {
    const s = this.session(v[0]!);
    if (!s.rw) throw new Pkcs11Error(CKR.SESSION_READ_ONLY);
    if (this.handles.get(num(v[1]!))?.cls === CKO.CERTIFICATE) {
      // A certificate object goes with its certificate only: the key stays.
      const { key } = await this.object(v[1]!, 'keys:certificate:write', note);
      if (!(await deleteKeyCertificate(this.ctx, { key })).deleted) throw new Pkcs11Error(CKR.OBJECT_HANDLE_INVALID);
      return [];
    }
    const { key } = await this.object(v[1]!, 'keys:delete', note);
    // Strongbox never erases a key at once: the object goes away now, the material after the
    // shortest waiting period this server allows (cancel it through the API or CLI).
    try {
      await scheduleKeyDeletion(this.ctx, { key, pendingDays: this.ctx.settings.minPendingDays });
    } catch (err) {
      throw toReturnValue(err);
    }
    return [];
  }

  // ------------------------------------------------------------------------------------------
  // key generation

  private labelOf(...templates: Attribute[][]): string | undefined {
    for (const t of templates) {
      const a = t.find((x) => x.type === CKA.LABEL);
      if (a?.value?.kind === 'bytes' && a.value.value !== null && a.value.value.length > 0) {
        const label = new TextDecoder().decode(a.value.value);
        if (!new RegExp(KEY_NAME_PATTERN).test(label)) throw new Pkcs11Error(CKR.ATTRIBUTE_VALUE_INVALID, 'CKA_LABEL must be a Strongbox key name: 1-128 of [A-Za-z0-9._-]');
        return label;
      }
    }
    return undefined;
  }

  private async create(type: KeyType, name: string | undefined, note: CallNote): Promise<ServiceKey> {
    try {
      await this.authorizeCollection('keys:create', note, name);
    } catch (err) {
      throw toReturnValue(err);
    }
    try {
      const info = await createKey(this.ctx, { type, ...(name === undefined ? {} : { name }) });
      note.resource = `key:${info.id}`;
      return await resolveKey(this.ctx, info.id);
    } catch (err) {
      throw toReturnValue(err);
    }
  }

  private async generateKeyPair(v: RpcValue[], note: CallNote): Promise<RpcValue[]> {
    const s = this.session(v[0]!);
    const mech = v[1] as Mechanism;
    const pub = v[2] as Attribute[];
    const priv = v[3] as Attribute[];
    if (!s.rw) throw new Pkcs11Error(CKR.SESSION_READ_ONLY);
    let type: KeyType;
    if (mech.type === CKM.EC_KEY_PAIR_GEN || mech.type === CKM.EC_EDWARDS_KEY_PAIR_GEN) {
      const params = pub.find((a) => a.type === CKA.EC_PARAMS) ?? priv.find((a) => a.type === CKA.EC_PARAMS);
      if (params?.value?.kind !== 'bytes' || params.value.value === null) {
        if (mech.type !== CKM.EC_EDWARDS_KEY_PAIR_GEN) throw new Pkcs11Error(CKR.TEMPLATE_INCOMPLETE, 'CKA_EC_PARAMS names the curve');
        type = 'ed25519';
      } else {
        const curve = curveOfParams(params.value.value);
        if (curve === undefined) throw new Pkcs11Error(CKR.ATTRIBUTE_VALUE_INVALID, 'curves: prime256v1, secp256k1, edwards25519');
        if ((curve === 'ed25519') !== (mech.type === CKM.EC_EDWARDS_KEY_PAIR_GEN)) throw new Pkcs11Error(CKR.TEMPLATE_INCONSISTENT);
        type = curve;
      }
    } else if (mech.type === CKM.RSA_PKCS_KEY_PAIR_GEN) {
      type = rsaKeyTypeOf(pub, priv);
    } else throw new Pkcs11Error(CKR.MECHANISM_INVALID);
    const key = await this.create(type, this.labelOf(priv, pub), note);
    return [u(this.handleFor(key.id, CKO.PUBLIC_KEY)), u(this.handleFor(key.id, CKO.PRIVATE_KEY))];
  }

  private async generateKey(v: RpcValue[], note: CallNote): Promise<RpcValue[]> {
    const s = this.session(v[0]!);
    const mech = v[1] as Mechanism;
    const template = v[2] as Attribute[];
    if (!s.rw) throw new Pkcs11Error(CKR.SESSION_READ_ONLY);
    const len = template.find((a) => a.type === CKA.VALUE_LEN);
    if (len?.value?.kind === 'ulong' && len.value.value !== 32n) throw new Pkcs11Error(CKR.ATTRIBUTE_VALUE_INVALID, 'CKA_VALUE_LEN must be 32');
    const type: KeyType | undefined = mech.type === CKM.AES_KEY_GEN ? 'aes256' : mech.type === CKM.GENERIC_SECRET_KEY_GEN ? 'hmac256' : undefined;
    if (type === undefined) throw new Pkcs11Error(CKR.MECHANISM_INVALID);
    const key = await this.create(type, this.labelOf(template), note);
    return [u(this.handleFor(key.id, CKO.SECRET_KEY))];
  }

  // ------------------------------------------------------------------------------------------
  // cryptographic operations

  private async init(op: 'sign' | 'verify' | 'encrypt' | 'decrypt', v: RpcValue[], note: CallNote): Promise<RpcValue[]> {
    const s = this.session(v[0]!);
    const mech = v[1] as Mechanism;
    if (s.ops.has(op)) throw new Pkcs11Error(CKR.OPERATION_ACTIVE);
    if (!mechanisms.has(mech.type)) throw new Pkcs11Error(CKR.MECHANISM_INVALID);
    const entry = this.handles.get(num(v[2]!));
    if (entry === undefined) throw new Pkcs11Error(CKR.KEY_HANDLE_INVALID);
    // RSA-OAEP encrypts with the public key and decrypts with the private one; AES keys are secret.
    const wantClass = op === 'verify' || op === 'encrypt' ? [CKO.PUBLIC_KEY, CKO.PRIVATE_KEY, CKO.SECRET_KEY] : [CKO.PRIVATE_KEY, CKO.SECRET_KEY];
    if (!(wantClass as number[]).includes(entry.cls)) throw new Pkcs11Error(CKR.KEY_TYPE_INCONSISTENT);
    // The action the HTTP API uses for the same operation.
    const mac = mech.type === CKM.SHA256_HMAC;
    const action: Action = op === 'sign' ? (mac ? 'keys:mac' : 'keys:sign') : op === 'verify' ? (mac ? 'keys:verify-mac' : 'keys:verify') : op === 'encrypt' ? 'keys:encrypt' : 'keys:decrypt';
    const { key } = await this.object(v[2]!, action, note, CKR.KEY_HANDLE_INVALID);
    const spec = mechanismFor(mech.type, op, key.type);
    if (spec === undefined) throw new Pkcs11Error(mechanisms.get(mech.type)!.operations.includes(op) ? CKR.KEY_TYPE_INCONSISTENT : CKR.MECHANISM_INVALID);
    const active: ActiveOperation = { op, mechanism: spec, key, parts: [], size: 0 };
    const modulusBytes = rsaModulusBytes(key.type);
    if (modulusBytes !== undefined && op === 'sign') active.outputBytes = modulusBytes;
    if (mech.type === CKM.AES_GCM) gcmParameter(mech.parameter);
    else if (mech.type === CKM.RSA_PKCS_PSS || mech.type === CKM.SHA256_RSA_PKCS_PSS) active.pss = pssParameters(mech);
    else if (mech.type === CKM.RSA_PKCS_OAEP) active.oaep = oaepParameters(mech);
    else if (mech.parameter !== null && !(mech.parameter instanceof Uint8Array && mech.parameter.length === 0)) throw new Pkcs11Error(CKR.MECHANISM_PARAM_INVALID);
    s.ops.set(op, active);
    return [];
  }

  private digestInit(v: RpcValue[]): RpcValue[] {
    const s = this.session(v[0]!);
    const mech = v[1] as Mechanism;
    if (s.ops.has('digest')) throw new Pkcs11Error(CKR.OPERATION_ACTIVE);
    const spec = mechanismFor(mech.type, 'digest', undefined);
    if (spec === undefined) throw new Pkcs11Error(CKR.MECHANISM_INVALID);
    s.ops.set('digest', { op: 'digest', mechanism: spec, key: undefined, parts: [], size: 0, digest: createDigest(mech.type) });
    return [];
  }

  private active(kind: 'sign' | 'verify' | 'encrypt' | 'decrypt' | 'digest', h: RpcValue): { s: Session; a: ActiveOperation } {
    const s = this.session(h);
    const a = s.ops.get(kind);
    if (a === undefined) throw new Pkcs11Error(CKR.OPERATION_NOT_INITIALIZED);
    return { s, a };
  }

  private update(kind: 'sign' | 'verify' | 'encrypt' | 'decrypt' | 'digest', h: RpcValue, data: RpcValue, note: CallNote, singlePart = false): void {
    const { s, a } = this.active(kind, h);
    // A repeated single-part call after a size query carries the same data again: keep the first.
    if (singlePart && a.result !== undefined) return;
    if (!(data instanceof Uint8Array)) {
      s.ops.delete(kind);
      throw new Pkcs11Error(CKR.ARGUMENTS_BAD);
    }
    note.data = data;
    if (a.digest !== undefined) {
      a.digest.update(data);
      return;
    }
    if (a.size + data.length > MAX_PART_BYTES) {
      s.ops.delete(kind);
      throw new Pkcs11Error(CKR.DATA_LEN_RANGE, `at most ${MAX_PART_BYTES} bytes per operation`);
    }
    a.parts.push(data);
    a.size += data.length;
  }

  /**
   * The output of sign / digest / encrypt / decrypt, PKCS#11's two-call idiom included: a capacity
   * of 0 (or too small) answers the length only and keeps the operation active (§5.2).
   */
  private async finishOutput(kind: 'sign' | 'digest' | 'encrypt' | 'decrypt', h: RpcValue, capacity: number, note: CallNote): Promise<RpcValue> {
    const { s, a } = this.active(kind, h);
    const known = a.result?.length ?? (kind === 'sign' || kind === 'digest' ? (a.outputBytes ?? a.mechanism.outputBytes) : undefined);
    if (known !== undefined && capacity < known) return { lengthOnly: known } satisfies LengthOnly;
    let result: Uint8Array;
    try {
      result = a.result ?? (await this.compute(kind, a, note));
    } catch (err) {
      s.ops.delete(kind);
      throw toReturnValue(err);
    }
    if (capacity < result.length) {
      a.result = result;
      return { lengthOnly: result.length } satisfies LengthOnly;
    }
    s.ops.delete(kind);
    return result;
  }

  private async compute(kind: 'sign' | 'digest' | 'encrypt' | 'decrypt', a: ActiveOperation, note: CallNote): Promise<Uint8Array> {
    if (a.digest !== undefined) return a.digest.final();
    const data = Buffer.concat(a.parts);
    const key = a.key!;
    await this.requireLogin();
    note.action = kind === 'sign' ? (a.mechanism.type === CKM.SHA256_HMAC ? 'keys:mac' : 'keys:sign') : kind === 'encrypt' ? 'keys:encrypt' : 'keys:decrypt';
    note.resource = `key:${key.id}`;
    switch (a.mechanism.type) {
      case CKM.ECDSA:
        return fromHex((await sign(this.ctx, { key, digest: toHex(ecdsaDigest(data)), encoding: 'raw' })).signature);
      case CKM.ECDSA_SHA256:
        return fromHex((await sign(this.ctx, { key, message: toHex(data), hash: 'sha256', encoding: 'raw' })).signature);
      case CKM.EDDSA:
        return fromHex((await sign(this.ctx, { key, message: toHex(data) })).signature);
      case CKM.SHA256_HMAC:
        return fromHex((await generateMac(this.ctx, { key, message: toHex(data) })).mac);
      case CKM.AES_GCM:
        if (kind === 'encrypt') return fromHex((await encrypt(this.ctx, { key, plaintext: toHex(data) })).ciphertext);
        return fromHex((await decrypt(this.ctx, { key, ciphertext: toHex(data) })).plaintext);
      case CKM.RSA_PKCS:
      case CKM.SHA256_RSA_PKCS:
      case CKM.RSA_PKCS_PSS:
      case CKM.SHA256_RSA_PKCS_PSS:
        return fromHex((await sign(this.ctx, { key, ...rsaSignFields(a, data) })).signature);
      case CKM.RSA_PKCS_OAEP: {
        const { algorithm, label } = a.oaep!;
        const k = rsaModulusBytes(key.type)!;
        if (kind === 'encrypt') {
          // RFC 8017 §7.1.1 step 1b: mLen ≤ k − 2·hLen − 2.
          const hLen = algorithm === 'RSAES_OAEP_SHA_1' ? 20 : 32;
          if (data.length > k - 2 * hLen - 2) throw new Pkcs11Error(CKR.DATA_LEN_RANGE, `at most ${k - 2 * hLen - 2} bytes with this key and hash`);
          return fromHex((await rsaEncrypt(this.ctx, { key, plaintext: toHex(data), algorithm, label: toHex(label) })).ciphertext);
        }
        if (data.length !== k) throw new Pkcs11Error(CKR.ENCRYPTED_DATA_LEN_RANGE, `an RSA-OAEP ciphertext of this key is ${k} bytes`);
        return fromHex((await rsaDecrypt(this.ctx, { key, ciphertext: toHex(data), algorithm, label: toHex(label) })).plaintext);
      }
      default:
        throw new Pkcs11Error(CKR.MECHANISM_INVALID);
    }
  }

  private async finishVerify(h: RpcValue, signature: RpcValue, note: CallNote): Promise<void> {
    const { s, a } = this.active('verify', h);
    s.ops.delete('verify');
    if (!(signature instanceof Uint8Array)) throw new Pkcs11Error(CKR.ARGUMENTS_BAD);
    const data = Buffer.concat(a.parts);
    const key = a.key!;
    const signatureBytes = rsaModulusBytes(key.type) ?? a.mechanism.outputBytes;
    if (signatureBytes !== undefined && signature.length !== signatureBytes) throw new Pkcs11Error(CKR.SIGNATURE_LEN_RANGE);
    await this.requireLogin();
    note.resource = `key:${key.id}`;
    let valid: boolean;
    try {
      switch (a.mechanism.type) {
        case CKM.ECDSA:
          valid = (await verify(this.ctx, { key, digest: toHex(ecdsaDigest(data)), signature: toHex(signature), encoding: 'raw' })).valid;
          break;
        case CKM.ECDSA_SHA256:
          valid = (await verify(this.ctx, { key, message: toHex(data), hash: 'sha256', signature: toHex(signature), encoding: 'raw' })).valid;
          break;
        case CKM.EDDSA:
          valid = (await verify(this.ctx, { key, message: toHex(data), signature: toHex(signature) })).valid;
          break;
        case CKM.SHA256_HMAC:
          valid = (await verifyMac(this.ctx, { key, message: toHex(data), mac: toHex(signature) })).valid;
          break;
        case CKM.RSA_PKCS:
        case CKM.SHA256_RSA_PKCS:
        case CKM.RSA_PKCS_PSS:
        case CKM.SHA256_RSA_PKCS_PSS:
          valid = (await verify(this.ctx, { key, ...rsaSignFields(a, data), signature: toHex(signature) })).valid;
          break;
        default:
          throw new Pkcs11Error(CKR.MECHANISM_INVALID);
      }
    } catch (err) {
      throw toReturnValue(err);
    }
    if (!valid) throw new Pkcs11Error(CKR.SIGNATURE_INVALID);
  }
}

/**
 * CKM_AES_GCM's parameter as p11-kit carries it: an opaque byte array in protocol version 0 (the
 * 0.24 client refuses to send it at all). Strongbox makes its own nonce and a 128-bit tag, so only
 * an empty parameter is accepted — the AAD, if any, is given through the API; docs/pkcs11.md.
 */
function gcmParameter(parameter: Mechanism['parameter']): void {
  if (parameter === null || (parameter instanceof Uint8Array && parameter.length === 0)) return;
  throw new Pkcs11Error(CKR.MECHANISM_PARAM_INVALID, 'CKM_AES_GCM takes no parameter here: Strongbox chooses the nonce');
}


/**
 * What an RSA sign/verify mechanism asks of the service: CKM_RSA_PKCS a DigestInfo's digest with
 * PKCS#1 v1.5 (CKR_DATA_INVALID for anything else), CKM_RSA_PKCS_PSS a digest of the parameter's hash
 * (CKR_DATA_LEN_RANGE when its length is not that hash's), the SHA256_ forms the message hashed here.
 */
function rsaSignFields(a: ActiveOperation, data: Uint8Array): { digest: `0x${string}`; hash: RsaSignHash; padding: 'pss' | 'pkcs1' } | { message: `0x${string}`; hash: 'sha256'; padding: 'pss' | 'pkcs1' } {
  switch (a.mechanism.type) {
    case CKM.RSA_PKCS: {
      const { hash, digest } = parseDigestInfo(data);
      return { digest: toHex(digest), hash, padding: 'pkcs1' };
    }
    case CKM.SHA256_RSA_PKCS:
      return { message: toHex(data), hash: 'sha256', padding: 'pkcs1' };
    case CKM.RSA_PKCS_PSS: {
      const { hash, bytes } = a.pss!;
      if (data.length !== bytes) throw new Pkcs11Error(CKR.DATA_LEN_RANGE, `CKM_RSA_PKCS_PSS signs a ${bytes}-byte ${hash} digest`);
      return { digest: toHex(data), hash, padding: 'pss' };
    }
    default:
      return { message: toHex(data), hash: 'sha256', padding: 'pss' };
  }
}

/**
 * CKM_RSA_PKCS_KEY_PAIR_GEN's template → the key type: CKA_MODULUS_BITS 2048, 3072 or 4096
 * (required), CKA_PUBLIC_EXPONENT 65537 if given (Strongbox makes no other).
 */
export function rsaKeyTypeOf(pub: readonly Attribute[], priv: readonly Attribute[]): KeyType {
  const find = (t: number) => pub.find((a) => a.type === t) ?? priv.find((a) => a.type === t);
  const bits = find(CKA.MODULUS_BITS);
  if (bits === undefined || bits.value === null) throw new Pkcs11Error(CKR.TEMPLATE_INCOMPLETE, 'CKA_MODULUS_BITS names the key size');
  const type = bits.value.kind === 'ulong' ? RSA_BITS.get(String(bits.value.value)) : undefined;
  if (type === undefined) throw new Pkcs11Error(CKR.ATTRIBUTE_VALUE_INVALID, 'CKA_MODULUS_BITS must be 2048, 3072 or 4096');
  const e = find(CKA.PUBLIC_EXPONENT);
  if (e !== undefined) {
    const bytes = e.value?.kind === 'bytes' && e.value.value !== null ? e.value.value : undefined;
    const hex = bytes === undefined ? '' : Buffer.from(bytes).toString('hex').replace(/^(00)+/, '');
    if (hex !== '010001') throw new Pkcs11Error(CKR.ATTRIBUTE_VALUE_INVALID, 'CKA_PUBLIC_EXPONENT must be 65537');
  }
  return type;
}
