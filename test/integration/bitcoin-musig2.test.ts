/**
 * MuSig2 (BIP327) 2-of-2 Taproot key-path spends where Strongbox holds one key and the test the other.
 * The test's side is @scure/btc-signer's musig2 (the other participant); the PSBT is built, its BIP341
 * sighash computed, the aggregate signature finalized and verified with bitcoinjs-lib and tiny-secp256k1
 * (libsecp256k1) against the BIP86-tweaked output key bitcoinjs-lib derives itself — not with the code
 * under test. Also: a second sign of a session is refused (409); a session survives a kill -9 of a
 * spawned server between nonce and sign and then signs once only; the key's transaction rules refuse
 * an over-limit spend; malformed inputs get a 4xx naming the field; an HD-derived key takes part; the
 * CLI commands make the same spend.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as bitcoin from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import * as musig2 from '@scure/btc-signer/musig2.js';
import Database from 'better-sqlite3';
import { SQLITE_FILE } from '../../src/storage/sqlite/index.js';
import { auditRecordOf, startTestBox, type TestBox } from '../helpers/app.js';
import { api, spawnServer, type SpawnedServer } from '../helpers/server.js';
import { runCli } from '../helpers/cli.js';

bitcoin.initEccLib(ecc);

const regtest = bitcoin.networks.regtest;
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/^0x/, ''), 'hex'));
const hex0x = (b: Uint8Array): string => `0x${Buffer.from(b).toString('hex')}`;
const txid = (n: number): Uint8Array => new Uint8Array(32).fill(n);

/** The other participant: a key the test holds. */
function participant(): { secretKey: Uint8Array; publicKey: Uint8Array } {
  let secretKey: Uint8Array;
  do secretKey = new Uint8Array(randomBytes(32));
  while (!ecc.isPrivate(secretKey));
  return { secretKey, publicKey: ecc.pointFromScalar(secretKey, true)! };
}

const compressed = (publicKeyHex: string): Uint8Array => {
  const k = bytes(publicKeyHex);
  return k.length === 33 ? k : ecc.pointCompress(k, true);
};

/**
 * The 2-of-2 P2TR output, computed by the test: MuSig2 KeyAgg of the sorted keys (btc-signer, the other
 * participant's library) gives the internal key; bitcoinjs-lib's p2tr applies the BIP86 tweak.
 */
function aggregateOutput(keys: Uint8Array[]) {
  const sorted = musig2.sortKeys(keys);
  const internalKey = musig2.keyAggExport(musig2.keyAggregate(sorted));
  const payment = bitcoin.payments.p2tr({ internalPubkey: internalKey, network: regtest });
  return { sorted, internalKey, payment, outputKey: payment.pubkey! };
}

function spendPsbt(script: Uint8Array, amount: bigint, payTo: string, pay: bigint, change?: { script: Uint8Array; amount: bigint }): bitcoin.Psbt {
  const psbt = new bitcoin.Psbt({ network: regtest });
  psbt.addInput({ hash: txid(7), index: 0, witnessUtxo: { script, value: amount } });
  psbt.addOutput({ address: payTo, value: pay });
  if (change !== undefined) psbt.addOutput({ script: change.script, value: change.amount });
  return psbt;
}

/** bitcoinjs-lib's BIP341 key-path sighash (SIGHASH_DEFAULT) of input 0 of a one-input PSBT. */
function sighashOf(psbt: bitcoin.Psbt): Uint8Array {
  const tx = (psbt as any).__CACHE.__TX as bitcoin.Transaction;
  const utxo = psbt.data.inputs[0]!.witnessUtxo!;
  return tx.hashForWitnessV1(0, [utxo.script], [utxo.value], bitcoin.Transaction.SIGHASH_DEFAULT);
}

const payee = participant();
const payeeAddress = bitcoin.payments.p2wpkh({ pubkey: payee.publicKey, network: regtest }).address!;

type Call = (method: string, url: string, body?: unknown) => Promise<{ status: number; body: any }>;

/**
 * One full 2-of-2 spend: Strongbox's nonce, the test's nonce, Strongbox's partial signature, the test's,
 * aggregation, finalization and verification by bitcoinjs-lib + libsecp256k1.
 */
async function spend(call: Call, key: string, strongboxKey: Uint8Array, pay = 60_000n) {
  const other = participant();
  const agg = aggregateOutput([strongboxKey, other.publicKey]);
  const psbt = spendPsbt(agg.payment.output!, 100_000n, payeeAddress, pay, { script: agg.payment.output!, amount: 100_000n - pay - 1_000n });
  const msg = sighashOf(psbt);
  const nonce = await call('POST', `/v1/keys/${key}/bitcoin/musig2/nonce`, { psbt: psbt.toBase64(), input: 0, publicKeys: [hex0x(other.publicKey), hex0x(strongboxKey)], network: 'regtest' });
  assert.equal(nonce.status, 200, JSON.stringify(nonce.body));
  assert.deepEqual(nonce.body.publicKeys, agg.sorted.map(hex0x), 'KeySort order');
  assert.equal(nonce.body.aggregateKey, hex0x(agg.internalKey));
  assert.equal(nonce.body.outputKey, hex0x(agg.outputKey), "Strongbox's output key is bitcoinjs-lib's BIP86 tweak of the aggregate");
  assert.equal(bytes(nonce.body.publicNonce).length, 66);
  const mine = agg.sorted.findIndex((k) => Buffer.compare(k, other.publicKey) === 0);
  const theirs = nonce.body.signerIndex as number;
  assert.equal(theirs, 1 - mine);
  const otherNonce = musig2.nonceGen(other.publicKey, other.secretKey, agg.outputKey, msg, undefined, new Uint8Array(randomBytes(32)));
  const publicNonces: Uint8Array[] = [];
  publicNonces[mine] = otherNonce.public;
  publicNonces[theirs] = bytes(nonce.body.publicNonce);
  return { other, agg, psbt, msg, nonce: nonce.body, publicNonces, mine, theirs, otherNonce };
}

async function finish(call: Call, key: string, s: Awaited<ReturnType<typeof spend>>, body: Record<string, unknown> = {}) {
  const signed = await call('POST', `/v1/keys/${key}/bitcoin/musig2/sign`, { session: s.nonce.session, psbt: s.psbt.toBase64(), publicNonces: s.publicNonces.map(hex0x), ...body });
  assert.equal(signed.status, 200, JSON.stringify(signed.body));
  const tweak = bitcoin.crypto.taggedHash('TapTweak', s.agg.internalKey);
  const session = new musig2.Session(musig2.nonceAggregate(s.publicNonces), s.agg.sorted, s.msg, [tweak], [true]);
  const theirPartial = bytes(signed.body.partialSignature);
  assert.equal(theirPartial.length, 32);
  assert.ok(session.partialSigVerify(theirPartial, s.publicNonces, s.theirs), "Strongbox's partial signature verifies (BIP327 PartialSigVerify)");
  const myPartial = session.sign(s.otherNonce.secret, s.other.secretKey);
  const partials: Uint8Array[] = [];
  partials[s.mine] = myPartial;
  partials[s.theirs] = theirPartial;
  const signature = session.partialSigAgg(partials);
  // Independent check: libsecp256k1's BIP340 verification under the output key bitcoinjs-lib computed.
  assert.ok(ecc.verifySchnorr(s.msg, s.agg.outputKey, signature), 'aggregate signature verifies under the tweaked output key');
  s.psbt.updateInput(0, { tapKeySig: signature, tapInternalKey: s.agg.internalKey });
  assert.ok(s.psbt.validateSignaturesOfInput(0, (pubkey, msghash, sig) => ecc.verifySchnorr(msghash, pubkey, sig)));
  s.psbt.finalizeAllInputs();
  const tx = s.psbt.extractTransaction();
  assert.deepEqual(tx.ins[0]!.witness.map((w) => Buffer.from(w).toString('hex')), [Buffer.from(signature).toString('hex')]);
  return signed.body;
}

describe('MuSig2 2-of-2 Taproot key-path signing', () => {
  let box: TestBox;
  let mine: Uint8Array;
  const call: Call = (method, url, body) => box.call(method, url, body);

  before(async () => {
    box = await startTestBox();
    const created = await box.call('POST', '/v1/keys', { type: 'secp256k1', name: 'mu' });
    assert.equal(created.status, 201);
    mine = compressed(created.body.publicKey);
  });
  after(async () => box.stop());

  it('signs its part; the aggregate signature finalizes and verifies under the BIP86 output key', async () => {
    const s = await spend(call, 'mu', mine);
    await finish(call, 'mu', s);
  });

  it('stores the secret nonce sealed (not in plaintext), and audits both requests without the psbt', async () => {
    const s = await spend(call, 'mu', mine);
    const db = new Database(join(box.dataDir, SQLITE_FILE), { readonly: true });
    try {
      const row = db.prepare('SELECT key_id, sealed_nonce, params FROM musig2_sessions WHERE id = ?').get(s.nonce.session) as { key_id: string; sealed_nonce: Buffer; params: string };
      assert.ok(row !== undefined, 'the session is stored');
      // A BIP327 secret nonce is k1 ‖ k2 ‖ the signer's public key: in plaintext the key would show.
      assert.equal(row.sealed_nonce.indexOf(Buffer.from(mine)), -1, 'the stored secret nonce is not plaintext');
      assert.ok(row.sealed_nonce.length > 97);
      assert.equal(row.params.includes(s.psbt.toBase64()), false);
    } finally {
      db.close();
    }
    const body = { psbt: s.psbt.toBase64(), input: 0, publicKeys: [hex0x(s.other.publicKey), hex0x(mine)], network: 'regtest' };
    const nonce = await box.call('POST', '/v1/keys/mu/bitcoin/musig2/nonce', body);
    assert.equal(nonce.status, 200);
    const signed = await box.call('POST', '/v1/keys/mu/bitcoin/musig2/sign', { session: s.nonce.session, psbt: body.psbt, publicNonces: s.publicNonces.map(hex0x) });
    assert.equal(signed.status, 200, JSON.stringify(signed.body));
    for (const res of [nonce, signed]) {
      const record = await auditRecordOf(box, String(res.headers['x-request-id']));
      assert.equal(JSON.stringify(record).includes(body.psbt), false, 'the psbt is not in the audit record');
    }
  });

  it('an expired session does not sign (409) and is deleted', async () => {
    const s = await spend(call, 'mu', mine);
    const db = new Database(join(box.dataDir, SQLITE_FILE));
    try {
      // Age the session past its expiry (the server compares expires_at with its clock).
      assert.equal(db.prepare('UPDATE musig2_sessions SET expires_at = ? WHERE id = ?').run(Date.now() - 1, s.nonce.session).changes, 1);
    } finally {
      db.close();
    }
    const res = await call('POST', '/v1/keys/mu/bitcoin/musig2/sign', { session: s.nonce.session, psbt: s.psbt.toBase64(), publicNonces: s.publicNonces.map(hex0x) });
    assert.equal(res.status, 409, JSON.stringify(res.body));
    assert.equal(res.body.code, 'MUSIG2_SESSION_UNKNOWN');
    const check = new Database(join(box.dataDir, SQLITE_FILE), { readonly: true });
    try {
      assert.equal(check.prepare('SELECT count(*) FROM musig2_sessions WHERE id = ?').pluck().get(s.nonce.session), 0);
    } finally {
      check.close();
    }
  });

  it('accepts the aggregate nonce instead of every public nonce', async () => {
    const s = await spend(call, 'mu', mine);
    const signed = await call('POST', `/v1/keys/mu/bitcoin/musig2/sign`, { session: s.nonce.session, psbt: s.psbt.toBase64(), aggregateNonce: hex0x(musig2.nonceAggregate(s.publicNonces)) });
    assert.equal(signed.status, 200, JSON.stringify(signed.body));
    const tweak = bitcoin.crypto.taggedHash('TapTweak', s.agg.internalKey);
    const session = new musig2.Session(musig2.nonceAggregate(s.publicNonces), s.agg.sorted, s.msg, [tweak], [true]);
    assert.ok(session.partialSigVerify(bytes(signed.body.partialSignature), s.publicNonces, s.theirs));
  });

  it('refuses a second sign of the same session (409), and a session of another key', async () => {
    const s = await spend(call, 'mu', mine);
    await finish(call, 'mu', s);
    const again = await call('POST', `/v1/keys/mu/bitcoin/musig2/sign`, { session: s.nonce.session, psbt: s.psbt.toBase64(), publicNonces: s.publicNonces.map(hex0x) });
    assert.equal(again.status, 409, JSON.stringify(again.body));
    assert.equal(again.body.code, 'MUSIG2_SESSION_UNKNOWN');
    assert.doesNotMatch(JSON.stringify(again.body), /partialSignature/);

    assert.equal((await call('POST', '/v1/keys', { type: 'secp256k1', name: 'mu-other' })).status, 201);
    const t = await spend(call, 'mu', mine);
    const wrongKey = await call('POST', `/v1/keys/mu-other/bitcoin/musig2/sign`, { session: t.nonce.session, psbt: t.psbt.toBase64(), publicNonces: t.publicNonces.map(hex0x) });
    assert.equal(wrongKey.status, 409, JSON.stringify(wrongKey.body));
  });

  it('refuses a different transaction at sign time (400 naming psbt), and the session still signs the right one', async () => {
    const s = await spend(call, 'mu', mine);
    const other = spendPsbt(s.agg.payment.output!, 100_000n, payeeAddress, 99_000n);
    const res = await call('POST', `/v1/keys/mu/bitcoin/musig2/sign`, { session: s.nonce.session, psbt: other.toBase64(), publicNonces: s.publicNonces.map(hex0x) });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.field, 'psbt');
    await finish(call, 'mu', s);
  });

  it('an HD-wallet-derived key takes part', async () => {
    assert.equal((await call('POST', '/v1/wallets', { name: 'mu-wallet' })).status, 201);
    const derived = await call('POST', '/v1/wallets/mu-wallet/derive', { path: "m/86'/1'/0'/0/0" });
    assert.equal(derived.status, 200, JSON.stringify(derived.body));
    const s = await spend(call, derived.body.id, compressed(derived.body.publicKey));
    await finish(call, derived.body.id, s);
  });

  it("the key's transaction rules judge the whole spend: over the limit → 403, no partial signature; change to the aggregate is not a transfer", async () => {
    assert.equal((await call('POST', '/v1/keys', { type: 'secp256k1', name: 'mu-ruled' })).status, 201);
    const key = compressed((await call('GET', '/v1/keys/mu-ruled')).body.publicKey);
    const rules = await call('PUT', '/v1/keys/mu-ruled/transaction-rules', { version: 1, allowedNetworks: { bitcoin: ['regtest'] }, maxValuePerTransaction: '50000', maxFeePerTransaction: '2000' });
    assert.equal(rules.status, 200, JSON.stringify(rules.body));
    const over = await spend(call, 'mu-ruled', key, 60_000n);
    const denied = await call('POST', `/v1/keys/mu-ruled/bitcoin/musig2/sign`, { session: over.nonce.session, psbt: over.psbt.toBase64(), publicNonces: over.publicNonces.map(hex0x) });
    assert.equal(denied.status, 403, JSON.stringify(denied.body));
    assert.equal(denied.body.code, 'TRANSACTION_DENIED');
    assert.equal(denied.body.partialSignature, undefined);
    // 40,000 to the payee and 59,000 back to the 2-of-2 output: within the limit.
    const under = await spend(call, 'mu-ruled', key, 40_000n);
    await finish(call, 'mu-ruled', under);
  });

  describe('malformed input gets a 4xx naming the field', () => {
    it('nonce', async () => {
      const other = participant();
      const agg = aggregateOutput([mine, other.publicKey]);
      const psbt = spendPsbt(agg.payment.output!, 100_000n, payeeAddress, 60_000n).toBase64();
      const base = { psbt, input: 0, publicKeys: [hex0x(mine), hex0x(other.publicKey)], network: 'regtest' };
      const cases: [Record<string, unknown>, string][] = [
        [{ ...base, psbt: 'bm90IGEgcHNidA==' }, 'psbt'],
        [{ ...base, input: 1 }, 'input'],
        [{ ...base, input: -1 }, 'input'],
        [{ ...base, publicKeys: [hex0x(mine)] }, 'publicKeys'],
        [{ ...base, publicKeys: [hex0x(mine), '0x1234'] }, 'publicKeys[1]'],
        [{ ...base, publicKeys: [hex0x(mine), hex0x(mine)] }, 'publicKeys[1]'],
        [{ ...base, publicKeys: [hex0x(mine), `0x02${'ff'.repeat(32)}`] }, 'publicKeys[1]'],
        [{ ...base, publicKeys: [hex0x(other.publicKey), hex0x(participant().publicKey)] }, 'publicKeys'],
        [{ ...base, publicKeys: [hex0x(mine), hex0x(participant().publicKey)] }, 'publicKeys'],
        [{ ...base, tweak: 'none' }, 'publicKeys'],
        [{ ...base, tweak: 'taptree' }, 'tweak'],
      ];
      for (const [body, field] of cases) {
        const res = await call('POST', '/v1/keys/mu/bitcoin/musig2/nonce', body);
        assert.ok(res.status >= 400 && res.status < 500, `${JSON.stringify(body).slice(0, 200)} → ${res.status} ${JSON.stringify(res.body)}`);
        assert.ok(String(res.body.field ?? res.body.detail).includes(field) || JSON.stringify(res.body).includes(field), `${field}: ${JSON.stringify(res.body)}`);
      }
    });

    it('sign', async () => {
      const s = await spend(call, 'mu', mine);
      const base = { session: s.nonce.session, psbt: s.psbt.toBase64(), publicNonces: s.publicNonces.map(hex0x) };
      const swapped = [...s.publicNonces].reverse().map(hex0x);
      const cases: [Record<string, unknown>, string, number][] = [
        [{ ...base, session: 'nope' }, 'session', 400],
        [{ ...base, session: '00000000-0000-4000-8000-000000000000' }, 'session', 409],
        [{ ...base, publicNonces: [hex0x(s.publicNonces[0]!)] }, 'publicNonces', 400],
        [{ ...base, publicNonces: [base.publicNonces[0], '0x00'] }, 'publicNonces[1]', 400],
        [{ ...base, publicNonces: swapped }, 'publicNonces', 400],
        [{ ...base, aggregateNonce: '0x' + '00'.repeat(66) }, 'aggregateNonce', 400],
        [{ session: base.session, psbt: base.psbt }, 'aggregateNonce', 400],
        [{ session: base.session, psbt: base.psbt, aggregateNonce: '0x' + '05'.repeat(66) }, 'aggregateNonce', 400],
      ];
      for (const [body, field, status] of cases) {
        const res = await call('POST', '/v1/keys/mu/bitcoin/musig2/sign', body);
        assert.equal(res.status, status, `${field} ${JSON.stringify(Object.keys(body))} → ${JSON.stringify(res.body)}`);
        assert.ok(JSON.stringify(res.body).includes(field), `${field}: ${JSON.stringify(res.body)}`);
      }
      // None of that consumed the session.
      await finish(call, 'mu', s);
    });
  });
});

describe('MuSig2 session across kill -9 (spawned server)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'strongbox-musig2-'));
  const servers: SpawnedServer[] = [];
  after(async () => {
    for (const s of servers) await s.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a session opened before the kill signs once after the restart, then 409', async () => {
    const first = await spawnServer(['--data-dir', dataDir, '--log-level', 'warn']);
    servers.push(first);
    const init = await api(first.addr, 'POST', '/v1/sys/init', null, { shares: 1, threshold: 1 });
    assert.equal(init.status, 200, JSON.stringify(init.body));
    const token = init.body.rootToken as string;
    const share = init.body.shares[0] as string;
    assert.equal((await api(first.addr, 'POST', '/v1/sys/unseal', null, { share })).status, 200);
    const created = await api(first.addr, 'POST', '/v1/keys', token, { type: 'secp256k1', name: 'mu' });
    assert.equal(created.status, 201);
    const key = compressed(created.body.publicKey);
    const s = await spend((m, u, b) => api(first.addr, m, u, token, b), 'mu', key);
    await first.stop('SIGKILL');

    const second = await spawnServer(['--data-dir', dataDir, '--log-level', 'warn']);
    servers.push(second);
    assert.equal((await api(second.addr, 'POST', '/v1/sys/unseal', null, { share })).status, 200);
    const call: Call = (m, u, b) => api(second.addr, m, u, token, b);
    await finish(call, 'mu', s);
    const again = await call('POST', '/v1/keys/mu/bitcoin/musig2/sign', { session: s.nonce.session, psbt: s.psbt.toBase64(), publicNonces: s.publicNonces.map(hex0x) });
    assert.equal(again.status, 409, JSON.stringify(again.body));
    await second.stop('SIGKILL');

    // And after another kill, the used session stays gone.
    const third = await spawnServer(['--data-dir', dataDir, '--log-level', 'warn']);
    servers.push(third);
    assert.equal((await api(third.addr, 'POST', '/v1/sys/unseal', null, { share })).status, 200);
    const gone = await api(third.addr, 'POST', '/v1/keys/mu/bitcoin/musig2/sign', token, { session: s.nonce.session, psbt: s.psbt.toBase64(), publicNonces: s.publicNonces.map(hex0x) });
    assert.equal(gone.status, 409, JSON.stringify(gone.body));

    // The CLI: `strongbox bitcoin musig2-nonce` and `musig2-sign` make the same 2-of-2 spend.
    const env = { STRONGBOX_ADDR: third.addr, STRONGBOX_TOKEN: token };
    const viaCli: Call = async (_method, url, body: any) => {
      const key = url.split('/')[3]!;
      const args = url.endsWith('/nonce')
        ? ['bitcoin', 'musig2-nonce', key, '--psbt', body.psbt, '--input', String(body.input), ...body.publicKeys.flatMap((k: string) => ['--public-key', k]), '--network', body.network]
        : ['bitcoin', 'musig2-sign', key, '--session', body.session, '--psbt', body.psbt, ...(body.publicNonces ?? []).flatMap((n: string) => ['--public-nonce', n])];
      const r = await runCli([...args, '--json'], env);
      return { status: r.code === 0 ? 200 : 1000 + (r.code ?? -1), body: r.code === 0 ? JSON.parse(r.stdout) : r.stderr };
    };
    const c = await spend(viaCli, 'mu', key);
    await finish(viaCli, 'mu', c);
    const cliAgain = await viaCli('POST', '/v1/keys/mu/bitcoin/musig2/sign', { session: c.nonce.session, psbt: c.psbt.toBase64(), publicNonces: c.publicNonces.map(hex0x) });
    assert.equal(cliAgain.status, 1008, `FAILED_PRECONDITION exits 8: ${JSON.stringify(cliAgain.body)}`);
    assert.match(String(cliAgain.body), /MUSIG2_SESSION_UNKNOWN|MuSig2 session/);
  });
});
