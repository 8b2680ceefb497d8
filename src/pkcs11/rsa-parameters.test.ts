/**
 * The RSA mechanisms' inputs: DigestInfo parsing (RFC 8017 §9.2 note 1), CK_RSA_PKCS_PSS_PARAMS and
 * CK_RSA_PKCS_OAEP_PARAMS checks, CKM_RSA_PKCS_KEY_PAIR_GEN templates. Every refusal is a
 * Pkcs11Error with the PKCS#11 return value, never another exception.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { CKA, CKG, CKM, CKR, CKZ_DATA_SPECIFIED } from './constants.js';
import { Pkcs11Error } from './errors.js';
import { oaepParameters, parseDigestInfo, pssParameters, toDigestInfo } from './rsa-parameters.js';
import { bytesAttr, ulongAttr, type Attribute, type Mechanism } from './rpc-calls.js';
import { rsaKeyTypeOf } from './token.js';

const rv = (rvExpected: number) => (err: unknown) => err instanceof Pkcs11Error && err.rv === rvExpected;
const hex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));

describe('CKM_RSA_PKCS: DigestInfo parsing', () => {
  const msg = Buffer.from('digest info');
  // Independent encodings: the DER written out by hand from RFC 8017 §9.2 note 1.
  const cases = [
    { hash: 'sha256', der: '3031300d060960864801650304020105000420' },
    { hash: 'sha384', der: '3041300d060960864801650304020205000430' },
    { hash: 'sha512', der: '3051300d060960864801650304020305000440' },
  ] as const;
  for (const { hash, der } of cases) {
    it(`${hash}: the digest and its hash come out`, () => {
      const digest = new Uint8Array(createHash(hash).update(msg).digest());
      const parsed = parseDigestInfo(new Uint8Array(Buffer.concat([hex(der), digest])));
      assert.equal(parsed.hash, hash);
      assert.deepEqual(parsed.digest, digest);
      assert.deepEqual(toDigestInfo(hash, digest), new Uint8Array(Buffer.concat([hex(der), digest])));
    });
  }

  const sha256 = new Uint8Array(createHash('sha256').update(msg).digest());
  const refused: [string, Uint8Array][] = [
    ['empty', new Uint8Array(0)],
    ['a bare SHA-256 digest', sha256],
    ['SHA-1 DigestInfo', new Uint8Array(Buffer.concat([hex('3021300906052b0e03021a05000414'), new Uint8Array(20)]))],
    ['SHA-256 DigestInfo without the NULL parameter', new Uint8Array(Buffer.concat([hex('302f300b0609608648016503040201' + '0420'), sha256]))],
    ['SHA-256 prefix with a 31-byte digest', new Uint8Array(Buffer.concat([hex(cases[0].der), sha256.subarray(1)]))],
    ['SHA-256 prefix with a 33-byte digest', new Uint8Array(Buffer.concat([hex(cases[0].der), sha256, hex('00')]))],
    ['SHA-384 prefix with a SHA-256 digest', new Uint8Array(Buffer.concat([hex(cases[1].der), sha256]))],
    ['one OID byte changed', new Uint8Array(Buffer.concat([hex(cases[0].der.replace('040201', '040204')), sha256]))],
  ];
  for (const [name, data] of refused) {
    it(`${name}: CKR_DATA_INVALID`, () => assert.throws(() => parseDigestInfo(data), rv(CKR.DATA_INVALID)));
  }
});

const pss = (hashAlg: number | bigint, mgf: number | bigint, sLen: number | bigint, type: number = CKM.RSA_PKCS_PSS): Mechanism => ({
  type,
  parameter: { kind: 'pss', hashAlg: BigInt(hashAlg), mgf: BigInt(mgf), sLen: BigInt(sLen) },
});

describe('CK_RSA_PKCS_PSS_PARAMS', () => {
  it('hashAlg = the MGF1 hash and sLen = the hash length are accepted', () => {
    assert.deepEqual(pssParameters(pss(CKM.SHA256, CKG.MGF1_SHA256, 32)), { hash: 'sha256', bytes: 32 });
    assert.deepEqual(pssParameters(pss(CKM.SHA384, CKG.MGF1_SHA384, 48)), { hash: 'sha384', bytes: 48 });
    assert.deepEqual(pssParameters(pss(CKM.SHA512, CKG.MGF1_SHA512, 64)), { hash: 'sha512', bytes: 64 });
    assert.deepEqual(pssParameters(pss(CKM.SHA256, CKG.MGF1_SHA256, 32, CKM.SHA256_RSA_PKCS_PSS)), { hash: 'sha256', bytes: 32 });
  });

  it('CKM_SHA256_RSA_PKCS_PSS carried as the C structure (three little-endian CK_ULONGs)', () => {
    const raw = Buffer.alloc(24);
    raw.writeBigUInt64LE(BigInt(CKM.SHA256), 0);
    raw.writeBigUInt64LE(BigInt(CKG.MGF1_SHA256), 8);
    raw.writeBigUInt64LE(32n, 16);
    assert.deepEqual(pssParameters({ type: CKM.SHA256_RSA_PKCS_PSS, parameter: new Uint8Array(raw) }), { hash: 'sha256', bytes: 32 });
    raw.writeBigUInt64LE(20n, 16);
    assert.throws(() => pssParameters({ type: CKM.SHA256_RSA_PKCS_PSS, parameter: new Uint8Array(raw) }), rv(CKR.MECHANISM_PARAM_INVALID));
  });

  const refused: [string, Mechanism][] = [
    ['no parameter', { type: CKM.RSA_PKCS_PSS, parameter: null }],
    ['empty bytes', { type: CKM.RSA_PKCS_PSS, parameter: new Uint8Array(0) }],
    ['23 raw bytes', { type: CKM.SHA256_RSA_PKCS_PSS, parameter: new Uint8Array(23) }],
    ['an OAEP parameter', { type: CKM.RSA_PKCS_PSS, parameter: { kind: 'oaep', hashAlg: BigInt(CKM.SHA256), mgf: BigInt(CKG.MGF1_SHA256), source: 1n, sourceData: null } }],
    ['hashAlg SHA-1', pss(CKM.SHA_1, CKG.MGF1_SHA1, 20)],
    ['hashAlg not a hash (CKM_ECDSA)', pss(CKM.ECDSA, CKG.MGF1_SHA256, 32)],
    ['hashAlg 2^64-1', pss(0xffffffffffffffffn, CKG.MGF1_SHA256, 32)],
    ['MGF1 over another hash', pss(CKM.SHA256, CKG.MGF1_SHA1, 32)],
    ['mgf unknown', pss(CKM.SHA256, 0x99, 32)],
    ['sLen 0', pss(CKM.SHA256, CKG.MGF1_SHA256, 0)],
    ['sLen 20 with SHA-256', pss(CKM.SHA256, CKG.MGF1_SHA256, 20)],
    ['sLen 2^64-1', pss(CKM.SHA256, CKG.MGF1_SHA256, 0xffffffffffffffffn)],
    ['CKM_SHA256_RSA_PKCS_PSS with hashAlg SHA-384', pss(CKM.SHA384, CKG.MGF1_SHA384, 48, CKM.SHA256_RSA_PKCS_PSS)],
  ];
  for (const [name, mech] of refused) {
    it(`${name}: CKR_MECHANISM_PARAM_INVALID`, () => assert.throws(() => pssParameters(mech), rv(CKR.MECHANISM_PARAM_INVALID)));
  }
});

const oaep = (hashAlg: number | bigint, mgf: number | bigint, source: number | bigint, sourceData: Uint8Array | null): Mechanism => ({
  type: CKM.RSA_PKCS_OAEP,
  parameter: { kind: 'oaep', hashAlg: BigInt(hashAlg), mgf: BigInt(mgf), source: BigInt(source), sourceData },
});

describe('CK_RSA_PKCS_OAEP_PARAMS', () => {
  it('SHA-256 or SHA-1 with the matching MGF1; the label is the source data', () => {
    assert.deepEqual(oaepParameters(oaep(CKM.SHA256, CKG.MGF1_SHA256, CKZ_DATA_SPECIFIED, null)), { algorithm: 'RSAES_OAEP_SHA_256', label: new Uint8Array(0) });
    assert.deepEqual(oaepParameters(oaep(CKM.SHA_1, CKG.MGF1_SHA1, 0, null)), { algorithm: 'RSAES_OAEP_SHA_1', label: new Uint8Array(0) });
    assert.deepEqual(oaepParameters(oaep(CKM.SHA256, CKG.MGF1_SHA256, CKZ_DATA_SPECIFIED, hex('6c6162656c'))), { algorithm: 'RSAES_OAEP_SHA_256', label: hex('6c6162656c') });
  });

  const refused: [string, Mechanism][] = [
    ['no parameter', { type: CKM.RSA_PKCS_OAEP, parameter: null }],
    ['raw bytes', { type: CKM.RSA_PKCS_OAEP, parameter: new Uint8Array(40) }],
    ['a PSS parameter', { type: CKM.RSA_PKCS_OAEP, parameter: { kind: 'pss', hashAlg: BigInt(CKM.SHA256), mgf: BigInt(CKG.MGF1_SHA256), sLen: 32n } }],
    ['SHA-384', oaep(CKM.SHA384, CKG.MGF1_SHA384, CKZ_DATA_SPECIFIED, null)],
    ['SHA-256 with MGF1-SHA1', oaep(CKM.SHA256, CKG.MGF1_SHA1, CKZ_DATA_SPECIFIED, null)],
    ['SHA-1 with MGF1-SHA256', oaep(CKM.SHA_1, CKG.MGF1_SHA256, CKZ_DATA_SPECIFIED, null)],
    ['hashAlg 2^64-1', oaep(0xffffffffffffffffn, CKG.MGF1_SHA256, CKZ_DATA_SPECIFIED, null)],
    ['a label with source 0', oaep(CKM.SHA256, CKG.MGF1_SHA256, 0, hex('00'))],
    ['source 2', oaep(CKM.SHA256, CKG.MGF1_SHA256, 2, null)],
    ['a label over 8 KiB', oaep(CKM.SHA256, CKG.MGF1_SHA256, CKZ_DATA_SPECIFIED, new Uint8Array(8 * 1024 + 1))],
  ];
  for (const [name, mech] of refused) {
    it(`${name}: CKR_MECHANISM_PARAM_INVALID`, () => assert.throws(() => oaepParameters(mech), rv(CKR.MECHANISM_PARAM_INVALID)));
  }
});

describe('CKM_RSA_PKCS_KEY_PAIR_GEN template', () => {
  const bits = (n: number | bigint) => ulongAttr(CKA.MODULUS_BITS, n);
  const e65537 = bytesAttr(CKA.PUBLIC_EXPONENT, hex('010001'));
  it('CKA_MODULUS_BITS 2048/3072/4096, CKA_PUBLIC_EXPONENT 65537 (leading zeros allowed) or absent', () => {
    assert.equal(rsaKeyTypeOf([bits(2048), e65537], []), 'rsa2048');
    assert.equal(rsaKeyTypeOf([bits(3072)], []), 'rsa3072');
    assert.equal(rsaKeyTypeOf([], [bits(4096), bytesAttr(CKA.PUBLIC_EXPONENT, hex('00010001'))]), 'rsa4096');
  });
  const refused: [string, Attribute[], number][] = [
    ['no CKA_MODULUS_BITS', [e65537], CKR.TEMPLATE_INCOMPLETE],
    ['CKA_MODULUS_BITS without a value', [{ type: CKA.MODULUS_BITS, length: -1, value: null }], CKR.TEMPLATE_INCOMPLETE],
    ['1024 bits', [bits(1024)], CKR.ATTRIBUTE_VALUE_INVALID],
    ['2^64-1 bits', [bits(0xffffffffffffffffn)], CKR.ATTRIBUTE_VALUE_INVALID],
    ['CKA_MODULUS_BITS as bytes', [bytesAttr(CKA.MODULUS_BITS, hex('0800'))], CKR.ATTRIBUTE_VALUE_INVALID],
    ['exponent 3', [bits(2048), bytesAttr(CKA.PUBLIC_EXPONENT, hex('03'))], CKR.ATTRIBUTE_VALUE_INVALID],
    ['empty exponent', [bits(2048), bytesAttr(CKA.PUBLIC_EXPONENT, new Uint8Array(0))], CKR.ATTRIBUTE_VALUE_INVALID],
  ];
  for (const [name, template, expected] of refused) {
    it(`${name}: ${expected === CKR.TEMPLATE_INCOMPLETE ? 'CKR_TEMPLATE_INCOMPLETE' : 'CKR_ATTRIBUTE_VALUE_INVALID'}`, () => assert.throws(() => rsaKeyTypeOf(template, []), rv(expected)));
  }
});
