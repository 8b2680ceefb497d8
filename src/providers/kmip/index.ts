/**
 * KMIP unseal provider (auto-unseal): the root key is encrypted by an AES-256 key held on an external
 * KMIP server — an HSM appliance or another KMS — reached over mutual TLS with KMIP 1.2 Encrypt/Decrypt
 * (KMIP 1.4 §4.29-4.30), AES-GCM with the root key's purpose as additional authenticated data. The key
 * never leaves that server: Strongbox never Gets it. Tested against PyKMIP's own server (pykmip-server).
 *
 * Sealed format v1 (frozen: stored sealed root keys must open forever):
 *   byte 0       0x01 (KMIP_FORMAT_V1)
 *   u16 BE n, n bytes   the wrapping key's Unique Identifier on the external server (UTF-8)
 *   u8 m, m bytes       the GCM IV the server used (or was given)
 *   u8 t, t bytes       the GCM tag
 *   the rest            the ciphertext
 * AAD = "strongbox/root-key". The identifier travels with the blob, so a seal migration or a renamed key
 * setting never strands a stored root key.
 *
 * The wrapping key: `keyId` names an existing key; otherwise the key named `keyName` is located, or
 * created (AES-256, usage Encrypt|Decrypt) and activated at the first protect. Before each recover the key's
 * State is read: a key that is not Active (revoked, destroyed) or not found is ProviderUnavailableError —
 * the server stays sealed and says why — and only a decryption failure of an Active key means the sealed
 * blob itself is wrong (UnsealRejectedError). `protect` decrypts its own result before returning it.
 */
import { readFileSync } from 'node:fs';
import { constantTimeEqual } from '../../crypto/compare.js';
import { randomBytes } from '../../crypto/random.js';
import { wipe } from '../../crypto/wipe.js';
import { BlockCipherMode, CryptographicAlgorithm, ObjectType, Operation, State } from '../../kmip/enums.js';
import { bytes, children, enumeration, int, read, struct, text } from '../../kmip/message.js';
import { Tag } from '../../kmip/tags.js';
import type { TtlvItem } from '../../kmip/ttlv.js';
import type { ProviderOptions } from '../types.js';
import { ProviderUnavailableError, UnsealRejectedError, type ProtectResult, type UnsealProvider } from '../types.js';
import { KmipClient, KmipOperationError, KmipTransportError } from './client.js';

export const KMIP_FORMAT_V1 = 0x01;
/** Part of format v1. */
export const KMIP_SEAL_AAD = new TextEncoder().encode('strongbox/root-key');
export const DEFAULT_KMIP_KEY_NAME = 'strongbox-root-wrap';
const GCM_IV_BYTES = 12;
const GCM_TAG_BYTES = 16;

/** Setting names as operators know them (environment variables), for validation messages. */
export const KMIP_SEAL_SETTINGS = {
  address: 'STRONGBOX_KMIP_SEAL_ADDRESS',
  cert: 'STRONGBOX_KMIP_SEAL_CERT',
  key: 'STRONGBOX_KMIP_SEAL_KEY',
  ca: 'STRONGBOX_KMIP_SEAL_CA',
  keyId: 'STRONGBOX_KMIP_SEAL_KEY_ID',
  keyName: 'STRONGBOX_KMIP_SEAL_KEY_NAME',
  serverName: 'STRONGBOX_KMIP_SEAL_SERVER_NAME',
} as const;

export type KmipSealOptions = NonNullable<ProviderOptions['kmip']> & { connectTimeoutMs?: number; requestTimeoutMs?: number };

class SettingError extends Error {
  readonly setting: string;
  constructor(setting: string, message: string) {
    super(`${setting}: ${message}`);
    this.name = 'SettingError';
    this.setting = setting;
  }
}

function readPem(path: string, setting: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new SettingError(setting, `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

export function encodeSealed(uid: string, iv: Uint8Array, tag: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  const u = new TextEncoder().encode(uid);
  const out = new Uint8Array(1 + 2 + u.length + 1 + iv.length + 1 + tag.length + ciphertext.length);
  let at = 0;
  out[at++] = KMIP_FORMAT_V1;
  out[at++] = u.length >> 8;
  out[at++] = u.length & 0xff;
  out.set(u, at);
  at += u.length;
  out[at++] = iv.length;
  out.set(iv, at);
  at += iv.length;
  out[at++] = tag.length;
  out.set(tag, at);
  at += tag.length;
  out.set(ciphertext, at);
  return out;
}

export function decodeSealed(blob: Uint8Array): { uid: string; iv: Uint8Array; tag: Uint8Array; ciphertext: Uint8Array } {
  const bad = () => new UnsealRejectedError('the sealed root key is not a KMIP seal blob (format v1)');
  if (blob.length < 4 || blob[0] !== KMIP_FORMAT_V1) throw bad();
  let at = 1;
  const n = (blob[at]! << 8) | blob[at + 1]!;
  at += 2;
  if (n === 0 || at + n > blob.length) throw bad();
  let uid: string;
  try {
    uid = new TextDecoder('utf-8', { fatal: true }).decode(blob.subarray(at, at + n));
  } catch {
    throw bad();
  }
  at += n;
  const m = blob[at++];
  if (m === undefined || m === 0 || at + m > blob.length) throw bad();
  const iv = blob.slice(at, at + m);
  at += m;
  const t = blob[at++];
  if (t === undefined || t < 12 || at + t > blob.length) throw bad();
  const tag = blob.slice(at, at + t);
  at += t;
  const ciphertext = blob.slice(at);
  if (ciphertext.length === 0) throw bad();
  return { uid, iv, tag, ciphertext };
}

/** A 1.x Template-Attribute / Attribute structure. */
const attribute = (name: string, value: TtlvItem): TtlvItem => struct(Tag.Attribute, text(Tag.AttributeName, name), { ...value, tag: Tag.AttributeValue });

export async function createKmipProvider(options: KmipSealOptions): Promise<UnsealProvider> {
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/.exec(options.address);
  if (!m || Number(m[2]) > 65535) throw new SettingError(KMIP_SEAL_SETTINGS.address, `must be HOST:PORT of the KMIP server, got ${JSON.stringify(options.address)}`);
  const host = m[1]!.replace(/^\[|\]$/g, '');
  const port = Number(m[2]);
  const where = `${host}:${port}`;
  const client = new KmipClient({
    host,
    port,
    cert: readPem(options.cert, KMIP_SEAL_SETTINGS.cert),
    key: readPem(options.key, KMIP_SEAL_SETTINGS.key),
    ca: readPem(options.ca, KMIP_SEAL_SETTINGS.ca),
    ...(options.serverName === undefined ? {} : { servername: options.serverName }),
    // 1.4: Encrypt/Decrypt carry the GCM additional data and tag from KMIP 1.4 on.
    version: { major: 1, minor: 4 },
    connectTimeoutMs: options.connectTimeoutMs ?? 3_000,
    requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
  });
  const keyName = options.keyName ?? DEFAULT_KMIP_KEY_NAME;

  /** Errors of the external server or the network, as the provider's two error kinds (never secrets). */
  const unavailable = (what: string, err: unknown): ProviderUnavailableError => {
    const detail = err instanceof KmipOperationError ? `it answered ${err.reason}` : err instanceof KmipTransportError ? err.message : 'unexpected error';
    return new ProviderUnavailableError(`KMIP server ${where}: ${what} failed (${detail})`, { cause: err });
  };

  async function keyState(uid: string): Promise<number | undefined> {
    let payload;
    try {
      payload = await client.call(Operation.GetAttributes, struct(Tag.RequestPayload, text(Tag.UniqueIdentifier, uid), text(Tag.AttributeName, 'State')));
    } catch (err) {
      if (err instanceof KmipOperationError && (err.reason === 'ItemNotFound' || err.reason === 'ObjectDestroyed')) throw new ProviderUnavailableError(`KMIP server ${where}: the wrapping key ${uid} does not exist`, { cause: err });
      throw unavailable(`reading the state of key ${uid}`, err);
    }
    for (const a of children(payload, Tag.Attribute)) if (read.text(a, Tag.AttributeName) === 'State') return read.enum(a, Tag.AttributeValue);
    return undefined;
  }

  async function assertActive(uid: string): Promise<void> {
    const state = await keyState(uid);
    if (state !== State.Active) {
      const name = Object.entries(State).find(([, v]) => v === state)?.[0] ?? 'unknown';
      throw new ProviderUnavailableError(`KMIP server ${where}: the wrapping key ${uid} is ${name}, not Active`);
    }
  }

  /** The wrapping key's identifier: the configured one, else the key named keyName (created and activated if absent). */
  async function wrappingKey(): Promise<string> {
    if (options.keyId !== undefined) return options.keyId;
    try {
      const found = await client.call(Operation.Locate, struct(Tag.RequestPayload, attribute('Name', struct(Tag.Name, text(Tag.NameValue, keyName), enumeration(Tag.NameType, 1))), attribute('Object Type', enumeration(Tag.ObjectType, ObjectType.SymmetricKey))));
      const uid = read.text(found, Tag.UniqueIdentifier);
      if (uid !== undefined) return uid;
      const created = await client.call(
        Operation.Create,
        struct(
          Tag.RequestPayload,
          enumeration(Tag.ObjectType, ObjectType.SymmetricKey),
          struct(
            Tag.TemplateAttribute,
            attribute('Cryptographic Algorithm', enumeration(Tag.CryptographicAlgorithm, CryptographicAlgorithm.AES)),
            attribute('Cryptographic Length', int(Tag.CryptographicLength, 256)),
            attribute('Cryptographic Usage Mask', int(Tag.CryptographicUsageMask, 0x4 | 0x8)),
            attribute('Name', struct(Tag.Name, text(Tag.NameValue, keyName), enumeration(Tag.NameType, 1))),
          ),
        ),
      );
      const newUid = read.text(created, Tag.UniqueIdentifier);
      if (newUid === undefined) throw new KmipTransportError('Create answered no Unique Identifier');
      await client.call(Operation.Activate, struct(Tag.RequestPayload, text(Tag.UniqueIdentifier, newUid)));
      return newUid;
    } catch (err) {
      throw unavailable(`finding or creating the wrapping key ${JSON.stringify(keyName)}`, err);
    }
  }

  const gcm = () => struct(Tag.CryptographicParameters, enumeration(Tag.BlockCipherMode, BlockCipherMode.GCM), enumeration(Tag.CryptographicAlgorithm, CryptographicAlgorithm.AES), int(Tag.TagLength, GCM_TAG_BYTES));

  async function decryptWith(uid: string, iv: Uint8Array, tag: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array> {
    let payload;
    try {
      payload = await client.call(
        Operation.Decrypt,
        struct(Tag.RequestPayload, text(Tag.UniqueIdentifier, uid), gcm(), bytes(Tag.Data, ciphertext), bytes(Tag.IVCounterNonce, iv), bytes(Tag.AuthenticatedEncryptionAdditionalData, KMIP_SEAL_AAD), bytes(Tag.AuthenticatedEncryptionTag, tag)),
      );
    } catch (err) {
      // The key is Active (checked just before): a refused decryption means the blob is not ours.
      if (err instanceof KmipOperationError && ['CryptographicFailure', 'GeneralFailure', 'InvalidField', 'InvalidMessage'].includes(err.reason)) {
        throw new UnsealRejectedError(`the sealed root key does not decrypt under KMIP key ${uid} (${err.reason})`);
      }
      throw unavailable(`Decrypt with key ${uid}`, err);
    }
    const data = read.bytes(payload, Tag.Data);
    if (data === undefined) throw unavailable(`Decrypt with key ${uid}`, new KmipTransportError('no Data in the response'));
    return data;
  }

  return {
    type: 'kmip',
    autoUnseal: true,
    async protect(rootKey): Promise<ProtectResult> {
      const uid = await wrappingKey();
      await assertActive(uid);
      const iv = randomBytes(GCM_IV_BYTES);
      let payload;
      try {
        payload = await client.call(Operation.Encrypt, struct(Tag.RequestPayload, text(Tag.UniqueIdentifier, uid), gcm(), bytes(Tag.Data, rootKey), bytes(Tag.IVCounterNonce, iv), bytes(Tag.AuthenticatedEncryptionAdditionalData, KMIP_SEAL_AAD)));
      } catch (err) {
        throw unavailable(`Encrypt with key ${uid}`, err);
      }
      const ciphertext = read.bytes(payload, Tag.Data);
      const tag = read.bytes(payload, Tag.AuthenticatedEncryptionTag);
      const usedIv = read.bytes(payload, Tag.IVCounterNonce) ?? iv;
      if (ciphertext === undefined || tag === undefined) throw unavailable(`Encrypt with key ${uid}`, new KmipTransportError('no Data or Authenticated Encryption Tag in the response'));
      // Verify before release: a server that encrypts but cannot decrypt would seal the root key for good.
      const back = await decryptWith(uid, usedIv, tag, ciphertext);
      const ok = constantTimeEqual(back, rootKey);
      wipe(back);
      if (!ok) throw new ProviderUnavailableError(`KMIP server ${where}: key ${uid} did not decrypt what it encrypted`);
      return { sealedRootKey: encodeSealed(uid, usedIv, tag, ciphertext), shares: [] };
    },
    async recover(sealedRootKey): Promise<Uint8Array> {
      const { uid, iv, tag, ciphertext } = decodeSealed(sealedRootKey);
      await assertActive(uid);
      const rootKey = await decryptWith(uid, iv, tag, ciphertext);
      if (rootKey.length !== 32) {
        wipe(rootKey);
        throw new UnsealRejectedError('the KMIP server returned something that is not a root key');
      }
      return rootKey;
    },
    async destroyRootOfTrust() {
      const uid = await wrappingKey();
      try {
        await client.call(Operation.Revoke, struct(Tag.RequestPayload, text(Tag.UniqueIdentifier, uid), struct(Tag.RevocationReason, enumeration(Tag.RevocationReasonCode, 6))));
        await client.call(Operation.Destroy, struct(Tag.RequestPayload, text(Tag.UniqueIdentifier, uid)));
      } catch (err) {
        throw unavailable(`destroying key ${uid}`, err);
      }
    },
    async close() {
      client.close();
    },
  };
}
