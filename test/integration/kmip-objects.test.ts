/**
 * KMIP Register of Public Keys, Secret Data and Opaque Objects through the JSON TTLV route (POST /kmip/2_1,
 * the operation table the TTLV listener also serves) on a real SQLite file: Register → Get (byte-equal) →
 * Get Attributes → Locate by Name and Object Type → Activate → Revoke → Destroy → Get fails, at KMIP 1.4
 * and 2.1. Secrets are Strongbox secrets (visible at /v1/secrets/kmip/<uid>); the Unique Identifier space
 * is shared with keys; policies on secret:kmip/<uid> govern them. Signatures a registered public key
 * verifies are made by node:crypto (outside Strongbox), and what Strongbox encrypts with a registered RSA
 * key is decrypted by node:crypto. Malformed material answers a KMIP error naming the problem and stores
 * nothing; no secret value reaches an audit record.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { constants, generateKeyPairSync, privateDecrypt, randomBytes, sign as signData, type KeyObject } from 'node:crypto';
import { startTestBox, type TestBox } from '../helpers/app.js';
import { b, e, failed, field, fields, i, items, ok, request, s, t, type J } from '../helpers/kmip-json.js';

/** Validity Indicator (no enumeration table: hex in JSON; KMIP 1.4 §9.1.3.2.24) */
const VALID = '0x00000001';
const INVALID = '0x00000002';
/** Object Type and Cryptographic Algorithm values (KMIP 1.4 §9.1.3.2.12, §9.1.3.2.13) for 1.x Attribute Values */
const ENUM_HEX: Record<string, string> = { PublicKey: '0x00000003', SecretData: '0x00000007', OpaqueObject: '0x00000008', RSA: '0x00000004', ECDSA: '0x00000006', EC: '0x0000001a' };
const hex = (x: Uint8Array | Buffer): string => Buffer.from(x).toString('hex');

/** Attributes in the request shape of the version: 1.x Template-Attribute, 2.x Attributes. */
function attrs(v: [number, number], name: string): J {
  return v[0] >= 2
    ? s('Attributes', s('Name', t('NameValue', name), e('NameType', 'UninterpretedTextString')))
    : s('TemplateAttribute', s('Attribute', t('AttributeName', 'Name'), s('AttributeValue', t('NameValue', name), e('NameType', 'UninterpretedTextString'))));
}

const secretData = (value: Buffer, type = 'Password'): J => s('SecretData', e('SecretDataType', type), s('KeyBlock', e('KeyFormatType', 'Opaque'), s('KeyValue', b('KeyMaterial', value))));
const opaque = (value: Buffer): J => s('OpaqueObject', e('OpaqueDataType', '0x80000001'), b('OpaqueDataValue', value));
const publicKey = (format: string, material: J, algorithm?: string): J =>
  s('PublicKey', s('KeyBlock', e('KeyFormatType', format), s('KeyValue', { ...material, tag: 'KeyMaterial' }), ...(algorithm === undefined ? [] : [e('CryptographicAlgorithm', algorithm)])));
const spki = (k: KeyObject): Buffer => k.export({ format: 'der', type: 'spki' }) as Buffer;
/** The uncompressed SEC1 point of an EC public key, from its JWK (node:crypto). */
function ecPoint(k: KeyObject): Buffer {
  const jwk = k.export({ format: 'jwk' });
  return Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
}

describe('KMIP Public Key, Secret Data and Opaque Object', () => {
  let box: TestBox;
  const kmip = async (version: [number, number], batch: [string, J[]][], token?: string) => items(await box.call('POST', '/kmip/2_1', request(version, batch), token));
  const one = async (version: [number, number], item: [string, J[]], token?: string) => (await kmip(version, [item], token))[0]!;
  const uidOf = (r: Record<string, any>): string => field(ok(r).payload, 'UniqueIdentifier');
  const locate = async (v: [number, number], criteria: J[]): Promise<string[]> => {
    // 1.x: Attribute Value enumerations have no name table in JSON, so they travel as hex.
    const as1x = (c: J): J => (c.type === 'Enumeration' && typeof c.value === 'string' && !c.value.startsWith('0x') ? { ...c, value: ENUM_HEX[c.value]! } : c);
    const r = ok(await one(v, ['Locate', v[0] >= 2 ? [s('Attributes', ...criteria)] : criteria.map((c) => s('Attribute', t('AttributeName', c.tag.replace(/([a-z])([A-Z])/g, '$1 $2')), { ...as1x(c), tag: 'AttributeValue' }))]));
    return fields(r.payload, 'UniqueIdentifier');
  };
  /** every uid a Locate by Object Type answers (to check nothing was stored) */
  const countOf = async (type: string) => (await locate([2, 1], [e('ObjectType', type)])).length;
  const planted: string[] = [];

  before(async () => {
    box = await startTestBox();
  });
  after(() => box.cleanup());

  for (const v of [
    [1, 4],
    [2, 1],
  ] as [number, number][]) {
    describe(`KMIP ${v.join('.')}`, () => {
      it('Secret Data (Password): Register → Get byte-equal → Get Attributes → Locate → the REST secret → Activate, Revoke, Destroy → Get fails, value erased', async () => {
        const value = Buffer.from(`correct horse battery staple ${v.join('.')} ${randomBytes(8).toString('hex')}`);
        planted.push(value.toString('hex'), value.toString('base64'));
        const name = `db-password-${v.join('')}`;
        const uid = uidOf(await one(v, ['Register', [e('ObjectType', 'SecretData'), attrs(v, name), secretData(value)]]));
        const got = ok(await one(v, ['Get', [t('UniqueIdentifier', uid)]])).payload as J[];
        assert.equal(field(got, 'ObjectType'), 'SecretData');
        const sd = field(got, 'SecretData') as J[];
        assert.equal(field(sd, 'SecretDataType'), 'Password');
        const kv = field(field(sd, 'KeyBlock'), 'KeyValue');
        assert.equal(field(kv, 'KeyMaterial'), hex(value), 'the registered bytes come back unchanged');

        const a = ok(await one(v, ['GetAttributes', [t('UniqueIdentifier', uid)]])).payload as J[];
        const flat = JSON.stringify(a);
        if (v[0] >= 2) {
          assert.match(flat, /"tag":"ObjectType","type":"Enumeration","value":"SecretData"/);
          assert.match(flat, /"tag":"State","type":"Enumeration","value":"PreActive"/);
        } else {
          assert.match(flat, /"Object Type"\},\{"tag":"AttributeValue","type":"Enumeration","value":"0x00000007"/);
          assert.match(flat, /"State"\},\{"tag":"AttributeValue","type":"Enumeration","value":"0x00000001"/);
        }
        assert.ok(flat.includes(name), 'the Name is an attribute');

        assert.deepEqual(await locate(v, [s('Name', t('NameValue', name), e('NameType', 'UninterpretedTextString'))]), [uid]);
        const bySecretType = await locate(v, [e('ObjectType', 'SecretData')]);
        assert.ok(bySecretType.includes(uid));
        for (const other of bySecretType) assert.equal((await box.call('GET', `/v1/keys/${other}`)).status, 404, 'Locate by Secret Data answers no key');

        // A Strongbox secret, readable through REST; one id space: the uid is no key.
        const rest = await box.call('GET', `/v1/secrets/kmip/${uid}`);
        assert.equal(rest.status, 200, JSON.stringify(rest.body));
        assert.equal(Buffer.from(rest.body.data.base64, 'base64').toString(), value.toString());
        assert.equal((await box.call('GET', `/v1/keys/${uid}`)).status, 404);

        // Operations that do not apply.
        failed(await one(v, ['Sign', [t('UniqueIdentifier', uid), b('Data', Buffer.from('x'))]]), v[0] >= 2 ? 'InvalidObjectType' : 'IllegalOperation', /Secret Data/);
        failed(await one(v, ['Encrypt', [t('UniqueIdentifier', uid), b('Data', Buffer.from('x'))]]), v[0] >= 2 ? 'InvalidObjectType' : 'IllegalOperation', /Secret Data/);

        ok(await one(v, ['Activate', [t('UniqueIdentifier', uid)]]));
        failed(await one(v, ['Destroy', [t('UniqueIdentifier', uid)]]), v[0] >= 2 ? 'WrongKeyLifecycleState' : 'IllegalOperation', /revoke it first/);
        ok(await one(v, ['Revoke', [t('UniqueIdentifier', uid), s('RevocationReason', e('RevocationReasonCode', 'CessationOfOperation'))]]));
        ok(await one(v, ['Destroy', [t('UniqueIdentifier', uid)]]));
        failed(await one(v, ['Get', [t('UniqueIdentifier', uid)]]), v[0] >= 2 ? 'ObjectDestroyed' : 'ItemNotFound', /destroyed/);
        const after = await box.call('GET', `/v1/secrets/kmip/${uid}`);
        assert.equal(after.status, 404, 'the value is erased: REST cannot read it either');
        const versions = await box.call('GET', `/v1/secret-versions/kmip/${uid}`);
        assert.equal(versions.body.versions[0].destroyed, true);
        const attrsAfter = JSON.stringify(ok(await one(v, ['GetAttributes', [t('UniqueIdentifier', uid)]])).payload);
        assert.match(attrsAfter, v[0] >= 2 ? /"value":"Destroyed"/ : /"State"\},\{"tag":"AttributeValue","type":"Enumeration","value":"0x00000005"/);
      });

      it('Opaque Object: Register → Get byte-equal → Locate by type → Encrypt refused → Destroy (Pre-Active) → Get fails', async () => {
        const value = randomBytes(300);
        planted.push(value.toString('hex'));
        const uid = uidOf(await one(v, ['Register', [e('ObjectType', 'OpaqueObject'), attrs(v, `blob-${v.join('')}`), opaque(value)]]));
        const got = ok(await one(v, ['Get', [t('UniqueIdentifier', uid)]])).payload as J[];
        assert.equal(field(got, 'ObjectType'), 'OpaqueObject');
        assert.equal(field(field(got, 'OpaqueObject'), 'OpaqueDataValue'), hex(value));
        assert.equal(field(field(got, 'OpaqueObject'), 'OpaqueDataType'), '0x80000001');
        assert.ok((await locate(v, [e('ObjectType', 'OpaqueObject')])).includes(uid));
        assert.ok(!(await locate(v, [e('ObjectType', 'SecretData')])).includes(uid));
        failed(await one(v, ['Encrypt', [t('UniqueIdentifier', uid), b('Data', Buffer.from('x'))]]), v[0] >= 2 ? 'InvalidObjectType' : 'IllegalOperation', /Opaque Object/);
        ok(await one(v, ['Destroy', [t('UniqueIdentifier', uid)]]));
        failed(await one(v, ['Get', [t('UniqueIdentifier', uid)]]), v[0] >= 2 ? 'ObjectDestroyed' : 'ItemNotFound', /destroyed/);
      });

      it('Public Key (P-256, X.509): Get byte-equal and as Transparent EC Public Key; verifies a node:crypto signature; Locate; Destroy → Get fails', async () => {
        const { privateKey, publicKey: pub } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
        const name = `verifier-${v.join('')}`;
        const uid = uidOf(await one(v, ['Register', [e('ObjectType', 'PublicKey'), attrs(v, name), publicKey('X_509', b('', spki(pub)))]]));
        assert.equal((await box.call('GET', `/v1/keys/${uid}`)).status, 404, 'a registered public key is no Strongbox key');
        const got = ok(await one(v, ['Get', [t('UniqueIdentifier', uid)]])).payload as J[];
        assert.equal(field(got, 'ObjectType'), 'PublicKey');
        const block = field(field(got, 'PublicKey'), 'KeyBlock');
        assert.equal(field(block, 'KeyFormatType'), 'X_509');
        assert.equal(field(field(block, 'KeyValue'), 'KeyMaterial'), hex(spki(pub)));
        const te = ok(await one(v, ['Get', [t('UniqueIdentifier', uid), e('KeyFormatType', 'TransparentECPublicKey')]])).payload as J[];
        const material = field(field(field(field(te, 'PublicKey'), 'KeyBlock'), 'KeyValue'), 'KeyMaterial');
        assert.equal(field(material, 'QString'), hex(ecPoint(pub)));
        assert.equal(field(material, 'RecommendedCurve'), 'P_256');

        const data = Buffer.from(`signed outside Strongbox ${v.join('.')}`);
        const signature = signData('sha256', data, privateKey);
        const verify = (sig: Buffer, d = data): [string, J[]] => ['SignatureVerify', [t('UniqueIdentifier', uid), s('CryptographicParameters', e('HashingAlgorithm', '0x00000006')), b('Data', d), b('SignatureData', sig)]];
        failed(await one(v, verify(signature)), v[0] >= 2 ? 'WrongKeyLifecycleState' : 'IllegalOperation', /not active/);
        ok(await one(v, ['Activate', [t('UniqueIdentifier', uid)]]));
        assert.equal(field(ok(await one(v, verify(signature))).payload, 'ValidityIndicator'), VALID);
        assert.equal(field(ok(await one(v, verify(signature, Buffer.from('other data')))).payload, 'ValidityIndicator'), INVALID, 'control');
        failed(await one(v, ['Sign', [t('UniqueIdentifier', uid), b('Data', data)]]), v[0] >= 2 ? 'InvalidObjectType' : 'IllegalOperation', /Public Key/);

        assert.deepEqual(await locate(v, [s('Name', t('NameValue', name), e('NameType', 'UninterpretedTextString'))]), [uid]);
        assert.ok((await locate(v, [e('ObjectType', 'PublicKey'), e('CryptographicAlgorithm', v[0] >= 2 ? 'EC' : 'ECDSA')])).includes(uid));
        assert.ok(!(await locate(v, [e('ObjectType', 'PublicKey'), e('CryptographicAlgorithm', 'RSA')])).includes(uid));

        ok(await one(v, ['Revoke', [t('UniqueIdentifier', uid), s('RevocationReason', e('RevocationReasonCode', 'KeyCompromise'))]]));
        ok(await one(v, ['Destroy', [t('UniqueIdentifier', uid)]]));
        failed(await one(v, ['Get', [t('UniqueIdentifier', uid)]]), v[0] >= 2 ? 'ObjectDestroyed' : 'ItemNotFound', /destroyed/);
        assert.ok((await locate(v, [e('State', '0x00000006')])).includes(uid), 'Destroyed Compromised');
      });
    });
  }

  it('Public Key (RSA 2048, PKCS#1): Get byte-equal, PSS and PKCS#1 v1.5 signatures by node:crypto verify, OAEP ciphertext decrypted by node:crypto', async () => {
    const { privateKey, publicKey: pub } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pkcs1 = pub.export({ format: 'der', type: 'pkcs1' }) as Buffer;
    const [reg, act] = await kmip([2, 1], [['Register', [e('ObjectType', 'PublicKey'), s('Attributes', e('CryptographicAlgorithm', 'RSA')), publicKey('PKCS_1', b('', pkcs1), 'RSA')]], ['Activate', []]]);
    const uid = uidOf(reg!);
    ok(act!);
    const got = ok(await one([2, 1], ['Get', [t('UniqueIdentifier', uid)]])).payload as J[];
    assert.equal(field(field(field(field(got, 'PublicKey'), 'KeyBlock'), 'KeyValue'), 'KeyMaterial'), hex(pkcs1));
    const asSpki = ok(await one([2, 1], ['Get', [t('UniqueIdentifier', uid), e('KeyFormatType', 'X_509')]])).payload as J[];
    assert.equal(field(field(field(field(asSpki, 'PublicKey'), 'KeyBlock'), 'KeyValue'), 'KeyMaterial'), hex(spki(pub)));
    const data = Buffer.from('rsa signed outside');
    const pss = signData('sha256', data, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
    const v15 = signData('sha256', data, privateKey);
    const verify = (padding: string, sig: Buffer): [string, J[]] => ['SignatureVerify', [t('UniqueIdentifier', uid), s('CryptographicParameters', e('PaddingMethod', padding), e('HashingAlgorithm', '0x00000006')), b('Data', data), b('SignatureData', sig)]];
    assert.equal(field(ok(await one([2, 1], verify('PSS', pss))).payload, 'ValidityIndicator'), VALID);
    assert.equal(field(ok(await one([2, 1], verify('PKCS1v1_5', v15))).payload, 'ValidityIndicator'), VALID);
    assert.equal(field(ok(await one([2, 1], verify('PSS', v15))).payload, 'ValidityIndicator'), INVALID, 'control: the wrong padding');
    const plaintext = Buffer.from('wrapped for the holder of the private key');
    const enc = ok(await one([2, 1], ['Encrypt', [t('UniqueIdentifier', uid), s('CryptographicParameters', e('PaddingMethod', 'OAEP'), e('HashingAlgorithm', '0x00000006')), b('Data', plaintext)]]));
    const ciphertext = Buffer.from(field(enc.payload, 'Data'), 'hex');
    assert.deepEqual(privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, ciphertext), plaintext);
    failed(await one([2, 1], ['Decrypt', [t('UniqueIdentifier', uid), b('Data', ciphertext)]]), 'InvalidObjectType', /Public Key/);
  });

  it('Public Key (Ed25519, Raw): verifies a node:crypto signature', async () => {
    const { privateKey, publicKey: pub } = generateKeyPairSync('ed25519');
    const raw = spki(pub).subarray(-32);
    const [reg, act] = await kmip([2, 1], [['Register', [e('ObjectType', 'PublicKey'), s('Attributes', e('CryptographicAlgorithm', 'Ed25519'), { tag: 'ActivationDate', type: 'DateTime', value: '2020-01-01T00:00:00Z' }), publicKey('Raw', b('', raw), 'Ed25519')]], ['GetAttributes', []]]);
    const uid = uidOf(reg!);
    assert.match(JSON.stringify(ok(act!).payload), /Active/);
    const data = Buffer.from('ed25519 signed outside');
    const sig = signData(null, data, privateKey);
    const r = ok(await one([2, 1], ['SignatureVerify', [t('UniqueIdentifier', uid), b('Data', data), b('SignatureData', sig)]]));
    assert.equal(field(r.payload, 'ValidityIndicator'), VALID);
    const bad = Buffer.from(sig);
    bad[0]! ^= 1;
    assert.equal(field(ok(await one([2, 1], ['SignatureVerify', [t('UniqueIdentifier', uid), b('Data', data), b('SignatureData', bad)]])).payload, 'ValidityIndicator'), INVALID);
    const got = ok(await one([2, 1], ['Get', [t('UniqueIdentifier', uid)]])).payload as J[];
    assert.equal(field(field(field(field(got, 'PublicKey'), 'KeyBlock'), 'KeyValue'), 'KeyMaterial'), hex(raw));
  });

  it('malformed input: a KMIP error naming the problem, nothing stored', async () => {
    const before = [await countOf('PublicKey'), await countOf('SecretData'), await countOf('OpaqueObject')];
    const { publicKey: pub } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const point = ecPoint(pub);
    const offCurve = Buffer.from(point);
    offCurve[64]! ^= 1;
    const reg = (object: J, type = 'PublicKey', extra: J[] = []) => one([2, 1], ['Register', [e('ObjectType', type), s('Attributes', ...extra), object]]);
    failed(await reg(publicKey('PKCS_8', b('', spki(pub)))), 'KeyFormatTypeNotSupported', /Public Key is registered as X\.509/);
    failed(await reg(publicKey('TransparentECPublicKey', s('', e('RecommendedCurve', 'P_256'), b('QString', offCurve)))), 'InvalidField', /not a valid P-256 point/);
    failed(await reg(publicKey('Raw', b('', offCurve)), 'PublicKey', [e('CryptographicAlgorithm', 'EC'), s('CryptographicDomainParameters', e('RecommendedCurve', 'P_256'))]), 'InvalidField', /not a valid P-256 point/);
    failed(await reg(publicKey('TransparentECPublicKey', s('', e('RecommendedCurve', 'P_256'), b('QString', point.subarray(0, 64))))), 'InvalidField', /65-byte .* not 64 bytes/);
    // An SPKI whose point is off the curve: OpenSSL refuses to parse it.
    const badSpki = Buffer.from(spki(pub));
    badSpki[badSpki.length - 1]! ^= 1;
    failed(await reg(publicKey('X_509', b('', badSpki))), 'InvalidField', /not a valid X\.509 SubjectPublicKeyInfo public key/);
    const { publicKey: small } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    failed(await reg(publicKey('X_509', b('', spki(small)))), 'InvalidField', /2048, 3072 or 4096 bits, not 1024/);
    failed(await reg(publicKey('X_509', b('', spki(pub))), 'PublicKey', [e('CryptographicAlgorithm', 'RSA')]), 'InvalidField', /does not match/);
    failed(await reg(secretData(Buffer.alloc(0)), 'SecretData'), 'InvalidField', /SecretData is empty/);
    failed(await reg(secretData(randomBytes(40 * 1024)), 'SecretData'), 'InvalidField', /SecretData is 40960 bytes; at most 32768/);
    failed(await reg(opaque(randomBytes(33 * 1024)), 'OpaqueObject'), 'InvalidField', /OpaqueDataValue is 33792 bytes/);
    failed(await reg(secretData(Buffer.from('x'), '0x00000009'), 'SecretData'), 'InvalidField', /Secret Data Type/);
    failed(await reg(s('SecretData', e('SecretDataType', 'Password')), 'SecretData'), 'MissingData', /KeyBlock|Key Block/);
    assert.deepEqual([await countOf('PublicKey'), await countOf('SecretData'), await countOf('OpaqueObject')], before, 'nothing was stored');
  });

  it('policies: a token allowed secrets:read on one KMIP secret gets it, and is refused another (and cannot register)', async () => {
    const a = uidOf(await one([2, 1], ['Register', [e('ObjectType', 'SecretData'), s('Attributes'), secretData(Buffer.from('first secret value'))]]));
    const other = uidOf(await one([2, 1], ['Register', [e('ObjectType', 'SecretData'), s('Attributes'), secretData(Buffer.from('second secret value'))]]));
    planted.push(Buffer.from('first secret value').toString('hex'), Buffer.from('second secret value').toString('hex'));
    const pol = await box.call('PUT', '/v1/policies/kmip-one-secret', { statements: [{ effect: 'allow', actions: ['secrets:read'], resources: [`secret:kmip/${a}`] }] });
    assert.equal(pol.status, 200, JSON.stringify(pol.body));
    const token = (await box.call('POST', '/v1/tokens', { policies: ['kmip-one-secret'] })).body.token as string;
    const mine = ok(await one([2, 1], ['Get', [t('UniqueIdentifier', a)]], token)).payload as J[];
    assert.equal(field(field(field(field(mine, 'SecretData'), 'KeyBlock'), 'KeyValue'), 'KeyMaterial'), hex(Buffer.from('first secret value')));
    failed(await one([2, 1], ['Get', [t('UniqueIdentifier', other)]], token), 'PermissionDenied', /./);
    failed(await one([2, 1], ['Register', [e('ObjectType', 'SecretData'), s('Attributes'), secretData(Buffer.from('nope'))]], token), 'PermissionDenied', /./);
    assert.deepEqual(await (async () => fields(ok(await one([2, 1], ['Locate', [s('Attributes', e('ObjectType', 'SecretData'))]], token)).payload, 'UniqueIdentifier'))(), [a], 'Locate shows only what the token may read');
  });

  it('every item is audited as kmip with the object as resource; no secret value in any audit record', async () => {
    const records: any[] = [];
    let afterSeq = 0;
    for (;;) {
      const res = await box.call('GET', `/v1/audit?afterSeq=${afterSeq}&limit=1000`);
      assert.equal(res.status, 200);
      records.push(...res.body.records);
      if (res.body.nextAfterSeq === null) break;
      afterSeq = res.body.nextAfterSeq;
    }
    const kmipRecords = records.filter((r) => r.interface === 'kmip');
    assert.ok(kmipRecords.some((r) => r.operation === 'kmip.Register' && r.action === 'secrets:write' && /^secret:kmip\//.test(r.resource)));
    assert.ok(kmipRecords.some((r) => r.operation === 'kmip.Get' && r.action === 'secrets:read' && /^secret:kmip\//.test(r.resource) && r.outcome === 'denied'));
    assert.ok(kmipRecords.some((r) => r.operation === 'kmip.SignatureVerify' && r.action === 'keys:verify' && /^key:/.test(r.resource)));
    assert.ok(planted.length >= 6);
    const everything = JSON.stringify(records).toLowerCase();
    for (const p of planted) assert.ok(!everything.includes(p.toLowerCase()), 'a secret value is in no audit record');
  });
});
