/**
 * Ethereum keystore v3 (Web3 Secret Storage Definition, ethereum.org/developers/docs/data-structures-
 * and-encoding/web3-secret-storage): the private key encrypted with AES-128-CTR under the first half
 * of an scrypt-derived key; MAC = keccak256(derivedKey[16..32] ‖ ciphertext). scrypt (RFC 7914) and
 * AES-128-CTR come from node:crypto (OpenSSL), keccak256 from @noble/hashes: standard primitives
 * composed, none implemented. Wallets (geth, ethers, MetaMask) import these files.
 */
import { createCipheriv, scrypt } from 'node:crypto';
import type { KeystoreV3 } from '../../protocol/types.js';
import { keccak256 } from '../../crypto/hash.js';
import { randomBytes, randomId } from '../../crypto/random.js';
import { wipe } from '../../crypto/wipe.js';
import { ethereumAddress } from './address.js';

export interface ScryptParameters {
  n: number;
  r: number;
  p: number;
}

/** The "standard" scrypt parameters geth and ethers use for keystores (about 1 s and 256 MiB). */
export const KEYSTORE_SCRYPT: ScryptParameters = { n: 262_144, r: 8, p: 1 };
const DKLEN = 32;

/** At most this many scrypt derivations run at once: each holds 128·n·r bytes (256 MiB at the standard parameters). */
const MAX_CONCURRENT_SCRYPT = 2;
let running = 0;
const waiting: (() => void)[] = [];

async function withScryptSlot<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT_SCRYPT) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

function deriveKey(passphrase: Uint8Array, salt: Uint8Array, params: ScryptParameters): Promise<Uint8Array> {
  // OpenSSL refuses scrypt above `maxmem` (32 MiB by default); allow exactly what these parameters need, plus slack.
  const maxmem = 128 * params.n * params.r + 128 * params.r * params.p + 1024 * 1024;
  return withScryptSlot(
    () =>
      new Promise((resolve, reject) => {
        scrypt(passphrase, salt, DKLEN, { N: params.n, r: params.r, p: params.p, maxmem }, (err, key) => {
          if (err) reject(err);
          else resolve(new Uint8Array(key.buffer, key.byteOffset, key.byteLength));
        });
      }),
  );
}

export interface EncryptKeystoreOptions {
  /** tests only: fixed salt (32 bytes), IV (16 bytes), id and scrypt parameters */
  salt?: Uint8Array;
  iv?: Uint8Array;
  id?: string;
  scrypt?: ScryptParameters;
}

/**
 * The keystore for an already derived key (the spec's steps after the KDF): AES-128-CTR under
 * derivedKey[0..16], MAC over derivedKey[16..32] ‖ ciphertext. Separate so the spec's test vector,
 * whose scrypt parameters (r=1, N=2^18) OpenSSL refuses (RFC 7914 requires N < 2^(16r)), checks it.
 */
export function sealKeystoreV3(
  secretKey: Uint8Array,
  derivedKey: Uint8Array,
  fields: { publicKey: Uint8Array; salt: Uint8Array; iv: Uint8Array; id: string; scrypt: ScryptParameters },
): KeystoreV3 {
  const cipher = createCipheriv('aes-128-ctr', derivedKey.subarray(0, 16), fields.iv);
  const ciphertext = Buffer.concat([cipher.update(secretKey), cipher.final()]);
  const macInput = Buffer.concat([derivedKey.subarray(16, 32), ciphertext]);
  const mac = keccak256(macInput);
  macInput.fill(0);
  const { n, r, p } = fields.scrypt;
  return {
    version: 3,
    id: fields.id,
    address: ethereumAddress(fields.publicKey).slice(2).toLowerCase(),
    crypto: {
      cipher: 'aes-128-ctr',
      cipherparams: { iv: Buffer.from(fields.iv).toString('hex') },
      ciphertext: ciphertext.toString('hex'),
      kdf: 'scrypt',
      kdfparams: { dklen: DKLEN, n, r, p, salt: Buffer.from(fields.salt).toString('hex') },
      mac: Buffer.from(mac).toString('hex'),
    },
  };
}

/** scrypt (RFC 7914) of the UTF-8 passphrase, as the keystore's kdfparams describe; the caller wipes the result. */
export function deriveKeystoreKey(passphrase: string, salt: Uint8Array, params: ScryptParameters): Promise<Uint8Array> {
  const passphraseBytes = new TextEncoder().encode(passphrase);
  return deriveKey(passphraseBytes, salt, params).finally(() => wipe(passphraseBytes));
}

/**
 * Encrypts a secp256k1 private key into a keystore v3 object. `publicKey` (uncompressed SEC1) gives
 * the address field. The passphrase is UTF-8 encoded as given (geth and ethers do the same, no normalization).
 */
export async function encryptKeystoreV3(secretKey: Uint8Array, publicKey: Uint8Array, passphrase: string, options: EncryptKeystoreOptions = {}): Promise<KeystoreV3> {
  const scryptParams = options.scrypt ?? KEYSTORE_SCRYPT;
  const salt = options.salt ?? randomBytes(32);
  const iv = options.iv ?? randomBytes(16);
  const derivedKey = await deriveKeystoreKey(passphrase, salt, scryptParams);
  try {
    return sealKeystoreV3(secretKey, derivedKey, { publicKey, salt, iv, id: options.id ?? randomId(), scrypt: scryptParams });
  } finally {
    wipe(derivedKey);
  }
}
