/**
 * HD wallets through the REST API: create (fresh or imported mnemonic, optional passphrase), list,
 * show, derive by path (idempotent), xpub — each derived key checked against independent
 * implementations: viem's mnemonicToAccount (Ethereum m/44'/60'/0'/0/i), ethers' HDNodeWallet
 * (BIP32 at the Bitcoin m/84' and m/86' paths and the xpub), the BIP84/BIP86 reference addresses
 * computed with bitcoinjs-lib, and a SLIP-10 ed25519 derivation written here with node:crypto.
 * Derived keys then sign through the ordinary key routes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mnemonicToAccount } from 'viem/accounts';
import { recoverAddress, keccak256, toHex } from 'viem';
import { HDNodeWallet, Mnemonic } from 'ethers';
import * as bitcoin from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import { ed25519 } from '@noble/curves/ed25519.js';
import { base58 } from '@scure/base';
import { startTestBox, type TestBox } from '../helpers/app.js';
import { readEnvelopeHeader } from '../../src/keyring/envelope.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrations } from '../../src/storage/sqlite/migrations.js';
import { sqliteAtVersion } from '../helpers/migrations.js';
import { openSqliteStore } from '../../src/storage/sqlite/index.js';

bitcoin.initEccLib(ecc);

/** The BIP39/BIP84/BIP86 reference mnemonic. */
const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

/** SLIP-10 ed25519, straight from the spec with node:crypto's HMAC (a second implementation). */
function slip10Ed25519(seed: Uint8Array, path: string): Uint8Array {
  let I = createHmac('sha512', 'ed25519 seed').update(seed).digest();
  for (const part of path.split('/').slice(1)) {
    const index = (Number.parseInt(part, 10) | 0x8000_0000) >>> 0;
    const data = Buffer.alloc(37);
    I.copy(data, 1, 0, 32);
    data.writeUInt32BE(index, 33);
    I = createHmac('sha512', I.subarray(32)).update(data).digest();
  }
  return new Uint8Array(I.subarray(0, 32));
}

const xOnly = (publicKeyHex: string): Buffer => Buffer.from(publicKeyHex.slice(4, 68), 'hex');
const compressed = (publicKeyHex: string): Buffer => {
  const raw = Buffer.from(publicKeyHex.slice(2), 'hex');
  return Buffer.concat([Buffer.from([raw[64]! & 1 ? 3 : 2]), raw.subarray(1, 33)]);
};

describe('HD wallets', () => {
  let box: TestBox;
  let walletId: string;

  before(async () => {
    box = await startTestBox();
    const res = await box.call('POST', '/v1/wallets', { name: 'abandon', mnemonic: ABANDON });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    walletId = res.body.id;
    assert.equal(res.body.origin, 'imported');
    assert.equal(res.body.mnemonic, undefined, 'an imported mnemonic is never echoed');
  });
  after(() => box.cleanup());

  it('creates a wallet from a fresh 24-word mnemonic, revealed only when asked, and never again', async () => {
    const hidden = await box.call('POST', '/v1/wallets', {});
    assert.equal(hidden.status, 201);
    assert.equal(hidden.body.mnemonic, undefined);
    assert.equal(hidden.body.origin, 'generated');

    const shown = await box.call('POST', '/v1/wallets', { name: 'fresh', revealMnemonic: true });
    assert.equal(shown.status, 201);
    const words = (shown.body.mnemonic as string).split(' ');
    assert.equal(words.length, 24, 'default strength 256 bits');
    const short = await box.call('POST', '/v1/wallets', { strength: 128, revealMnemonic: true });
    assert.equal(short.body.mnemonic.split(' ').length, 12);

    const again = await box.call('GET', '/v1/wallets/fresh');
    assert.equal(again.status, 200);
    assert.equal(again.body.mnemonic, undefined);
    assert.equal(again.body.id, shown.body.id);

    // The revealed mnemonic is the wallet's: the key it derives is the one viem derives from it.
    const derived = await box.call('POST', '/v1/wallets/fresh/derive', { path: "m/44'/60'/0'/0/0" });
    assert.equal(derived.body.address, mnemonicToAccount(shown.body.mnemonic).address);
  });

  it('lists wallets in pages and shows one by id or name', async () => {
    const page1 = await box.call('GET', '/v1/wallets?limit=2');
    assert.equal(page1.status, 200);
    assert.equal(page1.body.wallets.length, 2);
    assert.equal(page1.body.wallets[0].id, walletId);
    assert.ok(page1.body.nextCursor);
    const page2 = await box.call('GET', `/v1/wallets?limit=1000&cursor=${page1.body.nextCursor}`);
    const ids = [...page1.body.wallets, ...page2.body.wallets].map((w: { id: string }) => w.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.equal((await box.call('GET', `/v1/wallets/${walletId}`)).body.name, 'abandon');
    assert.equal((await box.call('GET', '/v1/wallets/nope')).body.code, 'WALLET_NOT_FOUND');
    assert.equal((await box.call('POST', '/v1/wallets', { name: 'abandon' })).body.code, 'WALLET_NAME_TAKEN');
  });

  it("Ethereum m/44'/60'/0'/0/i: the address viem's mnemonicToAccount gives, and it signs", async () => {
    for (const i of [0, 1, 7]) {
      const res = await box.call('POST', `/v1/wallets/${walletId}/derive`, { path: `m/44'/60'/0'/0/${i}` });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.type, 'secp256k1');
      assert.equal(res.body.wallet, walletId);
      assert.equal(res.body.path, `m/44'/60'/0'/0/${i}`);
      assert.equal(res.body.origin, 'imported');
      assert.equal(res.body.address, mnemonicToAccount(ABANDON, { addressIndex: i }).address, `index ${i}`);
    }
    const key = await box.call('POST', `/v1/wallets/${walletId}/derive`, { path: "m/44'/60'/0'/0/0" });
    const digest = keccak256(toHex('derived keys sign like any key'));
    const sig = await box.call('POST', `/v1/keys/${key.body.id}/sign`, { digest, encoding: 'recoverable' });
    assert.equal(sig.status, 200);
    const r = sig.body.signature.slice(0, 130);
    const v = Number.parseInt(sig.body.signature.slice(130), 16);
    assert.equal(await recoverAddress({ hash: digest, signature: `${r}${(27 + v).toString(16)}` as `0x${string}` }), key.body.address);
  });

  it('deriving the same path again (in any spelling) returns the same key; another path another key', async () => {
    const a = await box.call('POST', `/v1/wallets/${walletId}/derive`, { path: "m/44'/60'/0'/0/3" });
    const b = await box.call('POST', `/v1/wallets/abandon/derive`, { path: 'm/44h/60H/0h/0/3' });
    assert.equal(a.body.id, b.body.id);
    assert.equal(b.body.path, "m/44'/60'/0'/0/3");
    const c = await box.call('POST', `/v1/wallets/${walletId}/derive`, { path: "m/44'/60'/0'/0/4" });
    assert.notEqual(c.body.id, a.body.id);
    const concurrent = await Promise.all([5, 5, 5, 5].map(() => box.call('POST', `/v1/wallets/${walletId}/derive`, { path: "m/44'/60'/0'/0/5" })));
    assert.equal(new Set(concurrent.map((r) => r.body.id)).size, 1, 'concurrent derives of one path yield one key');
    const mismatch = await box.call('POST', `/v1/wallets/${walletId}/derive`, { path: "m/44'/60'/0'/0/3", type: 'ed25519' });
    assert.equal(mismatch.body.code, 'INVALID_DERIVATION_PATH', 'ed25519 refuses the non-hardened path before anything else');
    const typeClash = await box.call('POST', `/v1/wallets/${walletId}/derive`, { path: "m/44'/60'/0'/1'", type: 'secp256k1' });
    assert.equal(typeClash.status, 200);
    const clash = await box.call('POST', `/v1/wallets/${walletId}/derive`, { path: "m/44'/60'/0'/1'", type: 'ed25519' });
    assert.equal(clash.body.code, 'WALLET_PATH_TYPE_MISMATCH');
    assert.equal(clash.status, 409);
  });

  it("Bitcoin m/84'/0'/0'/0/i and m/86'/0'/0'/0/i: ethers' BIP32 keys and the BIP84/BIP86 reference addresses", async () => {
    const root = HDNodeWallet.fromSeed(Mnemonic.fromPhrase(ABANDON).computeSeed());
    for (const purpose of [84, 86]) {
      for (const i of [0, 1]) {
        const path = `m/${purpose}'/0'/0'/0/${i}`;
        const res = await box.call('POST', `/v1/wallets/${walletId}/derive`, { path });
        assert.equal(res.status, 200);
        assert.equal(compressed(res.body.publicKey).toString('hex'), root.derivePath(path).publicKey.slice(2), path);
      }
    }
    // BIP84 and BIP86 test vectors: first receive address of the "abandon ... about" mnemonic.
    const k84 = await box.call('POST', `/v1/wallets/${walletId}/derive`, { path: "m/84'/0'/0'/0/0" });
    assert.equal(bitcoin.payments.p2wpkh({ pubkey: compressed(k84.body.publicKey) }).address, 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu');
    const k86 = await box.call('POST', `/v1/wallets/${walletId}/derive`, { path: "m/86'/0'/0'/0/0" });
    assert.equal(bitcoin.payments.p2tr({ internalPubkey: xOnly(k86.body.publicKey) }).address, 'bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr');
  });

  it('xpub: the BIP32 extended public key ethers derives; ed25519 paths give the public key', async () => {
    const root = HDNodeWallet.fromSeed(Mnemonic.fromPhrase(ABANDON).computeSeed());
    for (const path of ["m/84'/0'/0'", "m/44'/60'/0'", 'm']) {
      const res = await box.call('GET', `/v1/wallets/${walletId}/xpub?path=${encodeURIComponent(path)}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.xpub, path === 'm' ? root.neuter().extendedKey : root.derivePath(path).neuter().extendedKey, path);
    }
    const sol = await box.call('GET', `/v1/wallets/${walletId}/xpub?path=${encodeURIComponent("m/44'/501'/0'/0'")}`);
    assert.equal(sol.body.type, 'ed25519');
    assert.equal(sol.body.xpub, undefined);
    assert.equal(sol.body.solanaAddress, base58.encode(Buffer.from(sol.body.publicKey.slice(2), 'hex')));
    const soft = await box.call('GET', `/v1/wallets/${walletId}/xpub?path=m/0&type=ed25519`);
    assert.equal(soft.status, 400);
    assert.equal(soft.body.code, 'INVALID_DERIVATION_PATH');
  });

  it("Solana m/44'/501'/i'/0': SLIP-10 ed25519 by default, the key a second SLIP-10 implementation gives", async () => {
    const seed = Mnemonic.fromPhrase(ABANDON).computeSeed();
    const seedBytes = new Uint8Array(Buffer.from(seed.slice(2), 'hex'));
    for (const i of [0, 1]) {
      const path = `m/44'/501'/${i}'/0'`;
      const res = await box.call('POST', `/v1/wallets/${walletId}/derive`, { path });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.type, 'ed25519');
      const expected = ed25519.getPublicKey(slip10Ed25519(seedBytes, path));
      assert.equal(res.body.publicKey, '0x' + Buffer.from(expected).toString('hex'), path);
      assert.equal(res.body.solanaAddress, base58.encode(expected));
    }
    const soft = await box.call('POST', `/v1/wallets/${walletId}/derive`, { path: "m/44'/501'/0'/0" });
    assert.equal(soft.status, 400);
    assert.equal(soft.body.code, 'INVALID_DERIVATION_PATH');
    assert.match(soft.body.detail, /hardened/);
  });

  it('a BIP39 passphrase gives another wallet (the seed viem derives with that passphrase)', async () => {
    const res = await box.call('POST', '/v1/wallets', { mnemonic: ABANDON, passphrase: 'TREZOR' });
    const key = await box.call('POST', `/v1/wallets/${res.body.id}/derive`, { path: "m/44'/60'/0'/0/0" });
    const viaViem = mnemonicToAccount(ABANDON, { passphrase: 'TREZOR' } as Parameters<typeof mnemonicToAccount>[1]);
    assert.equal(key.body.address, viaViem.address);
    const plain = await box.call('POST', `/v1/wallets/${walletId}/derive`, { path: "m/44'/60'/0'/0/0" });
    assert.notEqual(key.body.address, plain.body.address);
  });

  it('policies: wallet:name/<glob> scopes wallets:* actions; a derived key is then governed by keys:* actions', async () => {
    assert.equal((await box.call('POST', '/v1/wallets', { name: 'team-a' })).status, 201);
    assert.equal((await box.call('POST', '/v1/wallets', { name: 'other' })).status, 201);
    const put = await box.call('PUT', '/v1/policies/team-wallets', {
      statements: [
        { effect: 'allow', actions: ['wallets:read', 'wallets:derive'], resources: ['wallet:name/team-*'] },
        { effect: 'allow', actions: ['keys:read'], resources: ['key:*'] },
      ],
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const token = (await box.call('POST', '/v1/tokens', { policies: ['team-wallets'] })).body.token as string;
    const derived = await box.call('POST', '/v1/wallets/team-a/derive', { path: "m/44'/60'/0'/0/0" }, token);
    assert.equal(derived.status, 200, JSON.stringify(derived.body));
    assert.equal((await box.call('GET', '/v1/wallets/team-a/xpub', undefined, token)).status, 200);
    const denied = await box.call('POST', '/v1/wallets/other/derive', { path: "m/44'/60'/0'/0/0" }, token);
    assert.equal(denied.status, 403);
    assert.equal(denied.body.code, 'PERMISSION_DENIED');
    assert.equal((await box.call('POST', '/v1/wallets/ghost/derive', { path: 'm/0' }, token)).status, 403, 'an unknown wallet the caller may not see: 403, not 404');
    assert.equal((await box.call('POST', '/v1/wallets/team-ghost/derive', { path: 'm/0' }, token)).status, 404, 'one it could see: 404');
    assert.equal((await box.call('POST', '/v1/wallets', {}, token)).status, 403, 'no wallets:create');
    assert.equal((await box.call('GET', '/v1/wallets', undefined, token)).status, 403, 'listing needs wallet:*');
    const sign = await box.call('POST', `/v1/keys/${derived.body.id}/sign`, { digest: '0x' + '11'.repeat(32) }, token);
    assert.equal(sign.status, 403, 'deriving a key does not grant signing with it');
  });

  it('derived keys survive a restart, re-wrap under a rotated keyring, and stay derivable', async () => {
    const before = await box.call('POST', `/v1/wallets/${walletId}/derive`, { path: "m/44'/60'/0'/0/9" });
    const shares = box.shares;
    const rotate = await box.call('POST', '/v1/sys/rotate');
    assert.equal(rotate.status, 200, JSON.stringify(rotate.body));
    await box.box.ctx.rewrap.kick(box.box.ctx);
    const wallet = await box.box.ctx.store.getWallet(walletId);
    assert.equal(readEnvelopeHeader(wallet!.sealedSeed).term, rotate.body.activeTerm, 'the seed was re-wrapped to the new term');
    await box.stop();
    box = await startTestBox({ dataDir: box.dataDir, bare: true, rootToken: box.rootToken });
    await box.call('POST', '/v1/sys/unseal', { share: shares[0] }, null);
    const after = await box.call('POST', `/v1/wallets/${walletId}/derive`, { path: "m/44'/60'/0'/0/10" });
    assert.equal(after.body.address, mnemonicToAccount(ABANDON, { addressIndex: 10 }).address);
    assert.equal((await box.call('POST', `/v1/wallets/${walletId}/derive`, { path: "m/44'/60'/0'/0/9" })).body.id, before.body.id);
  });

  it('migration 7 (hd-wallets): keys stored before it read with no wallet or path; one key per (wallet, path)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strongbox-mig7-'));
    try {
      const db = sqliteAtVersion(dir, 6);
      const id = '01234567-89ab-4def-8123-456789abcdef';
      db.prepare(`INSERT INTO keys (id, name, type, origin, state, public_key, kcv, current_version, created_at) VALUES (?, 'old', 'p256', 'generated', 'enabled', x'04', NULL, 1, '2024-01-01T00:00:00.000Z')`).run(id);
      db.close();
      const store = openSqliteStore(dir);
      try {
        const old = await store.getKey(id);
        assert.equal(old?.wallet, null);
        assert.equal(old?.path, null);
        assert.equal(migrations.find((m) => m.name === 'hd-wallets')?.version, 7, 'this migration stays number 7');
        assert.deepEqual((await store.listWallets({ limit: 10 })).wallets, []);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
