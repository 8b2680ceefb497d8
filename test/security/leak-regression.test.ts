/**
 * Leak regression: one full flow with known secrets — the root token, a minted token, unseal
 * shares, an imported secp256k1 private key and aes256 key, a message, a digest, an aes256
 * plaintext and AAD, a generated data key, a secret value with a unique marker — through
 * init/unseal/seal, import, sign, verify, encrypt, decrypt, data keys, secrets, tokens and audit
 * reads, HD wallets (an imported mnemonic with a BIP39 passphrase, a generated one revealed once, the
 * seeds and derived private keys) and Solana signing, plus failing requests that carry secrets (a bad token that contains the real one, bad
 * hex, unknown fields, invalid JSON, a token sent where an accessor belongs, an oversized secret).
 *
 * Captured: the JSON log (pino, level info), every response body and header, every audit record
 * (GET /v1/audit, all pages), the audit stream sink, and the SQLite files. No secret may appear in
 * any of them in raw, hex (both cases), base64 or base64url form — except the responses whose
 * purpose is to return it (init returns the shares and root token, token creation the token,
 * decrypt the plaintext, data-key the data key, reading a secret its value). Positive controls
 * show the scan finds each secret where it legitimately is.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { p2tr, p2wpkh, Transaction } from '@scure/btc-signer';
import { pubECDSA, taprootTweakPrivKey } from '@scure/btc-signer/utils.js';
import { createStrongbox, type Strongbox } from '../../src/app.js';
import { entropyToMnemonic, mnemonicToSeedSync } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { HDNodeWallet } from 'ethers';
import web3 from '@solana/web3.js';

/** A secret and the forms it is searched for in. */
interface Secret {
  label: string;
  forms: Buffer[];
}

function bytesSecret(label: string, value: Buffer): Secret {
  const hex = value.toString('hex');
  return { label, forms: [value, Buffer.from(hex), Buffer.from(hex.toUpperCase()), Buffer.from(value.toString('base64')), Buffer.from(value.toString('base64url'))] };
}

function textSecret(label: string, value: string): Secret {
  return { ...bytesSecret(label, Buffer.from(value, 'utf8')), label };
}

function find(haystack: Buffer, secret: Secret): string | undefined {
  for (const [i, f] of secret.forms.entries()) if (haystack.indexOf(f) !== -1) return ['raw', 'hex', 'HEX', 'base64', 'base64url'][i];
  return undefined;
}

interface Captured {
  what: string;
  text: string;
  /** labels of the secrets this response exists to return */
  allowed: Set<string>;
}

// Known values (fresh per run, so nothing is found by accident from another run's files).
const privateKey = Buffer.from('1f3a5c7e9b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d1f3a', 'hex'); // < n
const aesKey = randomBytes(32);
const message = Buffer.concat([Buffer.from('pay 1000 to mallory '), randomBytes(16)]);
const digest = createHash('sha256').update(randomBytes(32)).digest();
const plaintext = Buffer.concat([Buffer.from('wallet backup '), randomBytes(24)]);
const aad = Buffer.concat([Buffer.from('aad '), randomBytes(12)]);
const marker = `SB-LEAK-MARKER-${randomBytes(12).toString('hex')}`;
const mnemonic = entropyToMnemonic(randomBytes(32), wordlist);
const bip39Passphrase = `SB-PASSPHRASE-${randomBytes(12).toString('hex')}`;
const seed = Buffer.from(mnemonicToSeedSync(mnemonic, bip39Passphrase));
const ethPath = "m/44'/60'/0'/0/0";
const derivedEthKey = Buffer.from(HDNodeWallet.fromSeed(seed).derivePath(ethPath).privateKey.slice(2), 'hex');
/** SLIP-10 ed25519 at m/44'/501'/0'/0' (written out with node:crypto, as in the spec). */
function slip10(seedBytes: Buffer, indexes: number[]): Buffer {
  let I = createHmac('sha512', 'ed25519 seed').update(seedBytes).digest();
  for (const i of indexes) {
    const data = Buffer.alloc(37);
    I.copy(data, 1, 0, 32);
    data.writeUInt32BE((i | 0x8000_0000) >>> 0, 33);
    I = createHmac('sha512', I.subarray(32)).update(data).digest();
  }
  return I.subarray(0, 32);
}
const derivedSolKey = slip10(seed, [44, 501, 0, 0]);

describe('no secret leaks into logs, responses or the audit trail', () => {
  let dataDir: string;
  let box: Strongbox;
  let log = '';
  const sinkLines: string[] = [];
  const captured: Captured[] = [];
  const auditRecords: string[] = [];
  let rootToken = '';
  let shares: string[] = [];
  let mintedToken = '';
  let dataKeyPlaintext = '';
  let revealedMnemonic = '';
  let psbt = Buffer.alloc(0);
  const secrets: Secret[] = [];

  async function call(method: string, url: string, body: unknown, token: string | null, allowed: string[] = [], raw?: { payload: string; contentType: string }): Promise<{ status: number; body: any; headers: Record<string, unknown> }> {
    const res = await box.http.inject({
      method: method as 'GET',
      url,
      headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...(raw ? { 'content-type': raw.contentType } : {}) },
      ...(raw ? { payload: raw.payload } : body === undefined ? {} : { payload: body as object }),
    });
    captured.push({ what: `${method} ${url} → ${res.statusCode}`, text: JSON.stringify(res.headers) + '\n' + res.body, allowed: new Set(allowed) });
    let parsed: unknown;
    try {
      parsed = res.body === '' ? undefined : JSON.parse(res.body);
    } catch {
      parsed = res.body;
    }
    return { status: res.statusCode, body: parsed, headers: res.headers };
  }
  const ok = (res: { status: number; body: unknown }, status: number, what: string) => assert.equal(res.status, status, `${what}: ${JSON.stringify(res.body)}`);

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'strongbox-leak-'));
    const stream = new PassThrough();
    stream.on('data', (d: Buffer) => (log += d.toString()));
    box = await createStrongbox({
      dataDir,
      seal: 'shamir',
      keyCacheSize: 1000,
      logger: { level: 'info', stream },
      audit: { sink: { write: (line: string) => sinkLines.push(line) } },
    });

    // init / unseal
    const init = await call('POST', '/v1/sys/init', { shares: 3, threshold: 2 }, null, ['rootToken', 'share0', 'share1', 'share2']);
    ok(init, 200, 'init');
    rootToken = init.body.rootToken;
    shares = init.body.shares;
    ok(await call('POST', '/v1/sys/unseal', { share: shares[0] }, null), 200, 'unseal 1');
    ok(await call('POST', '/v1/sys/unseal', { share: shares[1] }, null), 200, 'unseal 2');

    // keys with known material
    ok(await call('POST', '/v1/keys/import', { type: 'secp256k1', name: 'leak-ec', privateKey: '0x' + privateKey.toString('hex') }, rootToken), 201, 'import secp256k1');
    ok(await call('POST', '/v1/keys/import', { type: 'aes256', name: 'leak-aes', privateKey: '0x' + aesKey.toString('hex').toUpperCase() }, rootToken), 201, 'import aes256');

    // a minted token
    const minted = await call('POST', '/v1/tokens', { policies: ['signer'], name: 'leak-signer' }, rootToken, ['mintedToken']);
    ok(minted, 201, 'mint');
    mintedToken = minted.body.token;

    // signing and verification with digest and message
    const s1 = await call('POST', '/v1/keys/leak-ec/sign', { digest: '0x' + digest.toString('hex') }, mintedToken);
    ok(s1, 200, 'sign digest');
    const s2 = await call('POST', '/v1/keys/leak-ec/sign', { message: '0x' + message.toString('hex'), hash: 'keccak256', encoding: 'recoverable' }, rootToken);
    ok(s2, 200, 'sign message');
    const v1 = await call('POST', '/v1/keys/leak-ec/verify', { digest: '0x' + digest.toString('hex'), signature: s1.body.signature }, mintedToken);
    assert.equal(v1.body.valid, true);
    const v2 = await call('POST', '/v1/keys/leak-ec/verify', { message: '0x' + message.toString('hex'), hash: 'keccak256', encoding: 'recoverable', signature: s2.body.signature }, rootToken);
    assert.equal(v2.body.valid, true);

    // Bitcoin: a PSBT with a P2WPKH and a P2TR input of the key (the P2TR input is signed with the
    // BIP341-tweaked secret, a second secret derived from the key), then failing requests with PSBTs.
    const btcPub = pubECDSA(privateKey, true);
    const psbtTx = new Transaction();
    psbtTx.addInput({ txid: randomBytes(32), index: 0, witnessUtxo: { script: p2wpkh(btcPub).script, amount: 20_000n } });
    psbtTx.addInput({ txid: randomBytes(32), index: 1, witnessUtxo: { script: p2tr(btcPub.subarray(1)).script, amount: 30_000n } });
    psbtTx.addOutput({ script: p2wpkh(btcPub).script, amount: 49_000n });
    psbt = Buffer.from(psbtTx.toPSBT());
    const bs = await call('POST', '/v1/keys/leak-ec/bitcoin/sign-psbt', { psbt: psbt.toString('base64'), network: 'regtest' }, mintedToken, ['psbt']);
    ok(bs, 200, 'sign psbt');
    assert.deepEqual(bs.body.signedInputs, [0, 1]);
    ok(await call('GET', '/v1/keys/leak-ec/bitcoin/address?type=p2tr', undefined, mintedToken), 200, 'bitcoin address');
    psbtTx.updateInput(0, { sighashType: 2 });
    ok(await call('POST', '/v1/keys/leak-ec/bitcoin/sign-psbt', { psbt: Buffer.from(psbtTx.toPSBT()).toString('base64') }, rootToken), 400, 'psbt with SIGHASH_NONE');
    ok(await call('POST', '/v1/keys/leak-ec/bitcoin/sign-psbt', { psbt: psbt.subarray(0, psbt.length - 5).toString('base64') }, rootToken), 400, 'truncated psbt');

    // symmetric
    const enc = await call('POST', '/v1/keys/leak-aes/encrypt', { plaintext: '0x' + plaintext.toString('hex'), aad: '0x' + aad.toString('hex') }, mintedToken);
    ok(enc, 200, 'encrypt');
    const dec = await call('POST', '/v1/keys/leak-aes/decrypt', { ciphertext: enc.body.ciphertext, aad: '0x' + aad.toString('hex') }, mintedToken, ['plaintext']);
    ok(dec, 200, 'decrypt');
    assert.equal(dec.body.plaintext, '0x' + plaintext.toString('hex'));
    const dk = await call('POST', '/v1/keys/leak-aes/data-key', { aad: '0x' + aad.toString('hex') }, rootToken, ['dataKey']);
    ok(dk, 200, 'data-key');
    dataKeyPlaintext = dk.body.plaintext;
    ok(await call('POST', '/v1/keys/leak-aes/decrypt', { ciphertext: dk.body.ciphertext, aad: '0x' + aad.toString('hex') }, rootToken, ['dataKey']), 200, 'unwrap data key');

    // secrets
    ok(await call('PUT', '/v1/secrets/team/leak', { data: { note: marker } }, rootToken), 200, 'write secret');
    const read = await call('GET', '/v1/secrets/team/leak', undefined, rootToken, ['marker']);
    ok(read, 200, 'read secret');
    assert.equal(read.body.data.note, marker);
    ok(await call('GET', '/v1/secret-versions/team/leak', undefined, rootToken), 200, 'secret versions');
    ok(await call('GET', '/v1/secrets?prefix=team/', undefined, rootToken), 200, 'list secrets');

    // tokens
    ok(await call('GET', '/v1/tokens/self', undefined, mintedToken), 200, 'token self');
    const self = await call('GET', '/v1/tokens/self', undefined, rootToken);
    ok(await call('GET', `/v1/tokens/${minted.body.accessor}`, undefined, rootToken), 200, 'token lookup');
    ok(await call('POST', '/v1/tokens/self/renew', {}, mintedToken), 200, 'renew');

    // the auditor's question: was this digest signed? (the value is sensitive in that request too)
    ok(await call('POST', '/v1/audit/hash', { field: 'digest', value: '0x' + digest.toString('hex') }, rootToken), 200, 'audit hash');

    // HD wallets: an imported mnemonic with a passphrase, a generated one revealed once
    const wallet = await call('POST', '/v1/wallets', { name: 'leak-wallet', mnemonic, passphrase: bip39Passphrase }, rootToken);
    ok(wallet, 201, 'import wallet');
    const revealed = await call('POST', '/v1/wallets', { name: 'leak-revealed', revealMnemonic: true }, rootToken, ['revealedMnemonic']);
    ok(revealed, 201, 'generate wallet');
    revealedMnemonic = revealed.body.mnemonic;
    ok(await call('POST', '/v1/wallets', { mnemonic: mnemonic + ' abandon', passphrase: bip39Passphrase }, rootToken), 400, 'bad mnemonic');
    ok(await call('POST', '/v1/wallets', { name: 'leak-wallet', mnemonic, passphrase: bip39Passphrase }, rootToken), 409, 'wallet name taken');
    ok(await call('GET', '/v1/wallets', undefined, rootToken), 200, 'list wallets');
    ok(await call('GET', '/v1/wallets/leak-wallet', undefined, rootToken), 200, 'show wallet');
    const eth = await call('POST', '/v1/wallets/leak-wallet/derive', { path: ethPath }, rootToken);
    ok(eth, 200, 'derive eth');
    assert.equal(eth.body.address, HDNodeWallet.fromSeed(seed).derivePath(ethPath).address, 'control: the imported mnemonic and passphrase are the wallet');
    ok(await call('POST', `/v1/keys/${eth.body.id}/sign`, { digest: '0x' + digest.toString('hex') }, rootToken), 200, 'sign with derived key');
    const sol = await call('POST', '/v1/wallets/leak-wallet/derive', { path: "m/44'/501'/0'/0'" }, rootToken);
    ok(sol, 200, 'derive sol');
    ok(await call('POST', '/v1/wallets/leak-revealed/derive', { path: "m/44'/501'/0'/0'" }, rootToken), 200, 'derive from revealed');
    ok(await call('GET', `/v1/wallets/leak-wallet/xpub?path=${encodeURIComponent("m/44'/60'/0'")}`, undefined, rootToken), 200, 'xpub');
    const owner = new web3.PublicKey(sol.body.solanaAddress);
    const solTx = new web3.Transaction({ feePayer: owner, recentBlockhash: web3.Keypair.generate().publicKey.toBase58() }).add(web3.SystemProgram.transfer({ fromPubkey: owner, toPubkey: web3.Keypair.generate().publicKey, lamports: 1 }));
    ok(await call('POST', `/v1/keys/${sol.body.id}/solana/sign-transaction`, { transaction: solTx.serialize({ requireAllSignatures: false, verifySignatures: false }).toString('base64') }, rootToken), 200, 'solana sign');

    // ---- failing requests that carry secrets ----
    for (const bad of [rootToken + 'x', rootToken + rootToken, 'x' + mintedToken, mintedToken.slice(0, -1)]) {
      ok(await call('POST', '/v1/keys/leak-ec/sign', { digest: '0x' + digest.toString('hex') }, bad), 401, 'bad token');
    }
    ok(await call('GET', '/v1/tokens/self', undefined, `${rootToken} ${mintedToken}`), 401, 'two tokens in one header');
    // bad hex: non-hex digit, odd length, wrong length
    ok(await call('POST', '/v1/keys/import', { type: 'secp256k1', privateKey: '0x' + privateKey.toString('hex') + 'zz' }, rootToken), 400, 'non-hex key');
    ok(await call('POST', '/v1/keys/import', { type: 'secp256k1', privateKey: '0x' + privateKey.toString('hex') + 'a' }, rootToken), 400, 'odd-length key');
    ok(await call('POST', '/v1/keys/import', { type: 'secp256k1', privateKey: '0x' + privateKey.toString('hex') + '00' }, rootToken), 400, '33-byte key');
    ok(await call('POST', '/v1/keys/import', { type: 'aes256', privateKey: privateKey.toString('hex') }, rootToken), 400, 'key without 0x');
    ok(await call('POST', '/v1/keys/leak-ec/sign', { digest: '0x' + digest.toString('hex') + 'ff' }, rootToken), 400, '33-byte digest');
    ok(await call('POST', '/v1/keys/leak-aes/encrypt', { plaintext: '0x' + plaintext.toString('hex') + 'q' }, rootToken), 400, 'bad plaintext hex');
    // unknown fields whose values are secrets
    ok(await call('POST', '/v1/keys/import', { type: 'secp256k1', privateKey: '0x' + privateKey.toString('hex'), secretKey: '0x' + privateKey.toString('hex') }, rootToken), 400, 'unknown field with key');
    ok(await call('POST', '/v1/keys/leak-ec/sign', { digest: '0x' + digest.toString('hex'), note: '0x' + message.toString('hex') }, rootToken), 400, 'unknown field with message');
    ok(await call('POST', '/v1/keys/leak-aes/encrypt', { plaintext: '0x' + plaintext.toString('hex'), token: rootToken }, rootToken), 400, 'unknown field with token');
    ok(await call('PUT', '/v1/secrets/team/leak', { data: 'x', note: marker }, rootToken), 400, 'unknown field with marker');
    // other failures carrying secrets
    ok(await call('PUT', '/v1/secrets/team/leak', { data: { note: marker }, cas: 99 }, rootToken), 409, 'cas mismatch');
    ok(await call('PUT', '/v1/secrets/team/leak', { data: marker.repeat(Math.ceil(70_000 / marker.length)) }, rootToken), 400, 'oversized secret');
    ok(await call('POST', '/v1/keys/import', undefined, rootToken, [], { payload: `{"type":"secp256k1","privateKey":"0x${privateKey.toString('hex')}"`, contentType: 'application/json' }), 400, 'invalid JSON');
    ok(await call('POST', '/v1/keys/import', undefined, rootToken, [], { payload: `privateKey=0x${privateKey.toString('hex')}`, contentType: 'application/x-www-form-urlencoded' }), 415, 'form body');
    ok(await call('POST', '/v1/keys/leak-ec/decrypt', { ciphertext: '0x' + plaintext.toString('hex') }, rootToken), 400, 'decrypt with a signing key');
    ok(await call('POST', '/v1/keys/leak-aes/decrypt', { ciphertext: enc.body.ciphertext, aad: '0x' + plaintext.toString('hex') }, rootToken), 400, 'decrypt with the wrong AAD');
    ok(await call('POST', '/v1/keys/leak-aes/sign', { message: '0x' + message.toString('hex') }, rootToken), 400, 'sign with an aes key');
    ok(await call('POST', '/v1/keys/leak-ec/sign', { digest: '0x' + digest.toString('hex') }, mintedToken + ''), 200, 'still valid');
    ok(await call('PUT', '/v1/secrets/team/leak2', { data: marker }, mintedToken), 403, 'denied secret write');
    // a token sent where an accessor belongs (an easy mistake)
    const wrongField = await call('POST', '/v1/tokens/revoke', { accessor: mintedToken }, rootToken);
    assert.equal(wrongField.status, 404, JSON.stringify(wrongField.body));
    // revoke properly, then use the revoked token
    ok(await call('POST', '/v1/tokens/revoke', { accessor: minted.body.accessor }, rootToken), 200, 'revoke');
    ok(await call('POST', '/v1/keys/leak-ec/sign', { digest: '0x' + digest.toString('hex') }, mintedToken), 401, 'revoked token');

    // seal, a malformed share, then unseal with the other shares
    ok(await call('POST', '/v1/sys/seal', undefined, rootToken), 200, 'seal');
    ok(await call('POST', '/v1/sys/unseal', { share: shares[2] + 'zz' }, null), 400, 'malformed share');
    ok(await call('POST', '/v1/sys/unseal', { share: shares[2]!.slice(2) }, null), 400, 'share without 0x');
    ok(await call('POST', '/v1/keys/leak-ec/sign', { digest: '0x' + digest.toString('hex') }, rootToken), 503, 'sign while sealed');
    ok(await call('POST', '/v1/sys/unseal', { share: shares[2] }, null), 200, 'unseal 3');
    const unsealed = await call('POST', '/v1/sys/unseal', { share: shares[0] }, null);
    ok(unsealed, 200, 'unseal 4');
    assert.equal(unsealed.body.sealed, false);
    ok(await call('POST', '/v1/keys/leak-ec/sign', { digest: '0x' + digest.toString('hex') }, rootToken), 200, 'sign after unseal');

    // every audit record, all pages
    let afterSeq: number | null = 0;
    let pages = 0;
    while (afterSeq !== null) {
      const page: { status: number; body: any } = await call('GET', `/v1/audit?limit=25&afterSeq=${afterSeq}`, undefined, rootToken);
      ok(page, 200, 'audit page');
      for (const r of page.body.records) auditRecords.push(JSON.stringify(r));
      afterSeq = page.body.nextAfterSeq;
      pages++;
    }
    assert.ok(pages >= 3, 'several audit pages');
    ok(await call('GET', '/v1/audit/checkpoints', undefined, rootToken), 200, 'checkpoints');
    assert.equal(self.status, 200);

    secrets.push(
      textSecret('rootToken', rootToken),
      textSecret('mintedToken', mintedToken),
      ...shares.map((s, i) => bytesSecret(`share${i}`, Buffer.from(s.slice(2), 'hex'))),
      bytesSecret('privateKey', privateKey),
      bytesSecret('taprootSecretKey', Buffer.from(taprootTweakPrivKey(privateKey))),
      bytesSecret('psbt', psbt),
      bytesSecret('aesKey', aesKey),
      bytesSecret('message', message),
      bytesSecret('digest', digest),
      bytesSecret('plaintext', plaintext),
      bytesSecret('aad', aad),
      bytesSecret('dataKey', Buffer.from(dataKeyPlaintext.slice(2), 'hex')),
      textSecret('marker', marker),
      textSecret('mnemonic', mnemonic),
      textSecret('bip39Passphrase', bip39Passphrase),
      bytesSecret('seed', seed),
      bytesSecret('derivedEthKey', derivedEthKey),
      bytesSecret('derivedSolKey', derivedSolKey),
      textSecret('revealedMnemonic', revealedMnemonic),
      bytesSecret('revealedSeed', Buffer.from(mnemonicToSeedSync(revealedMnemonic))),
    );
  });

  after(async () => {
    await box?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('controls: the scan finds each secret where it legitimately is, and in every encoding', () => {
    const where: Record<string, string> = { rootToken: 'POST /v1/sys/init', share0: 'POST /v1/sys/init', mintedToken: 'POST /v1/tokens ', plaintext: 'POST /v1/keys/leak-aes/decrypt', dataKey: 'POST /v1/keys/leak-aes/data-key', marker: 'GET /v1/secrets/team/leak ', revealedMnemonic: 'POST /v1/wallets ' };
    for (const [label, prefix] of Object.entries(where)) {
      const secret = secrets.find((s) => s.label === label)!;
      const holders = captured.filter((c) => c.what.startsWith(prefix) && c.allowed.has(label));
      assert.ok(holders.length > 0, `a ${prefix} response was captured`);
      assert.ok(holders.some((c) => find(Buffer.from(c.text), secret) !== undefined), `control: ${label} is found in the ${prefix} response`);
    }
    for (const secret of secrets) {
      for (const [i, form] of secret.forms.entries()) {
        const hay = Buffer.concat([Buffer.from('{"x":"'), form, Buffer.from('"}')]);
        assert.ok(find(hay, secret), `control: ${secret.label} form ${i} is detected`);
      }
      assert.equal(find(Buffer.from('nothing to see'), secret), undefined);
    }
    // the captures are not empty
    assert.ok(captured.length >= 50, `${captured.length} responses captured`);
    assert.ok(log.split('\n').filter((l) => l.includes('"msg":"request"')).length >= 50, 'one log line per request');
    assert.ok(log.includes('/v1/keys/:id/sign'), 'the log names routes');
    assert.ok(auditRecords.length >= 50);
    assert.ok(auditRecords.some((r) => r.includes('"digest":"')), 'audit records hold input HMACs');
    assert.ok(sinkLines.length >= auditRecords.length, 'the sink saw every record');
  });

  it('no response body or header carries a secret it does not exist to return', () => {
    const leaks: string[] = [];
    for (const c of captured) {
      for (const secret of secrets) {
        if (c.allowed.has(secret.label)) continue;
        const form = find(Buffer.from(c.text), secret);
        if (form) leaks.push(`${secret.label} (${form}) in response to ${c.what}: ${c.text.split('\n')[1]!.slice(0, 300)}`);
      }
    }
    assert.deepEqual(leaks, []);
  });

  it('the JSON log carries no secret', () => {
    const hay = Buffer.from(log);
    const leaks = secrets.map((s) => [s.label, find(hay, s)]).filter(([, f]) => f !== undefined);
    const lines = log.split('\n');
    assert.deepEqual(leaks, [], leaks.map(([label]) => lines.find((l) => find(Buffer.from(l), secrets.find((s) => s.label === label)!))).join('\n'));
  });

  it('no audit record (GET /v1/audit, every page) carries a secret', () => {
    const leaks: string[] = [];
    for (const r of auditRecords) for (const s of secrets) if (find(Buffer.from(r), s)) leaks.push(`${s.label}: ${r}`);
    assert.deepEqual(leaks, []);
  });

  it('the audit stream sink carries no secret', () => {
    const leaks: string[] = [];
    for (const line of sinkLines) for (const s of secrets) if (find(Buffer.from(line), s)) leaks.push(`${s.label}: ${line}`);
    assert.deepEqual(leaks, []);
  });

  it('the database, WAL and SHM files hold no secret', () => {
    const files = ['strongbox.db', 'strongbox.db-wal', 'strongbox.db-shm'].filter((f) => existsSync(join(dataDir, f)));
    const all = Buffer.concat(files.map((f) => readFileSync(join(dataDir, f))));
    assert.notEqual(all.indexOf(Buffer.from('leak-signer')), -1, 'control: stored metadata is visible to the scan');
    const leaks: string[] = [];
    for (const f of files) {
      const bytes = readFileSync(join(dataDir, f));
      for (const s of secrets) {
        const form = find(bytes, s);
        if (form) leaks.push(`${s.label} (${form}) in ${f}`);
      }
    }
    assert.deepEqual(leaks, []);
  });
});
