/**
 * End to end: three Strongbox servers (three processes, each with its own data directory, seal and
 * certificate) take part in 2-of-3 FROST keys over mutual TLS (docs/threshold.md).
 *
 * - DKG of a frost-ed25519 key coordinated by server a: every participant stores the same group key.
 * - A Solana transfer signed through a's ordinary Solana route: @solana/web3.js verifies the transaction
 *   and node:crypto verifies the Ed25519 signature (neither is the code under test).
 * - b's own rules deny the recipient: a and c still sign (2-of-3), and b's refusal is named.
 * - DKG of a frost-secp256k1-tr key coordinated by b; a Taproot key-path spend signed through b's PSBT
 *   route, finalized by bitcoinjs-lib and its BIP340 signature checked by tiny-secp256k1 against
 *   bitcoinjs-lib's own BIP341 sighash.
 * - c is killed with SIGKILL between round 1 and round 2 of a session driven by this test (presenting a's
 *   certificate, as a coordinator would); restarted and unsealed, c refuses round 2 (its nonces are gone)
 *   and a new round 1 draws different nonces.
 * - With b refusing and c down, a cannot reach the threshold: 409 THRESHOLD_QUORUM_NOT_REACHED.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createPublicKey, randomUUID, verify as nodeVerify } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keypair, PublicKey, SystemProgram, Transaction } from '@solana/web3.js';
import * as bitcoin from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import { spawnServer, type SpawnedServer } from '../helpers/server.js';

bitcoin.initEccLib(ecc);
const execFileAsync = promisify(execFile);

interface Reply {
  status: number;
  body: any;
}

const NAMES = ['a', 'b', 'c'] as const;
type Name = (typeof NAMES)[number];

describe('FROST threshold keys across three servers', () => {
  let dir: string;
  const file = (name: string) => join(dir, name);
  const pem: Record<string, string> = {};
  const servers = new Map<Name, { proc: SpawnedServer; url: string; token: string; share: string }>();

  async function openssl(args: string[]): Promise<void> {
    await execFileAsync('openssl', args, { cwd: dir, encoding: 'utf8' });
  }

  function send(url: string, method: string, path: string, opts: { token?: string; body?: unknown; cert?: Name } = {}): Promise<Reply> {
    const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        new URL(path, url),
        {
          method,
          ca: pem['ca.crt'],
          ...(opts.cert === undefined ? {} : { cert: pem[`${opts.cert}.crt`], key: pem[`${opts.cert}.key`] }),
          headers: {
            ...(opts.token === undefined ? {} : { authorization: `Bearer ${opts.token}` }),
            ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
          },
        },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, body: text === '' ? undefined : JSON.parse(text) }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }
  const api = (name: Name, method: string, path: string, body?: unknown) => {
    const s = servers.get(name)!;
    return send(s.url, method, path, { token: s.token, ...(body === undefined ? {} : { body }) });
  };

  async function start(name: Name): Promise<{ proc: SpawnedServer; url: string }> {
    const proc = await spawnServer([
      '--data-dir', file(`data-${name}`),
      '--log-level', 'warn',
      '--tls-cert', file(`${name}.crt`),
      '--tls-key', file(`${name}.key`),
      '--tls-client-ca', file('ca.crt'),
      '--tls-client-map', file('client-map.json'),
    ]);
    return { proc, url: proc.addr };
  }

  async function unseal(url: string, share: string): Promise<void> {
    const r = await send(url, 'POST', '/v1/sys/unseal', { body: { share } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.sealed, false);
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strongbox-frost-'));
    await openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=Strongbox Threshold Test CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    pem['ca.crt'] = readFileSync(file('ca.crt'), 'utf8');
    // One certificate per server: its TLS server identity and its client identity toward the others.
    for (const name of NAMES) {
      writeFileSync(file(`${name}.ext`), 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=IP:127.0.0.1\n');
      await openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=strongbox-${name}`]);
      await openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', `0x${(NAMES.indexOf(name) + 16).toString(16)}`, '-days', '2', '-out', `${name}.crt`, '-extfile', `${name}.ext`]);
      pem[`${name}.crt`] = readFileSync(file(`${name}.crt`), 'utf8');
      pem[`${name}.key`] = readFileSync(file(`${name}.key`), 'utf8');
    }
    writeFileSync(file('client-map.json'), JSON.stringify(Object.fromEntries(NAMES.map((n) => [`strongbox-${n}`, ['threshold-peer']]))));
    for (const name of NAMES) {
      // one at a time: three servers starting at once on a busy 2-core CI machine exceed the start timeout
      const { proc, url } = await start(name);
      const init = await send(url, 'POST', '/v1/sys/init', { body: { shares: 1, threshold: 1 } });
      assert.equal(init.status, 200, JSON.stringify(init.body));
      await unseal(url, init.body.shares[0]);
      servers.set(name, { proc, url, token: init.body.rootToken, share: init.body.shares[0] });
    }
    for (const name of NAMES) {
      const policy = await api(name, 'PUT', '/v1/policies/threshold-peer', { statements: [{ effect: 'allow', actions: ['threshold:participate'], resources: ['*'] }] });
      assert.ok(policy.status === 200 || policy.status === 201, JSON.stringify(policy.body));
      const peers = await api(name, 'PUT', '/v1/sys/threshold/peers', { self: name, peers: NAMES.map((n) => ({ id: n, url: servers.get(n)!.url, principal: `strongbox-${n}` })) });
      assert.equal(peers.status, 200, JSON.stringify(peers.body));
      assert.equal(peers.body.tls, true);
    }
  });

  after(async () => {
    for (const s of servers.values()) await s.proc.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const recipient = Keypair.generate().publicKey;
  let solKey: { id: string; publicKey: Uint8Array };

  function solanaMessage(lamports: number): string {
    const from = new PublicKey(solKey.publicKey);
    const tx = new Transaction({ feePayer: from, recentBlockhash: Keypair.generate().publicKey.toBase58() }).add(SystemProgram.transfer({ fromPubkey: from, toPubkey: recipient, lamports }));
    return tx.serializeMessage().toString('base64');
  }

  function assertSolanaSigned(answer: any, label: string): void {
    const tx = Transaction.from(Buffer.from(answer.transaction, 'base64'));
    assert.ok(tx.verifySignatures(), `${label}: @solana/web3.js verifies the transaction`);
    const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(solKey.publicKey)]);
    assert.ok(nodeVerify(null, tx.serializeMessage(), createPublicKey({ key: spki, format: 'der', type: 'spki' }), tx.signatures[0]!.signature!), `${label}: node:crypto verifies the Ed25519 signature`);
  }

  it('DKG: a coordinates a 2-of-3 frost-ed25519 key; every participant stores the same group key', async () => {
    const created = await api('a', 'POST', '/v1/threshold/keys', { type: 'frost-ed25519', threshold: 2, participants: ['a', 'b', 'c'], name: 'sol-quorum' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.key.type, 'frost-ed25519');
    assert.equal(created.body.threshold, 2);
    const id = created.body.key.id as string;
    const publicKey = created.body.key.publicKey as string;
    assert.equal(publicKey.replace(/^0x/, ''), created.body.verifyingKey);
    for (const name of NAMES) {
      const got = await api(name, 'GET', '/v1/keys/sol-quorum');
      assert.equal(got.status, 200, `${name}: ${JSON.stringify(got.body)}`);
      assert.equal(got.body.id, id, `${name}: same key id`);
      assert.equal(got.body.publicKey, publicKey, `${name}: same group key`);
      assert.equal(got.body.solanaAddress, new PublicKey(Buffer.from(publicKey.replace(/^0x/, ''), 'hex')).toBase58());
    }
    solKey = { id, publicKey: new Uint8Array(Buffer.from(publicKey.replace(/^0x/, ''), 'hex')) };
    // A caller that is not a peer's certificate gets no round answered, even with the root token.
    const stranger = await api('b', 'POST', '/v1/threshold/sign/round1', { sessionId: randomUUID(), keyId: id, request: { chain: 'solana', transaction: 'AA==' } });
    assert.equal(stranger.status, 403, JSON.stringify(stranger.body));
    assert.equal(stranger.body.code, 'THRESHOLD_PEER_UNKNOWN');
    // No single server can sign with its share through the generic route.
    const generic = await api('a', 'POST', '/v1/keys/sol-quorum/sign', { digest: '0x' + 'ab'.repeat(32) });
    assert.equal(generic.status, 400, JSON.stringify(generic.body));
    assert.equal(generic.body.code, 'UNSUPPORTED_OPERATION');
  });

  it('a Solana transfer signed 2-of-3 through the ordinary Solana route verifies in @solana/web3.js', async () => {
    const signed = await api('a', 'POST', '/v1/keys/sol-quorum/solana/sign-transaction', { message: solanaMessage(1000) });
    assert.equal(signed.status, 200, JSON.stringify(signed.body));
    assertSolanaSigned(signed.body, 'no rules');
  });

  it("b's own rules refuse the recipient; a and c still sign", async () => {
    const rules = await api('b', 'PUT', '/v1/keys/sol-quorum/transaction-rules', { version: 1, destinations: { deny: [recipient.toBase58()] } });
    assert.equal(rules.status, 200, JSON.stringify(rules.body));
    // b judges alone when asked directly (as a participant): denied.
    const alone = await send(servers.get('b')!.url, 'POST', '/v1/threshold/sign/round1', { cert: 'a', body: { sessionId: randomUUID(), keyId: solKey.id, request: { chain: 'solana', transaction: txOf(solanaMessage(5)) } } });
    assert.equal(alone.status, 403, JSON.stringify(alone.body));
    assert.equal(alone.body.code, 'TRANSACTION_DENIED');
    const signed = await api('a', 'POST', '/v1/keys/sol-quorum/solana/sign-transaction', { message: solanaMessage(2000) });
    assert.equal(signed.status, 200, JSON.stringify(signed.body));
    assertSolanaSigned(signed.body, 'b refusing');
    // Every round is audited where it was answered: b recorded its refusals, c its two rounds, a the outcome.
    const records = async (name: Name) => (await api(name, 'GET', '/v1/audit?limit=1000')).body.records as any[];
    const bDenied = (await records('b')).filter((r) => r.operation === 'thresholdSignRound1' && r.decision?.outcome === 'deny');
    assert.equal(bDenied.length, 2, 'b audited both of its refusals');
    const cRounds = (await records('c')).filter((r) => r.operation === 'thresholdSignRound1' || r.operation === 'thresholdSignRound2');
    assert.ok(cRounds.length >= 2 && cRounds.every((r) => r.status === 200 && String(r.principal).startsWith('cert.')), JSON.stringify(cRounds));
    const aRecords = await records('a');
    const outcome = aRecords.filter((r) => r.operation === 'solanaSignTransaction').at(-1);
    assert.equal(outcome?.decision?.outcome, 'allow');
    assert.match(outcome.decision.reason, /signed by a, c; declined: b \(TRANSACTION_DENIED\)/);
    // The secret DKG shares are audited as a keyed HMAC of the field (audit/inputs.ts), one per delivery.
    const shares = aRecords.filter((r) => r.operation === 'thresholdDkgShare' && r.status === 200);
    assert.equal(shares.length, 2, 'a received one share from each other participant');
    for (const r of shares) assert.match(String(r.inputs?.signingShare), /^[0-9a-f]{64}$/, JSON.stringify(r.inputs));
  });

  it('a Taproot key-path spend signed 2-of-3 through the PSBT route is finalized by bitcoinjs-lib and verified by tiny-secp256k1', async () => {
    const created = await api('b', 'POST', '/v1/threshold/keys', { type: 'frost-secp256k1-tr', threshold: 2, participants: ['a', 'b', 'c'], name: 'btc-quorum' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const internal = Buffer.from((created.body.key.publicKey as string).replace(/^0x/, ''), 'hex');
    assert.equal(internal.byteLength, 65);
    const network = bitcoin.networks.regtest;
    const tr = bitcoin.payments.p2tr({ internalPubkey: internal.subarray(1, 33), network });
    // bitcoinjs-lib's own BIP86 tweak of the internal key is the group key the DKG produced.
    assert.equal(Buffer.from(tr.output!.subarray(2)).toString('hex'), created.body.verifyingKey);
    const address = await api('c', 'GET', '/v1/keys/btc-quorum/bitcoin/address?network=regtest');
    assert.equal(address.status, 200, JSON.stringify(address.body));
    assert.equal(address.body.address, tr.address, 'the P2TR address every participant shows is bitcoinjs-lib\'s');
    const psbt = new bitcoin.Psbt({ network });
    psbt.addInput({ hash: new Uint8Array(32).fill(9), index: 0, witnessUtxo: { script: tr.output!, value: 50_000n }, tapInternalKey: internal.subarray(1, 33) });
    psbt.addOutput({ address: bitcoin.payments.p2wpkh({ pubkey: ecc.pointFromScalar(new Uint8Array(32).fill(3), true)!, network }).address!, value: 49_000n });
    const signed = await api('b', 'POST', '/v1/keys/btc-quorum/bitcoin/sign-psbt', { psbt: psbt.toBase64(), network: 'regtest' });
    assert.equal(signed.status, 200, JSON.stringify(signed.body));
    assert.deepEqual(signed.body.signedInputs, [0]);
    const back = bitcoin.Psbt.fromBase64(signed.body.psbt, { network });
    assert.ok(back.validateSignaturesOfInput(0, (pubkey, msghash, signature) => ecc.verifySchnorr(msghash, pubkey, signature)), 'bitcoinjs-lib validates the tapKeySig');
    back.finalizeAllInputs();
    const tx = back.extractTransaction();
    const sighash = tx.hashForWitnessV1(0, [tr.output!], [50_000n], bitcoin.Transaction.SIGHASH_DEFAULT);
    assert.equal(tx.ins[0]!.witness.length, 1);
    assert.equal(ecc.verifySchnorr(sighash, tr.output!.subarray(2), tx.ins[0]!.witness[0]!), true, 'tiny-secp256k1 verifies the BIP340 signature under the output key');
  });

  it('c killed with SIGKILL between round 1 and round 2 refuses round 2 after restarting, and draws new nonces', async () => {
    const sessionId = randomUUID();
    const request = { chain: 'solana', transaction: txOf(solanaMessage(3000)) };
    const a1 = await send(servers.get('a')!.url, 'POST', '/v1/threshold/sign/round1', { cert: 'a', body: { sessionId, keyId: solKey.id, request } });
    assert.equal(a1.status, 200, JSON.stringify(a1.body));
    const c1 = await send(servers.get('c')!.url, 'POST', '/v1/threshold/sign/round1', { cert: 'a', body: { sessionId, keyId: solKey.id, request } });
    assert.equal(c1.status, 200, JSON.stringify(c1.body));
    const c = servers.get('c')!;
    await c.proc.stop('SIGKILL');
    const restarted = await start('c');
    await unseal(restarted.url, c.share);
    servers.set('c', { ...c, proc: restarted.proc, url: restarted.url });
    const commitments = [[a1.body.commitments[0], c1.body.commitments[0]]];
    const c2 = await send(restarted.url, 'POST', '/v1/threshold/sign/round2', { cert: 'a', body: { sessionId, commitments } });
    assert.equal(c2.status, 409, JSON.stringify(c2.body));
    assert.equal(c2.body.code, 'THRESHOLD_SESSION_UNKNOWN');
    assert.equal(c2.body.shares, undefined);
    const again = await send(restarted.url, 'POST', '/v1/threshold/sign/round1', { cert: 'a', body: { sessionId: randomUUID(), keyId: solKey.id, request } });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.notEqual(again.body.commitments[0].hiding, c1.body.commitments[0].hiding);
    assert.notEqual(again.body.commitments[0].binding, c1.body.commitments[0].binding);
    // a's own session is still open: the same round 2 to a works only once.
    const a2 = await send(servers.get('a')!.url, 'POST', '/v1/threshold/sign/round2', { cert: 'a', body: { sessionId, commitments } });
    assert.equal(a2.status, 200, JSON.stringify(a2.body));
    const a2again = await send(servers.get('a')!.url, 'POST', '/v1/threshold/sign/round2', { cert: 'a', body: { sessionId, commitments } });
    assert.equal(a2again.body.code, 'THRESHOLD_SESSION_UNKNOWN', 'a nonce is never used twice');
  });

  it('with b refusing and c down, a cannot reach 2-of-3: nothing is signed', async () => {
    await servers.get('c')!.proc.stop();
    const refused = await api('a', 'POST', '/v1/keys/sol-quorum/solana/sign-transaction', { message: solanaMessage(4000) });
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.equal(refused.body.code, 'THRESHOLD_QUORUM_NOT_REACHED');
    assert.match(refused.body.detail, /b: TRANSACTION_DENIED/);
    assert.match(refused.body.detail, /c: UNREACHABLE/);
    assert.equal(refused.body.transaction, undefined);
  });
});

/** A bare message as the wire transaction participants read (every signature slot zero). */
function txOf(messageBase64: string): string {
  const message = Buffer.from(messageBase64, 'base64');
  const count = message[0]!; // header: number of required signatures (< 128, one compact-u16 byte)
  return Buffer.concat([Buffer.from([count]), Buffer.alloc(64 * count), message]).toString('base64');
}
