/**
 * The installation's audit keys: an HMAC-SHA256 key for sensitive inputs and an Ed25519 key that
 * signs checkpoints and batch heads. Generated at the first unseal, stored sealed by the barrier;
 * the public key is also stored in the clear (sys value `audit_public_key`) so `audit verify` works
 * without unsealing. In memory only while unsealed.
 * Also each process's session key (record.ts, HeadSignature): signs batch heads while the node is
 * sealed, lives only in memory, and is vouched for by the audit key once the node is unsealed.
 */
import { createHmac, createPrivateKey, createPublicKey, createSecretKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { randomBytes } from '../crypto/random.js';
import { wipe } from '../crypto/wipe.js';
import type { Barrier } from '../keyring/barrier.js';
import type { Store } from '../storage/types.js';

export const AUDIT_KEYS_CONTEXT = 'strongbox/audit-keys';
export const SYS_AUDIT_KEYS = 'sealed_audit_keys';
export const SYS_AUDIT_PUBLIC_KEY = 'audit_public_key';
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX_LEN = 12;

export interface AuditKeys {
  hmac(field: string, value: string): string;
  signingKey: KeyObject;
  publicKeyHex: string;
  wipe(): void;
}

function build(material: Uint8Array): AuditKeys {
  const hmacKey = createSecretKey(Buffer.from(material.subarray(0, 32)));
  const der = Buffer.concat([PKCS8_PREFIX, material.subarray(32, 64)]);
  const signingKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  der.fill(0);
  const publicKeyHex = createPublicKey(signingKey).export({ type: 'spki', format: 'der' }).subarray(SPKI_PREFIX_LEN).toString('hex');
  return {
    // Field name is part of the MAC input, so the same value in another field gives another MAC.
    // Hex values are compared case-insensitively (0xAB and 0xab are the same bytes).
    hmac: (field, value) => createHmac('sha256', hmacKey).update(`${field}=${/^0x[0-9a-fA-F]*$/.test(value) ? value.toLowerCase() : value}`).digest('hex'),
    signingKey,
    publicKeyHex,
    // A KeyObject's bytes live in OpenSSL and cannot be zeroized from JS (docs/architecture.md).
    wipe: () => undefined,
  };
}

/** Loads the audit keys through an unsealed barrier, creating them on first use. */
export async function loadAuditKeys(store: Pick<Store, 'getSysValue' | 'putSysValues'>, barrier: Barrier): Promise<AuditKeys> {
  const sealed = await store.getSysValue(SYS_AUDIT_KEYS);
  if (sealed !== undefined) {
    const material = barrier.decrypt(sealed, AUDIT_KEYS_CONTEXT);
    try {
      return build(material);
    } finally {
      wipe(material);
    }
  }
  const material = randomBytes(64);
  try {
    const keys = build(material);
    await store.putSysValues({ [SYS_AUDIT_KEYS]: barrier.encrypt(material, AUDIT_KEYS_CONTEXT), [SYS_AUDIT_PUBLIC_KEY]: Buffer.from(keys.publicKeyHex, 'hex') }, { ifAbsent: SYS_AUDIT_KEYS });
    // Another node may have won the race to create them: use whatever is stored.
    const stored = await store.getSysValue(SYS_AUDIT_KEYS);
    if (stored === undefined) return keys;
    const winner = barrier.decrypt(stored, AUDIT_KEYS_CONTEXT);
    try {
      return build(winner);
    } finally {
      wipe(winner);
    }
  } finally {
    wipe(material);
  }
}

export interface SessionKey {
  signingKey: KeyObject;
  publicKeyHex: string;
}

/** A fresh Ed25519 session key for this process (never stored: a restart makes a new one). */
export function createSessionKey(): SessionKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { signingKey: privateKey, publicKeyHex: publicKey.export({ type: 'spki', format: 'der' }).subarray(SPKI_PREFIX_LEN).toString('hex') };
}
