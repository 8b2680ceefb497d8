/**
 * KMIP custom attributes across versions, end to end over the TTLV listener (mutual TLS, the built server):
 *
 * - the OASIS profile test case SKFF-M-9 (test/vectors/kmip/oasis/) replayed at 1.4, 2.0 and 2.1: its Add,
 *   Modify and Delete Attribute steps (1.x `x-attribute1`, 2.x Vendor Attribute (x, attribute1)) get the
 *   test case's response payloads byte for byte (with the object's identifier in place of
 *   $UNIQUE_IDENTIFIER_0), TL-M-2-21's typed Vendor Attributes (Text String, Integer, Date-Time) come
 *   back byte for byte, TL-M-3-21's Get Attribute List answers the test case's vendor Attribute References
 *   and its Modify Attribute steps the test case's payloads;
 * - a Vendor Attribute in a Get Attributes response is compared with bytes assembled here from the tag
 *   numbers of the KMIP 2.1 tag table (§9.1.3.1) — not with Strongbox's encoder;
 * - PyKMIP (an independent codec) reads the 2.0 vendor Attribute References, deletes by one it encodes
 *   itself, reads the same attribute as the 1.x Custom Attribute `x-…`, and decodes 1.x Delete Attribute's
 *   answer; and where PyKMIP stops on a Link attribute (its own attribute value factory);
 * - Locate by a vendor attribute (2.1) and by the same custom attribute (1.4).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/paths.js';
import { httpsJson, makePki, rawKmip, runPykmip, spawnKmipServer, type KmipServer, type TestPki } from '../helpers/kmip.js';
import { readKmipXml, stepOf, substitute, xmlChild, xmlChildren, type JsonTtlv, type XmlTestCase } from '../helpers/kmip-xml.js';
import { decodeTtlv, encodeTtlv, type TtlvItem } from '../../src/kmip/ttlv.js';
import { fromJsonTtlv, toJsonTtlv } from '../../src/kmip/json.js';

const ROOT = 'kmip-vendor-root-token';
const VECTORS = join(repoRoot, 'test', 'vectors', 'kmip', 'oasis');

/** Tag numbers from the KMIP 2.1 tag table (§9.1.3.1), written here rather than taken from src/kmip/tags.ts. */
const SPEC = { Attribute: 0x420008, AttributeName: 0x42000a, AttributeValue: 0x42000b, VendorIdentification: 0x42009d, AttributeReference: 0x42013b };

/** A minimal TTLV writer for Text Strings and Structures (KMIP 2.1 §9.1.1: tag 3 bytes, type, length, value padded to 8). */
function ttlv(tag: number, type: number, value: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUIntBE(tag, 0, 3);
  head.writeUInt8(type, 3);
  head.writeUInt32BE(value.length, 4);
  return Buffer.concat([head, value, Buffer.alloc((8 - (value.length % 8)) % 8)]);
}
const textString = (tag: number, s: string) => ttlv(tag, 0x07, Buffer.from(s, 'utf8'));
const structure = (tag: number, ...parts: Buffer[]) => ttlv(tag, 0x01, Buffer.concat(parts));

type J = JsonTtlv;
const s = (tag: string, ...value: J[]): J => ({ tag, value });
const t = (tag: string, value: string): J => ({ tag, type: 'TextString', value });
const e = (tag: string, value: string): J => ({ tag, type: 'Enumeration', value });
const i = (tag: string, value: number): J => ({ tag, type: 'Integer', value });
const vendor = (name: string, value: string): J => s('Attribute', t('VendorIdentification', 'x'), t('AttributeName', name), t('AttributeValue', value));

function request(version: [number, number], items: [string, J[]][]): J {
  return s(
    'RequestMessage',
    s('RequestHeader', s('ProtocolVersion', i('ProtocolVersionMajor', version[0]), i('ProtocolVersionMinor', version[1])), i('BatchCount', items.length)),
    ...items.map(([op, payload]) => s('BatchItem', e('Operation', op), s('RequestPayload', ...payload))),
  );
}

describe('KMIP custom attributes / 2.x Vendor Attributes over the TTLV listener', () => {
  let pki: TestPki;
  let srv: KmipServer;

  /** One request message over mutual TLS; the raw response bytes and the decoded response. */
  async function send(message: J): Promise<{ raw: Buffer; response: TtlvItem }> {
    const frame = encodeTtlv(fromJsonTtlv(message));
    const { messages } = await rawKmip(pki, srv.kmipPort, 'storage', [frame], 1);
    assert.equal(messages.length, 1, 'one response message');
    return { raw: messages[0]!, response: decodeTtlv(messages[0]!) };
  }
  /** The batch items of a response in JSON TTLV form. */
  const batchItems = (response: TtlvItem): J[] => xmlChildren(toJsonTtlv(response) as J, 'BatchItem');
  const payloadOf = (item: J): J | undefined => xmlChild(item, 'ResponsePayload');
  const ok = (item: J): J => {
    assert.equal(xmlChild(item, 'ResultStatus')?.value, 'Success', JSON.stringify(item));
    return item;
  };
  async function createAes(version: [number, number], attributes: J[]): Promise<string> {
    const container = version[0] >= 2 ? s('Attributes', e('CryptographicAlgorithm', 'AES'), i('CryptographicLength', 256), ...attributes) : s('TemplateAttribute', s('Attribute', t('AttributeName', 'Cryptographic Algorithm'), e('AttributeValue', '0x00000003')), s('Attribute', t('AttributeName', 'Cryptographic Length'), i('AttributeValue', 256)), ...attributes);
    const { response } = await send(request(version, [['Create', [e('ObjectType', 'SymmetricKey'), container]]]));
    return xmlChild(payloadOf(ok(batchItems(response)[0]!)), 'UniqueIdentifier')!.value as string;
  }

  /**
   * Replays the batch items of one test-case step whose operation is `operation` (the step's own
   * messages, identifiers substituted) and compares every response payload byte for byte.
   */
  async function replay(tc: XmlTestCase, operation: string, uid: string): Promise<void> {
    const steps = tc.messages.flatMap((_, n) => {
      try {
        return [stepOf(tc, n)];
      } catch {
        return [];
      }
    });
    const found = steps.find((p) => xmlChildren(p.request, 'BatchItem').some((b) => xmlChild(b, 'Operation')?.value === operation));
    assert.ok(found, `the test case has a ${operation} step`);
    const { response } = await send(substitute(found.request, [uid]));
    const got = batchItems(response);
    const want = xmlChildren(substitute(found.response, [uid]), 'BatchItem');
    assert.equal(got.length, want.length);
    for (const [n, w] of want.entries()) {
      const g = got[n]!;
      for (const f of ['Operation', 'UniqueBatchItemID', 'ResultStatus']) assert.deepEqual(xmlChild(g, f)?.value, xmlChild(w, f)?.value, `${operation} item ${n}: ${f}`);
      const wantBytes = Buffer.from(encodeTtlv(fromJsonTtlv(payloadOf(w)!)));
      const gotBytes = Buffer.from(encodeTtlv(fromJsonTtlv(payloadOf(g)!)));
      assert.equal(gotBytes.toString('hex'), wantBytes.toString('hex'), `${operation} item ${n}: response payload`);
    }
  }

  before(async () => {
    pki = await makePki('strongbox-kmip-vendor-');
    await pki.leaf('server', '127.0.0.1', 'server');
    await pki.leaf('storage', 'kmip-storage-client', 'client');
    srv = await spawnKmipServer(pki, { 'kmip-storage-client': ['kmip-storage'] }, ROOT);
    const put = await httpsJson(pki, `${srv.addr}/v1/policies/kmip-storage`, 'PUT', { statements: [{ effect: 'allow', actions: ['keys:*'], resources: ['key:*'] }] }, { token: ROOT });
    assert.equal(put.status, 200, JSON.stringify(put.body));
  });
  after(async () => {
    await srv?.server.stop();
    if (pki) rmSync(pki.dir, { recursive: true, force: true });
  });

  for (const [file, version] of [['SKFF-M-9-14.xml', [1, 4]], ['SKFF-M-9-20.xml', [2, 0]], ['SKFF-M-9-21.xml', [2, 1]]] as [string, [number, number]][]) {
    it(`OASIS ${file}: Add, Modify and Delete Attribute answer the test case's payloads byte for byte (KMIP ${version.join('.')})`, async () => {
      const tc = readKmipXml(join(VECTORS, file));
      const uid = await createAes(version, []);
      await replay(tc, 'AddAttribute', uid);
      const read21 = async () => {
        const { response } = await send(request([2, 1], [['GetAttributes', [t('UniqueIdentifier', uid), s('AttributeReference', t('VendorIdentification', 'x'), t('AttributeName', 'attribute1')), s('AttributeReference', t('VendorIdentification', 'x'), t('AttributeName', 'attribute2'))]]]));
        return xmlChildren(xmlChild(payloadOf(ok(batchItems(response)[0]!)), 'Attributes'), 'Attribute').map((a) => [xmlChild(a, 'AttributeName')!.value, xmlChild(a, 'AttributeValue')!.value]);
      };
      // Whatever version set them, 2.1 reads them as Vendor Attributes (x, attribute1) and (x, attribute2).
      assert.deepEqual(await read21(), [['attribute1', 'Value1'], ['attribute2', 'Value2']]);
      await replay(tc, 'ModifyAttribute', uid);
      assert.deepEqual(await read21(), [['attribute1', 'ModifiedValue1'], ['attribute2', 'ModifiedValue2']]);
      await replay(tc, 'DeleteAttribute', uid);
      assert.deepEqual(await read21(), []);
    });
  }

  it('a Vendor Attribute in Get Attributes (2.0, 2.1) is the bytes the 2.1 tag table gives; 1.4 gets the Custom Attribute x-… and no Vendor Identification', async () => {
    const uid = await createAes([2, 1], [vendor('ID', 'TL-M-2-21'), vendor('Barcode', 'XXA012A1')]);
    const expected = structure(SPEC.Attribute, textString(SPEC.VendorIdentification, 'x'), textString(SPEC.AttributeName, 'Barcode'), textString(SPEC.AttributeValue, 'XXA012A1'));
    for (const v of [[2, 0], [2, 1]] as [number, number][]) {
      const { raw } = await send(request(v, [['GetAttributes', [t('UniqueIdentifier', uid)]]]));
      assert.ok(raw.indexOf(expected) > 0, `KMIP ${v.join('.')}: the vendor attribute's bytes are in the response`);
      const ref = structure(SPEC.AttributeReference, textString(SPEC.VendorIdentification, 'x'), textString(SPEC.AttributeName, 'ID'));
      const list = await send(request(v, [['GetAttributeList', [t('UniqueIdentifier', uid)]]]));
      assert.ok(list.raw.indexOf(ref) > 0, `KMIP ${v.join('.')}: Get Attribute List names it by a vendor Attribute Reference`);
    }
    const { raw, response } = await send(request([1, 4], [['GetAttributes', [t('UniqueIdentifier', uid), t('AttributeName', 'x-Barcode')]]]));
    const attrs = xmlChildren(payloadOf(ok(batchItems(response)[0]!)), 'Attribute');
    assert.deepEqual(attrs.map((a) => [xmlChild(a, 'AttributeName')!.value, xmlChild(a, 'AttributeValue')!.value]), [['x-Barcode', 'XXA012A1']]);
    const vendorIdTag = Buffer.from([0x42, 0x00, 0x9d]);
    assert.equal(raw.indexOf(vendorIdTag), -1, '1.4 responses carry no Vendor Identification');
  });

  it('OASIS TL-M-3-21: Get Attribute List names the vendor attributes by the test case’s Attribute References', async () => {
    const tc = readKmipXml(join(VECTORS, 'TL-M-3-21.xml'));
    // The vendor attributes of TL-M-2-21's Create that hold text (Strongbox keeps custom values as text).
    const uid = await createAes([2, 1], [vendor('ID', 'TL-M-2-21'), vendor('Barcode', 'XXA012A1'), vendor('VendorAttribute1', 'XXA012A1')]);
    const listStep = stepOf(tc, 1);
    const wantRefs = xmlChildren(payloadOf(xmlChildren(listStep.response, 'BatchItem')[1]!), 'AttributeReference').filter((r) => Array.isArray(r.value) && ['ID', 'Barcode', 'VendorAttribute1'].includes(xmlChild(r, 'AttributeName')!.value as string));
    assert.equal(wantRefs.length, 3);
    const { response } = await send(request([2, 1], [['GetAttributeList', [t('UniqueIdentifier', uid)]]]));
    const gotRefs = xmlChildren(payloadOf(ok(batchItems(response)[0]!)), 'AttributeReference').filter((r) => Array.isArray(r.value));
    const hex = (refs: J[]) => refs.map((r) => Buffer.from(encodeTtlv(fromJsonTtlv(r))).toString('hex')).sort();
    assert.deepEqual(hex(gotRefs), hex(wantRefs));
  });

  it('OASIS TL-M-2-21 / TL-M-3-21: the Create’s typed Vendor Attributes come back byte for byte, and TL-M-3-21’s Modify Attribute steps answer its payloads', async () => {
    const now = '2024-05-01T12:00:00+00:00';
    const create = substitute(stepOf(readKmipXml(join(VECTORS, 'TL-M-2-21.xml')), 0).request, [], now);
    const vendorAttrs = xmlChildren(xmlChild(xmlChild(xmlChildren(create, 'BatchItem')[0], 'RequestPayload'), 'Attributes'), 'Attribute');
    assert.deepEqual(vendorAttrs.map((a) => xmlChild(a, 'AttributeValue')!.type), ['TextString', 'TextString', 'TextString', 'Integer', 'DateTime']);
    const uid = await createAes([2, 1], vendorAttrs);
    const { response } = await send(request([2, 1], [['GetAttributes', [t('UniqueIdentifier', uid), ...vendorAttrs.map((a) => s('AttributeReference', xmlChild(a, 'VendorIdentification')!, xmlChild(a, 'AttributeName')!))]]]));
    const got = xmlChildren(xmlChild(payloadOf(ok(batchItems(response)[0]!)), 'Attributes'), 'Attribute');
    const hex = (a: J) => Buffer.from(encodeTtlv(fromJsonTtlv(a))).toString('hex');
    assert.deepEqual(got.map(hex).sort(), vendorAttrs.map(hex).sort());

    // TL-M-3-21 step 3: Modify Attribute of VendorAttribute3 (Date-Time) and VendorAttribute2 (Integer); the
    // test case finds the key by Locate (Application Specific Information, which Strongbox does not keep),
    // so the identifier is given here instead.
    const later = '2024-05-02T08:30:00+00:00';
    const step3 = stepOf(readKmipXml(join(VECTORS, 'TL-M-3-21.xml')), 3);
    const modifies = xmlChildren(substitute(step3.request, [uid], later), 'BatchItem').filter((bi) => xmlChild(bi, 'Operation')!.value === 'ModifyAttribute');
    assert.equal(modifies.length, 2);
    const withUid = modifies.map((bi) => ({ ...bi, value: (bi.value as J[]).map((f) => (f.tag === 'RequestPayload' ? { ...f, value: [t('UniqueIdentifier', uid), ...(f.value as J[])] } : f)) }));
    const sent = await send(s('RequestMessage', s('RequestHeader', s('ProtocolVersion', i('ProtocolVersionMajor', 2), i('ProtocolVersionMinor', 1)), i('BatchCount', 2)), ...withUid));
    const want = xmlChildren(substitute(step3.response, [uid]), 'BatchItem').filter((bi) => xmlChild(bi, 'Operation')!.value === 'ModifyAttribute');
    for (const [n, g] of batchItems(sent.response).entries()) {
      assert.equal(xmlChild(g, 'UniqueBatchItemID')?.value, xmlChild(want[n], 'UniqueBatchItemID')?.value);
      assert.equal(hex(payloadOf(ok(g))!), hex(payloadOf(want[n]!)!));
    }
    const after = await send(request([2, 1], [['GetAttributes', [t('UniqueIdentifier', uid), s('AttributeReference', t('VendorIdentification', 'x'), t('AttributeName', 'VendorAttribute2')), s('AttributeReference', t('VendorIdentification', 'x'), t('AttributeName', 'VendorAttribute3'))]]]));
    const values = xmlChildren(xmlChild(payloadOf(ok(batchItems(after.response)[0]!)), 'Attributes'), 'Attribute').map((a) => xmlChild(a, 'AttributeValue'));
    assert.deepEqual(values, [{ tag: 'AttributeValue', type: 'Integer', value: 1 }, { tag: 'AttributeValue', type: 'DateTime', value: later }]);
  });

  it('Locate by a Vendor Attribute (2.1) and by the same Custom Attribute (1.4) finds only the object carrying it', async () => {
    const marked = await createAes([2, 1], [vendor('ID', 'locate-me-21')]);
    await createAes([2, 1], [vendor('ID', 'someone-else')]);
    const two = await send(request([2, 1], [['Locate', [s('Attributes', e('ObjectType', 'SymmetricKey'), vendor('ID', 'locate-me-21'))]]]));
    assert.deepEqual(xmlChildren(payloadOf(ok(batchItems(two.response)[0]!)), 'UniqueIdentifier').map((u) => u.value), [marked]);
    const one = await send(request([1, 4], [['Locate', [s('Attribute', t('AttributeName', 'x-ID'), t('AttributeValue', 'locate-me-21'))]]]));
    assert.deepEqual(xmlChildren(payloadOf(ok(batchItems(one.response)[0]!)), 'UniqueIdentifier').map((u) => u.value), [marked]);
  });

  it('PyKMIP (an independent codec) reads 2.0 vendor Attribute References, deletes by one it encodes, and reads the 1.x Custom Attribute', async () => {
    const uid = await createAes([2, 1], [vendor('alpha', 'one'), vendor('beta', 'two')]);
    const two = await runPykmip(repoRoot, pki, 'vendor_2_0', srv.kmipPort, 'storage', '2.0', [uid, 'alpha']);
    assert.ok(two['attribute_list'].includes('alpha') && two['attribute_list'].includes('beta'), JSON.stringify(two));
    assert.equal(two['delete_by_reference'], uid, JSON.stringify(two));
    assert.ok(!two['attribute_list_after'].includes('alpha') && two['attribute_list_after'].includes('beta'), JSON.stringify(two));
    const one = await runPykmip(repoRoot, pki, 'vendor_1_x', srv.kmipPort, 'storage', '1.4', [uid, 'beta']);
    assert.deepEqual(one['get'], [['x-beta', 'two']], JSON.stringify(one));
    assert.deepEqual(one['delete'], [uid, 'x-beta', 'two'], JSON.stringify(one));
    assert.deepEqual(one['get_after'], [], JSON.stringify(one));
  });

  it('PyKMIP and Link: PyKMIP’s own attribute value factory raises NotImplementedError for Link (docs/kmip.md)', async () => {
    const uid = await createAes([1, 4], []);
    const rekey = await send(request([1, 4], [['ReKey', [t('UniqueIdentifier', uid)]]]));
    ok(batchItems(rekey.response)[0]!);
    const r = await runPykmip(repoRoot, pki, 'link', srv.kmipPort, 'storage', '1.4', [uid]);
    assert.equal(r['link'].error, 'NotImplementedError', JSON.stringify(r));
    assert.match(r['link'].file, /kmip\/core\/factories\/attribute_values\.py$/, JSON.stringify(r));
    assert.equal(r['link'].code, 'raise NotImplementedError()');
    // The same Link, read through the JSON route, is the KMIP 1.4 §3.35 structure.
    const res = await httpsJson(pki, `${srv.addr}/kmip/2_1`, 'POST', request([1, 4], [['GetAttributes', [t('UniqueIdentifier', uid), t('AttributeName', 'Link')]]]), { cert: 'storage' });
    const link = xmlChildren(xmlChild(xmlChild(res.body, 'BatchItem'), 'ResponsePayload'), 'Attribute').map((a) => xmlChild(a, 'AttributeValue')!)[0]!;
    assert.deepEqual((link.value as J[]).map((f) => f.tag), ['LinkType', 'LinkedObjectIdentifier']);
  });
});
