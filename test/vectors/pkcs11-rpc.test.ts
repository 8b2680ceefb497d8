/**
 * The p11-kit RPC codec against frames captured from p11-kit 0.24.1's own client and server
 * (test/vectors/pkcs11/README.md): every request and reply decodes under its call's signature
 * and re-encodes to the same bytes; framing splits a stream however it arrives.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/paths.js';
import { FrameDecoder, encodeFrame, RpcProtocolError, MAX_BODY_BYTES } from '../../src/pkcs11/rpc-message.js';
import { decodeMessage, encodeMessage, encodeError, callByName, type Attribute, type LengthOnly } from '../../src/pkcs11/rpc-calls.js';
import { CKA, CKM, CKR } from '../../src/pkcs11/constants.js';

interface Session {
  name: string;
  clientVersion: number;
  serverVersion: number;
  requests: string[];
  responses: string[];
}
const fixture = JSON.parse(readFileSync(join(repoRoot, 'test/vectors/pkcs11/p11-kit-0.24.1-softhsm2.json'), 'utf8')) as { sessions: Session[] };
const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('p11-kit RPC vectors (p11-kit 0.24.1 client ↔ server, SoftHSM2)', () => {
  it('the fixture holds the sessions it says it does (control)', () => {
    assert.equal(fixture.sessions.length, 8);
    assert.ok(fixture.sessions.every((s) => s.requests.length > 3 && s.requests.length === s.responses.length));
  });

  for (const s of fixture.sessions) {
    it(`${s.name}: version bytes 0/0, every frame decodes and re-encodes byte for byte`, () => {
      assert.equal(s.clientVersion, 0, `${s.name}: client version`);
      assert.equal(s.serverVersion, 0, `${s.name}: server version`);
      const decoder = new FrameDecoder();
      const stream = Buffer.concat(s.requests.map(hex));
      // Fed in 7-byte pieces: frames span chunks.
      const frames = [];
      for (let at = 0; at < stream.length; at += 7) frames.push(...decoder.push(stream.subarray(at, at + 7)));
      assert.equal(frames.length, s.requests.length, `${s.name}: frame count`);
      assert.equal(decoder.pending, 0);
      frames.forEach((f, i) => {
        const req = decodeMessage(f.body, 'request');
        assert.equal(toHex(encodeFrame(f.code, encodeMessage(req.callId, 'request', req.values), f.options)), s.requests[i], `${s.name} request #${i} ${req.call?.name}`);
        const [rf] = new FrameDecoder().push(hex(s.responses[i]!));
        assert.equal(rf!.code, f.code, `${s.name} #${i}: the reply echoes the request's code`);
        const res = decodeMessage(rf!.body, 'response');
        assert.ok(res.callId === req.callId || res.callId === 0, `${s.name} #${i}: reply to ${req.call?.name} is that call or an error`);
        assert.equal(toHex(encodeFrame(rf!.code, encodeMessage(res.callId, 'response', res.values))), s.responses[i], `${s.name} response #${i} ${res.call?.name ?? 'ERROR'}`);
      });
    });
  }

  it('wrong PIN: the server answers C_Login with the error reply carrying CKR_PIN_INCORRECT', () => {
    const s = fixture.sessions.find((x) => x.name.startsWith('wrong PIN'))!;
    const i = s.requests.findIndex((r) => decodeMessage(new FrameDecoder().push(hex(r))[0]!.body, 'request').call?.name === 'C_Login');
    assert.ok(i > 0);
    const res = decodeMessage(new FrameDecoder().push(hex(s.responses[i]!))[0]!.body, 'response');
    assert.equal(res.callId, 0);
    assert.equal(res.values[0], BigInt(CKR.PIN_INCORRECT));
    assert.equal(toHex(encodeError(CKR.PIN_INCORRECT)), toHex(new FrameDecoder().push(hex(s.responses[i]!))[0]!.body));
  });

  it('C_GetAttributeValue replies: CKA_EC_PARAMS of P-256 is the prime256v1 OID; size queries carry lengths only', () => {
    const s = fixture.sessions.find((x) => x.name.startsWith('list objects'))!;
    let sawParams = false;
    let sawSizeQuery = false;
    s.requests.forEach((r, i) => {
      const req = decodeMessage(new FrameDecoder().push(hex(r))[0]!.body, 'request');
      if (req.call?.name !== 'C_GetAttributeValue') return;
      const res = decodeMessage(new FrameDecoder().push(hex(s.responses[i]!))[0]!.body, 'response');
      if (res.callId === 0) return;
      const attrs = res.values[0] as Attribute[];
      for (const a of attrs) {
        if (a.type === CKA.EC_PARAMS && a.value?.kind === 'bytes' && a.value.value !== null) {
          assert.equal(toHex(a.value.value), '06082a8648ce3d030107');
          sawParams = true;
        }
        if (a.value?.kind === 'bytes' && a.value.value === null && a.length > 0) sawSizeQuery = true;
      }
    });
    assert.ok(sawParams, 'an EC_PARAMS value was read');
    assert.ok(sawSizeQuery, 'a size-only answer was seen');
  });
});

describe('p11-kit RPC codec: malformed input', () => {
  it('refuses oversized frames from the header alone', () => {
    const head = Buffer.alloc(12);
    head.writeUInt32BE(0x10, 0);
    head.writeUInt32BE(0, 4);
    head.writeUInt32BE(MAX_BODY_BYTES + 1, 8);
    assert.throws(() => new FrameDecoder().push(head), RpcProtocolError);
  });
  it('refuses frame code 0', () => {
    assert.throws(() => new FrameDecoder().push(new Uint8Array(12)), RpcProtocolError);
  });
  it('refuses unknown call ids, wrong signatures, truncation and trailing bytes', () => {
    const ok = encodeMessage(callByName('C_GetSlotInfo').id, 'request', [0x11n]);
    assert.doesNotThrow(() => decodeMessage(ok, 'request'));
    const unknown = Buffer.from(ok);
    unknown.writeUInt32BE(999, 0);
    assert.throws(() => decodeMessage(unknown, 'request'), RpcProtocolError);
    const zero = Buffer.from(ok);
    zero.writeUInt32BE(0, 0);
    assert.throws(() => decodeMessage(zero, 'request'), RpcProtocolError);
    assert.throws(() => decodeMessage(ok.subarray(0, ok.length - 1), 'request'), RpcProtocolError);
    assert.throws(() => decodeMessage(Buffer.concat([ok, Buffer.from([0])]), 'request'), RpcProtocolError);
    const wrongSig = encodeMessage(callByName('C_CloseSession').id, 'request', [1n]);
    const forged = Buffer.from(wrongSig);
    forged.writeUInt32BE(callByName('C_OpenSession').id, 0); // signature "uu", not "u"
    assert.throws(() => decodeMessage(forged, 'request'), RpcProtocolError);
  });
  it('refuses an attribute count larger than the message', () => {
    const body = Buffer.from(encodeMessage(callByName('C_FindObjectsInit').id, 'request', [1n, []]));
    body.writeUInt32BE(0x7fffffff, body.length - 4);
    assert.throws(() => decodeMessage(body, 'request'), RpcProtocolError);
  });
  it('RSA-PSS and RSA-OAEP parameters round-trip; truncated ones are protocol errors, not crashes', () => {
    const pss = { type: CKM.RSA_PKCS_PSS, parameter: { kind: 'pss' as const, hashAlg: BigInt(CKM.SHA256), mgf: 2n, sLen: 32n } };
    const oaep = { type: CKM.RSA_PKCS_OAEP, parameter: { kind: 'oaep' as const, hashAlg: BigInt(CKM.SHA256), mgf: 2n, source: 1n, sourceData: new Uint8Array([0x6c, 0x62]) } };
    for (const mech of [pss, oaep]) {
      const body = encodeMessage(callByName('C_SignInit').id, 'request', [1n, mech, 2n]);
      assert.deepEqual(decodeMessage(body, 'request').values[1], mech);
      // Cut inside the parameter (the key handle and part of the parameter missing).
      for (const cut of [9, 12, 20]) assert.throws(() => decodeMessage(body.subarray(0, body.length - cut), 'request'), RpcProtocolError, `${mech.type} cut ${cut}`);
    }
  });
  it('length-only byte arrays round-trip', () => {
    const body = encodeMessage(callByName('C_Sign').id, 'response', [{ lengthOnly: 64 } satisfies LengthOnly]);
    assert.deepEqual(decodeMessage(body, 'response').values[0], { lengthOnly: 64 });
  });
});
