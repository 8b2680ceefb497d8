/**
 * Descriptor parsing and address derivation (src/chains/bitcoin/descriptor.ts) against the official
 * vectors in test/vectors/bip380/descriptor-vectors.json: the BIP380 checksum vectors, the BIP383 and
 * BIP387 script vectors (public-key descriptors must produce exactly the listed scripts; those with
 * private keys or shapes Strongbox does not cosign must be refused), and the BIP129 BSMS records
 * (a checksummed sortedmulti descriptor and its first mainnet address). Every assertion names the file
 * section and the vector.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/paths.js';
import { StrongboxError } from '../../src/protocol/errors.js';
import { createHash } from 'node:crypto';
import { descriptorChecksum, deriveMultisigAddress, isDescriptorChecksumValid, parseMultisigDescriptor } from '../../src/chains/bitcoin/descriptor.js';

interface Vectors {
  bip380_checksum: { comment: string; descriptor: string; valid: boolean }[];
  bip383_valid: { descriptor: string; scripts: string[] }[];
  bip383_invalid: { comment: string; descriptor: string }[];
  bip387_valid: { descriptor: string; scripts: string[] }[];
  bip387_invalid: { comment: string; descriptor: string }[];
  bip129_bsms: { descriptorTemplate: string; pathRestrictions: string; firstAddress: string }[];
}

const vectors = JSON.parse(readFileSync(join(repoRoot, 'test/vectors/bip380/descriptor-vectors.json'), 'utf8')) as Vectors;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const withChecksum = (d: string): string => `${d}#${descriptorChecksum(d)!}`;
/** Private keys (WIF, xprv) or uncompressed keys: never accepted by Strongbox. */
const hasPrivateOrUncompressed = (d: string): boolean => /xprv|[(,\]]([5KL][1-9A-HJ-NP-Za-km-z]{50,51})[,)]|[(,]04[0-9a-f]{128}/.test(d);

function assertRefused(descriptor: string, label: string): void {
  assert.throws(
    () => parseMultisigDescriptor(descriptor),
    (e: unknown) => e instanceof StrongboxError && e.code === 'INVALID_DESCRIPTOR' && e.field === 'descriptor',
    label,
  );
}

describe('BIP380 descriptor checksum', () => {
  for (const v of vectors.bip380_checksum) {
    it(`bip380 "${v.comment}": ${v.descriptor}`, () => {
      assert.equal(isDescriptorChecksumValid(v.descriptor), v.valid, `bip380 ${v.comment}`);
      if (v.valid) assert.equal(`${v.descriptor.slice(0, -9)}#${descriptorChecksum(v.descriptor.slice(0, -9))}`, v.descriptor, 'descsum_create reproduces the checksum');
    });
  }

  it('a checksum from another source (BIP129 BSMS record) verifies, and one changed character does not', () => {
    const d = vectors.bip129_bsms[0]!.descriptorTemplate;
    assert.equal(isDescriptorChecksumValid(d), true, 'bip129 record 1');
    const flipped = d.replace('48\'/0\'/0\'/2\']026d', '48\'/0\'/0\'/2\']036d');
    assert.equal(isDescriptorChecksumValid(flipped), false);
    assertRefused(flipped, 'bip129 record 1 with a changed key');
    assertRefused(d.slice(0, -9), 'no checksum: refused by Strongbox (BIP380 allows applications to require it)');
  });
});

describe('BIP383 sortedmulti inside wsh()', () => {
  for (const [i, v] of vectors.bip383_valid.entries()) {
    const label = `bip383 valid ${i + 1}: ${v.descriptor.slice(0, 60)}…`;
    if (v.descriptor.startsWith('sortedmulti(') && !hasPrivateOrUncompressed(v.descriptor)) {
      it(`${label} — wsh() of it yields the listed witnessScripts`, () => {
        const parsed = parseMultisigDescriptor(withChecksum(`wsh(${v.descriptor})`));
        v.scripts.forEach((script, index) => {
          const out = deriveMultisigAddress(parsed, index, 'mainnet');
          assert.equal(hex(out.witnessScript!), script, `${label} index ${index}: witnessScript`);
          assert.equal(hex(out.scriptPubKey), `0020${createHash('sha256').update(Buffer.from(script, 'hex')).digest('hex')}`, `${label} index ${index}: P2WSH output (node:crypto SHA-256)`);
        });
      });
    } else {
      it(`${label} — refused (private or uncompressed keys, multi(), sh(), or top-level): only wsh(sortedmulti(…)) with public keys is registered`, () => {
        assertRefused(withChecksum(v.descriptor), label);
        if (!v.descriptor.startsWith('wsh(')) assertRefused(withChecksum(`wsh(${v.descriptor})`), `${label} inside wsh()`);
      });
    }
  }
  for (const v of vectors.bip383_invalid) {
    it(`bip383 invalid "${v.comment}" — refused inside wsh()`, () => assertRefused(withChecksum(`wsh(${v.descriptor.replace(/^sh\(|\)$/g, '')})`), `bip383 ${v.comment}`));
  }
});

describe('BIP387 multi_a / sortedmulti_a inside tr()', () => {
  for (const [i, v] of vectors.bip387_valid.entries()) {
    const label = `bip387 valid ${i + 1}: ${v.descriptor.slice(0, 60)}…`;
    if (!hasPrivateOrUncompressed(v.descriptor)) {
      it(`${label} — yields the listed scriptPubKeys`, () => {
        const parsed = parseMultisigDescriptor(withChecksum(v.descriptor));
        v.scripts.forEach((script, index) => assert.equal(hex(deriveMultisigAddress(parsed, index, 'mainnet').scriptPubKey), script, `${label} index ${index}`));
      });
    } else {
      it(`${label} — refused: it holds private keys`, () => assertRefused(withChecksum(v.descriptor), label));
    }
  }
  for (const v of vectors.bip387_invalid) {
    it(`bip387 invalid "${v.comment}" — refused`, () => assertRefused(withChecksum(v.descriptor), `bip387 ${v.comment}`));
  }
});

describe('BIP129 BSMS records: first address', () => {
  for (const [i, v] of vectors.bip129_bsms.entries()) {
    it(`bip129 record ${i + 1}: ${v.firstAddress}`, () => {
      // BSMS writes `/**` for "the path restrictions below"; the first restriction is /0/*.
      const descriptor = v.descriptorTemplate.includes('/**') ? withChecksum(v.descriptorTemplate.replaceAll('/**', v.pathRestrictions.split(',')[0]!)) : v.descriptorTemplate;
      const parsed = parseMultisigDescriptor(descriptor);
      assert.equal(deriveMultisigAddress(parsed, 0, 'mainnet').address, v.firstAddress, `bip129 record ${i + 1}`);
    });
  }
});
