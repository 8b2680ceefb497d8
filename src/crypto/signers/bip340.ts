/**
 * BIP340 Schnorr signatures over secp256k1 (@noble/curves' `secp256k1.schnorr`) and the BIP341
 * key-path tweak of a Taproot output key (@scure/btc-signer's `taprootTweakPrivKey` /
 * `taprootTweakPubkey`, which implement BIP341's taproot_tweak_seckey / taproot_tweak_pubkey).
 *
 * Used by the Bitcoin PSBT signer for P2TR key-path inputs. secp256k1 keys are stored as ECDSA
 * scalars; BIP340 uses the same scalar (negated when its point has an odd Y, which noble does per
 * BIP340's signing algorithm). Every signature is verified against the (tweaked) x-only public key
 * before it is returned (GUIDE §10). Tested with the official BIP340 vectors
 * (test/vectors/bip340.test.ts).
 */
import { schnorr } from '@noble/curves/secp256k1.js';
import { taprootTweakPrivKey, taprootTweakPubkey } from '@scure/btc-signer/utils.js';
import { StrongboxError } from '../../protocol/errors.js';
import { randomBytes } from '../random.js';
import { wipe } from '../wipe.js';

/** The 32-byte x-only public key (BIP340) of a secp256k1 secret key. */
export function bip340PublicKey(secretKey: Uint8Array): Uint8Array {
  return schnorr.getPublicKey(secretKey);
}

/** BIP340 verification; false (never a throw) for a malformed signature, key or message. */
export function bip340Verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    return signature.byteLength === 64 && publicKey.byteLength === 32 && schnorr.verify(signature, message, publicKey);
  } catch {
    return false;
  }
}

/**
 * BIP340 signature of `message` with `secretKey`, then verified against `publicKey` (x-only) before
 * release. `auxRand` defaults to 32 fresh CSPRNG bytes (BIP340 recommends fresh auxiliary
 * randomness, which protects against fault and side-channel attacks); tests pass the vectors' own.
 */
export function bip340Sign(message: Uint8Array, secretKey: Uint8Array, publicKey: Uint8Array, auxRand: Uint8Array = randomBytes(32)): Uint8Array {
  if (auxRand.byteLength !== 32) throw new StrongboxError('INTERNAL', 'BIP340 aux_rand must be 32 bytes');
  const signature = schnorr.sign(message, secretKey, auxRand);
  if (!bip340Verify(signature, message, publicKey)) throw new StrongboxError('INTERNAL', 'Schnorr signature failed self-verification');
  return signature;
}

/** BIP341 output key Q = P + t·G of internal key P (x-only), t = H_TapTweak(P ‖ merkleRoot); an empty merkleRoot is BIP86's key-path-only output. */
export function taprootOutputKey(internalKey: Uint8Array, merkleRoot: Uint8Array = new Uint8Array(0)): Uint8Array {
  return taprootTweakPubkey(internalKey, merkleRoot)[0];
}

/** A Taproot key-path signer: the tweaked secret of one key, held until wiped. */
export interface TaprootKeyPathSigner {
  /** the internal key P (x-only) */
  readonly internalKey: Uint8Array;
  /** the output key Q (x-only), the witness program of the P2TR output */
  readonly outputKey: Uint8Array;
  /** a BIP340 signature of a BIP341 sighash under the tweaked key, verified against Q */
  sign(sighash: Uint8Array, auxRand?: Uint8Array): Uint8Array;
  wipe(): void;
}

/**
 * Tweaks `secretKey` for a key-path spend (BIP341 taproot_tweak_seckey with `merkleRoot`, empty by
 * default as in BIP86). The caller keeps ownership of `secretKey`; the tweaked copy is wiped by wipe().
 */
export function loadTaprootKeyPath(secretKey: Uint8Array, merkleRoot: Uint8Array = new Uint8Array(0)): TaprootKeyPathSigner {
  const internalKey = bip340PublicKey(secretKey);
  const tweaked = taprootTweakPrivKey(secretKey, merkleRoot);
  const outputKey = taprootOutputKey(internalKey, merkleRoot);
  // The tweaked secret must sign for Q itself: a cross-check of the two tweak computations.
  if (Buffer.compare(bip340PublicKey(tweaked), outputKey) !== 0) {
    wipe(tweaked);
    throw new StrongboxError('INTERNAL', 'taproot tweak mismatch');
  }
  return {
    internalKey,
    outputKey,
    sign(sighash, auxRand) {
      if (sighash.byteLength !== 32) throw new StrongboxError('INTERNAL', 'a BIP341 sighash is 32 bytes');
      return bip340Sign(sighash, tweaked, outputKey, auxRand);
    },
    wipe() {
      wipe(tweaked);
    },
  };
}
