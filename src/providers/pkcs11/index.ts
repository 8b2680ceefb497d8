/**
 * PKCS#11 unseal provider: the root key is encrypted inside an HSM token under a non-extractable
 * AES-256 key (CKM_AES_GCM, PKCS#11 v2.40 §2.12.3 / SP 800-38D) and so auto-unseals as long as
 * the token, its user PIN and the key are there. The key never leaves the HSM; Strongbox only
 * stores the sealed blob below.
 *
 * Sealed root key, format v1 (self-describing; the header is authenticated as AAD):
 *
 *   byte 0        format (0x01)
 *   byte 1        n = length of the wrapping key's CKA_ID (0..64; 0 when the key has none)
 *   bytes 2..     the CKA_ID (n bytes): recovery checks it names the key the token now holds
 *   next 12       96-bit GCM IV, from the host CSPRNG (SoftHSM2 and most HSMs take the caller's IV)
 *   rest          ciphertext of the 32-byte root key, then the 128-bit GCM tag
 *
 * AAD = "strongbox/root-key/pkcs11" || header (bytes 0 .. 2+n), so a blob with an edited format
 * byte or key id fails authentication too. Tampering of any byte fails closed: GCM authentication
 * inside the HSM, or the structural checks here, reject it with UnsealRejectedError.
 *
 * The wrapping key is looked up by CKA_LABEL on every operation (so a key destroyed or restored
 * by an HSM ceremony is noticed at once). protect() creates it when absent (init); recover() never
 * does: a restart after the key was removed must report the missing key, not mint a new one.
 *
 * The session is opened lazily and reopened after any failure, so a server started while the HSM
 * is down stays sealed, reports the reason and unseals on a later attempt — except after the token
 * refused the PIN: auto-unseal retries every few seconds, and an HSM locks the user PIN after a
 * handful of wrong attempts, so a rejected PIN is never presented again by this instance. Calls into pkcs11js are
 * synchronous: each Init/Encrypt pair runs to completion on the event loop, so concurrent calls
 * never interleave operations on the one session (§5.2: one active operation per session).
 */
import { statSync } from 'node:fs';
import { AES_KEY_BYTES, GCM_NONCE_BYTES, GCM_TAG_BYTES } from '../../crypto/aead.js';
import { randomBytes } from '../../crypto/random.js';
import { wipe } from '../../crypto/wipe.js';
import type { ProviderOptions } from '../types.js';
import { ProviderUnavailableError, UnsealRejectedError, type ProtectResult, type SealConfig, type UnsealInput, type UnsealProvider } from '../types.js';
import { describePkcs11Error, openPkcs11Session, Pkcs11PinRejectedError, pkcs11ErrorCode, pkcs11js, readBool, readUlong, type Handle, type Pkcs11Session } from './session.js';

export type Pkcs11ProviderOptions = NonNullable<ProviderOptions['pkcs11']>;

/** Where each option comes from, for messages that name the setting. */
export const PKCS11_SETTINGS = {
  library: 'STRONGBOX_PKCS11_LIBRARY',
  tokenLabel: 'STRONGBOX_PKCS11_TOKEN_LABEL',
  pin: 'STRONGBOX_PKCS11_PIN (or STRONGBOX_PKCS11_PIN_FILE)',
  keyLabel: 'STRONGBOX_PKCS11_KEY_LABEL',
} as const;

/** An invalid setting: a configuration mistake, not an HSM outage. `setting` names the variable. */
export class Pkcs11SettingsError extends Error {
  readonly setting: string;
  constructor(setting: string, message: string) {
    super(`${setting}: ${message}`);
    this.name = 'Pkcs11SettingsError';
    this.setting = setting;
  }
}

export const PKCS11_BLOB_V1 = 0x01;
export const PKCS11_ROOT_KEY_AAD = 'strongbox/root-key/pkcs11';
const MAX_KEY_ID_BYTES = 64;
/** CKA_ID given to a wrapping key Strongbox creates */
const NEW_KEY_ID_BYTES = 16;
/** CK_TOKEN_INFO.label is 32 bytes, blank padded */
const MAX_TOKEN_LABEL_BYTES = 32;

/** Cryptoki answers meaning "this ciphertext does not decrypt", as opposed to "the HSM cannot be used" */
const DATA_REJECTED = new Set(['CKR_ENCRYPTED_DATA_INVALID', 'CKR_ENCRYPTED_DATA_LEN_RANGE', 'CKR_AEAD_DECRYPT_FAILED']);

function assertSettings(options: Pkcs11ProviderOptions): void {
  for (const name of ['library', 'tokenLabel', 'pin', 'keyLabel'] as const) {
    if (typeof options[name] !== 'string' || options[name] === '') throw new Pkcs11SettingsError(PKCS11_SETTINGS[name], 'must be set (non-empty)');
  }
  let isFile = false;
  try {
    isFile = statSync(options.library).isFile();
  } catch {
    throw new Pkcs11SettingsError(PKCS11_SETTINGS.library, `PKCS#11 module ${options.library} does not exist`);
  }
  if (!isFile) throw new Pkcs11SettingsError(PKCS11_SETTINGS.library, `${options.library} is not a file (give the path of the PKCS#11 module, e.g. /usr/lib/softhsm/libsofthsm2.so)`);
  if (Buffer.byteLength(options.tokenLabel, 'utf8') > MAX_TOKEN_LABEL_BYTES || options.tokenLabel !== options.tokenLabel.trimEnd()) {
    throw new Pkcs11SettingsError(PKCS11_SETTINGS.tokenLabel, `a token label has at most ${MAX_TOKEN_LABEL_BYTES} bytes and no trailing blanks`);
  }
  if (options.pin.includes('\n') || options.pin.includes('\r')) {
    // A PIN file's trailing newline belongs to the file, not the PIN; the value itself is never shown.
    throw new Pkcs11SettingsError(PKCS11_SETTINGS.pin, 'contains a line break (strip the trailing newline of a PIN file)');
  }
}

interface DecodedBlob {
  header: Uint8Array;
  keyId: Uint8Array;
  iv: Uint8Array;
  ciphertext: Uint8Array;
}

function encodeBlob(keyId: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + keyId.byteLength + iv.byteLength + ciphertext.byteLength);
  out[0] = PKCS11_BLOB_V1;
  out[1] = keyId.byteLength;
  out.set(keyId, 2);
  out.set(iv, 2 + keyId.byteLength);
  out.set(ciphertext, 2 + keyId.byteLength + iv.byteLength);
  return out;
}

function decodeBlob(blob: Uint8Array): DecodedBlob {
  if (blob.byteLength < 2 || blob[0] !== PKCS11_BLOB_V1) throw new UnsealRejectedError('the sealed root key is not a pkcs11 blob of a known format');
  const idLength = blob[1]!;
  if (idLength > MAX_KEY_ID_BYTES || blob.byteLength !== 2 + idLength + GCM_NONCE_BYTES + AES_KEY_BYTES + GCM_TAG_BYTES) {
    throw new UnsealRejectedError('the sealed root key has the wrong length for its format');
  }
  const ivAt = 2 + idLength;
  return {
    header: blob.subarray(0, ivAt),
    keyId: blob.subarray(2, ivAt),
    iv: blob.subarray(ivAt, ivAt + GCM_NONCE_BYTES),
    ciphertext: blob.subarray(ivAt + GCM_NONCE_BYTES),
  };
}

function aadFor(header: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(PKCS11_ROOT_KEY_AAD, 'utf8'), header]);
}

/** CK_GCM_PARAMS of PKCS#11 v2.40 (with ulIvBits); pkcs11js calls it CK_PARAMS_GCM. */
function gcmMechanism(iv: Uint8Array, aad: Buffer): pkcs11js.Mechanism {
  const parameter: pkcs11js.GcmParams = { type: pkcs11js.CK_PARAMS_GCM, iv: Buffer.from(iv), ivBits: iv.byteLength * 8, aad, tagBits: GCM_TAG_BYTES * 8 };
  return { mechanism: pkcs11js.CKM_AES_GCM, parameter };
}

interface WrappingKey {
  handle: Handle;
  keyId: Uint8Array;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export async function createPkcs11Provider(options: Pkcs11ProviderOptions): Promise<UnsealProvider> {
  assertSettings(options);
  const { library, tokenLabel, pin, keyLabel } = options;
  const where = `key ${JSON.stringify(keyLabel)} in token ${JSON.stringify(tokenLabel)}`;
  let connection: Pkcs11Session | undefined;
  let closed = false;
  /** set once the token refused the PIN: it is not tried again (HSMs lock a PIN after a few failures) */
  let pinRejected: string | undefined;

  function connect(): Pkcs11Session {
    if (closed) throw new ProviderUnavailableError('the pkcs11 provider is closed');
    if (pinRejected !== undefined) throw new ProviderUnavailableError(`${pinRejected}; not retried, so as not to lock the PIN: correct ${PKCS11_SETTINGS.pin} and restart`);
    try {
      connection ??= openPkcs11Session({ library, tokenLabel, pin });
    } catch (err) {
      if (err instanceof Pkcs11PinRejectedError) pinRejected = err.reason;
      throw err;
    }
    return connection;
  }

  /** Drops the session after a failure so that the next call starts afresh (token reinserted, HSM back). */
  function disconnect(): void {
    connection?.close();
    connection = undefined;
  }

  /** Runs one HSM operation; any ProviderUnavailableError also ends the session. */
  function withSession<T>(fn: (s: Pkcs11Session) => T): T {
    try {
      return fn(connect());
    } catch (err) {
      if (err instanceof UnsealRejectedError) throw err;
      disconnect();
      if (err instanceof ProviderUnavailableError) throw err;
      throw new ProviderUnavailableError(`PKCS#11 call failed for ${where}: ${describePkcs11Error(err)}`, { cause: err });
    }
  }

  function findKey(s: Pkcs11Session): WrappingKey | undefined {
    const { pkcs11, session } = s;
    let handles: Handle[];
    try {
      pkcs11.C_FindObjectsInit(session, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
        { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
        { type: pkcs11js.CKA_LABEL, value: keyLabel },
      ]);
      try {
        handles = pkcs11.C_FindObjects(session, 2);
      } finally {
        pkcs11.C_FindObjectsFinal(session);
      }
    } catch (err) {
      throw new ProviderUnavailableError(`cannot search for ${where}: ${describePkcs11Error(err)}`, { cause: err });
    }
    if (handles.length === 0) return undefined;
    if (handles.length > 1) throw new ProviderUnavailableError(`more than one AES key is labelled ${JSON.stringify(keyLabel)} in token ${JSON.stringify(tokenLabel)}; key labels must be unique`);
    const handle = handles[0]!;
    let attrs: pkcs11js.TemplateResult;
    try {
      attrs = pkcs11.C_GetAttributeValue(session, handle, [
        { type: pkcs11js.CKA_ID },
        { type: pkcs11js.CKA_SENSITIVE },
        { type: pkcs11js.CKA_EXTRACTABLE },
        { type: pkcs11js.CKA_VALUE_LEN },
      ]);
    } catch (err) {
      throw new ProviderUnavailableError(`cannot read the attributes of ${where}: ${describePkcs11Error(err)}`, { cause: err });
    }
    const [id, sensitive, extractable, valueLen] = attrs.map((a) => a.value);
    // A key the HSM would export could have left it: refuse it rather than weaken the guarantee.
    if (readBool(sensitive) !== true || readBool(extractable) !== false) {
      throw new ProviderUnavailableError(`${where} is extractable or not sensitive; Strongbox only uses a key that cannot leave the HSM (CKA_SENSITIVE=true, CKA_EXTRACTABLE=false)`);
    }
    if (readUlong(valueLen) !== AES_KEY_BYTES) throw new ProviderUnavailableError(`${where} is not an AES-256 key`);
    const keyId = new Uint8Array(id ?? new Uint8Array(0));
    if (keyId.byteLength > MAX_KEY_ID_BYTES) throw new ProviderUnavailableError(`${where} has a CKA_ID longer than ${MAX_KEY_ID_BYTES} bytes`);
    return { handle, keyId };
  }

  /** CKM_AES_KEY_GEN of a token object that can only encrypt and decrypt inside the HSM. */
  function createKey(s: Pkcs11Session): WrappingKey {
    const keyId = randomBytes(NEW_KEY_ID_BYTES);
    try {
      s.pkcs11.C_GenerateKey(s.session, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
        { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
        { type: pkcs11js.CKA_VALUE_LEN, value: AES_KEY_BYTES },
        { type: pkcs11js.CKA_LABEL, value: keyLabel },
        { type: pkcs11js.CKA_ID, value: Buffer.from(keyId) },
        { type: pkcs11js.CKA_TOKEN, value: true },
        { type: pkcs11js.CKA_PRIVATE, value: true },
        { type: pkcs11js.CKA_SENSITIVE, value: true },
        { type: pkcs11js.CKA_EXTRACTABLE, value: false },
        { type: pkcs11js.CKA_MODIFIABLE, value: false },
        { type: pkcs11js.CKA_ENCRYPT, value: true },
        { type: pkcs11js.CKA_DECRYPT, value: true },
        { type: pkcs11js.CKA_WRAP, value: false },
        { type: pkcs11js.CKA_UNWRAP, value: false },
        { type: pkcs11js.CKA_SIGN, value: false },
        { type: pkcs11js.CKA_VERIFY, value: false },
        { type: pkcs11js.CKA_DERIVE, value: false },
      ]);
    } catch (err) {
      throw new ProviderUnavailableError(`cannot create ${where}: ${describePkcs11Error(err)}`, { cause: err });
    }
    // Look it up again rather than trust the handle: this also applies the checks of findKey.
    const key = findKey(s);
    if (key === undefined) throw new ProviderUnavailableError(`${where} was created but cannot be found`);
    return key;
  }

  function encrypt(s: Pkcs11Session, key: Handle, iv: Uint8Array, aad: Buffer, plaintext: Buffer): Uint8Array {
    s.pkcs11.C_EncryptInit(s.session, gcmMechanism(iv, aad), key);
    const out = s.pkcs11.C_Encrypt(s.session, plaintext, Buffer.alloc(plaintext.byteLength + GCM_TAG_BYTES));
    return new Uint8Array(out);
  }

  /**
   * Decides whether a failed C_Decrypt means a bad blob or a bad HSM. SoftHSM2 reports a GCM tag
   * mismatch as CKR_GENERAL_ERROR, so unless the code says "bad data" outright, the key is probed
   * with a throwaway encryption: if the HSM can still use the key, the blob was at fault.
   */
  function decryptFailure(s: Pkcs11Session, key: Handle, err: unknown): Error {
    const code = pkcs11ErrorCode(err);
    if (code !== undefined && DATA_REJECTED.has(code)) return new UnsealRejectedError('the sealed root key failed authentication in the HSM (altered, or sealed under another key)');
    try {
      encrypt(s, key, randomBytes(GCM_NONCE_BYTES), aadFor(new Uint8Array(0)), Buffer.alloc(AES_KEY_BYTES));
    } catch (probeErr) {
      return new ProviderUnavailableError(`cannot decrypt with ${where}: ${describePkcs11Error(err)} (probe: ${describePkcs11Error(probeErr)})`, { cause: err });
    }
    return new UnsealRejectedError('the sealed root key failed authentication in the HSM (altered, or sealed under another key)');
  }

  return {
    type: 'pkcs11',
    autoUnseal: true,

    async protect(rootKey: Uint8Array, _config: SealConfig): Promise<ProtectResult> {
      if (rootKey.byteLength !== AES_KEY_BYTES) throw new RangeError(`the root key must be ${AES_KEY_BYTES} bytes`);
      return withSession((s) => {
        const key = findKey(s) ?? createKey(s);
        const header = new Uint8Array([PKCS11_BLOB_V1, key.keyId.byteLength, ...key.keyId]);
        const iv = randomBytes(GCM_NONCE_BYTES);
        const plaintext = Buffer.from(rootKey);
        let ciphertext: Uint8Array;
        try {
          ciphertext = encrypt(s, key.handle, iv, aadFor(header), plaintext);
        } catch (err) {
          throw new ProviderUnavailableError(`cannot encrypt with ${where}: ${describePkcs11Error(err)}`, { cause: err });
        } finally {
          wipe(plaintext);
        }
        if (ciphertext.byteLength !== AES_KEY_BYTES + GCM_TAG_BYTES) {
          throw new ProviderUnavailableError(`${where}: CKM_AES_GCM returned ${ciphertext.byteLength} bytes, expected ${AES_KEY_BYTES + GCM_TAG_BYTES}`);
        }
        return { sealedRootKey: encodeBlob(key.keyId, iv, ciphertext), shares: [] };
      });
    },

    async recover(sealedRootKey: Uint8Array, _input: UnsealInput, _config: SealConfig): Promise<Uint8Array> {
      const blob = decodeBlob(sealedRootKey);
      return withSession((s) => {
        const key = findKey(s);
        if (key === undefined) throw new ProviderUnavailableError(`${where} not found (deleted, or not restored to this token?)`);
        if (blob.keyId.byteLength > 0 && hex(blob.keyId) !== hex(key.keyId)) {
          throw new UnsealRejectedError(`the root key was sealed under the wrapping key with CKA_ID ${hex(blob.keyId)}, but ${where} has CKA_ID ${hex(key.keyId) || '(none)'}`);
        }
        const scratch = Buffer.alloc(blob.ciphertext.byteLength);
        try {
          let plaintext: Buffer;
          try {
            s.pkcs11.C_DecryptInit(s.session, gcmMechanism(blob.iv, aadFor(blob.header)), key.handle);
          } catch (err) {
            throw new ProviderUnavailableError(`cannot decrypt with ${where}: ${describePkcs11Error(err)}`, { cause: err });
          }
          try {
            plaintext = s.pkcs11.C_Decrypt(s.session, Buffer.from(blob.ciphertext), scratch);
          } catch (err) {
            throw decryptFailure(s, key.handle, err);
          }
          if (plaintext.byteLength !== AES_KEY_BYTES) throw new UnsealRejectedError('the sealed root key does not hold a 256-bit key');
          return new Uint8Array(plaintext);
        } finally {
          wipe(scratch);
        }
      });
    },

    async destroyRootOfTrust(): Promise<void> {
      await withSession((s) => {
        const key = findKey(s);
        if (key === undefined) return;
        try {
          s.pkcs11.C_DestroyObject(s.session, key.handle);
        } catch (err) {
          throw new ProviderUnavailableError(`cannot destroy ${where}: ${describePkcs11Error(err)}`, { cause: err });
        }
      });
    },

    async close(): Promise<void> {
      closed = true;
      disconnect();
    },
  };
}
