/**
 * KMIP Register of Private Keys, Re-key, RSA-OAEP Encrypt/Decrypt and the per-version attribute rules,
 * through the JSON TTLV route (POST /kmip/2_1, the same operation table as the TTLV listener) on a real
 * SQLite file. Keys are made by node:crypto (independent of Strongbox); what Strongbox signs and encrypts
 * is checked with node:crypto, and what node:crypto encrypts is decrypted by Strongbox. Invalid material
 * (scalar 0 or n, a public point that is not the private key's, a 1024-bit RSA key, wrong lengths, an
 * algorithm that contradicts the material) answers a KMIP error naming the problem, and stores nothing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { constants, createPublicKey, generateKeyPairSync, privateDecrypt, publicEncrypt, verify as verifySignature, type KeyObject } from 'node:crypto';
import { startTestBox, type TestBox } from '../helpers/app.js';
import { b, e, failed, field, fields, i, items, ok, request, s, t, type J } from '../helpers/kmip-json.js';

/** A Register of a Private Key: Key Block {format, Key Value {Key Material}, algorithm?} */
function registerPrivate(format: string, material: J, algorithm?: string, extra: J[] = []): [string, J[]] {
  const block = s('KeyBlock', e('KeyFormatType', format), s('KeyValue', { ...material, tag: 'KeyMaterial' }), ...(algorithm === undefined ? [] : [e('CryptographicAlgorithm', algorithm)]));
  return ['Register', [e('ObjectType', 'PrivateKey'), s('Attributes', ...(algorithm === undefined ? [] : [e('CryptographicAlgorithm', algorithm)]), ...extra), s('PrivateKey', block)]];
}

const der = (k: KeyObject, type: 'pkcs8' | 'pkcs1' | 'sec1'): Buffer => k.export({ format: 'der', type } as never) as Buffer;
/** Attribute values without an enumeration table of their own travel as hex (KMIP 1.4 §9.1.3.2.14 Hashing Algorithm, §9.1.3.2.17 State). */
const HASH_HEX: Record<string, string> = { SHA_1: '0x00000004', SHA_256: '0x00000006' };
const ACTIVE = '0x00000002';
const P256_N = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');
const SECP256K1_N = Buffer.from('fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141', 'hex');

describe('KMIP Register (private keys), Re-key, RSA-OAEP and version rules', () => {
  let box: TestBox;
  const kmip = async (version: [number, number], batch: [string, J[]][]) => items(await box.call('POST', '/kmip/2_1', request(version, batch)));
  const one = async (version: [number, number], item: [string, J[]]) => (await kmip(version, [item]))[0]!;
  const keyCount = async () => (await box.call('GET', '/v1/keys?limit=1000')).body.keys.length as number;

  before(async () => {
    box = await startTestBox();
  });
  after(() => box.cleanup());

  describe('Register Private Key', () => {
    it('PKCS#8 P-256 (as PyKMIP sends it): a Strongbox key that signs, verified by node:crypto against the registered public key', async () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      const [reg, act, sig, pub] = await kmip([1, 4], [registerPrivate('PKCS_8', b('', der(privateKey, 'pkcs8')), 'ECDSA'), ['Activate', []], ['Sign', [s('CryptographicParameters', e('HashingAlgorithm', 'SHA_256')), b('Data', Buffer.from('registered and signing'))]], ['Get', []]]);
      const uid = field(ok(reg!).payload, 'UniqueIdentifier');
      ok(act!);
      const signature = Buffer.from(field(ok(sig!).payload, 'SignatureData'), 'hex');
      assert.ok(verifySignature('sha256', Buffer.from('registered and signing'), publicKey, signature), 'node:crypto verifies with the key it generated');
      assert.ok(!verifySignature('sha256', Buffer.from('something else'), publicKey, signature), 'control');
      // No export-plaintext for root: the private key is refused, its public half is the registered one.
      failed(pub!, 'PermissionDenied', /export-plaintext|not marked/);
      const spki = field(ok(await one([1, 4], ['Get', [t('UniqueIdentifier', `${uid}/public`)]])).payload, 'PublicKey');
      const material = (spki as J[])[0]!.value as J[];
      const keyValue = material.find((f) => f.tag === 'KeyValue')!.value as J[];
      assert.equal(keyValue[0]!.value, Buffer.from(publicKey.export({ format: 'der', type: 'spki' })).toString('hex'));
      const info = await box.call('GET', `/v1/keys/${uid}`);
      assert.equal(info.body.type, 'p256');
      assert.equal(info.body.origin, 'imported');
    });

    it('PKCS#8 Ed25519, SEC1 secp256k1 and Transparent EC Private Key (D) become keys of the right type and public key', async () => {
      const ed = generateKeyPairSync('ed25519');
      const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
      const k1b = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
      const d = Buffer.from(k1b.privateKey.export({ format: 'jwk' }).d!, 'base64url');
      const [a, c, tr] = await kmip([2, 1], [
        registerPrivate('PKCS_8', b('', der(ed.privateKey, 'pkcs8'))),
        registerPrivate('ECPrivateKey', b('', der(k1.privateKey, 'sec1')), 'EC'),
        registerPrivate('TransparentECPrivateKey', s('', e('RecommendedCurve', 'SECP256K1'), { tag: 'D', type: 'BigInteger', value: '0x' + d.toString('hex') }), 'EC'),
      ]);
      for (const [r, type, pub] of [[a, 'ed25519', ed.publicKey], [c, 'secp256k1', k1.publicKey], [tr, 'secp256k1', k1b.publicKey]] as const) {
        const uid = field(ok(r!).payload, 'UniqueIdentifier');
        const info = (await box.call('GET', `/v1/keys/${uid}`)).body;
        assert.equal(info.type, type);
        const spki = Buffer.from(pub.export({ format: 'der', type: 'spki' }));
        const gotHex = String(info.publicKey);
        // The public key Strongbox derived from the registered secret is the one node:crypto made.
        const raw = type === 'ed25519' ? spki.subarray(-32) : spki.subarray(-65);
        assert.ok(gotHex.toLowerCase().includes(raw.toString('hex')), `${type}: ${gotHex}`);
      }
    });

    it('PKCS#1 RSA-2048: RSA-OAEP over KMIP both ways (SHA-256 and SHA-1, MGF1), checked with node:crypto', async () => {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const [reg, act] = await kmip([1, 4], [registerPrivate('PKCS_1', b('', der(privateKey, 'pkcs1')), 'RSA'), ['Activate', []]]);
      const uid = field(ok(reg!).payload, 'UniqueIdentifier');
      ok(act!);
      const oaep = (hash: string, mgf = true) => s('CryptographicParameters', e('PaddingMethod', 'OAEP'), e('HashingAlgorithm', hash), ...(mgf ? [e('MaskGenerator', '0x00000001'), e('MaskGeneratorHashingAlgorithm', HASH_HEX[hash]!)] : []));
      // Strongbox encrypts to the public key (either identifier); node:crypto decrypts with the private key.
      const enc = ok(await one([2, 1], ['Encrypt', [t('UniqueIdentifier', `${uid}/public`), oaep('SHA_256'), b('Data', Buffer.from('wrapped data key'))]]));
      const ct = Buffer.from(field(enc.payload, 'Data'), 'hex');
      assert.equal(ct.length, 256);
      assert.equal(privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, ct).toString(), 'wrapped data key');
      // node:crypto encrypts; Strongbox decrypts (SHA-1 as PyKMIP and older clients default to, and SHA-256).
      for (const [hash, node] of [['SHA_1', 'sha1'], ['SHA_256', 'sha256']] as const) {
        const c = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: node }, Buffer.from(`secret via ${node}`));
        const dec = ok(await one([1, 4], ['Decrypt', [t('UniqueIdentifier', uid), oaep(hash, hash === 'SHA_256'), b('Data', c)]]));
        assert.equal(Buffer.from(field(dec.payload, 'Data'), 'hex').toString(), `secret via ${node}`);
      }
      const wrongHash = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from('x'));
      failed(await one([1, 4], ['Decrypt', [t('UniqueIdentifier', uid), oaep('SHA_256'), b('Data', wrongHash)]]), 'CryptographicFailure', /.+/);
      failed(await one([1, 4], ['Encrypt', [t('UniqueIdentifier', uid), s('CryptographicParameters', e('PaddingMethod', 'PKCS1v1_5')), b('Data', Buffer.from('x'))]]), 'InvalidField', /OAEP/);
      failed(await one([1, 4], ['Encrypt', [t('UniqueIdentifier', uid), s('CryptographicParameters', e('PaddingMethod', 'OAEP'), e('HashingAlgorithm', 'SHA_256'), e('MaskGeneratorHashingAlgorithm', HASH_HEX['SHA_1']!)), b('Data', Buffer.from('x'))]]), 'InvalidField', /Mask Generator/);
      failed(await one([1, 4], ['Decrypt', [t('UniqueIdentifier', `${uid}/public`), oaep('SHA_256'), b('Data', ct)]]), 'IllegalOperation', /private key/);
    });

    it('invalid material is refused with a KMIP error naming the problem, and nothing is stored', async () => {
      const before = await keyCount();
      const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      // A PKCS#8 whose embedded public point belongs to another key (a valid point, the wrong one), and
      // one whose point is off the curve (x of another key with this key's y).
      const pk8 = der(p256.privateKey, 'pkcs8');
      const point = (k: KeyObject) => Buffer.from(k.export({ format: 'der', type: 'spki' })).subarray(-65);
      const at = pk8.indexOf(point(p256.publicKey));
      assert.ok(at > 0, 'the PKCS#8 carries its public key');
      const spliced = Buffer.from(pk8);
      point(other.publicKey).copy(spliced, at);
      const offCurve = Buffer.from(pk8);
      point(other.publicKey).subarray(1, 33).copy(offCurve, at + 1);
      const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 });
      const cases: [string, [string, J[]], string, RegExp][] = [
        ['scalar 0 (Raw)', registerPrivate('Raw', b('', Buffer.alloc(32)), 'EC', [s('CryptographicDomainParameters', e('RecommendedCurve', 'P_256'))]), 'InvalidField', /KeyMaterial|range|scalar|invalid/i],
        ['scalar n (Raw P-256)', registerPrivate('Raw', b('', P256_N), 'EC', [s('CryptographicDomainParameters', e('RecommendedCurve', 'P_256'))]), 'InvalidField', /range|scalar|invalid/i],
        ['D = n (Transparent secp256k1)', registerPrivate('TransparentECPrivateKey', s('', e('RecommendedCurve', 'SECP256K1'), { tag: 'D', type: 'BigInteger', value: '0x' + SECP256K1_N.toString('hex') })), 'InvalidField', /range|scalar|invalid/i],
        ['a negative D', registerPrivate('TransparentECPrivateKey', s('', e('RecommendedCurve', 'P_256'), { tag: 'D', type: 'BigInteger', value: '-0x01' })), 'InvalidField', /D is out of range/],
        ['D = 2^256 - 1 (P-256)', registerPrivate('TransparentECPrivateKey', s('', e('RecommendedCurve', 'P_256'), { tag: 'D', type: 'BigInteger', value: '0x' + 'ff'.repeat(32) })), 'InvalidField', /range|scalar|invalid/i],
        ['a 31-byte Raw scalar', registerPrivate('Raw', b('', Buffer.alloc(31, 1)), 'EC'), 'InvalidField', /32 bytes, not 31/],
        ['garbage PKCS#8', registerPrivate('PKCS_8', b('', Buffer.from('3003020100', 'hex'))), 'InvalidField', /not a valid PKCS#8/],
        ['a public point that is not the private key’s', registerPrivate('PKCS_8', b('', spliced)), 'InvalidField', /does not match/],
        ['a public point off the curve', registerPrivate('PKCS_8', b('', offCurve)), 'InvalidField', /not on the curve/],
        ['RSA 1024 bits', registerPrivate('PKCS_1', b('', der(rsa1024.privateKey, 'pkcs1'))), 'InvalidField', /2048, 3072 or 4096/],
        ['an algorithm that contradicts the material', registerPrivate('PKCS_8', b('', pk8), 'RSA'), 'InvalidField', /does not match the p256 key/],
        ['PKCS#1 holding an EC key', registerPrivate('PKCS_1', b('', pk8)), 'InvalidField', /PKCS#1/],
        ['an unsupported format', registerPrivate('X_509', b('', pk8)), 'KeyFormatTypeNotSupported', /PKCS#8/],
      ];
      for (const [label, item, reason, message] of cases) {
        const r = await one([2, 1], item);
        assert.equal(r.ResultStatus, 'OperationFailed', `${label}: ${JSON.stringify(r)}`);
        assert.equal(r.ResultReason, reason, `${label}: ${JSON.stringify(r)}`);
        assert.match(r.ResultMessage, message, label);
      }
      assert.equal(await keyCount(), before, 'no key was stored');
    });

    it('object types Register does not take (a Certificate) are refused with a reason (kmip-objects.test.ts covers Public Key, Secret Data and Opaque Object)', async () => {
      const r = await one([2, 1], ['Register', [e('ObjectType', 'Certificate'), s('Certificate', e('CertificateType', '0x00000001'), b('CertificateValue', Buffer.from('not a certificate')))]]);
      failed(r, 'InvalidObjectType', /Register accepts Symmetric Keys, Private Keys, Public Keys, Secret Data and Opaque Objects/);
    });
  });

  describe('Re-key', () => {
    it('a new key with the same attributes, linked both ways; Active when the old one is; the old one keeps working', async () => {
      const [created, , setName] = await kmip([1, 4], [
        ['Create', [e('ObjectType', 'SymmetricKey'), s('TemplateAttribute', s('Attribute', t('AttributeName', 'Cryptographic Algorithm'), e('AttributeValue', '0x00000003')), s('Attribute', t('AttributeName', 'Cryptographic Length'), i('AttributeValue', 256)), s('Attribute', t('AttributeName', 'Name'), s('AttributeValue', t('NameValue', 'db-kek'), e('NameType', 'UninterpretedTextString'))), s('Attribute', t('AttributeName', 'Operation Policy Name'), t('AttributeValue', 'default')), s('Attribute', t('AttributeName', 'x-team'), t('AttributeValue', 'storage')))]],
        ['Activate', []],
        ['GetAttributes', []],
      ]);
      const oldUid = field(ok(created!).payload, 'UniqueIdentifier');
      ok(setName!);
      const ct = ok(await one([1, 4], ['Encrypt', [t('UniqueIdentifier', oldUid), b('Data', Buffer.from('page')), b('IVCounterNonce', Buffer.alloc(12, 7))]]));
      const rekeyed = ok(await one([1, 4], ['ReKey', [t('UniqueIdentifier', oldUid)]]));
      const newUid = field(rekeyed.payload, 'UniqueIdentifier');
      assert.notEqual(newUid, oldUid);
      const attrs = async (uid: string) => {
        const r = ok(await one([1, 4], ['GetAttributes', [t('UniqueIdentifier', uid)]]));
        const out = new Map<string, any[]>();
        for (const a of fields(r.payload, 'Attribute') as J[][]) {
          const name = a.find((f) => f.tag === 'AttributeName')!.value as string;
          out.set(name, [...(out.get(name) ?? []), a.find((f) => f.tag === 'AttributeValue')!.value]);
        }
        return out;
      };
      const oldA = await attrs(oldUid);
      const newA = await attrs(newUid);
      const link = (m: Map<string, any[]>, type: string) => (m.get('Link') ?? []).map((l: J[]) => [l.find((f) => f.tag === 'LinkType')!.value, l.find((f) => f.tag === 'LinkedObjectIdentifier')!.value]).find(([k]) => k === type)?.[1];
      assert.equal(link(oldA, 'ReplacementObjectLink'), newUid);
      assert.equal(link(newA, 'ReplacedObjectLink'), oldUid);
      assert.deepEqual(newA.get('State'), [ACTIVE]);
      assert.deepEqual(oldA.get('State'), [ACTIVE]);
      assert.deepEqual(newA.get('Operation Policy Name'), ['default']);
      assert.deepEqual(newA.get('x-team'), ['storage']);
      assert.deepEqual((newA.get('Name') as J[][]).map((n) => n[0]!.value), ['db-kek']);
      // Fresh material: the old ciphertext does not decrypt under the new key, and still does under the old.
      const dec = (uid: string) => one([1, 4], ['Decrypt', [t('UniqueIdentifier', uid), b('Data', Buffer.from(field(ct.payload, 'Data'), 'hex')), b('IVCounterNonce', Buffer.alloc(12, 7)), b('AuthenticatedEncryptionTag', Buffer.from(field(ct.payload, 'AuthenticatedEncryptionTag'), 'hex'))]]);
      assert.equal(Buffer.from(field(ok(await dec(oldUid)).payload, 'Data'), 'hex').toString(), 'page');
      assert.equal((await dec(newUid)).ResultStatus, 'OperationFailed');
      // Re-keying the replaced key again is refused; so is a key pair.
      failed(await one([1, 4], ['ReKey', [t('UniqueIdentifier', oldUid)]]), 'IllegalOperation', /already replaced/);
      const pair = ok(await one([2, 1], ['CreateKeyPair', [s('CommonAttributes', e('CryptographicAlgorithm', 'EC'), s('CryptographicDomainParameters', e('RecommendedCurve', 'P_256')))]]));
      const r = await one([2, 1], ['ReKey', [t('UniqueIdentifier', field(pair.payload, 'PrivateKeyUniqueIdentifier'))]]);
      assert.equal(r.ResultStatus, 'OperationFailed');
      assert.match(r.ResultMessage, /symmetric/);
    });

    it('with an Offset the new key is Pre-Active until its Activation Date; a Pre-Active key re-keys Pre-Active', async () => {
      const [created] = await kmip([2, 1], [['Create', [e('ObjectType', 'SymmetricKey'), s('Attributes', e('CryptographicAlgorithm', 'AES'), i('CryptographicLength', 256))]]]);
      const uid = field(ok(created!).payload, 'UniqueIdentifier');
      const [rk, attrs] = await kmip([2, 1], [['ReKey', [t('UniqueIdentifier', uid), { tag: 'Offset', type: 'Interval', value: 3600 }]], ['GetAttributes', []]]);
      ok(rk!);
      const a = field(ok(attrs!).payload, 'Attributes') as J[];
      assert.equal(a.find((f) => f.tag === 'State')!.value, 'PreActive');
      const activation = Date.parse(a.find((f) => f.tag === 'ActivationDate')!.value as string);
      assert.ok(activation > Date.now() + 3000 * 1000, 'Activation Date is an hour ahead');
      const [preActive] = await kmip([2, 1], [['Create', [e('ObjectType', 'SymmetricKey'), s('Attributes', e('CryptographicAlgorithm', 'AES'))]]]);
      const [rk2, attrs2] = await kmip([2, 1], [['ReKey', [t('UniqueIdentifier', field(ok(preActive!).payload, 'UniqueIdentifier'))]], ['GetAttributes', []]]);
      ok(rk2!);
      assert.equal((field(ok(attrs2!).payload, 'Attributes') as J[]).find((f) => f.tag === 'State')!.value, 'PreActive');
    });
  });

  describe('per-version attribute rules', () => {
    it('1.x gets only 1.x attributes and its Operation Policy Name; 2.x gets Sensitive/Extractable and no Operation Policy Name', async () => {
      const created = ok(await one([1, 2], ['Create', [e('ObjectType', 'SymmetricKey'), s('TemplateAttribute', s('Attribute', t('AttributeName', 'Cryptographic Algorithm'), e('AttributeValue', '0x00000003')), s('Attribute', t('AttributeName', 'Operation Policy Name'), t('AttributeValue', 'percona')))]]));
      const uid = field(created.payload, 'UniqueIdentifier');
      const one1 = ok(await one([1, 2], ['GetAttributes', [t('UniqueIdentifier', uid)]]));
      const names1 = (fields(one1.payload, 'Attribute') as J[][]).map((a) => a.find((f) => f.tag === 'AttributeName')!.value);
      assert.ok(names1.includes('Operation Policy Name'));
      assert.ok(!names1.includes('Sensitive') && !names1.includes('Extractable'));
      const two = ok(await one([2, 1], ['GetAttributes', [t('UniqueIdentifier', uid)]]));
      const tags2 = (field(two.payload, 'Attributes') as J[]).map((f) => f.tag);
      assert.ok(tags2.includes('Sensitive') && tags2.includes('Extractable'));
      assert.ok(!tags2.includes('OperationPolicyName'));
      // 2.x Attribute Reference selects by tag.
      const sel = ok(await one([2, 1], ['GetAttributes', [t('UniqueIdentifier', uid), e('AttributeReference', '0x0042008D'), e('AttributeReference', '0x0042002A')]]));
      assert.deepEqual((field(sel.payload, 'Attributes') as J[]).map((f) => f.tag).sort(), ['CryptographicLength', 'State']);
      // A key that never set Operation Policy Name does not get one invented.
      const plain = field(ok(await one([1, 2], ['Create', [e('ObjectType', 'SymmetricKey'), s('TemplateAttribute', s('Attribute', t('AttributeName', 'Cryptographic Algorithm'), e('AttributeValue', '0x00000003')))]])).payload, 'UniqueIdentifier');
      const list = ok(await one([1, 2], ['GetAttributeList', [t('UniqueIdentifier', plain)]]));
      assert.ok(!fields(list.payload, 'AttributeName').includes('Operation Policy Name'));
    });

    it('a Key Value holds only Key Material, at every version (no attributes inside it, which 1.x clients reject)', async () => {
      const pair = ok(await one([2, 1], ['CreateKeyPair', [s('CommonAttributes', e('CryptographicAlgorithm', 'EC'), s('CryptographicDomainParameters', e('RecommendedCurve', 'P_256')))]]));
      const pub = field(pair.payload, 'PublicKeyUniqueIdentifier');
      for (const v of [[1, 0], [1, 4], [2, 0], [2, 1]] as [number, number][]) {
        const got = ok(await one(v, ['Get', [t('UniqueIdentifier', pub)]]));
        const block = (field(got.payload, 'PublicKey') as J[]).find((f) => f.tag === 'KeyBlock')!.value as J[];
        const keyValue = block.find((f) => f.tag === 'KeyValue')!.value as J[];
        assert.deepEqual(keyValue.map((f) => f.tag), ['KeyMaterial'], `KMIP ${v.join('.')}`);
      }
    });
  });
});
