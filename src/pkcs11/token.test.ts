/**
 * The token's state machine, object search, attribute templates and the CK_RV of each refusal,
 * driven through TokenConnection.call with decoded RPC values (no socket), against an in-process
 * Strongbox on a real SQLite file. Signatures made here are checked by node:crypto against the
 * REST public key.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestBox, type TestBox } from '../../test/helpers/app.js';
import { createAuthenticator } from '../service/access/authenticate.js';
import { StrongboxError } from '../protocol/errors.js';
import { CKA, CKM, CKO, CKR } from './constants.js';
import { bytesAttr, ulongAttr, type Attribute, type RpcValue } from './rpc-calls.js';
import { Pkcs11Error, PKCS11_THROTTLE_SOURCE, TokenConnection, toReturnValue, type CallNote, type LoginThrottle } from './token.js';

const SERIAL = 0x4n;
const RW = 0x2n;
const CKU_USER = 1n;
const CKU_SO = 0n;

const note = (): CallNote => ({ action: null, resource: null, reason: null });

/** The CK_RV a call ends with (0 = CKR_OK). */
async function rvOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return CKR.OK;
  } catch (err) {
    if (err instanceof Pkcs11Error) return err.rv;
    throw err;
  }
}

describe('pkcs11 token: sessions, login, objects, operations, refusals', () => {
  let t: TestBox;
  let weak: string;
  let tokenConnection: (throttle?: LoginThrottle) => TokenConnection;

  before(async () => {
    t = await startTestBox();
    const auth = createAuthenticator(t.box.ctx);
    tokenConnection = (throttle) => new TokenConnection(t.box.ctx, auth, { groupShared: false, ...(throttle === undefined ? {} : { throttle }) });
    for (const [type, name] of [
      ['p256', 'tk-ec'],
      ['aes256', 'tk-aes'],
      ['p256', 'weak-ec'],
      ['p256', 'weak-locked'],
    ]) assert.equal((await t.call('POST', '/v1/keys', { type, name })).status, 201);
    // weak: reads weak-* keys, signs only with weak-ec.
    assert.equal(
      (
        await t.call('PUT', '/v1/policies/tk-weak', {
          statements: [
            { effect: 'allow', actions: ['keys:read'], resources: ['key:name/weak-*'] },
            { effect: 'allow', actions: ['keys:sign'], resources: ['key:name/weak-ec'] },
          ],
        })
      ).status,
      200,
    );
    const tok = await t.call('POST', '/v1/tokens', { policies: ['tk-weak'], subject: 'tk-weak' });
    assert.equal(tok.status, 201, JSON.stringify(tok.body));
    weak = tok.body.token as string;
  });

  after(async () => {
    await t?.cleanup();
  });

  /** An initialized connection with one session (rw by default), logged in as `pin` unless null. */
  async function open(pin: string | null, rw = true): Promise<{ c: TokenConnection; s: bigint }> {
    const c = tokenConnection();
    await c.call('C_Initialize', [new Uint8Array(0), 0, new Uint8Array(0)], note());
    const [s] = await c.call('C_OpenSession', [1n, SERIAL | (rw ? RW : 0n)], note());
    if (pin !== null) await c.call('C_Login', [s!, CKU_USER, Buffer.from(pin)], note());
    return { c, s: s as bigint };
  }

  async function find(c: TokenConnection, s: bigint, template: Attribute[]): Promise<bigint[]> {
    await c.call('C_FindObjectsInit', [s, template], note());
    const [found] = await c.call('C_FindObjects', [s, 100], note());
    await c.call('C_FindObjectsFinal', [s], note());
    return found as bigint[];
  }

  const byLabel = (label: string, cls: number): Attribute[] => [bytesAttr(CKA.LABEL, Buffer.from(label)), ulongAttr(CKA.CLASS, cls)];

  it('state machine: nothing before C_Initialize; initialize once; sessions need CKF_SERIAL_SESSION and the one slot; unknown handles are refused', async () => {
    const c = tokenConnection();
    assert.equal(await rvOf(c.call('C_GetInfo', [], note())), CKR.CRYPTOKI_NOT_INITIALIZED);
    await c.call('C_Initialize', [new Uint8Array(0), 0, new Uint8Array(0)], note());
    assert.equal(await rvOf(c.call('C_Initialize', [new Uint8Array(0), 0, new Uint8Array(0)], note())), CKR.CRYPTOKI_ALREADY_INITIALIZED);
    assert.equal(await rvOf(c.call('C_OpenSession', [1n, RW], note())), CKR.SESSION_PARALLEL_NOT_SUPPORTED);
    assert.equal(await rvOf(c.call('C_OpenSession', [2n, SERIAL], note())), CKR.SLOT_ID_INVALID);
    assert.equal(await rvOf(c.call('C_GetSessionInfo', [99n], note())), CKR.SESSION_HANDLE_INVALID);
    const [s] = await c.call('C_OpenSession', [1n, SERIAL], note());
    // CKS_RO_PUBLIC_SESSION (0) before login.
    assert.equal((await c.call('C_GetSessionInfo', [s!], note()))[1], 0n);
    assert.equal(await rvOf(c.call('C_InitToken', [1n, new Uint8Array(0), new Uint8Array(32)], note())), CKR.FUNCTION_NOT_SUPPORTED);
    await c.call('C_Finalize', [], note());
    assert.equal(await rvOf(c.call('C_GetSessionInfo', [s!], note())), CKR.CRYPTOKI_NOT_INITIALIZED);
  });

  it('login: CKU_SO is CKR_USER_TYPE_INVALID, a wrong PIN CKR_PIN_INCORRECT, twice CKR_USER_ALREADY_LOGGED_IN; logout and closing the last session end the login', async () => {
    const { c, s } = await open(null, false);
    assert.equal(await rvOf(c.call('C_Login', [s, CKU_SO, Buffer.from(t.rootToken)], note())), CKR.USER_TYPE_INVALID);
    assert.equal(await rvOf(c.call('C_Login', [s, CKU_USER, Buffer.from('not-a-token')], note())), CKR.PIN_INCORRECT);
    assert.equal(await rvOf(c.call('C_Login', [s, CKU_USER, new Uint8Array(0)], note())), CKR.PIN_LEN_RANGE);
    assert.equal(await rvOf(c.call('C_Logout', [s], note())), CKR.USER_NOT_LOGGED_IN);
    await c.call('C_Login', [s, CKU_USER, Buffer.from(t.rootToken)], note());
    // CKS_RO_USER_FUNCTIONS (1)
    assert.equal((await c.call('C_GetSessionInfo', [s], note()))[1], 1n);
    assert.equal(await rvOf(c.call('C_Login', [s, CKU_USER, Buffer.from(t.rootToken)], note())), CKR.USER_ALREADY_LOGGED_IN);
    await c.call('C_Logout', [s], note());
    assert.equal(await rvOf(c.call('C_GenerateRandom', [s, 16], note())), CKR.USER_NOT_LOGGED_IN);
    await c.call('C_Login', [s, CKU_USER, Buffer.from(t.rootToken)], note());
    await c.call('C_CloseSession', [s], note());
    const [s2] = await c.call('C_OpenSession', [1n, SERIAL], note());
    assert.equal((await c.call('C_GetSessionInfo', [s2!], note()))[1], 0n, 'closing the last session logged out');
  });

  it('find: nothing before login; templates filter by class and label; FindObjects without init is CKR_OPERATION_NOT_INITIALIZED, a second init CKR_OPERATION_ACTIVE', async () => {
    const { c, s } = await open(null);
    assert.deepEqual(await find(c, s, []), []);
    await c.call('C_Login', [s, CKU_USER, Buffer.from(t.rootToken)], note());
    assert.equal((await find(c, s, byLabel('tk-ec', CKO.PRIVATE_KEY))).length, 1);
    assert.equal((await find(c, s, byLabel('tk-ec', CKO.PUBLIC_KEY))).length, 1);
    assert.equal((await find(c, s, byLabel('tk-ec', CKO.SECRET_KEY))).length, 0);
    assert.equal((await find(c, s, byLabel('tk-aes', CKO.SECRET_KEY))).length, 1);
    assert.equal((await find(c, s, [bytesAttr(CKA.LABEL, Buffer.from('tk-ec'))])).length, 2);
    assert.equal((await find(c, s, [bytesAttr(CKA.LABEL, Buffer.from('no-such-key'))])).length, 0);
    assert.equal(await rvOf(c.call('C_FindObjects', [s, 10], note())), CKR.OPERATION_NOT_INITIALIZED);
    await c.call('C_FindObjectsInit', [s, []], note());
    assert.equal(await rvOf(c.call('C_FindObjectsInit', [s, []], note())), CKR.OPERATION_ACTIVE);
    // A weak principal sees only the keys it may read.
    const w = await open(weak);
    assert.equal((await find(w.c, w.s, byLabel('tk-ec', CKO.PRIVATE_KEY))).length, 0);
    assert.equal((await find(w.c, w.s, byLabel('weak-ec', CKO.PRIVATE_KEY))).length, 1);
  });

  it('attribute templates: values, size queries, CKR_BUFFER_TOO_SMALL, CKR_ATTRIBUTE_SENSITIVE, CKR_ATTRIBUTE_TYPE_INVALID', async () => {
    const { c, s } = await open(t.rootToken);
    const [priv] = await find(c, s, byLabel('tk-ec', CKO.PRIVATE_KEY));
    const id = (await t.call('GET', '/v1/keys/tk-ec')).body.id as string;
    const [attrs, rv] = await c.call('C_GetAttributeValue', [s, priv!, [{ type: CKA.ID, length: 64 }, { type: CKA.SENSITIVE, length: 1 }, { type: CKA.EXTRACTABLE, length: 1 }]], note());
    assert.equal(rv, 0n);
    const [idAttr, sensitive, extractable] = attrs as Attribute[];
    assert.equal(Buffer.from((idAttr!.value as { value: Uint8Array }).value).toString('hex'), id.replace(/-/g, ''));
    assert.deepEqual(sensitive!.value, { kind: 'byte', value: 1 });
    assert.deepEqual(extractable!.value, { kind: 'byte', value: 0 });
    // Size query (capacity 0) answers the length; a too-small capacity is CKR_BUFFER_TOO_SMALL.
    const [sized] = await c.call('C_GetAttributeValue', [s, priv!, [{ type: CKA.ID, length: 0 }]], note());
    assert.equal((sized as Attribute[])[0]!.length, 16);
    assert.equal((await c.call('C_GetAttributeValue', [s, priv!, [{ type: CKA.ID, length: 4 }]], note()))[1], BigInt(CKR.BUFFER_TOO_SMALL));
    assert.equal((await c.call('C_GetAttributeValue', [s, priv!, [{ type: CKA.VALUE, length: 64 }]], note()))[1], BigInt(CKR.ATTRIBUTE_SENSITIVE));
    assert.equal((await c.call('C_GetAttributeValue', [s, priv!, [{ type: 0x7fff0001, length: 64 }]], note()))[1], BigInt(CKR.ATTRIBUTE_TYPE_INVALID));
    assert.equal(await rvOf(c.call('C_GetAttributeValue', [s, 9999n, [{ type: CKA.ID, length: 64 }]], note())), CKR.OBJECT_HANDLE_INVALID);
  });

  it('operations: unknown mechanism, wrong key type, operation active / not initialized, read-only session; a signature node:crypto verifies', async () => {
    const { c, s } = await open(t.rootToken, false);
    const [priv] = await find(c, s, byLabel('tk-ec', CKO.PRIVATE_KEY));
    const [aes] = await find(c, s, byLabel('tk-aes', CKO.SECRET_KEY));
    const ecdsa: RpcValue = { type: CKM.ECDSA, parameter: null };
    assert.equal(await rvOf(c.call('C_Sign', [s, new Uint8Array(32), 64], note())), CKR.OPERATION_NOT_INITIALIZED);
    assert.equal(await rvOf(c.call('C_SignInit', [s, { type: 0x7fff0002, parameter: null }, priv!], note())), CKR.MECHANISM_INVALID);
    assert.equal(await rvOf(c.call('C_SignInit', [s, ecdsa, aes!], note())), CKR.KEY_TYPE_INCONSISTENT);
    assert.equal(await rvOf(c.call('C_SignInit', [s, ecdsa, 9999n], note())), CKR.KEY_HANDLE_INVALID);
    assert.equal(await rvOf(c.call('C_SignInit', [s, { type: CKM.ECDSA, parameter: new Uint8Array(8) }, priv!], note())), CKR.MECHANISM_PARAM_INVALID);
    await c.call('C_SignInit', [s, ecdsa, priv!], note());
    assert.equal(await rvOf(c.call('C_SignInit', [s, ecdsa, priv!], note())), CKR.OPERATION_ACTIVE);
    const message = Buffer.from('token unit test');
    const hash = createHash('sha256').update(message).digest();
    // Size query, then the signature (the two-call idiom keeps the operation active).
    assert.deepEqual((await c.call('C_Sign', [s, hash, 0], note()))[0], { lengthOnly: 64 });
    const [sig] = await c.call('C_Sign', [s, hash, 64], note());
    const pem = (await t.call('GET', '/v1/keys/tk-ec/public-key?format=pem')).body.publicKey as string;
    assert.equal(verify('sha256', message, { key: createPublicKey(pem), dsaEncoding: 'ieee-p1363' }, sig as Uint8Array), true);
    assert.equal(await rvOf(c.call('C_SignFinal', [s, 64], note())), CKR.OPERATION_NOT_INITIALIZED, 'the operation ended');
    // A read-only session cannot make or destroy keys.
    assert.equal(await rvOf(c.call('C_GenerateKey', [s, { type: CKM.AES_KEY_GEN, parameter: null }, []], note())), CKR.SESSION_READ_ONLY);
    assert.equal(await rvOf(c.call('C_DestroyObject', [s, aes!], note())), CKR.SESSION_READ_ONLY);
  });

  it('certificates: an attached certificate is a CKO_CERTIFICATE object with the key\'s CKA_ID; destroying it removes the certificate, not the key', async () => {
    // A certificate for tk-ec's public key, issued by a throwaway openssl CA (-force_pubkey).
    const work = mkdtempSync(join(tmpdir(), 'strongbox-tk-cert-'));
    try {
      const ossl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      writeFileSync(join(work, 'pub.pem'), (await t.call('GET', '/v1/keys/tk-ec/public-key')).body.publicKey as string);
      ossl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', join(work, 'ca.key')]);
      ossl(['req', '-new', '-x509', '-key', join(work, 'ca.key'), '-subj', '/CN=tk CA', '-days', '1', '-out', join(work, 'ca.pem')]);
      ossl(['req', '-new', '-key', join(work, 'ca.key'), '-subj', '/CN=tk-ec', '-out', join(work, 'csr.pem')]);
      ossl(['x509', '-req', '-in', join(work, 'csr.pem'), '-CA', join(work, 'ca.pem'), '-CAkey', join(work, 'ca.key'), '-force_pubkey', join(work, 'pub.pem'), '-set_serial', '5', '-days', '1', '-out', join(work, 'cert.pem')]);
      const der = ossl(['x509', '-in', join(work, 'cert.pem'), '-outform', 'DER']);
      const { c, s } = await open(t.rootToken);
      assert.equal((await find(c, s, byLabel('tk-ec', CKO.CERTIFICATE))).length, 0, 'no certificate yet');
      assert.equal((await t.call('PUT', '/v1/keys/tk-ec/certificate', { certificate: readFileSync(join(work, 'cert.pem'), 'utf8') })).status, 200);
      const [cert] = await find(c, s, byLabel('tk-ec', CKO.CERTIFICATE));
      assert.ok(cert !== undefined);
      assert.equal((await find(c, s, [bytesAttr(CKA.LABEL, Buffer.from('tk-ec'))])).length, 3, 'private, public, certificate');
      assert.equal((await find(c, s, [ulongAttr(CKA.CLASS, CKO.CERTIFICATE), ulongAttr(CKA.CERTIFICATE_TYPE, 0)])).length, 1);
      const [priv] = await find(c, s, byLabel('tk-ec', CKO.PRIVATE_KEY));
      const [[privId]] = (await c.call('C_GetAttributeValue', [s, priv!, [{ type: CKA.ID, length: 64 }]], note())) as [Attribute[]];
      const [attrs, rv] = await c.call('C_GetAttributeValue', [s, cert, [{ type: CKA.ID, length: 64 }, { type: CKA.VALUE, length: 4096 }, { type: CKA.PRIVATE, length: 1 }, { type: CKA.TOKEN, length: 1 }, { type: CKA.SERIAL_NUMBER, length: 64 }]], note());
      assert.equal(rv, 0n);
      const [idAttr, value, priv2, tok, serial] = attrs as Attribute[];
      assert.deepEqual(idAttr!.value, privId!.value, 'the same CKA_ID as the private key');
      assert.deepEqual(Buffer.from((value!.value as { value: Uint8Array }).value), der, 'CKA_VALUE is the DER openssl wrote');
      assert.deepEqual(priv2!.value, { kind: 'byte', value: 0 });
      assert.deepEqual(tok!.value, { kind: 'byte', value: 1 });
      assert.equal(Buffer.from((serial!.value as { value: Uint8Array }).value).toString('hex'), '020105', 'DER INTEGER 5');
      // The weak principal cannot read tk-ec: no certificate object either.
      const w = await open(weak);
      assert.equal((await find(w.c, w.s, byLabel('tk-ec', CKO.CERTIFICATE))).length, 0);
      // C_DestroyObject on the certificate removes the certificate; the key stays enabled.
      await c.call('C_DestroyObject', [s, cert], note());
      assert.equal((await t.call('GET', '/v1/keys/tk-ec/certificate')).status, 404);
      assert.equal((await t.call('GET', '/v1/keys/tk-ec')).body.state, 'enabled');
      assert.equal(await rvOf(c.call('C_GetAttributeValue', [s, cert, [{ type: CKA.ID, length: 64 }]], note())), CKR.OBJECT_HANDLE_INVALID);
      assert.equal((await find(c, s, byLabel('tk-ec', CKO.CERTIFICATE))).length, 0);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('refusals: a readable key whose use is denied is CKR_KEY_FUNCTION_NOT_PERMITTED (audited action and resource noted); an unreadable key is no object', async () => {
    const { c, s } = await open(weak);
    const [ok] = await find(c, s, byLabel('weak-ec', CKO.PRIVATE_KEY));
    const [locked] = await find(c, s, byLabel('weak-locked', CKO.PRIVATE_KEY));
    const n = note();
    assert.equal(await rvOf(c.call('C_SignInit', [s, { type: CKM.ECDSA, parameter: null }, locked!], n)), CKR.KEY_FUNCTION_NOT_PERMITTED);
    assert.equal(n.action, 'keys:sign');
    assert.match(n.resource ?? '', /^key:/);
    // The same principal may sign with weak-ec (the refusal left no operation behind).
    await c.call('C_SignInit', [s, { type: CKM.ECDSA, parameter: null }, ok!], note());
    // A handle the root connection got for tk-ec means nothing on this connection.
    assert.equal(await rvOf(c.call('C_GetAttributeValue', [s, 999n, [{ type: CKA.ID, length: 16 }]], note())), CKR.OBJECT_HANDLE_INVALID);
  });

  it('toReturnValue: Strongbox errors map by code and category, never by message', () => {
    const rv = (err: unknown, login = false) => toReturnValue(err, login).rv;
    assert.equal(rv(new StrongboxError('KEY_NOT_FOUND')), CKR.KEY_HANDLE_INVALID);
    assert.equal(rv(new StrongboxError('DECRYPTION_FAILED')), CKR.ENCRYPTED_DATA_INVALID);
    assert.equal(rv(new StrongboxError('UNSUPPORTED_OPERATION')), CKR.KEY_TYPE_INCONSISTENT);
    assert.equal(rv(new StrongboxError('KEY_NAME_TAKEN')), CKR.ATTRIBUTE_VALUE_INVALID);
    assert.equal(rv(new StrongboxError('TOKEN_EXPIRED'), true), CKR.PIN_EXPIRED);
    assert.equal(rv(new StrongboxError('TOKEN_EXPIRED')), CKR.USER_NOT_LOGGED_IN);
    assert.equal(rv(new StrongboxError('UNAUTHENTICATED'), true), CKR.PIN_INCORRECT);
    assert.equal(rv(new StrongboxError('PERMISSION_DENIED')), CKR.KEY_FUNCTION_NOT_PERMITTED);
    assert.equal(rv(new StrongboxError('INVALID_ARGUMENT')), CKR.ARGUMENTS_BAD);
    assert.equal(rv(new StrongboxError('SEALED')), CKR.DEVICE_ERROR);
    assert.equal(rv(new Error('anything')), CKR.GENERAL_ERROR);
    const p = new Pkcs11Error(CKR.DATA_LEN_RANGE);
    assert.equal(toReturnValue(p), p);
  });

  it('throttle: wrong PINs take from the socket source; once empty, C_Login is CKR_PIN_LOCKED before the PIN is looked at, even the right one', async () => {
    const failures: string[] = [];
    let budget = 2;
    const throttle: LoginThrottle = {
      retryAfterMs: (source) => (source === PKCS11_THROTTLE_SOURCE && budget <= 0 ? 5000 : 0),
      failed: (source) => {
        failures.push(source);
        budget--;
      },
    };
    const c = tokenConnection(throttle);
    await c.call('C_Initialize', [new Uint8Array(0), 0, new Uint8Array(0)], note());
    const [s] = await c.call('C_OpenSession', [1n, SERIAL], note());
    assert.equal(await rvOf(c.call('C_Login', [s!, CKU_USER, Buffer.from('wrong-1')], note())), CKR.PIN_INCORRECT);
    assert.equal(await rvOf(c.call('C_Login', [s!, CKU_USER, Buffer.from('wrong-2')], note())), CKR.PIN_INCORRECT);
    assert.deepEqual(failures, [PKCS11_THROTTLE_SOURCE, PKCS11_THROTTLE_SOURCE]);
    const n = note();
    assert.equal(await rvOf(c.call('C_Login', [s!, CKU_USER, Buffer.from(t.rootToken)], n)), CKR.PIN_LOCKED);
    assert.match(n.reason ?? '', /AUTH_THROTTLED/);
    assert.equal(failures.length, 2, 'a refused attempt is not another failure');
    budget = 1;
    await c.call('C_Login', [s!, CKU_USER, Buffer.from(t.rootToken)], note());
  });
});
