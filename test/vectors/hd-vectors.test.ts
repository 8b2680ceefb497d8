/**
 * Official vectors for the HD derivation in src/crypto/hd.ts, parsed from the documents copied into
 * test/vectors/ (see the README beside each):
 * - BIP32 test vectors 1–5 (bip32/bip-0032.mediawiki): every chain's xpub, private key and chain code;
 *   vector 5's invalid extended keys must all be rejected.
 * - BIP39 (bip39/vectors.json, trezor/python-mnemonic): mnemonic → seed with passphrase "TREZOR",
 *   and the BIP32 root key of that seed.
 * - SLIP-10 ed25519 vectors 1 and 2 (slip10/slip-0010.md): private key, chain code, public key.
 * Extended private keys are decoded here straight from the BIP32 serialization format (base58check,
 * offsets from BIP32 "Serialization format"), not through the library under test.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { base58check } from '@scure/base';
import { bip32ExtendedPublicKey, deriveEd25519, deriveSecp256k1, mnemonicToSeed, normalizeMnemonic, parseExtendedKey } from '../../src/crypto/hd.js';
import { ed25519 } from '../../src/crypto/signers/ed25519.js';
import { StrongboxError } from '../../src/protocol/errors.js';
import { fixture } from '../helpers/paths.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const fromHex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const b58c = base58check((data: Uint8Array) => new Uint8Array(createHash('sha256').update(data).digest()));

/** BIP32 serialization: version(4) depth(1) fingerprint(4) child(4) chain code(32) key data(33). */
function decodeXprv(xprv: string): { chainCode: string; privateKey: string } {
  const raw = b58c.decode(xprv);
  assert.equal(raw.length, 78);
  assert.equal(raw[45], 0, 'private key data starts with 0x00');
  return { chainCode: hex(raw.subarray(13, 45)), privateKey: hex(raw.subarray(46, 78)) };
}

const spellPath = (chain: string): string => chain.replaceAll('<sub>H</sub>', "'");

describe('BIP32 test vectors (bip-0032.mediawiki)', () => {
  const doc = readFileSync(fixture('vectors', 'bip32', 'bip-0032.mediawiki'), 'utf8');
  const sections = doc.split(/^===Test vector (\d)===$/m);
  const vectors = new Map<number, string>();
  for (let i = 1; i < sections.length; i += 2) vectors.set(Number(sections[i]), sections[i + 1]!);
  assert.deepEqual([...vectors.keys()], [1, 2, 3, 4, 5]);

  for (const n of [1, 2, 3, 4]) {
    const text = vectors.get(n)!;
    const seed = fromHex(/^Seed \(hex\): ([0-9a-f]+)$/m.exec(text)![1]!);
    const chains = [...text.matchAll(/^\* Chain (\S+)\n\*\* ext pub: (\w+)\n\*\* ext prv: (\w+)$/gm)];
    it(`vector ${n}: ${chains.length} chains`, () => {
      assert.equal(chains.length, ({ 1: 6, 2: 6, 3: 2, 4: 3 } as Record<number, number>)[n], `vector ${n}: every chain parsed`);
      for (const [, chain, xpub, xprv] of chains) {
        const path = spellPath(chain!);
        const label = `BIP32 vector ${n} chain ${path}`;
        assert.equal(bip32ExtendedPublicKey(seed, path), xpub, `${label}: xpub`);
        const expected = decodeXprv(xprv!);
        const derived = deriveSecp256k1(seed, path);
        assert.equal(hex(derived.secretKey), expected.privateKey, `${label}: private key`);
        assert.equal(hex(derived.chainCode), expected.chainCode, `${label}: chain code`);
        assert.equal(parseExtendedKey(xpub!).isPrivate, false, `${label}: xpub parses`);
      }
    });
  }

  it('vector 5: every invalid extended key is rejected', () => {
    const invalid = [...vectors.get(5)!.matchAll(/^\* (\w+) \((.+)\)$/gm)];
    assert.equal(invalid.length, 16, 'all 16 invalid keys parsed');
    for (const [, key, reason] of invalid) {
      assert.throws(() => parseExtendedKey(key!), (e: unknown) => e instanceof StrongboxError && e.code === 'INVALID_KEY_MATERIAL', `BIP32 vector 5 must reject: ${reason}`);
    }
  });
});

describe('BIP39 vectors (trezor/python-mnemonic vectors.json, passphrase TREZOR)', () => {
  const vectors = (JSON.parse(readFileSync(fixture('vectors', 'bip39', 'vectors.json'), 'utf8')) as { english: [string, string, string, string][] }).english;
  it(`${vectors.length} English vectors: seed and BIP32 root key`, () => {
    assert.equal(vectors.length, 24);
    for (const [entropy, mnemonic, seed, xprv] of vectors) {
      const label = `BIP39 entropy ${entropy}`;
      assert.equal(normalizeMnemonic(mnemonic), mnemonic, `${label}: valid mnemonic`);
      const derived = mnemonicToSeed(mnemonic, 'TREZOR');
      assert.equal(hex(derived), seed, `${label}: seed`);
      const root = deriveSecp256k1(derived, 'm');
      const expected = decodeXprv(xprv);
      assert.equal(hex(root.secretKey), expected.privateKey, `${label}: BIP32 root private key`);
      assert.equal(hex(root.chainCode), expected.chainCode, `${label}: BIP32 root chain code`);
    }
  });

  it('a mnemonic with a broken checksum, an unknown word or a wrong length is rejected', () => {
    const words = vectors[0]![1].split(' ');
    const bad = [
      [...words.slice(0, -1), 'abandon'].join(' '), // checksum word changed
      [...words.slice(0, -1), 'notaword'].join(' '),
      words.slice(0, 11).join(' '),
      '',
    ];
    for (const m of bad) assert.throws(() => mnemonicToSeed(m), (e: unknown) => e instanceof StrongboxError && e.code === 'INVALID_MNEMONIC', JSON.stringify(m));
  });
});

describe('SLIP-10 ed25519 vectors (slip-0010.md)', () => {
  const doc = readFileSync(fixture('vectors', 'slip10', 'slip-0010.md'), 'utf8');
  const sections = [...doc.matchAll(/^### Test vector (\d) for ed25519\n\nSeed \(hex\): ([0-9a-f]+)\n\n([\s\S]*?)(?=^###)/gm)];
  assert.equal(sections.length, 2);
  for (const [, n, seedHex, body] of sections) {
    const chains = [...body!.matchAll(/^\* Chain (\S+)\n {2}\* fingerprint: \w+\n {2}\* chain code: (\w+)\n {2}\* private: (\w+)\n {2}\* public: (\w+)$/gm)];
    it(`vector ${n}: ${chains.length} chains`, () => {
      assert.equal(chains.length, 6, `vector ${n}: every chain parsed`);
      const seed = fromHex(seedHex!);
      for (const [, chain, chainCode, privateKey, publicKey] of chains) {
        const path = spellPath(chain!);
        const label = `SLIP-10 ed25519 vector ${n} chain ${path}`;
        const derived = deriveEd25519(seed, path);
        assert.equal(hex(derived.secretKey), privateKey, `${label}: private key`);
        assert.equal(hex(derived.chainCode), chainCode, `${label}: chain code`);
        // SLIP-10 serializes ed25519 public keys as 0x00 ‖ the 32-byte key.
        assert.equal('00' + hex(ed25519.publicKeyOf(derived.secretKey)), publicKey, `${label}: public key`);
      }
    });
  }

  it('non-hardened segments are refused for ed25519', () => {
    assert.throws(() => deriveEd25519(new Uint8Array(16), "m/0'/1"), (e: unknown) => e instanceof StrongboxError && e.code === 'INVALID_DERIVATION_PATH');
  });
});
