/**
 * PKCS#11 plumbing for the pkcs11 unseal provider: loading a module once per process, finding a
 * token by label, opening an RW session and logging in as the user (PKCS#11 v2.40 §5.4–5.6), and
 * turning Cryptoki failures into ProviderUnavailableError reasons that never contain the PIN.
 *
 * Why a process-wide module table: a Cryptoki library is initialized once per process — a second
 * C_Initialize answers CKR_CRYPTOKI_ALREADY_INITIALIZED and one C_Finalize ends every session of
 * the process. Login state is per application and token (§5.6): C_Logout logs out every session on
 * the token, and C_Login on an already logged-in token succeeds with CKR_USER_ALREADY_LOGGED_IN
 * without checking the PIN. So sessions are counted per module and per token, C_Finalize runs when
 * the last session of a module closes, C_Logout when the last one on a token does, and a PIN that
 * differs from the one that logged the token in is refused rather than silently accepted.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { endianness } from 'node:os';
import pkcs11js from 'pkcs11js';
import { ProviderUnavailableError } from '../types.js';

export type Pkcs11 = pkcs11js.PKCS11;
export type Handle = pkcs11js.Handle;
export { pkcs11js };

/** The name of a Cryptoki return value (`CKR_PIN_INCORRECT`), or undefined for other errors. */
export function pkcs11ErrorCode(err: unknown): string | undefined {
  if (err instanceof pkcs11js.Pkcs11Error && /^CKR_[A-Z0-9_]+$/.test(err.message)) return err.message;
  return undefined;
}

/** A short, secret-free description of a failure from pkcs11js, for reasons and logs. */
export function describePkcs11Error(err: unknown): string {
  const code = pkcs11ErrorCode(err);
  if (code !== undefined) return code;
  if (err instanceof Error) return `${err.name}: ${err.message.split('\n')[0]}`;
  return 'unknown error';
}

interface TokenState {
  sessions: number;
  /** SHA-256 of the PIN that logged this process in to the token (never the PIN itself) */
  pinDigest: Buffer | undefined;
}

interface ModuleState {
  pkcs11: Pkcs11;
  sessions: number;
  /** false when something else in the process initialized the library: then it is not ours to finalize */
  ownsInitialize: boolean;
  tokens: Map<string, TokenState>;
}

const modules = new Map<string, ModuleState>();

function acquireModule(library: string): { key: string; state: ModuleState } {
  let key: string;
  try {
    key = realpathSync(library);
  } catch (err) {
    throw new ProviderUnavailableError(`PKCS#11 library ${library} not found`, { cause: err });
  }
  const existing = modules.get(key);
  if (existing !== undefined) return { key, state: existing };
  const pkcs11 = new pkcs11js.PKCS11();
  try {
    pkcs11.load(key);
  } catch (err) {
    throw new ProviderUnavailableError(`cannot load PKCS#11 library ${library}: ${describePkcs11Error(err)}`, { cause: err });
  }
  let ownsInitialize = true;
  try {
    pkcs11.C_Initialize();
  } catch (err) {
    if (pkcs11ErrorCode(err) === 'CKR_CRYPTOKI_ALREADY_INITIALIZED') ownsInitialize = false;
    else {
      closeLibrary(pkcs11);
      throw new ProviderUnavailableError(`C_Initialize of PKCS#11 library ${library} failed: ${describePkcs11Error(err)}`, { cause: err });
    }
  }
  const state: ModuleState = { pkcs11, sessions: 0, ownsInitialize, tokens: new Map() };
  modules.set(key, state);
  return { key, state };
}

function closeLibrary(pkcs11: Pkcs11): void {
  try {
    pkcs11.close();
  } catch {
    // dlclose failing leaves the library mapped; nothing else to undo
  }
}

function releaseModuleIfUnused(key: string, state: ModuleState): void {
  if (state.sessions > 0 || modules.get(key) !== state) return;
  modules.delete(key);
  if (state.ownsInitialize) {
    try {
      state.pkcs11.C_Finalize();
    } catch {
      // the library is going away either way
    }
  }
  closeLibrary(state.pkcs11);
}

/** Trims the blank padding of a 32-byte CK_TOKEN_INFO label (PKCS#11 v2.40 §3.2, CK_TOKEN_INFO). */
function tokenLabelOf(pkcs11: Pkcs11, slot: Handle): { label: string; initialized: boolean } {
  const info = pkcs11.C_GetTokenInfo(slot);
  return { label: info.label.replace(/[ \0]+$/, ''), initialized: (info.flags & pkcs11js.CKF_TOKEN_INITIALIZED) !== 0 };
}

function findSlot(pkcs11: Pkcs11, tokenLabel: string): { slot: Handle; serial: string } {
  const matches: { slot: Handle; serial: string }[] = [];
  const seen: string[] = [];
  for (const slot of pkcs11.C_GetSlotList(true)) {
    const { label, initialized } = tokenLabelOf(pkcs11, slot);
    if (!initialized) continue;
    seen.push(JSON.stringify(label));
    if (label === tokenLabel) matches.push({ slot, serial: pkcs11.C_GetTokenInfo(slot).serialNumber.trim() });
  }
  if (matches.length === 0) {
    throw new ProviderUnavailableError(`no initialized token labelled ${JSON.stringify(tokenLabel)} (tokens present: ${seen.length > 0 ? seen.join(', ') : 'none'})`);
  }
  if (matches.length > 1) throw new ProviderUnavailableError(`${matches.length} tokens are labelled ${JSON.stringify(tokenLabel)}; token labels must be unique`);
  return matches[0]!;
}

/**
 * The token refused the PIN itself (as opposed to being unreachable). Retrying the same PIN cannot
 * succeed and, on a real HSM, counts towards locking the user PIN, so the provider does not retry.
 */
export class Pkcs11PinRejectedError extends ProviderUnavailableError {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(reason, options);
    this.name = 'Pkcs11PinRejectedError';
  }
}

const LOGIN_FAILURES: Record<string, string> = {
  CKR_PIN_INCORRECT: 'the user PIN was rejected (CKR_PIN_INCORRECT)',
  CKR_PIN_LOCKED: 'the user PIN is locked (CKR_PIN_LOCKED); the security officer must reset it',
  CKR_PIN_EXPIRED: 'the user PIN has expired (CKR_PIN_EXPIRED)',
  CKR_PIN_LEN_RANGE: 'the user PIN has a length the token does not accept (CKR_PIN_LEN_RANGE)',
  CKR_USER_PIN_NOT_INITIALIZED: 'the token has no user PIN yet (CKR_USER_PIN_NOT_INITIALIZED)',
};

export interface Pkcs11SessionOptions {
  library: string;
  tokenLabel: string;
  pin: string;
}

/** An RW user session on one token; close() is idempotent. */
export interface Pkcs11Session {
  readonly pkcs11: Pkcs11;
  readonly session: Handle;
  readonly tokenLabel: string;
  /** the token's serial number, for messages */
  readonly tokenSerial: string;
  close(): void;
}

/**
 * Loads the library (once per process), finds the token labelled `tokenLabel`, opens an RW session
 * and logs in as CKU_USER. Throws ProviderUnavailableError with a reason that names the library and
 * token but never the PIN.
 */
export function openPkcs11Session(options: Pkcs11SessionOptions): Pkcs11Session {
  const { key, state } = acquireModule(options.library);
  const { pkcs11 } = state;
  let session: Handle | undefined;
  let token: TokenState | undefined;
  let slotKey = '';
  // Counted before anything can fail, so the failure path below can release the module.
  state.sessions++;
  try {
    let slot: Handle;
    let serial: string;
    try {
      ({ slot, serial } = findSlot(pkcs11, options.tokenLabel));
    } catch (err) {
      if (err instanceof ProviderUnavailableError) throw err;
      throw new ProviderUnavailableError(`cannot list the tokens of ${options.library}: ${describePkcs11Error(err)}`, { cause: err });
    }
    slotKey = slot.toString('hex');
    const tokenName = `token ${JSON.stringify(options.tokenLabel)}`;
    try {
      session = pkcs11.C_OpenSession(slot, pkcs11js.CKF_RW_SESSION | pkcs11js.CKF_SERIAL_SESSION);
    } catch (err) {
      throw new ProviderUnavailableError(`cannot open a read-write session on ${tokenName}: ${describePkcs11Error(err)}`, { cause: err });
    }
    token = state.tokens.get(slotKey) ?? { sessions: 0, pinDigest: undefined };
    state.tokens.set(slotKey, token);
    token.sessions++;
    const pinDigest = createHash('sha256').update(options.pin, 'utf8').digest();
    try {
      pkcs11.C_Login(session, pkcs11js.CKU_USER, options.pin);
      token.pinDigest = pinDigest;
    } catch (err) {
      const code = pkcs11ErrorCode(err);
      if (code === 'CKR_USER_ALREADY_LOGGED_IN') {
        // The token did not check this PIN. Accept it only if it is the one that logged us in
        // (or the login was made outside this provider, which we cannot second-guess).
        if (token.pinDigest !== undefined && !timingSafeEqual(token.pinDigest, pinDigest)) {
          throw new Pkcs11PinRejectedError(`${tokenName}: ${LOGIN_FAILURES['CKR_PIN_INCORRECT']!} (the token is logged in with another PIN)`);
        }
      } else {
        const known = code !== undefined ? LOGIN_FAILURES[code] : undefined;
        if (known !== undefined) throw new Pkcs11PinRejectedError(`${tokenName}: ${known}`, { cause: err });
        throw new ProviderUnavailableError(`${tokenName}: C_Login failed: ${describePkcs11Error(err)}`, { cause: err });
      }
    }
    let closed = false;
    const opened = session;
    const openedToken = token;
    return {
      pkcs11,
      session: opened,
      tokenLabel: options.tokenLabel,
      tokenSerial: serial,
      close() {
        if (closed) return;
        closed = true;
        endSession(key, state, slotKey, openedToken, opened);
      },
    };
  } catch (err) {
    endSession(key, state, slotKey, token, session);
    throw err;
  }
}

function endSession(key: string, state: ModuleState, slotKey: string, token: TokenState | undefined, session: Handle | undefined): void {
  if (token !== undefined) {
    token.sessions--;
    if (token.sessions === 0) {
      state.tokens.delete(slotKey);
      // The last of our sessions on this token: log the token out (closing it would too, §5.6).
      if (session !== undefined && token.pinDigest !== undefined) {
        try {
          state.pkcs11.C_Logout(session);
        } catch {
          // not logged in, or the session is already gone
        }
      }
    }
  }
  if (session !== undefined) {
    try {
      state.pkcs11.C_CloseSession(session);
    } catch {
      // the token was removed or the library finalized: the session is gone anyway
    }
  }
  state.sessions--;
  releaseModuleIfUnused(key, state);
}

/** Reads a CK_BBOOL attribute value. */
export function readBool(value: Buffer | undefined): boolean | undefined {
  return value === undefined || value.byteLength !== 1 ? undefined : value[0] !== 0;
}

/** Reads a CK_ULONG attribute value (native width and byte order). */
export function readUlong(value: Buffer | undefined): number | undefined {
  if (value === undefined) return undefined;
  const le = endianness() === 'LE';
  if (value.byteLength === 8) return Number(le ? value.readBigUInt64LE(0) : value.readBigUInt64BE(0));
  if (value.byteLength === 4) return le ? value.readUInt32LE(0) : value.readUInt32BE(0);
  return undefined;
}
