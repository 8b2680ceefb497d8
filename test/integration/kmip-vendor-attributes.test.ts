/**
 * KMIP 2.x Vendor Attributes and the per-version attribute rules through the JSON TTLV route
 * (POST /kmip/2_1, the same operation table as the TTLV listener), in process on a real SQLite file:
 *
 * - Vendor Attributes in Create, Create Key Pair and Register templates; Get Attributes by a vendor Attribute
 *   Reference; Get Attribute List's vendor references; Add / Set / Modify Attribute (New Attribute) and
 *   Delete Attribute (Attribute Reference, Current Attribute) at 2.0 and 2.1;
 * - one store for both versions: a 1.4 `x-foo` is the 2.x Vendor Attribute (x, foo) and back, `y-…` is
 *   vendor y;
 * - malformed vendor attributes (missing or mistyped fields, an unknown vendor, a name too long, too many
 *   attributes, a read-only one) answer a KMIP error naming the problem and change nothing;
 * - the version rules: 1.x responses hold only attributes KMIP 1.x defines (the table below, from
 *   KMIP 1.0–1.4 §3) and no 2.x structure; 2.x responses no 1.x-only one; Operation Policy Name set later
 *   by Add Attribute is kept for 1.x and withheld from 2.x; a Key Value holds only Key Material.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startTestBox, type TestBox } from '../helpers/app.js';
import { b, e, failed, field, fields, i, ok, request, s, t, type J } from '../helpers/kmip-json.js';

const vendor = (id: string, name: string, value: J = t('AttributeValue', 'v')): J => s('Attribute', t('VendorIdentification', id), t('AttributeName', name), { ...value, tag: 'AttributeValue' });
const vref = (id: string, name: string): J => s('AttributeReference', t('VendorIdentification', id), t('AttributeName', name));
const attr1 = (name: string, value: J): J => s('Attribute', t('AttributeName', name), { ...value, tag: 'AttributeValue' });

/** Every tag anywhere in a JSON TTLV tree. */
const allTags = (j: unknown): string[] => (Array.isArray(j) ? j.flatMap(allTags) : typeof j === 'object' && j !== null ? [(j as J).tag, ...allTags((j as J).value)] : []);

/**
 * Attribute names KMIP 1.x defines (KMIP 1.0 §3 and the additions of 1.1–1.4 §3; the same lists as PyKMIP's
 * enums.is_attribute), by minor version.
 */
const V10 = ['Unique Identifier', 'Name', 'Object Type', 'Cryptographic Algorithm', 'Cryptographic Length', 'Cryptographic Parameters', 'Cryptographic Domain Parameters', 'Certificate Type', 'Certificate Identifier', 'Certificate Subject', 'Certificate Issuer', 'Digest', 'Operation Policy Name', 'Cryptographic Usage Mask', 'Lease Time', 'Usage Limits', 'State', 'Initial Date', 'Activation Date', 'Process Start Date', 'Protect Stop Date', 'Deactivation Date', 'Destroy Date', 'Compromise Occurrence Date', 'Compromise Date', 'Revocation Reason', 'Archive Date', 'Object Group', 'Link', 'Application Specific Information', 'Contact Information', 'Last Change Date'];
const V11 = [...V10, 'Certificate Length', 'X.509 Certificate Identifier', 'X.509 Certificate Subject', 'X.509 Certificate Issuer', 'Digital Signature Algorithm', 'Fresh'];
const V12 = [...V11, 'Alternative Name', 'Key Value Present', 'Key Value Location', 'Original Creation Date'];
const V13 = [...V12, 'Random Number Generator'];
const V14 = [...V13, 'PKCS#12 Friendly Name', 'Description', 'Comment', 'Sensitive', 'Always Sensitive', 'Extractable', 'Never Extractable'];
const DEFINED: Record<string, string[]> = { '1.0': V10, '1.1': V11, '1.2': V12, '1.3': V13, '1.4': V14 };

describe('KMIP 2.x Vendor Attributes and the version rules (JSON TTLV route)', () => {
  let box: TestBox;
  const kmip = async (version: [number, number], batch: [string, J[]][]): Promise<Record<string, any>[]> => {
    const res = await box.call('POST', '/kmip/2_1', request(version, batch));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return (res.body.value as J[]).filter((x) => x.tag === 'BatchItem').map((bi) => Object.fromEntries((bi.value as J[]).map((f) => [f.tag === 'ResponsePayload' ? 'payload' : f.tag, f.value])));
  };
  const one = async (version: [number, number], item: [string, J[]]) => (await kmip(version, [item]))[0]!;
  const createAes = async (version: [number, number], extra: J[] = []): Promise<string> => {
    const template = version[0] >= 2 ? s('Attributes', e('CryptographicAlgorithm', 'AES'), i('CryptographicLength', 256), ...extra) : s('TemplateAttribute', attr1('Cryptographic Algorithm', e('x', '0x00000003')), attr1('Cryptographic Length', i('x', 256)), ...extra);
    return field(ok(await one(version, ['Create', [e('ObjectType', 'SymmetricKey'), template]])).payload, 'UniqueIdentifier');
  };
  /** The vendor attributes (vendor, name, value) a 2.x Get Attributes answers. */
  const vendors2 = async (version: [number, number], uid: string, refs: J[] = []): Promise<[string, string, unknown][]> => {
    const r = ok(await one(version, ['GetAttributes', [t('UniqueIdentifier', uid), ...refs]]));
    return (fields(field(r.payload, 'Attributes'), 'Attribute') as J[][]).map((a) => [field(a, 'VendorIdentification'), field(a, 'AttributeName'), field(a, 'AttributeValue')]);
  };
  /** The custom attributes (name, value) a 1.x Get Attributes answers. */
  const customs1 = async (version: [number, number], uid: string): Promise<[string, unknown][]> => {
    const r = ok(await one(version, ['GetAttributes', [t('UniqueIdentifier', uid)]]));
    return (fields(r.payload, 'Attribute') as J[][]).map((a) => [field(a, 'AttributeName'), field(a, 'AttributeValue')] as [string, unknown]).filter(([n]) => /^[xy]-/.test(n) && n !== 'x-strongbox-plaintext-export');
  };
  const keyCount = async () => (await box.call('GET', '/v1/keys?limit=1000')).body.keys.length as number;

  before(async () => {
    box = await startTestBox();
  });
  after(() => box.cleanup());

  for (const version of [[2, 0], [2, 1]] as [number, number][]) {
    describe(`KMIP ${version.join('.')}`, () => {
      it('Create, Register and Create Key Pair keep Vendor Attributes; Get Attributes selects by a vendor Attribute Reference', async () => {
        const uid = await createAes(version, [vendor('x', 'ID', t('x', 'TL-M-2-21')), vendor('x', 'count', i('x', 7)), vendor('y', 'origin')]);
        assert.deepEqual(await vendors2(version, uid), [['x', 'ID', 'TL-M-2-21'], ['x', 'count', 7], ['y', 'origin', 'v']]);
        assert.deepEqual(await vendors2(version, uid, [vref('x', 'count')]), [['x', 'count', 7]]);
        assert.deepEqual(await vendors2(version, uid, [vref('x', 'absent')]), []);
        // Another vendor's attribute is never kept: a reference to one selects nothing (and not everything).
        assert.deepEqual(await vendors2(version, uid, [vref('acme', 'ID')]), []);

        const reg = ok(await one(version, ['Register', [e('ObjectType', 'SymmetricKey'), s('Attributes', e('CryptographicAlgorithm', 'AES'), i('CryptographicLength', 256), vendor('x', 'owner', t('x', 'backup'))), s('SymmetricKey', s('KeyBlock', e('KeyFormatType', 'Raw'), s('KeyValue', b('KeyMaterial', randomBytes(32))), e('CryptographicAlgorithm', 'AES'), i('CryptographicLength', 256)))]]));
        assert.deepEqual(await vendors2(version, field(reg.payload, 'UniqueIdentifier')), [['x', 'owner', 'backup']]);

        const pair = ok(await one(version, ['CreateKeyPair', [s('CommonAttributes', e('CryptographicAlgorithm', 'EC'), s('CryptographicDomainParameters', e('RecommendedCurve', 'P_256')), vendor('x', 'pair', t('x', 'p256')))]]));
        assert.deepEqual(await vendors2(version, field(pair.payload, 'PrivateKeyUniqueIdentifier'), [vref('x', 'pair')]), [['x', 'pair', 'p256']]);
        assert.deepEqual(await vendors2(version, field(pair.payload, 'PublicKeyUniqueIdentifier'), [vref('x', 'pair')]), [['x', 'pair', 'p256']]);
      });

      it('Get Attribute List names vendor attributes by vendor Attribute References, standard ones by tag', async () => {
        const uid = await createAes(version, [vendor('x', 'ID'), vendor('y', 'origin')]);
        const r = ok(await one(version, ['GetAttributeList', [t('UniqueIdentifier', uid)]]));
        const refs = (r.payload as J[]).filter((f) => f.tag === 'AttributeReference');
        const structured = refs.filter((f) => Array.isArray(f.value)).map((f) => [field(f.value as J[], 'VendorIdentification'), field(f.value as J[], 'AttributeName')]);
        assert.deepEqual(structured, [['x', 'ID'], ['y', 'origin']]);
        // Standard attributes by their tag, named in JSON as the OASIS XML test cases name them.
        assert.ok(refs.some((f) => f.type === 'Enumeration' && f.value === 'State') && refs.some((f) => f.type === 'Enumeration' && f.value === 'CryptographicLength'), JSON.stringify(refs));
      });

      it('Add, Set and Modify Attribute (New Attribute), Delete Attribute by Attribute Reference and by Current Attribute', async () => {
        const uid = await createAes(version);
        ok(await one(version, ['AddAttribute', [t('UniqueIdentifier', uid), s('NewAttribute', vendor('x', 'a', t('x', '1')))]]));
        ok(await one(version, ['SetAttribute', [t('UniqueIdentifier', uid), s('NewAttribute', vendor('x', 'b', t('x', '2')))]]));
        assert.deepEqual(await vendors2(version, uid), [['x', 'a', '1'], ['x', 'b', '2']]);
        ok(await one(version, ['ModifyAttribute', [t('UniqueIdentifier', uid), s('NewAttribute', vendor('x', 'a', t('x', '1b')))]]));
        assert.deepEqual(await vendors2(version, uid), [['x', 'a', '1b'], ['x', 'b', '2']]);
        const del = ok(await one(version, ['DeleteAttribute', [t('UniqueIdentifier', uid), vref('x', 'a')]]));
        assert.deepEqual((del.payload as J[]).map((f) => f.tag), ['UniqueIdentifier'], '2.x Delete Attribute answers only the identifier');
        ok(await one(version, ['DeleteAttribute', [t('UniqueIdentifier', uid), s('CurrentAttribute', vendor('x', 'b', t('x', '2')))]]));
        assert.deepEqual(await vendors2(version, uid), []);
        failed(await one(version, ['DeleteAttribute', [t('UniqueIdentifier', uid), vref('x', 'a')]]), 'ItemNotFound', /no attribute x-a/);
        failed(await one(version, ['DeleteAttribute', [t('UniqueIdentifier', uid), vref('acme', 'a')]]), 'ItemNotFound', /vendor x and y only/);
        failed(await one(version, ['DeleteAttribute', [t('UniqueIdentifier', uid), vref('ac-me', 'a')]]), 'InvalidField', /letters, digits, underscore or period/);
      });
    });
  }

  it('values keep their type at both versions (Integer, Long Integer, Enumeration, Interval, Boolean, Date-Time, Byte String); Locate matches type and value', async () => {
    const typed: J[] = [
      { tag: 'x', type: 'Integer', value: 0 },
      { tag: 'x', type: 'LongInteger', value: 123456789000 },
      { tag: 'x', type: 'Enumeration', value: '0x00000002' },
      { tag: 'x', type: 'Interval', value: 3600 },
      { tag: 'x', type: 'Boolean', value: false },
      { tag: 'x', type: 'DateTime', value: '2020-12-14T00:00:00+00:00' },
      { tag: 'x', type: 'ByteString', value: '00ff10' },
    ];
    const uid = await createAes([2, 1], typed.map((v, n) => vendor('x', `t${n}`, v)));
    const two = ok(await one([2, 1], ['GetAttributes', [t('UniqueIdentifier', uid)]]));
    const got2 = (fields(field(two.payload, 'Attributes'), 'Attribute') as J[][]).map((a) => a.find((f) => f.tag === 'AttributeValue'));
    assert.deepEqual(got2, typed.map((v) => ({ ...v, tag: 'AttributeValue' })));
    const one14 = ok(await one([1, 4], ['GetAttributes', [t('UniqueIdentifier', uid)]]));
    const got1 = (fields(one14.payload, 'Attribute') as J[][]).filter((a) => /^x-t[0-9]$/.test(field(a, 'AttributeName'))).map((a) => a.find((f) => f.tag === 'AttributeValue'));
    assert.deepEqual(got1, typed.map((v) => ({ ...v, tag: 'AttributeValue' })), '1.4 reads the same typed values as x-t0 … x-t6');
    const located = async (value: J) => fields(ok(await one([2, 1], ['Locate', [s('Attributes', vendor('x', 't0', value))]])).payload, 'UniqueIdentifier');
    assert.deepEqual(await located({ tag: 'x', type: 'Integer', value: 0 }), [uid]);
    assert.deepEqual(await located(t('x', '0')), [], 'the Text String "0" is not the Integer 0');
  });

  it('KMIP items keep the type of custom values too: Secret Data registered with typed Vendor Attributes reads them back typed at 2.1 and 1.4', async () => {
    const typed: J[] = [
      { tag: 'x', type: 'Integer', value: 7 },
      { tag: 'x', type: 'DateTime', value: '2021-01-02T03:04:05+00:00' },
      { tag: 'x', type: 'ByteString', value: 'c0ffee' },
      t('x', 'text'),
    ];
    const secret = s('SecretData', e('SecretDataType', 'Password'), s('KeyBlock', e('KeyFormatType', 'Opaque'), s('KeyValue', b('KeyMaterial', randomBytes(16)))));
    const uid = field(ok(await one([2, 1], ['Register', [e('ObjectType', 'SecretData'), s('Attributes', ...typed.map((v, n) => vendor('x', `i${n}`, v))), secret]])).payload, 'UniqueIdentifier');
    const two = ok(await one([2, 1], ['GetAttributes', [t('UniqueIdentifier', uid)]]));
    const got2 = (fields(field(two.payload, 'Attributes'), 'Attribute') as J[][]).filter((a) => field(a, 'VendorIdentification') === 'x').map((a) => a.find((f) => f.tag === 'AttributeValue'));
    assert.deepEqual(got2, typed.map((v) => ({ ...v, tag: 'AttributeValue' })));
    const one14 = ok(await one([1, 4], ['GetAttributes', [t('UniqueIdentifier', uid)]]));
    const got1 = (fields(one14.payload, 'Attribute') as J[][]).filter((a) => /^x-i[0-9]$/.test(field(a, 'AttributeName'))).map((a) => a.find((f) => f.tag === 'AttributeValue'));
    assert.deepEqual(got1, typed.map((v) => ({ ...v, tag: 'AttributeValue' })));
  });

  it('one store for both versions: 1.4 x-foo is the 2.x Vendor Attribute (x, foo), y-bar is (y, bar), and back', async () => {
    const uid = await createAes([1, 4], [attr1('x-foo', t('x', 'from-1.4')), attr1('y-bar', t('x', 'server-side'))]);
    for (const v of [[2, 0], [2, 1]] as [number, number][]) assert.deepEqual(await vendors2(v, uid), [['x', 'foo', 'from-1.4'], ['y', 'bar', 'server-side']]);
    ok(await one([2, 1], ['ModifyAttribute', [t('UniqueIdentifier', uid), s('NewAttribute', vendor('x', 'foo', t('x', 'from-2.1')))]]));
    ok(await one([2, 1], ['AddAttribute', [t('UniqueIdentifier', uid), s('NewAttribute', vendor('x', 'baz', t('x', 'new')))]]));
    for (const v of [[1, 0], [1, 4]] as [number, number][]) assert.deepEqual(await customs1(v, uid), [['x-foo', 'from-2.1'], ['y-bar', 'server-side'], ['x-baz', 'new']]);
    ok(await one([1, 4], ['DeleteAttribute', [t('UniqueIdentifier', uid), t('AttributeName', 'x-baz')]]));
    assert.deepEqual(await vendors2([2, 1], uid, [vref('x', 'baz')]), []);
  });

  it('malformed Vendor Attributes answer Invalid Field naming the problem, and store nothing', async () => {
    const before = await keyCount();
    const cases: [string, J, string, RegExp][] = [
      ['missing Attribute Name', s('Attribute', t('VendorIdentification', 'x'), t('AttributeValue', 'v')), 'InvalidField', /needs an Attribute Name/],
      ['missing Vendor Identification', s('Attribute', t('AttributeName', 'n'), t('AttributeValue', 'v')), 'InvalidField', /needs a Vendor Identification/],
      ['missing Attribute Value', s('Attribute', t('VendorIdentification', 'x'), t('AttributeName', 'n')), 'InvalidField', /Vendor Attribute n has no Attribute Value/],
      ['Vendor Identification not text', s('Attribute', i('VendorIdentification', 1), t('AttributeName', 'n'), t('AttributeValue', 'v')), 'InvalidField', /VendorIdentification must be a TextString/],
      ['Attribute Name not text', s('Attribute', t('VendorIdentification', 'x'), i('AttributeName', 3), t('AttributeValue', 'v')), 'InvalidField', /AttributeName must be a TextString/],
      ['a Structure value', vendor('x', 'n', s('x', t('NameValue', 'a'))), 'InvalidField', /custom attribute x-n must be a single value, not a Structure/],
      ['a Byte String value too long', vendor('x', 'n', b('x', Buffer.alloc(257))), 'InvalidField', /longer than 512 characters/],
      ['not a Structure', t('Attribute', 'x-foo'), 'InvalidField', /Vendor Attribute \(Attribute\) must be a Structure/],
      ['an unknown vendor', vendor('acme', 'n'), 'InvalidField', /Vendor Identification acme is not supported/],
      ['a vendor outside [A-Za-z0-9_.]', vendor('x-y', 'n'), 'InvalidField', /letters, digits, underscore or period/],
      ['an empty name', vendor('x', ''), 'InvalidField', /non-empty Attribute Name/],
      ['a name too long', vendor('x', 'n'.repeat(511)), 'InvalidField', /longer than 510 characters/],
      ['a value too long', vendor('x', 'n', t('x', 'v'.repeat(513))), 'InvalidField', /longer than 512 characters/],
    ];
    for (const [what, bad, reason, message] of cases) {
      const r = await one([2, 1], ['Create', [e('ObjectType', 'SymmetricKey'), s('Attributes', e('CryptographicAlgorithm', 'AES'), i('CryptographicLength', 256), bad)]]);
      assert.equal(r.ResultStatus, 'OperationFailed', `${what}: ${JSON.stringify(r)}`);
      assert.equal(r.ResultReason, reason, what);
      assert.match(r.ResultMessage, message, what);
    }
    const tooMany = Array.from({ length: 65 }, (_, n) => vendor('x', `a${n}`));
    failed(await one([2, 1], ['Create', [e('ObjectType', 'SymmetricKey'), s('Attributes', e('CryptographicAlgorithm', 'AES'), i('CryptographicLength', 256), ...tooMany)]]), 'InvalidField', /at most 64 custom attributes/);
    assert.equal(await keyCount(), before, 'nothing stored');

    const uid = await createAes([2, 1], [vendor('x', 'keep', t('x', 'same'))]);
    failed(await one([2, 1], ['GetAttributes', [t('UniqueIdentifier', uid), s('AttributeReference', t('VendorIdentification', 'x'))]]), 'InvalidField', /needs an Attribute Name/);
    failed(await one([2, 1], ['GetAttributes', [t('UniqueIdentifier', uid), t('AttributeReference', 'x-keep')]]), 'InvalidField', /Attribute Reference must be an Enumeration or a Structure/);
    failed(await one([2, 1], ['SetAttribute', [t('UniqueIdentifier', uid), s('NewAttribute', vendor('x', 'a'), vendor('x', 'b'))]]), 'InvalidField', /New Attribute holds one attribute/);
    failed(await one([2, 1], ['SetAttribute', [t('UniqueIdentifier', uid), s('NewAttribute', s('Attribute', t('VendorIdentification', 'x'), t('AttributeName', 'keep')))]]), 'MissingData', /Attribute Value is required/);
    failed(await one([2, 1], ['SetAttribute', [t('UniqueIdentifier', uid), s('NewAttribute', vendor('x', 'strongbox-plaintext-export', t('x', 'true')))]]), 'PermissionDenied', /x-strongbox-plaintext-export is read-only/);
    failed(await one([1, 4], ['AddAttribute', [t('UniqueIdentifier', uid), attr1('x-strongbox-plaintext-export', t('x', 'true'))]]), 'PermissionDenied', /read-only/);
    // 2.x cannot name (x, ''), so 1.x cannot name x- or y- alone either.
    failed(await one([1, 4], ['AddAttribute', [t('UniqueIdentifier', uid), attr1('x-', t('x', 'v'))]]), 'InvalidField', /custom attribute x- needs a name after x-/);
    failed(await one([1, 4], ['Create', [e('ObjectType', 'SymmetricKey'), s('TemplateAttribute', attr1('Cryptographic Algorithm', e('x', '0x00000003')), attr1('Cryptographic Length', i('x', 256)), attr1('y-', t('x', 'v')))]]), 'InvalidField', /custom attribute y- needs a name after y-/);
    const many = Array.from({ length: 64 }, (_, n) => ['AddAttribute', [t('UniqueIdentifier', uid), s('NewAttribute', vendor('x', `m${n}`))]] as [string, J[]]);
    const added = await kmip([2, 1], many);
    assert.equal(added.at(-1)!.ResultStatus, 'OperationFailed', 'the 65th custom attribute is refused');
    assert.match(added.at(-1)!.ResultMessage, /at most 64 custom attributes/);
    assert.deepEqual(await vendors2([2, 1], uid, [vref('x', 'keep')]), [['x', 'keep', 'same']]);
  });

  describe('version rules (issue 16)', () => {
    it('1.x responses hold only attributes that version defines (or x-/y- custom ones) and no 2.x structure', async () => {
      const aes = await createAes([2, 1], [vendor('x', 'team', t('x', 'db'))]);
      const pair = ok(await one([2, 1], ['CreateKeyPair', [s('CommonAttributes', e('CryptographicAlgorithm', 'Ed25519'), s('CryptographicDomainParameters', e('RecommendedCurve', 'CURVE25519')))]]));
      const ids = [aes, field(pair.payload, 'PrivateKeyUniqueIdentifier'), field(pair.payload, 'PublicKeyUniqueIdentifier')];
      ok(await one([2, 1], ['Revoke', [t('UniqueIdentifier', aes), s('RevocationReason', e('RevocationReasonCode', 'KeyCompromise'))]]));
      for (const v of ['1.0', '1.1', '1.2', '1.3', '1.4']) {
        const version = v.split('.').map(Number) as [number, number];
        for (const uid of ids) {
          const res = await box.call('POST', '/kmip/2_1', request(version, [['GetAttributes', [t('UniqueIdentifier', uid)]], ['GetAttributeList', [t('UniqueIdentifier', uid)]]]));
          const [got, list] = (res.body.value as J[]).filter((x) => x.tag === 'BatchItem').map((bi) => Object.fromEntries((bi.value as J[]).map((f) => [f.tag === 'ResponsePayload' ? 'payload' : f.tag, f.value])));
          const names = (fields(ok(got!).payload, 'Attribute') as J[][]).map((a) => field(a, 'AttributeName') as string);
          const listed = fields(ok(list!).payload, 'AttributeName') as string[];
          for (const n of [...names, ...listed]) assert.ok(DEFINED[v]!.includes(n) || /^[xy]-/.test(n), `KMIP ${v} ${uid}: ${n} is not a KMIP ${v} attribute`);
          const tags = allTags(res.body);
          for (const two of ['Attributes', 'AttributeReference', 'VendorIdentification', 'Sensitive', 'Extractable', 'NewAttribute', 'CurrentAttribute']) assert.ok(!tags.includes(two), `KMIP ${v}: no ${two}`);
        }
      }
    });

    it('2.x responses hold no 1.x-only structure: no Attribute Name/Index form, no Operation Policy Name, no x-strongbox-plaintext-export', async () => {
      const uid = await createAes([1, 4], [attr1('Operation Policy Name', t('x', 'percona')), attr1('x-team', t('x', 'db')), attr1('Name', s('x', t('NameValue', 'two-x'), e('NameType', 'UninterpretedTextString')))]);
      for (const v of [[2, 0], [2, 1]] as [number, number][]) {
        const res = await box.call('POST', '/kmip/2_1', request(v, [['GetAttributes', [t('UniqueIdentifier', uid)]], ['GetAttributeList', [t('UniqueIdentifier', uid)]]]));
        const body = JSON.stringify(res.body);
        const tags = allTags(res.body);
        for (const one of ['TemplateAttribute', 'AttributeIndex', 'OperationPolicyName', 'CustomAttribute']) assert.ok(!tags.includes(one), `KMIP ${v.join('.')}: no ${one}`);
        assert.ok(!body.includes('strongbox-plaintext-export') && !body.includes('percona'), body);
        const attributes = (res.body.value as J[]).filter((x) => x.tag === 'BatchItem').flatMap((bi) => allTags(bi)).filter((tag) => tag === 'Attribute').length;
        assert.equal(attributes, 1, 'the one Attribute is the Vendor Attribute (x, team)');
        assert.ok(body.includes('"VendorIdentification","type":"TextString","value":"x"'), body);
      }
    });

    it('Operation Policy Name set later by Add Attribute is kept for 1.x, withheld from 2.x, and never invented', async () => {
      const uid = await createAes([1, 2]);
      const opn = async (v: [number, number]) => (fields(ok(await one(v, ['GetAttributes', [t('UniqueIdentifier', uid)]])).payload, 'Attribute') as J[][]).filter((a) => field(a, 'AttributeName') === 'Operation Policy Name').map((a) => field(a, 'AttributeValue'));
      assert.deepEqual(await opn([1, 2]), [], 'not invented');
      ok(await one([1, 2], ['AddAttribute', [t('UniqueIdentifier', uid), attr1('Operation Policy Name', t('x', 'veeam'))]]));
      for (const v of [[1, 0], [1, 2], [1, 4]] as [number, number][]) assert.deepEqual(await opn(v), ['veeam'], `KMIP ${v.join('.')}`);
      const two = ok(await one([2, 1], ['GetAttributes', [t('UniqueIdentifier', uid)]]));
      assert.ok(!JSON.stringify(two).includes('veeam'));
    });

    it('a Key Value holds only Key Material for a symmetric key with custom attributes, at every version', async () => {
      const put = await box.call('PUT', '/v1/policies/kmip-vendor-export', { statements: [{ effect: 'allow', actions: ['keys:*', 'keys:export-plaintext'], resources: ['key:*'] }] });
      assert.equal(put.status, 200);
      const exporter = (await box.call('POST', '/v1/tokens', { policies: ['kmip-vendor-export'] })).body.token as string;
      const asExporter = async (v: [number, number], item: [string, J[]]) => {
        const res = await box.call('POST', '/kmip/2_1', request(v, [item]), exporter);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const bi = (res.body.value as J[]).find((x) => x.tag === 'BatchItem')!;
        return Object.fromEntries((bi.value as J[]).map((f) => [f.tag === 'ResponsePayload' ? 'payload' : f.tag, f.value]));
      };
      const material = randomBytes(32);
      const reg = ok(await asExporter([1, 4], ['Register', [e('ObjectType', 'SymmetricKey'), s('TemplateAttribute', attr1('x-team', t('x', 'db')), attr1('Operation Policy Name', t('x', 'default'))), s('SymmetricKey', s('KeyBlock', e('KeyFormatType', 'Raw'), s('KeyValue', b('KeyMaterial', material)), e('CryptographicAlgorithm', 'AES'), i('CryptographicLength', 256)))]]));
      const uid = field(reg.payload, 'UniqueIdentifier');
      for (const v of [[1, 0], [1, 4], [2, 0], [2, 1]] as [number, number][]) {
        const got = ok(await asExporter(v, ['Get', [t('UniqueIdentifier', uid)]]));
        const block = (field(got.payload, 'SymmetricKey') as J[]).find((f) => f.tag === 'KeyBlock')!.value as J[];
        const keyValue = block.find((f) => f.tag === 'KeyValue')!.value as J[];
        assert.deepEqual(keyValue.map((f) => f.tag), ['KeyMaterial'], `KMIP ${v.join('.')}`);
        assert.equal(field(keyValue, 'KeyMaterial'), material.toString('hex'), `KMIP ${v.join('.')}: the registered material`);
      }
    });
  });
});
