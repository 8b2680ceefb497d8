/**
 * KMIP message semantics through the JSON TTLV route (POST /kmip/2_1, the same dispatcher as the TTLV
 * listener), in process on a real SQLite file: Discover Versions negotiation, an unsupported protocol
 * version, ID Placeholder across a batch, Batch Error Continuation (Stop and Continue), Maximum Response
 * Size, the plaintext rules (root's `*` does not cover keys:export-plaintext; a key without the mark is
 * refused even to a caller allowed the action; wrapped export under another AES key), AES-GCM
 * Encrypt/Decrypt round trips checked with node:crypto, and bad JSON TTLV as 400 naming the field.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createDecipheriv } from 'node:crypto';
import { startTestBox, type TestBox } from '../helpers/app.js';
import { b, e, field, i, items, request, s, t, type J } from '../helpers/kmip-json.js';

const createAes = (extra: J[] = []): [string, J[]] => ['Create', [e('ObjectType', 'SymmetricKey'), s('Attributes', e('CryptographicAlgorithm', 'AES'), i('CryptographicLength', 256), ...extra)]];

describe('KMIP JSON TTLV route: message semantics', () => {
  let box: TestBox;
  const kmip = (body: unknown, token?: string | null) => box.call('POST', '/kmip/2_1', body, token);
  before(async () => {
    box = await startTestBox();
  });
  after(() => box.cleanup());

  it('Discover Versions: all supported versions, most preferred first; an intersection when the client lists some', async () => {
    const all = items(await kmip(request([1, 4], [['DiscoverVersions', []]])))[0]!;
    assert.equal(all.ResultStatus, 'Success');
    const versions = (all.payload as J[]).map((pv) => (pv.value as J[]).map((x) => x.value).join('.'));
    assert.deepEqual(versions, ['2.1', '2.0', '1.4', '1.3', '1.2', '1.1', '1.0']);
    const some = items(await kmip(request([1, 0], [['DiscoverVersions', [s('ProtocolVersion', i('ProtocolVersionMajor', 1), i('ProtocolVersionMinor', 2)), s('ProtocolVersion', i('ProtocolVersionMajor', 3), i('ProtocolVersionMinor', 0))]]])))[0]!;
    assert.deepEqual((some.payload as J[]).map((pv) => (pv.value as J[]).map((x) => x.value).join('.')), ['1.2']);
  });

  it('an unsupported protocol version is refused (2.x: Unsupported Protocol Version)', async () => {
    const r = items(await kmip(request([2, 9], [['DiscoverVersions', []]])))[0]!;
    assert.equal(r.ResultStatus, 'OperationFailed');
    assert.equal(r.ResultReason, 'UnsupportedProtocolVersion');
  });

  it('ID Placeholder: Create, Activate, Get Attributes in one batch act on the created key', async () => {
    const res = await kmip(request([2, 1], [createAes(), ['Activate', []], ['GetAttributes', [e('AttributeReference', '0x0042008D')]]]));
    const [created, activated, attrs] = items(res);
    assert.equal(created!.ResultStatus, 'Success', JSON.stringify(res.body));
    const uid = field(created!.payload, 'UniqueIdentifier');
    assert.equal(field(activated!.payload, 'UniqueIdentifier'), uid);
    assert.equal(attrs!.ResultStatus, 'Success', JSON.stringify(attrs));
    assert.equal(field(attrs!.payload, 'UniqueIdentifier'), uid);
  });

  it('Batch Error Continuation: Stop (default) ends the batch at the failure; Continue runs the rest', async () => {
    const missing = ['Get', [t('UniqueIdentifier', '00000000-0000-4000-8000-000000000000')]] as [string, J[]];
    const stop = items(await kmip(request([1, 4], [missing, ['DiscoverVersions', []]])));
    assert.equal(stop.length, 1);
    assert.equal(stop[0]!.ResultReason, 'ItemNotFound');
    const cont = items(await kmip(request([1, 4], [missing, ['DiscoverVersions', []]], [e('BatchErrorContinuationOption', '0x00000001')])));
    assert.deepEqual(cont.map((x) => x.ResultStatus), ['OperationFailed', 'Success']);
  });

  it('Maximum Response Size: a response larger than the limit is Response Too Large', async () => {
    const r = items(await kmip(request([1, 4], [['DiscoverVersions', []]], [i('MaximumResponseSize', 64)])))[0]!;
    assert.equal(r.ResultReason, 'ResponseTooLarge');
  });

  it('root’s `*` does not cover keys:export-plaintext: a plaintext Get is Permission Denied even for root', async () => {
    const [c] = items(await kmip(request([2, 1], [createAes()])));
    const uid = field(c!.payload, 'UniqueIdentifier');
    const get = items(await kmip(request([2, 1], [['Get', [t('UniqueIdentifier', uid)]]])))[0]!;
    assert.equal(get.ResultReason, 'PermissionDenied');
    assert.match(get.ResultMessage, /keys:export-plaintext/);
  });

  it('a key made without the mark is refused even to a caller allowed keys:export-plaintext; a marked one is released', async () => {
    const put = await box.call('PUT', '/v1/policies/kmip-export', { statements: [{ effect: 'allow', actions: ['keys:*', 'keys:export-plaintext'], resources: ['key:*'] }] });
    assert.equal(put.status, 200);
    const tok = await box.call('POST', '/v1/tokens', { policies: ['kmip-export'] });
    const exporter = tok.body.token as string;
    // made by root (no keys:export-plaintext): no mark, forever
    const [unmarked] = items(await kmip(request([2, 1], [createAes()])));
    // made by the exporter: marked
    const [marked] = items(await kmip(request([2, 1], [createAes()]), exporter));
    // made by the exporter, opting out with Extractable = false
    const [optOut] = items(await kmip(request([2, 1], [createAes([{ tag: 'Extractable', type: 'Boolean', value: false }])]), exporter));
    const get = async (c: Record<string, any>) => items(await kmip(request([2, 1], [['Get', [t('UniqueIdentifier', field(c.payload, 'UniqueIdentifier'))]]]), exporter))[0]!;
    assert.equal((await get(unmarked!)).ResultReason, 'PermissionDenied');
    assert.equal((await get(optOut!)).ResultReason, 'PermissionDenied');
    const ok = await get(marked!);
    assert.equal(ok.ResultStatus, 'Success', JSON.stringify(ok));
    assert.match(JSON.stringify(ok.payload), /"KeyMaterial","type":"ByteString","value":"[0-9a-f]{64}"/);
  });

  it('Key Wrapping Specification: a marked key leaves wrapped under another AES key (RFC 5649, unwrapped by node:crypto); an unmarked one does not', async () => {
    const exporter = (await box.call('POST', '/v1/tokens', { policies: ['kmip-export'] })).body.token as string;
    const [kek] = items(await kmip(request([2, 1], [createAes(), ['Activate', []]]), exporter));
    const kekUid = field(kek!.payload, 'UniqueIdentifier');
    const [key] = items(await kmip(request([2, 1], [createAes()]), exporter));
    const uid = field(key!.payload, 'UniqueIdentifier');
    const spec = s('KeyWrappingSpecification', e('WrappingMethod', 'Encrypt'), s('EncryptionKeyInformation', t('UniqueIdentifier', kekUid)));
    const material = async (u: string) => /"KeyMaterial","type":"ByteString","value":"([0-9a-f]{64})"/.exec(JSON.stringify(items(await kmip(request([2, 1], [['Get', [t('UniqueIdentifier', u)]]]), exporter))[0]!.payload))![1]!;
    const wrapped = items(await kmip(request([2, 1], [['Get', [t('UniqueIdentifier', uid), spec]]]), exporter))[0]!;
    assert.equal(wrapped.ResultStatus, 'Success', JSON.stringify(wrapped));
    const blob = /"KeyValue","type":"ByteString","value":"([0-9a-f]+)"/.exec(JSON.stringify(wrapped.payload))![1]!;
    const d = createDecipheriv('id-aes256-wrap-pad', Buffer.from(await material(kekUid), 'hex'), Buffer.from('A65959A6', 'hex'));
    assert.equal(Buffer.concat([d.update(Buffer.from(blob, 'hex')), d.final()]).toString('hex'), await material(uid));
    const [rootKey] = items(await kmip(request([2, 1], [createAes()])));
    const refused = items(await kmip(request([2, 1], [['Get', [t('UniqueIdentifier', field(rootKey!.payload, 'UniqueIdentifier')), spec]]]), exporter))[0]!;
    assert.equal(refused.ResultReason, 'PermissionDenied', 'not marked and not REST-exportable');
  });

  it('AES-GCM Encrypt/Decrypt with AAD round-trips, and node:crypto decrypts the ciphertext with the released key', async () => {
    const put = await box.call('PUT', '/v1/policies/kmip-export', { statements: [{ effect: 'allow', actions: ['keys:*', 'keys:export-plaintext'], resources: ['key:*'] }] });
    assert.equal(put.status, 200);
    const exporter = (await box.call('POST', '/v1/tokens', { policies: ['kmip-export'] })).body.token as string;
    const params = s('CryptographicParameters', e('BlockCipherMode', 'GCM'), i('TagLength', 16));
    const res = await kmip(request([2, 1], [createAes(), ['Activate', []], ['Encrypt', [params, b('Data', Buffer.from('page 17').toString('hex')), b('AuthenticatedEncryptionAdditionalData', 'aa55')]], ['Get', []]]), exporter);
    const [, , enc, got] = items(res);
    assert.equal(enc!.ResultStatus, 'Success', JSON.stringify(res.body));
    const ct = field(enc!.payload, 'Data') as string;
    const iv = field(enc!.payload, 'IVCounterNonce') as string;
    const tag = field(enc!.payload, 'AuthenticatedEncryptionTag') as string;
    const material = /"KeyMaterial","type":"ByteString","value":"([0-9a-f]{64})"/.exec(JSON.stringify(got!.payload))![1]!;
    const d = createDecipheriv('aes-256-gcm', Buffer.from(material, 'hex'), Buffer.from(iv, 'hex'));
    d.setAAD(Buffer.from('aa55', 'hex'));
    d.setAuthTag(Buffer.from(tag, 'hex'));
    assert.equal(Buffer.concat([d.update(Buffer.from(ct, 'hex')), d.final()]).toString(), 'page 17');
    const uid = field(enc!.payload, 'UniqueIdentifier');
    const dec = items(await kmip(request([2, 1], [['Decrypt', [t('UniqueIdentifier', uid), params, b('Data', ct), b('IVCounterNonce', iv), b('AuthenticatedEncryptionAdditionalData', 'aa55'), b('AuthenticatedEncryptionTag', tag)]]]), exporter))[0]!;
    assert.equal(Buffer.from(field(dec.payload, 'Data'), 'hex').toString(), 'page 17');
    const bad = items(await kmip(request([2, 1], [['Decrypt', [t('UniqueIdentifier', uid), params, b('Data', ct), b('IVCounterNonce', iv), b('AuthenticatedEncryptionAdditionalData', 'aa56'), b('AuthenticatedEncryptionTag', tag)]]]), exporter))[0]!;
    assert.equal(bad.ResultReason, 'CryptographicFailure');
  });

  it('bad JSON TTLV is 400 INVALID_ARGUMENT naming the field; no token is 401', async () => {
    const r = await kmip({ tag: 'RequestMessage', value: [{ tag: 'NoSuchTag', value: [] }] });
    assert.equal(r.status, 400);
    assert.equal(r.body.code, 'INVALID_ARGUMENT');
    assert.equal(r.body.field, '$.value[0].tag');
    const noToken = await kmip(request([1, 4], [['DiscoverVersions', []]]), null);
    assert.equal(noToken.status, 401);
  });
});
