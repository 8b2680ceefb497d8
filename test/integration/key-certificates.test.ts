/**
 * Certificates attached to keys through the API (PUT/GET/DELETE /v1/keys/{id}/certificate), on a real
 * SQLite file. Certificates are made by openssl (a CA signs the Strongbox key's public key with
 * -force_pubkey), and the DER fields the PKCS#11 token serves are checked against openssl asn1parse.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditRecordOf, startTestBox, type TestBox } from '../helpers/app.js';
import { certificateFields } from '../../src/pkcs11/certificate-fields.js';

const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });

describe('key certificates API', () => {
  let box: TestBox;
  let work: string;
  let caKey: string;
  let caCert: string;

  /** A certificate for `publicKeyPem`, issued by the test CA (issuer ≠ subject). */
  function issue(publicKeyPem: string, cn: string, serial: string): string {
    const pub = join(work, `${cn}.pub.pem`);
    writeFileSync(pub, publicKeyPem);
    const csr = join(work, `${cn}.csr`);
    // The request is signed by the CA key; -force_pubkey puts the Strongbox key in the certificate.
    openssl(['req', '-new', '-key', caKey, '-subj', `/CN=${cn}/O=Strongbox test`, '-out', csr]);
    const out = join(work, `${cn}.pem`);
    openssl(['x509', '-req', '-in', csr, '-CA', caCert, '-CAkey', caKey, '-force_pubkey', pub, '-set_serial', serial, '-days', '30', '-out', out]);
    return readFileSync(out, 'utf8');
  }
  const publicKeyPem = async (key: string) => (await box.call('GET', `/v1/keys/${key}/public-key`)).body.publicKey as string;

  before(async () => {
    box = await startTestBox();
    work = mkdtempSync(join(tmpdir(), 'strongbox-certs-'));
    caKey = join(work, 'ca.key');
    caCert = join(work, 'ca.pem');
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', caKey]);
    openssl(['req', '-new', '-x509', '-key', caKey, '-subj', '/CN=Test CA', '-days', '30', '-out', caCert]);
  });
  after(async () => {
    await box.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  for (const type of ['p256', 'secp256k1', 'ed25519', 'rsa2048']) {
    it(`${type}: attaches a matching certificate, reads it back, replaces and removes it`, async () => {
      const name = `cert-${type}`;
      const created = await box.call('POST', '/v1/keys', { type, name });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const pem = issue(await publicKeyPem(name), name, '0x0123456789abcdef');
      const put = await box.call('PUT', `/v1/keys/${name}/certificate`, { certificate: pem });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      assert.equal(put.body.keyId, created.body.id);
      assert.match(put.body.subject, new RegExp(`CN=${name}`));
      assert.match(put.body.issuer, /CN=Test CA/);
      assert.equal(put.body.serialNumber.toLowerCase(), '0123456789abcdef');
      const audit = await auditRecordOf(box, put.headers['x-request-id'] as string);
      assert.equal(audit.action, 'keys:certificate:write');
      const got = await box.call('GET', `/v1/keys/${created.body.id}/certificate`);
      assert.equal(got.status, 200);
      // The stored certificate is the one openssl wrote, byte for byte.
      assert.equal(base64Of(got.body.certificate), base64Of(pem));
      const again = issue(await publicKeyPem(name), `${name}-2`, '7');
      assert.equal((await box.call('PUT', `/v1/keys/${name}/certificate`, { certificate: again })).status, 200);
      assert.match((await box.call('GET', `/v1/keys/${name}/certificate`)).body.subject, new RegExp(`CN=${name}-2`));
      const del = await box.call('DELETE', `/v1/keys/${name}/certificate`);
      assert.deepEqual([del.status, del.body], [200, { keyId: created.body.id, deleted: true }]);
      const gone = await box.call('GET', `/v1/keys/${name}/certificate`);
      assert.deepEqual([gone.status, gone.body.code], [404, 'CERTIFICATE_NOT_FOUND']);
      assert.equal((await box.call('DELETE', `/v1/keys/${name}/certificate`)).body.deleted, false);
    });
  }

  it('refuses a certificate of another public key with 400 CERTIFICATE_KEY_MISMATCH, and stores nothing', async () => {
    const k = (await box.call('POST', '/v1/keys', { type: 'p256', name: 'cert-mismatch' })).body;
    const other = (await box.call('POST', '/v1/keys', { type: 'p256' })).body;
    for (const certificate of [readFileSync(caCert, 'utf8'), issue(await publicKeyPem(other.id), 'other', '9')]) {
      const res = await box.call('PUT', `/v1/keys/${k.id}/certificate`, { certificate });
      assert.deepEqual([res.status, res.body.code, res.body.field], [400, 'CERTIFICATE_KEY_MISMATCH', 'certificate']);
    }
    assert.equal((await box.call('GET', `/v1/keys/${k.id}/certificate`)).status, 404);
  });

  it('refuses garbage with 400 INVALID_ARGUMENT naming certificate; keys without a public key with 400', async () => {
    const k = (await box.call('POST', '/v1/keys', { type: 'p256', name: 'cert-garbage' })).body;
    const good = issue(await publicKeyPem(k.id), 'garbage', '10');
    const b64 = good.split('\n').filter((l) => !l.startsWith('-----')).join('');
    const cases: unknown[] = [
      'hello',
      '',
      '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
      good.replace(b64.slice(0, 64), 'A'.repeat(64)),
      good + good,
      `-----BEGIN PUBLIC KEY-----\n${b64}\n-----END PUBLIC KEY-----\n`,
      'x'.repeat(70000),
    ];
    for (const [i, certificate] of cases.entries()) {
      const res = await box.call('PUT', `/v1/keys/${k.id}/certificate`, { certificate });
      assert.equal(res.status, 400, `case ${i}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.field, 'certificate', `case ${i}`);
    }
    for (const body of [{}, { certificate: 5 }, { certificate: good, extra: 1 }]) {
      const res = await box.call('PUT', `/v1/keys/${k.id}/certificate`, body);
      assert.equal(res.status, 400, JSON.stringify(body));
    }
    const aes = (await box.call('POST', '/v1/keys', { type: 'aes256' })).body;
    const res = await box.call('PUT', `/v1/keys/${aes.id}/certificate`, { certificate: good });
    assert.equal(res.status, 400);
    assert.equal((await box.call('PUT', '/v1/keys/no-such-key/certificate', { certificate: good })).body.code, 'KEY_NOT_FOUND');
  });

  it('reading needs keys:certificate:read, setting and removing keys:certificate:write (auditor and signer read, operator sets)', async () => {
    const k = (await box.call('POST', '/v1/keys', { type: 'p256', name: 'cert-perm' })).body;
    const pem = issue(await publicKeyPem(k.id), 'perm', '11');
    const token = async (policy: string) => (await box.call('POST', '/v1/tokens', { policies: [policy] })).body.token as string;
    const [auditor, signer, operator] = [await token('auditor'), await token('signer'), await token('operator')];
    for (const t of [auditor, signer]) {
      const res = await box.call('PUT', `/v1/keys/${k.id}/certificate`, { certificate: pem }, t);
      assert.deepEqual([res.status, res.body.code], [403, 'PERMISSION_DENIED']);
    }
    assert.equal((await box.call('PUT', `/v1/keys/${k.id}/certificate`, { certificate: pem }, operator)).status, 200);
    for (const t of [auditor, signer, operator]) assert.equal((await box.call('GET', `/v1/keys/${k.id}/certificate`, undefined, t)).status, 200);
    assert.equal((await box.call('DELETE', `/v1/keys/${k.id}/certificate`, undefined, auditor)).status, 403);
    assert.equal((await box.call('GET', `/v1/keys/${k.id}/certificate`)).status, 200, 'still there');
    const limited = (await box.call('PUT', '/v1/policies/read-keys-only', { statements: [{ effect: 'allow', actions: ['keys:read'], resources: ['*'] }] })).status;
    assert.ok(limited === 200 || limited === 201);
    const reader = await token('read-keys-only');
    assert.equal((await box.call('GET', `/v1/keys/${k.id}/certificate`, undefined, reader)).status, 403);
  });

  it('PKCS#11 fields: serial number, issuer and subject are the DER openssl asn1parse finds', () => {
    const pemFile = join(work, 'asn1.pem');
    writeFileSync(pemFile, issue(readFileSync(join(work, 'perm.pub.pem'), 'utf8'), 'asn1', '0x00ff00ff00ff00ff00ff00ff00ff'));
    const der = openssl(['x509', '-in', pemFile, '-outform', 'DER']);
    // "off:d=D  hl=H l=  L ..." lines; tbsCertificate's children are the d=2 lines before the second d=1.
    writeFileSync(join(work, 'asn1.der'), der);
    const parsed = openssl(['asn1parse', '-inform', 'DER', '-in', join(work, 'asn1.der')]).toString().split('\n');
    const entries = parsed.map((l) => /^\s*(\d+):d=(\d+)\s+hl=(\d+)\s+l=\s*(\d+)\s+\w+:\s*(.*)$/.exec(l)).filter((m) => m !== null).map((m) => ({ off: +m[1]!, d: +m[2]!, hl: +m[3]!, l: +m[4]!, what: m[5]! }));
    const d1 = entries.map((e, i) => [e, i] as const).filter(([e]) => e.d === 1).map(([, i]) => i);
    const tbsChildren = entries.slice(d1[0]! + 1, d1[1]).filter((e) => e.d === 2);
    const slice = (e: { off: number; hl: number; l: number }) => new Uint8Array(der.subarray(e.off, e.off + e.hl + e.l));
    // The version ([0]) is optional: a certificate without extensions, like this one, may be v1.
    const first = /cont \[ 0 \]/.test(tbsChildren[0]!.what) ? 1 : 0;
    assert.match(tbsChildren[first]!.what, /INTEGER/);
    const fields = certificateFields(new Uint8Array(der));
    assert.deepEqual(fields.serialNumber, slice(tbsChildren[first]!), 'serialNumber');
    assert.deepEqual(fields.issuer, slice(tbsChildren[first + 2]!), 'issuer');
    assert.deepEqual(fields.subject, slice(tbsChildren[first + 4]!), 'subject');
    // and with a version field: the CA's self-signed v3 certificate
    const caDer = openssl(['x509', '-in', caCert, '-outform', 'DER']);
    const ca = certificateFields(new Uint8Array(caDer));
    assert.deepEqual(ca.issuer, ca.subject, 'self-signed');
    assert.equal(Buffer.from(ca.subject).toString('latin1').includes('Test CA'), true);
    assert.notDeepEqual(fields.issuer, fields.subject);
    assert.throws(() => certificateFields(new Uint8Array(der.subarray(0, 40))));
    assert.throws(() => certificateFields(new Uint8Array([0x30, 0x80, 0, 0])));
  });
});

/** The base64 body of a PEM certificate (its DER), for byte comparison. */
function base64Of(pem: string): string {
  return pem.split('\n').filter((l) => !l.startsWith('-----')).join('');
}
