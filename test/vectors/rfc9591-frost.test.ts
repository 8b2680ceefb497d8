/**
 * RFC 9591 Appendix E vectors (test/vectors/rfc9591/, see its README) against src/crypto/frost.ts:
 * FROST(Ed25519, SHA-512) and FROST(secp256k1, SHA-256). Round one is driven by the vector's nonce
 * randomness (RFC 9591 §4.1 nonce_generate), so the nonces' commitments, every signature share and
 * the aggregate signature must be the vector's bytes; the aggregate also verifies with an independent
 * verifier (node:crypto for Ed25519). A DKG round trip of each production suite then checks that
 * signatures of a 2-of-3 key made through the wrapper verify as the chains verify them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { frostSuite, fromHex, groupVerifyingKey, toHex, verifyGroupSignature, verifyingShareOf, taprootInternalKey, type FrostSuiteName } from '../../src/crypto/frost.js';
import { fixture } from '../helpers/paths.js';
import { keyScripts } from '../../src/chains/bitcoin/psbt.js';

interface Vector {
  config: { MAX_PARTICIPANTS: string; MIN_PARTICIPANTS: string; name: string };
  inputs: { participant_list: number[]; group_public_key: string; message: string; participant_shares: { identifier: number; participant_share: string }[] };
  round_one_outputs: { outputs: { identifier: number; hiding_nonce_randomness: string; binding_nonce_randomness: string; hiding_nonce: string; binding_nonce: string; hiding_nonce_commitment: string; binding_nonce_commitment: string }[] };
  round_two_outputs: { outputs: { identifier: number; sig_share: string }[] };
  final_output: { sig: string };
}

const files: [string, FrostSuiteName][] = [['ed25519-sha512.json', 'ed25519'], ['secp256k1-sha256.json', 'secp256k1']];

for (const [file, suiteName] of files) {
  test(`RFC 9591 vector ${file}`, () => {
    const v = JSON.parse(readFileSync(fixture('vectors', 'rfc9591', file), 'utf8')) as Vector;
    const label = `${file} (${v.config.name})`;
    const frost = frostSuite(suiteName);
    const signers = { min: Number(v.config.MIN_PARTICIPANTS), max: Number(v.config.MAX_PARTICIPANTS) };
    const id = (n: number) => frost.Identifier.fromNumber(n);
    const verifyingShares: Record<string, Uint8Array> = Object.create(null);
    for (const s of v.inputs.participant_shares) verifyingShares[id(s.identifier)] = verifyingShareOf(suiteName, fromHex(s.participant_share));
    const pub = { signers, commitments: [fromHex(v.inputs.group_public_key)], verifyingShares };
    const secretOf = (n: number) => ({ identifier: id(n), signingShare: fromHex(v.inputs.participant_shares.find((s) => s.identifier === n)!.participant_share) });
    const message = fromHex(v.inputs.message);
    const round1 = v.round_one_outputs.outputs.map((o) => {
      const randomness = [fromHex(o.hiding_nonce_randomness), fromHex(o.binding_nonce_randomness)];
      const rng = (n?: number) => {
        const next = randomness.shift()!;
        assert.equal(n ?? 32, next.byteLength, `${label}: nonce randomness length`);
        return next;
      };
      const out = frost.commit(secretOf(o.identifier), rng);
      assert.equal(toHex(out.nonces.hiding), o.hiding_nonce, `${label} participant ${o.identifier}: hiding_nonce`);
      assert.equal(toHex(out.nonces.binding), o.binding_nonce, `${label} participant ${o.identifier}: binding_nonce`);
      assert.equal(toHex(out.commitments.hiding), o.hiding_nonce_commitment, `${label} participant ${o.identifier}: hiding_nonce_commitment`);
      assert.equal(toHex(out.commitments.binding), o.binding_nonce_commitment, `${label} participant ${o.identifier}: binding_nonce_commitment`);
      return { n: o.identifier, ...out };
    });
    const commitments = round1.map((r) => r.commitments);
    const shares: Record<string, Uint8Array> = Object.create(null);
    for (const r of round1) {
      const share = frost.signShare(secretOf(r.n), pub, r.nonces, commitments, message);
      const expected = v.round_two_outputs.outputs.find((o) => o.identifier === r.n)!.sig_share;
      assert.equal(toHex(share), expected, `${label} participant ${r.n}: sig_share`);
      assert.ok(frost.verifyShare(pub, commitments, message, id(r.n), share), `${label} participant ${r.n}: verifyShare`);
      shares[id(r.n)] = share;
      // noble consumes the nonces on success: signing twice with the same package must fail closed
      assert.throws(() => frost.signShare(secretOf(r.n), pub, r.nonces, commitments, message), `${label} participant ${r.n}: nonce reuse refused`);
    }
    const sig = frost.aggregate(pub, commitments, message, shares);
    assert.equal(toHex(sig), v.final_output.sig, `${label}: final sig`);
    assert.ok(verifyGroupSignature(suiteName, sig, message, fromHex(v.inputs.group_public_key)), `${label}: verifies`);
    if (suiteName === 'ed25519') {
      const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(v.inputs.group_public_key, 'hex')]);
      assert.ok(nodeVerify(null, message, createPublicKey({ key: spki, format: 'der', type: 'spki' }), sig), `${label}: node:crypto Ed25519 verify`);
    }
    // a flipped message must not verify
    assert.ok(!verifyGroupSignature(suiteName, sig, Uint8Array.of(...message, 0), fromHex(v.inputs.group_public_key)), `${label}: other message refused`);
  });
}

for (const suiteName of ['ed25519', 'secp256k1-tr'] as const) {
  test(`2-of-3 DKG and signing through the wrapper: ${suiteName}`, () => {
    const frost = frostSuite(suiteName);
    const signers = { min: 2, max: 3 };
    const ids = ['alice', 'bob', 'carol'].map((n) => frost.Identifier.derive(n));
    const r1 = ids.map((id) => frost.DKG.round1(id, signers));
    const r2 = ids.map((_, i) => frost.DKG.round2(r1[i]!.secret, r1.filter((_, j) => j !== i).map((r) => r.public)));
    const keys = ids.map((id, i) => frost.DKG.round3(r1[i]!.secret, r1.filter((_, j) => j !== i).map((r) => r.public), r2.filter((_, j) => j !== i).map((m) => m[id]!)));
    const pub = keys[0]!.public;
    const vk = groupVerifyingKey(suiteName, pub);
    if (suiteName === 'secp256k1-tr') {
      const internal = taprootInternalKey(r1.map((r) => r.public));
      assert.deepEqual(keyScripts(internal).p2tr.subarray(2), vk, 'BIP86 output of the internal key is the DKG group key');
    }
    const message = new Uint8Array(32).fill(7);
    const c = [keys[0]!, keys[2]!].map((k) => ({ k, ...frost.commit(k.secret) }));
    const list = c.map((x) => x.commitments);
    const shares: Record<string, Uint8Array> = Object.create(null);
    for (const x of c) shares[x.k.secret.identifier] = frost.signShare(x.k.secret, x.k.public, x.nonces, list, message);
    const sig = frost.aggregate(pub, list, message, shares);
    assert.equal(sig.byteLength, 64);
    assert.ok(verifyGroupSignature(suiteName, sig, message, vk));
  });
}
