/**
 * KMIP end to end: PyKMIP's own client (Debian python3-pykmip, unmodified; test/e2e/kmip/pykmip_client.py)
 * against the built server over mutual TLS, at KMIP 1.0, 1.2, 1.4 and 2.0. Results PyKMIP reports are
 * checked independently (node:crypto decrypts what Strongbox encrypted and verifies what it signed).
 * A weak client certificate whose policy names one key is refused the others; a REST-made secp256k1 key
 * never leaves in plaintext; an unsupported operation answers Operation Not Supported on a connection that
 * stays usable; malformed frames (wrong tag, 100 MB declared, garbage, nesting too deep) get an error
 * response or a clean close and the server keeps serving; every batch item is audited as interface `kmip`,
 * and no key material appears in the audit log or the server's output.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { constants, createDecipheriv, createHmac, createPublicKey, generateKeyPairSync, privateDecrypt, publicEncrypt, sign as signData, verify as verifySignature } from 'node:crypto';
import { rmSync } from 'node:fs';
import { repoRoot } from '../helpers/paths.js';
import { httpsJson, makePki, rawKmip, runPykmip, spawnKmipServer, type KmipServer, type TestPki } from '../helpers/kmip.js';
import { decodeTtlv, encodeTtlv, type TtlvItem } from '../../src/kmip/ttlv.js';
import { buildRequest, bytes, enumeration, read, struct } from '../../src/kmip/message.js';
import { Tag } from '../../src/kmip/tags.js';
import { KeyFormatType, ObjectType, Operation, ResultReason, ResultStatus } from '../../src/kmip/enums.js';

const ROOT = 'kmip-e2e-root-token';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('KMIP: PyKMIP client against Strongbox over mutual TLS', () => {
  let pki: TestPki;
  let s: KmipServer;
  const full = new Map<string, Record<string, any>>();
  const objectRuns = new Map<string, Record<string, any>>();

  before(async () => {
    pki = await makePki();
    await pki.leaf('server', '127.0.0.1', 'server');
    await pki.leaf('storage', 'kmip-storage-client', 'client');
    await pki.leaf('weak', 'kmip-weak-client', 'client');
    await pki.leaf('unmapped', 'kmip-nobody', 'client');
    s = await spawnKmipServer(pki, { 'kmip-storage-client': ['kmip-storage'], 'kmip-weak-client': ['kmip-weak'] }, ROOT);
    const put = await httpsJson(
      pki,
      `${s.addr}/v1/policies/kmip-storage`,
      'PUT',
      { statements: [{ effect: 'allow', actions: ['keys:*', 'keys:export-plaintext'], resources: ['key:*'] }, { effect: 'allow', actions: ['secrets:*'], resources: ['secret:kmip/*'] }] },
      { token: ROOT },
    );
    assert.equal(put.status, 200, JSON.stringify(put.body));
    for (const v of ['1.0', '1.2', '1.4', '2.0']) full.set(v, await runPykmip(repoRoot, pki, 'full', s.kmipPort, 'storage', v));
  });
  after(async () => {
    await s?.server.stop();
    if (pki) rmSync(pki.dir, { recursive: true, force: true });
  });

  for (const v of ['1.0', '1.2', '1.4', '2.0']) {
    describe(`KMIP ${v}`, () => {
      const r = () => full.get(v)!;
      it('Create: an AES-256 key, Pre-Active, with the Name, usage mask and (1.x) Operation Policy Name the client set', () => {
        assert.match(r()['create'], UUID);
        const a = r()['attributes_pre'];
        assert.equal(a['State'], 'State.PRE_ACTIVE');
        assert.equal(a['Name'], 'db-master');
        assert.equal(a['Cryptographic Length'], '256');
        assert.equal(a['Cryptographic Algorithm'], 'CryptographicAlgorithm.AES');
        if (v.startsWith('1.')) assert.equal(a['Operation Policy Name'], 'default');
      });
      it('Get Attribute List: only attributes the version defines', () => {
        const list: string[] = r()['attribute_list'];
        assert.ok(list.includes('State') && list.includes('Name'));
        if (v.startsWith('1.')) {
          assert.ok(!list.includes('Sensitive') && !list.includes('Extractable'), '1.x has no Sensitive/Extractable');
          assert.ok(list.includes('Operation Policy Name'));
        } else {
          assert.ok(!list.includes('Operation Policy Name'), '2.x has no Operation Policy Name');
        }
      });
      it('a Pre-Active key cannot encrypt; after Activate it can (AES-CBC PKCS#5, checked with node:crypto)', () => {
        assert.match(r()['encrypt_pre_active'].error, v.startsWith('1.') ? /ILLEGAL_OPERATION/ : /WRONG_KEY_LIFECYCLE_STATE/);
        assert.equal(r()['state_active'], 'State.ACTIVE');
        assert.equal(r()['decrypt_cbc'], 'the database page');
        const key = Buffer.from(r()['get'].material, 'hex');
        const d = createDecipheriv('aes-256-cbc', key, Buffer.from([...Array(16).keys()]));
        assert.equal(Buffer.concat([d.update(Buffer.from(r()['encrypt_cbc'], 'hex')), d.final()]).toString(), 'the database page');
      });
      it('Get: the marked key’s material in plaintext, to a client allowed keys:export-plaintext', () => {
        assert.equal(r()['get'].type, 'SymmetricKey');
        assert.equal(r()['get'].length, 256);
        assert.equal(r()['get'].material.length, 64);
      });
      it('Locate by Name and by algorithm with Maximum Items', () => {
        assert.ok(r()['locate_by_name'].includes(r()['create']));
        assert.ok(r()['locate_all_aes_max2'].length <= 2 && r()['locate_all_aes_max2'].length >= 1);
      });
      it('Register a symmetric key and Get it back unchanged', () => {
        assert.match(r()['register'], UUID);
        assert.equal(r()['register_get'], Buffer.from([...Array(32).keys()]).toString('hex'));
      });
      it('Create Key Pair (EC P-256): the public key is SubjectPublicKeyInfo; Sign is verified by node:crypto; Signature Verify answers Valid/Invalid', () => {
        const [publicUid, privateUid] = r()['create_key_pair'];
        assert.equal(publicUid, `${privateUid}/public`);
        assert.equal(r()['get_public'].format, 'KeyFormatType.X_509');
        const pub = createPublicKey({ key: Buffer.from(r()['get_public'].der, 'hex'), format: 'der', type: 'spki' });
        assert.equal(pub.asymmetricKeyDetails?.namedCurve, 'prime256v1');
        assert.ok(verifySignature('sha256', Buffer.from('message to sign'), pub, Buffer.from(r()['sign'], 'hex')), 'the signature verifies with node:crypto');
        assert.ok(!verifySignature('sha256', Buffer.from('another message'), pub, Buffer.from(r()['sign'], 'hex')), 'control');
        assert.equal(r()['verify_good'], 'ValidityIndicator.VALID');
        assert.equal(r()['verify_bad'], 'ValidityIndicator.INVALID');
      });
      it('Create Key Pair (RSA 2048): Sign with PSS and PKCS#1 v1.5, verified by node:crypto with the public key PyKMIP got', () => {
        assert.deepEqual(r()['rsa_attributes'], { 'Cryptographic Algorithm': 'CryptographicAlgorithm.RSA', 'Cryptographic Length': '2048' });
        const pub = createPublicKey({ key: Buffer.from(r()['rsa_public'], 'hex'), format: 'der', type: 'spki' });
        assert.equal(pub.asymmetricKeyDetails?.modulusLength, 2048);
        const message = Buffer.from('rsa message');
        assert.ok(verifySignature('sha256', message, { key: pub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, Buffer.from(r()['rsa_sign_pss'], 'hex')), 'PSS');
        assert.ok(verifySignature('sha256', message, { key: pub, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(r()['rsa_sign_pkcs1'], 'hex')), 'PKCS#1 v1.5');
        assert.ok(!verifySignature('sha256', Buffer.from('other'), { key: pub, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(r()['rsa_sign_pkcs1'], 'hex')), 'control');
      });
      it('MAC with an HMAC-SHA256 key', () => {
        assert.equal(r()['mac'][0], r()['uids'].hmac);
        assert.match(r()['mac'][1], /^[0-9a-f]{64}$/);
      });
      it('Revoke → Deactivated, Destroy → Destroyed, and a destroyed key’s Get fails; an unknown id is Item Not Found', () => {
        assert.equal(r()['state_revoked'], 'State.DEACTIVATED');
        assert.equal(r()['state_destroyed'], 'State.DESTROYED');
        assert.match(r()['get_destroyed'].error, /OPERATION_FAILED/);
        assert.match(r()['get_missing'].error, /ITEM_NOT_FOUND/);
      });
    });
  }

  it('the MAC is HMAC-SHA256 under the key’s material (Get of the marked HMAC key, checked with node:crypto)', async () => {
    const r = full.get('1.4')!;
    const body = { tag: 'RequestMessage', value: [
      { tag: 'RequestHeader', value: [{ tag: 'ProtocolVersion', value: [{ tag: 'ProtocolVersionMajor', type: 'Integer', value: 2 }, { tag: 'ProtocolVersionMinor', type: 'Integer', value: 1 }] }, { tag: 'BatchCount', type: 'Integer', value: 1 }] },
      { tag: 'BatchItem', value: [{ tag: 'Operation', type: 'Enumeration', value: 'Get' }, { tag: 'RequestPayload', value: [{ tag: 'UniqueIdentifier', type: 'TextString', value: r['uids'].hmac }] }] },
    ] };
    const res = await httpsJson(pki, `${s.addr}/kmip/2_1`, 'POST', body, { cert: 'storage' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const text = JSON.stringify(res.body);
    const material = /"KeyMaterial","type":"ByteString","value":"([0-9a-f]+)"/.exec(text)?.[1];
    assert.ok(material, text);
    assert.equal(createHmac('sha256', Buffer.from(material, 'hex')).update('payload').digest('hex'), r['mac'][1]);
  });

  it('a weak certificate (policy: keys:read and keys:encrypt on one key, secrets:read on one KMIP secret) is refused every other key and secret, plaintext export, Create and Register', async () => {
    const r = full.get('1.2')!;
    const allowed = r['uids'].registered as string;
    const other = r['uids'].hmac as string;
    // Two Secret Data objects registered by the root token through the JSON route; the weak policy covers one.
    const registerSecret = async (value: string): Promise<string> => {
      const body = { tag: 'RequestMessage', value: [
        { tag: 'RequestHeader', value: [{ tag: 'ProtocolVersion', value: [{ tag: 'ProtocolVersionMajor', type: 'Integer', value: 2 }, { tag: 'ProtocolVersionMinor', type: 'Integer', value: 1 }] }, { tag: 'BatchCount', type: 'Integer', value: 1 }] },
        { tag: 'BatchItem', value: [{ tag: 'Operation', type: 'Enumeration', value: 'Register' }, { tag: 'RequestPayload', value: [
          { tag: 'ObjectType', type: 'Enumeration', value: 'SecretData' },
          { tag: 'Attributes', value: [] },
          { tag: 'SecretData', value: [{ tag: 'SecretDataType', type: 'Enumeration', value: 'Password' }, { tag: 'KeyBlock', value: [{ tag: 'KeyFormatType', type: 'Enumeration', value: 'Opaque' }, { tag: 'KeyValue', value: [{ tag: 'KeyMaterial', type: 'ByteString', value: Buffer.from(value).toString('hex') }] }] }] },
        ] }] },
      ] };
      const res = await httpsJson(pki, `${s.addr}/kmip/2_1`, 'POST', body, { token: ROOT });
      const uid = /"UniqueIdentifier","type":"TextString","value":"([0-9a-f-]+)"/.exec(JSON.stringify(res.body))?.[1];
      assert.ok(uid, JSON.stringify(res.body));
      return uid;
    };
    const mySecret = await registerSecret('weak client may read this');
    const otherSecret = await registerSecret('weak client may not read this');
    const put = await httpsJson(pki, `${s.addr}/v1/policies/kmip-weak`, 'PUT', { statements: [{ effect: 'allow', actions: ['keys:read', 'keys:encrypt'], resources: [`key:${allowed}`] }, { effect: 'allow', actions: ['secrets:read'], resources: [`secret:kmip/${mySecret}`] }] }, { token: ROOT });
    assert.equal(put.status, 200);
    const w = await runPykmip(repoRoot, pki, 'weak', s.kmipPort, 'weak', '1.2', [allowed, other, otherSecret, mySecret]);
    assert.equal(w['get_secret_allowed'], Buffer.from('weak client may read this').toString('hex'), JSON.stringify(w));
    assert.match(w['get_secret_denied'].error, /PERMISSION_DENIED/, 'a secret outside the policy is refused');
    assert.match(w['register_secret'].error, /PERMISSION_DENIED/);
    assert.equal(w['get_attributes_allowed'], 'State.PRE_ACTIVE');
    assert.match(w['get_attributes_denied'].error, /PERMISSION_DENIED/);
    assert.match(w['encrypt_denied'].error, /PERMISSION_DENIED/);
    assert.match(w['get_plaintext_allowed'].error, /PERMISSION_DENIED/, 'keys:read is not keys:export-plaintext');
    assert.deepEqual(w['locate_all'], [allowed, mySecret], 'Locate shows only what the certificate may read (keys, then KMIP items)');
    assert.match(w['create'].error, /PERMISSION_DENIED/);
  });

  it('Register of private keys made by node:crypto (PKCS#8 P-256, PKCS#1 RSA), RSA-OAEP both ways, RSA and ECDSA signatures checked by node:crypto, Re-key', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const nodeCiphertext = publicEncrypt({ key: rsa.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from('from node:crypto'));
    const r = await runPykmip(repoRoot, pki, 'register', s.kmipPort, 'storage', '1.2', [
      (ec.privateKey.export({ format: 'der', type: 'pkcs8' }) as Buffer).toString('hex'),
      (rsa.privateKey.export({ format: 'der', type: 'pkcs1' }) as Buffer).toString('hex'),
      nodeCiphertext.toString('hex'),
    ]);
    assert.match(r['register_p256'], UUID, JSON.stringify(r));
    assert.ok(verifySignature('sha256', Buffer.from('signed by a registered key'), ec.publicKey, Buffer.from(r['sign_p256'], 'hex')), 'the registered P-256 key signed; node:crypto verifies');
    assert.match(r['register_rsa'], UUID, JSON.stringify(r));
    assert.equal(r['rsa_attributes']['Cryptographic Algorithm'], 'CryptographicAlgorithm.RSA');
    assert.equal(r['rsa_attributes']['Cryptographic Length'], '2048');
    assert.equal(r['rsa_attributes']['Object Type'], 'ObjectType.PRIVATE_KEY');
    const plain = privateDecrypt({ key: rsa.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, Buffer.from(r['encrypt_oaep_sha256'], 'hex'));
    assert.equal(plain.toString(), 'data key for node', 'Strongbox encrypted with OAEP SHA-256; node:crypto decrypts');
    assert.equal(r['decrypt_oaep_sha1'], 'from node:crypto', 'node:crypto encrypted with OAEP SHA-1; Strongbox decrypts');
    assert.ok(verifySignature('sha256', Buffer.from('rsa registered'), { key: rsa.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, Buffer.from(r['sign_rsa_pss'], 'hex')), 'RSA-PSS verified by node:crypto');
    assert.match(r['register_garbage'].error, /INVALID_FIELD/);
    assert.match(r['register_garbage'].error, /PKCS#8/);
    assert.match(r['register_rsa_as_ec'].error, /INVALID_FIELD/);
    assert.match(r['rekey'], UUID);
    assert.notEqual(r['rekey'], r['uids'].aes);
    assert.equal(r['rekey_state'], 'State.ACTIVE');
    assert.deepEqual(r['rekey_names'].map((n: string) => n.includes('to-rekey')), [true]);
    assert.match(r['rekey_again'].error, /ILLEGAL_OPERATION/);
  });

  for (const v of ['1.2', '2.0']) {
    it(`KMIP ${v}: Secret Data (Password), Opaque Object and Public Keys (EC X.509, RSA PKCS#1) registered by PyKMIP come back byte-equal, are located, verify and encrypt (checked by node:crypto), and are destroyed`, async () => {
      const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const ecSpki = ec.publicKey.export({ format: 'der', type: 'spki' }) as Buffer;
      const rsaPkcs1 = rsa.publicKey.export({ format: 'der', type: 'pkcs1' }) as Buffer;
      const ecSig = signData('sha256', Buffer.from('signed outside Strongbox'), ec.privateKey);
      const r = await runPykmip(repoRoot, pki, 'objects', s.kmipPort, 'storage', v, [ecSpki.toString('hex'), rsaPkcs1.toString('hex'), ecSig.toString('hex')]);
      objectRuns.set(v, r);
      assert.match(r['register_secret'], UUID, JSON.stringify(r));
      assert.deepEqual(r['get_secret'], { type: 'SecretData', data_type: 'SecretDataType.PASSWORD', value: Buffer.from(`db password ${v}`).toString('hex') });
      assert.equal(r['secret_attributes']['Object Type'], 'ObjectType.SECRET_DATA');
      assert.equal(r['secret_attributes']['State'], 'State.PRE_ACTIVE');
      assert.deepEqual(r['locate_secret_by_name'], [r['register_secret']]);
      assert.ok(r['locate_secret_by_type'].includes(r['register_secret']));
      assert.match(r['sign_with_secret'].error, /INVALID_OBJECT_TYPE|ILLEGAL_OPERATION/);
      assert.deepEqual(r['get_opaque'], { type: 'OpaqueObject', value: Buffer.concat([Buffer.from([0]), Buffer.from('opaque'), Buffer.from([0xff]), Buffer.from(`bytes${v}`)]).toString('hex') });
      assert.ok(r['locate_opaque_by_type'].includes(r['register_opaque']));
      assert.ok(!r['locate_opaque_by_type'].includes(r['register_secret']));
      assert.deepEqual(r['get_ec_public'], { type: 'PublicKey', format: 'KeyFormatType.X_509', value: ecSpki.toString('hex') });
      assert.equal(r['verify_good'], 'ValidityIndicator.VALID', 'a signature node:crypto made verifies with the registered public key');
      assert.equal(r['verify_bad'], 'ValidityIndicator.INVALID');
      assert.equal(r['get_rsa_public'], rsaPkcs1.toString('hex'));
      const plain = privateDecrypt({ key: rsa.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, Buffer.from(r['encrypt_rsa_public'], 'hex'));
      assert.equal(plain.toString(), 'for the private key holder', 'Strongbox encrypted with the registered RSA public key; node:crypto decrypts');
      assert.deepEqual(r['locate_public_by_name'], [r['register_ec_public']]);
      for (const step of ['destroy_secret', 'destroy_opaque', 'revoke_ec_public', 'destroy_ec_public']) assert.ok(!(typeof r[step] === 'object' && r[step] !== null && 'error' in r[step]), `${step}: ${JSON.stringify(r[step])}`);
      for (const step of ['get_secret_destroyed', 'get_opaque_destroyed', 'get_ec_public_destroyed']) assert.match(r[step].error, v.startsWith('1.') ? /ITEM_NOT_FOUND/ : /OBJECT_DESTROYED|ITEM_NOT_FOUND/, step);
      // One id space: a KMIP secret is a Strongbox secret (its value erased by Destroy), and no key.
      const rest = await httpsJson(pki, `${s.addr}/v1/secret-versions/kmip/${r['register_secret']}`, 'GET', undefined, { token: ROOT });
      assert.equal(rest.status, 200, JSON.stringify(rest.body));
      assert.equal(rest.body.versions[0].destroyed, true);
      assert.equal((await httpsJson(pki, `${s.addr}/v1/keys/${r['register_secret']}`, 'GET', undefined, { token: ROOT })).status, 404);
    });
  }

  it('malformed Public Key and Secret Data over the TTLV listener: KMIP errors naming the problem, on a connection that keeps serving', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const jwk = ec.publicKey.export({ format: 'jwk' });
    const offCurve = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
    offCurve[64]! ^= 1;
    const keyBlock = (format: number, material: TtlvItem) => struct(Tag.KeyBlock, enumeration(Tag.KeyFormatType, format), struct(Tag.KeyValue, { ...material, tag: Tag.KeyMaterial }));
    const register = (objectType: number, object: TtlvItem) => ({ operation: Operation.Register, payload: struct(Tag.RequestPayload, enumeration(Tag.ObjectType, objectType), struct(Tag.TemplateAttribute), object) });
    const secret = (value: Buffer) => struct(Tag.SecretData, enumeration(Tag.SecretDataType, 1), keyBlock(KeyFormatType.Opaque, bytes(Tag.KeyMaterial, value)));
    const frame = encodeTtlv(
      buildRequest({ major: 1, minor: 4 }, [
        register(ObjectType.PublicKey, struct(Tag.PublicKey, keyBlock(KeyFormatType.PKCS_8, bytes(Tag.KeyMaterial, ec.publicKey.export({ format: 'der', type: 'spki' }) as Buffer)))),
        register(ObjectType.PublicKey, struct(Tag.PublicKey, keyBlock(KeyFormatType.TransparentECPublicKey, struct(Tag.KeyMaterial, enumeration(Tag.RecommendedCurve, 0x07), bytes(Tag.QString, offCurve))))),
        register(ObjectType.SecretData, secret(Buffer.alloc(0))),
        register(ObjectType.SecretData, secret(Buffer.alloc(40 * 1024, 7))),
      ]),
    );
    // Batch Error Continuation defaults to Stop: send each item as its own request, then a good one, on one connection.
    const items = (decodeTtlv(frame).value as TtlvItem[]).filter((x) => x.tag === Tag.BatchItem);
    const one = (item: TtlvItem) => encodeTtlv(struct(Tag.RequestMessage, struct(Tag.RequestHeader, struct(Tag.ProtocolVersion, { tag: Tag.ProtocolVersionMajor, type: 'Integer', value: 1 }, { tag: Tag.ProtocolVersionMinor, type: 'Integer', value: 4 }), { tag: Tag.BatchCount, type: 'Integer', value: 1 }), item));
    const good = encodeTtlv(buildRequest({ major: 1, minor: 4 }, [{ operation: Operation.DiscoverVersions, payload: struct(Tag.RequestPayload) }]));
    const r = await rawKmip(pki, s.kmipPort, 'storage', [...items.map(one), good], items.length + 1);
    assert.equal(r.messages.length, items.length + 1, 'every request answered on one connection');
    const results = r.messages.map((m) => read.structure(decodeTtlv(new Uint8Array(m)), Tag.BatchItem));
    const expected: [number, RegExp][] = [
      [ResultReason.KeyFormatTypeNotSupported, /Public Key is registered as X\.509/],
      [ResultReason.InvalidField, /not a valid P-256 point/],
      [ResultReason.InvalidField, /SecretData is empty/],
      [ResultReason.InvalidField, /SecretData is 40960 bytes; at most 32768/],
    ];
    expected.forEach(([reason, message], n) => {
      assert.equal(read.enum(results[n], Tag.ResultStatus), ResultStatus.OperationFailed, `item ${n}`);
      assert.equal(read.enum(results[n], Tag.ResultReason), reason, `item ${n}`);
      assert.match(read.text(results[n], Tag.ResultMessage) ?? '', message);
    });
    assert.equal(read.enum(results.at(-1), Tag.ResultStatus), ResultStatus.Success);
  });

  it('a certificate the client map does not name authenticates nothing', async () => {
    const w = await runPykmip(repoRoot, pki, 'weak', s.kmipPort, 'unmapped', '1.2', [full.get('1.2')!['uids'].registered, 'x']);
    assert.match(w['get_attributes_allowed'].error, /AUTHENTICATION_NOT_SUCCESSFUL/);
  });

  it('a secp256k1 key made through the REST API is readable but never released, to anyone', async () => {
    const created = await httpsJson(pki, `${s.addr}/v1/keys`, 'POST', { type: 'secp256k1' }, { token: ROOT });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id as string;
    const get = (uid: string) => ({ tag: 'RequestMessage', value: [
      { tag: 'RequestHeader', value: [{ tag: 'ProtocolVersion', value: [{ tag: 'ProtocolVersionMajor', type: 'Integer', value: 1 }, { tag: 'ProtocolVersionMinor', type: 'Integer', value: 4 }] }, { tag: 'BatchCount', type: 'Integer', value: 2 }] },
      { tag: 'BatchItem', value: [{ tag: 'Operation', type: 'Enumeration', value: 'GetAttributes' }, { tag: 'RequestPayload', value: [{ tag: 'UniqueIdentifier', type: 'TextString', value: uid }] }] },
      { tag: 'BatchItem', value: [{ tag: 'Operation', type: 'Enumeration', value: 'Get' }, { tag: 'RequestPayload', value: [{ tag: 'UniqueIdentifier', type: 'TextString', value: uid }] }] },
    ] });
    const res = await httpsJson(pki, `${s.addr}/kmip/2_1`, 'POST', get(id), { cert: 'storage' });
    const text = JSON.stringify(res.body);
    assert.match(text, /"ResultStatus","type":"Enumeration","value":"Success"/, 'Get Attributes succeeds');
    assert.match(text, /"ResultReason","type":"Enumeration","value":"PermissionDenied"/, text);
    assert.doesNotMatch(text, /KeyMaterial/);
    const pub = await httpsJson(pki, `${s.addr}/kmip/2_1`, 'POST', get(`${id}/public`), { cert: 'storage' });
    assert.match(JSON.stringify(pub.body), /"KeyFormatType","type":"Enumeration","value":"X_509"/, 'its public key is available');
  });

  it('an unsupported operation answers Operation Not Supported and the connection stays usable', async () => {
    const u = await runPykmip(repoRoot, pki, 'unsupported', s.kmipPort, 'storage', '1.2', [full.get('1.2')!['uids'].registered]);
    assert.match(u['derive_key'].error, /OPERATION_NOT_SUPPORTED/);
    assert.equal(u['still_usable'], 'State.PRE_ACTIVE');
  });

  describe('malformed frames: an error response or a clean close, never a crash or a hang', () => {
    const header = (tag: number, type: number, length: number) => {
      const h = Buffer.alloc(8);
      h.writeUIntBE(tag, 0, 3);
      h[3] = type;
      h.writeUInt32BE(length, 4);
      return h;
    };
    const responseOf = (data: Buffer): TtlvItem => {
      const length = data.readUInt32BE(4);
      return decodeTtlv(new Uint8Array(data.subarray(0, 8 + length)));
    };
    const failedWith = (data: Buffer, reason: number) => {
      const item = responseOf(data);
      assert.equal(item.tag, Tag.ResponseMessage);
      const batch = read.structure(item, Tag.BatchItem);
      assert.equal(read.enum(batch, Tag.ResultStatus), ResultStatus.OperationFailed);
      assert.equal(read.enum(batch, Tag.ResultReason), reason);
    };
    it('a request declaring 100 MB is refused from its header', async () => {
      const r = await rawKmip(pki, s.kmipPort, 'storage', [header(Tag.RequestMessage, 1, 100_000_000)]);
      assert.ok(r.closedByServer);
      failedWith(r.data, ResultReason.InvalidMessage);
    });
    it('a frame that is not a Request Message', async () => {
      const r = await rawKmip(pki, s.kmipPort, 'storage', [header(Tag.ResponseMessage, 1, 0)]);
      assert.ok(r.closedByServer);
      failedWith(r.data, ResultReason.InvalidMessage);
    });
    it('a Request Message whose child has a wrong length', async () => {
      const bad = Buffer.concat([header(Tag.RequestMessage, 1, 16), header(Tag.BatchCount, 2, 8), Buffer.alloc(8)]);
      const r = await rawKmip(pki, s.kmipPort, 'storage', [bad]);
      assert.ok(r.closedByServer);
      failedWith(r.data, ResultReason.InvalidMessage);
    });
    it('structures nested 200 deep', async () => {
      let inner: TtlvItem = { tag: Tag.BatchCount, type: 'Integer', value: 1 };
      for (let i = 0; i < 200; i++) inner = struct(Tag.RequestPayload, inner);
      const r = await rawKmip(pki, s.kmipPort, 'storage', [encodeTtlv(struct(Tag.RequestMessage, inner))]);
      assert.ok(r.closedByServer);
      failedWith(r.data, ResultReason.InvalidMessage);
    });
    it('a well-formed request with a wrong Batch Count answers Invalid Message, and the connection keeps serving', async () => {
      const good = encodeTtlv(buildRequest({ major: 1, minor: 4 }, [{ operation: Operation.DiscoverVersions, payload: struct(Tag.RequestPayload) }]));
      const wrongCount = Buffer.from(good);
      wrongCount[wrongCount.indexOf(Buffer.from([0x42, 0x00, 0x0d, 0x02])) + 11] = 5;
      const r = await rawKmip(pki, s.kmipPort, 'storage', [wrongCount, good], 2);
      assert.equal(r.messages.length, 2, 'both requests answered on one connection');
      const first = decodeTtlv(new Uint8Array(r.messages[0]!));
      assert.equal(read.enum(read.structure(first, Tag.BatchItem), Tag.ResultReason), ResultReason.InvalidMessage);
      const second = decodeTtlv(new Uint8Array(r.messages[1]!));
      assert.equal(read.enum(read.structure(second, Tag.BatchItem), Tag.ResultStatus), ResultStatus.Success);
    });
    it('the server still serves PyKMIP afterwards', async () => {
      const u = await runPykmip(repoRoot, pki, 'unsupported', s.kmipPort, 'storage', '1.4', [full.get('1.2')!['uids'].registered]);
      assert.equal(u['still_usable'], 'State.PRE_ACTIVE');
    });
  });

  it('every batch item is audited as interface kmip; no key material in the audit log or the server output', async () => {
    const records: any[] = [];
    let after = 0;
    for (;;) {
      const page = await httpsJson(pki, `${s.addr}/v1/audit?afterSeq=${after}&limit=1000`, 'GET', undefined, { token: ROOT });
      records.push(...page.body.records);
      if (page.body.nextAfterSeq === null) break;
      after = page.body.nextAfterSeq;
    }
    const kmip = records.filter((r) => r.interface === 'kmip');
    const ops = new Set(kmip.map((r) => r.operation));
    for (const op of ['kmip.Create', 'kmip.Get', 'kmip.Encrypt', 'kmip.Decrypt', 'kmip.Locate', 'kmip.Register', 'kmip.CreateKeyPair', 'kmip.Sign', 'kmip.Activate', 'kmip.Revoke', 'kmip.Destroy', 'kmip.ReKey', 'kmip.DeriveKey', 'kmip.unknown']) assert.ok(ops.has(op), `audited: ${op}`);
    const denied = kmip.filter((r) => r.outcome === 'denied');
    assert.ok(denied.some((r) => r.action === 'keys:export-plaintext'), 'the refused plaintext export is audited with its action');
    assert.ok(kmip.filter((r) => r.operation === 'kmip.Get' && r.outcome === 'success').every((r) => r.action === 'keys:export-plaintext' || r.resource !== null));
    const everything = JSON.stringify(records) + s.server.stdout() + s.server.stderr();
    for (const v of full.keys()) {
      const material = full.get(v)!['get'].material as string;
      assert.ok(!everything.includes(material), `the ${v} key material is in no audit record or log line`);
    }
    assert.ok(!everything.includes(Buffer.from([...Array(32).keys()]).toString('hex')), 'nor the registered key');
    for (const [v, r] of objectRuns) {
      assert.ok(!everything.includes(r['get_secret'].value), `the ${v} Secret Data value is in no audit record or log line`);
      assert.ok(!everything.includes(Buffer.from(`db password ${v}`).toString('base64')), `nor its base64 (${v})`);
    }
    assert.ok(kmip.some((r) => r.operation === 'kmip.Get' && r.action === 'secrets:read' && /^secret:kmip\//.test(r.resource) && r.outcome === 'denied'), 'the refused Get of a secret is audited');
    assert.ok(kmip.some((r) => r.operation === 'kmip.SignatureVerify' && r.action === 'keys:verify' && r.outcome === 'success'));
  });
});
