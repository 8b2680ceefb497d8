/**
 * Least privilege for HD-derived keys, through every interface that signs: a token whose only
 * grant is `keys:sign` on `key:wallet/name/hot/m/44'/60'/0'/0/*` (written with `h`, stored with `'`)
 * signs with the key derived at m/44'/60'/0'/0/3 — on the REST key routes, the JSON-RPC signer and
 * the AWS KMS endpoint (a real @aws-sdk/client-kms client) — and gets 403 for the change branch
 * m/44'/60'/0'/1/0, for the same path in another wallet, for a key not derived, and for an unknown
 * key (no existence oracle). Approvals of a derived key are visible to approvers scoped by wallet
 * path. Every signature is checked against the address or public key viem derives from the mnemonic
 * (mnemonicToAccount), and verified by viem or @noble/curves — never by Strongbox itself.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { keccak256, parseTransaction, recoverAddress, recoverTransactionAddress, toHex, verifyMessage, type TransactionSerialized } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { startTestBox, type TestBox } from '../helpers/app.js';

/** The BIP39 reference mnemonic: viem derives the same accounts from it independently. */
const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const RECEIVE = "m/44'/60'/0'/0";
const GRANT = "key:wallet/name/hot/m/44'/60'/0'/0/*";
const B = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const UNKNOWN_KEY = '00000000-0000-4000-8000-000000000000';

const viemAccount = (path: string) => mnemonicToAccount(ABANDON, { path: path as `m/44'/60'/${string}` });

interface Key {
  id: string;
  address: `0x${string}`;
}

describe('policies on HD-derived keys by wallet and path', () => {
  let box: TestBox;
  let hotId: string;
  /** hot m/44'/60'/0'/0/3: inside the grant */
  let receive: Key;
  /** hot m/44'/60'/0'/1/0: the change branch, outside it */
  let change: Key;
  /** cold m/44'/60'/0'/0/3: the same path in another wallet */
  let otherWallet: Key;
  /** a generated key, not derived */
  let plain: Key;
  let token: string;
  let id = 1;

  const derive = async (wallet: string, path: string, as?: string): Promise<Key & { status: number }> => {
    const res = await box.call('POST', `/v1/wallets/${wallet}/derive`, { path }, as);
    return { status: res.status, id: res.body.id, address: res.body.address };
  };
  const signDigest = (key: string, as: string, digest: `0x${string}` = keccak256(toHex('least privilege'))) => box.call('POST', `/v1/keys/${key}/sign`, { digest, encoding: 'recoverable' }, as);
  const putPolicy = (name: string, statements: unknown[]) => box.call('PUT', `/v1/policies/${name}`, { statements });
  const rpc = async (method: string, params: unknown[], as: string) => {
    const res = await box.call('POST', '/v1/ethereum/rpc', { jsonrpc: '2.0', id: id++, method, params }, as);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body as { result?: any; error?: { code: number; message: string; data?: any } };
  };
  const tokenFor = async (policies: string[], subject?: string): Promise<string> => {
    const res = await box.call('POST', '/v1/tokens', { policies, ...(subject === undefined ? {} : { subject }) });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.token;
  };

  before(async () => {
    box = await startTestBox();
    const hot = await box.call('POST', '/v1/wallets', { name: 'hot', mnemonic: ABANDON });
    assert.equal(hot.status, 201, JSON.stringify(hot.body));
    hotId = hot.body.id;
    assert.equal((await box.call('POST', '/v1/wallets', { name: 'cold' })).status, 201);
    receive = await derive('hot', `${RECEIVE}/3`);
    change = await derive('hot', "m/44'/60'/0'/1/0");
    otherWallet = await derive('cold', `${RECEIVE}/3`);
    const p = await box.call('POST', '/v1/keys', { type: 'secp256k1', name: 'plain' });
    plain = { id: p.body.id, address: p.body.address };
    assert.equal(receive.address, viemAccount(`${RECEIVE}/3`).address, 'control: the derived key is the one viem derives');
    assert.equal(change.address, viemAccount("m/44'/60'/0'/1/0").address);

    // Written with h: stored and answered with ' (the spelling of stored paths), so it matches them.
    const put = await putPolicy('hot-receive', [{ effect: 'allow', actions: ['keys:sign'], resources: ['key:wallet/name/hot/m/44h/60h/0h/0/*'] }]);
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.deepEqual(put.body.statements[0].resources, [GRANT]);
    assert.deepEqual((await box.call('GET', '/v1/policies/hot-receive')).body.statements[0].resources, [GRANT]);
    token = await tokenFor(['hot-receive']);
  });
  after(() => box.cleanup());

  describe('REST key routes', () => {
    it("signs with the key derived at m/44'/60'/0'/0/3: viem recovers the address it derives from the mnemonic", async () => {
      const digest = keccak256(toHex('least privilege'));
      const sig = await signDigest(receive.id, token, digest);
      assert.equal(sig.status, 200, JSON.stringify(sig.body));
      const v = Number.parseInt(sig.body.signature.slice(130), 16);
      assert.equal(await recoverAddress({ hash: digest, signature: `${sig.body.signature.slice(0, 130)}${(27 + v).toString(16)}` as `0x${string}` }), viemAccount(`${RECEIVE}/3`).address);
      const msg = await box.call('POST', `/v1/keys/${receive.id}/ethereum/sign-message`, { message: 'hello from a derived key' }, token);
      assert.equal(msg.status, 200, JSON.stringify(msg.body));
      assert.equal(await verifyMessage({ address: viemAccount(`${RECEIVE}/3`).address, message: 'hello from a derived key', signature: msg.body.signature }), true);
    });

    it('403 for the change branch, the same path in another wallet, a key not derived, and an unknown key', async () => {
      const unknown = await signDigest(UNKNOWN_KEY, token);
      for (const [label, ref] of [['change branch', change.id], ['other wallet', otherWallet.id], ['not derived', plain.id], ['not derived, by name', 'plain'], ['unknown', UNKNOWN_KEY]] as const) {
        const res = await signDigest(ref, token);
        assert.equal(res.status, 403, `${label}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.code, 'PERMISSION_DENIED', label);
        assert.equal(res.body.detail, unknown.body.detail, `${label}: a forbidden key reads like an unknown one`);
      }
    });

    it('grants only the action: keys:sign does not read, verify or derive', async () => {
      assert.equal((await box.call('GET', `/v1/keys/${receive.id}`, undefined, token)).status, 403);
      assert.equal((await box.call('POST', `/v1/keys/${receive.id}/verify`, { digest: keccak256('0x01'), signature: '0x' + '11'.repeat(64) }, token)).status, 403);
      assert.equal((await derive('hot', `${RECEIVE}/4`, token)).status, 403, 'deriving is wallets:derive on the wallet');
      assert.equal((await box.call('GET', `/v1/keys/${UNKNOWN_KEY}`, undefined, token)).status, 403, 'an unknown key is 403 for a caller who could not read it');
    });

    it('by wallet id: key:wallet/<id>/<path glob>', async () => {
      assert.equal((await putPolicy('hot-by-id', [{ effect: 'allow', actions: ['keys:sign'], resources: [`key:wallet/${hotId.toUpperCase()}/${RECEIVE}/*`] }])).status, 200);
      assert.deepEqual((await box.call('GET', '/v1/policies/hot-by-id')).body.statements[0].resources, [`key:wallet/${hotId}/${RECEIVE}/*`], 'the id is stored lowercase');
      const byId = await tokenFor(['hot-by-id']);
      assert.equal((await signDigest(receive.id, byId)).status, 200);
      assert.equal((await signDigest(change.id, byId)).status, 403);
      assert.equal((await signDigest(otherWallet.id, byId)).status, 403);
    });

    it('a deny by wallet path wins over keys:sign on every key', async () => {
      assert.equal((await putPolicy('no-change', [{ effect: 'deny', actions: ['keys:sign'], resources: ["key:wallet/name/hot/m/44'/60'/0'/1/*"] }])).status, 200);
      const t = await tokenFor(['signer', 'no-change']);
      assert.equal((await signDigest(receive.id, t)).status, 200);
      const denied = await signDigest(change.id, t);
      assert.equal(denied.status, 403);
      assert.doesNotMatch(denied.body.detail, /no-change|statement allows/, 'the 403 does not say which statement decided (an existence oracle)');
      assert.equal((await signDigest(plain.id, t)).status, 200);
    });

    it('derive is granted per wallet, signing per path: a freshly derived key outside the path cannot sign', async () => {
      assert.equal((await putPolicy('hot-deriver', [
        { effect: 'allow', actions: ['wallets:derive'], resources: ['wallet:name/hot'] },
        { effect: 'allow', actions: ['keys:sign'], resources: [GRANT] },
      ])).status, 200);
      const t = await tokenFor(['hot-deriver']);
      const inside = await derive('hot', `${RECEIVE}/5`, t);
      assert.equal(inside.status, 200);
      assert.equal(inside.address, viemAccount(`${RECEIVE}/5`).address);
      assert.equal((await signDigest(inside.id, t)).status, 200, 'signs at once, without a grant naming the new key');
      const outside = await derive('hot', "m/44'/60'/0'/1/5", t);
      assert.equal(outside.status, 200, 'derive is per wallet, not per path');
      assert.equal((await signDigest(outside.id, t)).status, 403, 'but signing is per path');
      assert.equal((await derive('cold', `${RECEIVE}/5`, t)).status, 403);
      assert.equal((await derive('ghost', `${RECEIVE}/5`, t)).status, 403, 'an unknown wallet: 403, not 404');
    });

    it('malformed key:wallet/ resources are refused with 400 naming the statement and the problem', async () => {
      const cases: [string, RegExp][] = [
        ['key:wallet/name/hot', /path part is missing/],
        ["key:wallet/name/hot/44'/60'/*", /must be \* or start with m\//],
        ["key:wallet/name/hot/m/044'/*", /leading zero/],
        ['key:wallet/name/hot/m/44x/*', /path level 1/],
        ['key:wallet/hot/m/0', /must be a wallet id/],
      ];
      for (const [resource, says] of cases) {
        const res = await putPolicy('bad', [{ effect: 'allow', actions: ['keys:sign'], resources: ['key:*'] }, { effect: 'allow', actions: ['keys:sign'], resources: ['key:name/x', resource] }]);
        assert.equal(res.status, 400, resource);
        assert.equal(res.body.code, 'INVALID_ARGUMENT', resource);
        assert.equal(res.body.field, 'statements.1.resources.1', resource);
        assert.match(res.body.detail, says, resource);
      }
      assert.equal((await box.call('GET', '/v1/policies/bad')).status, 404, 'nothing was stored');
    });
  });

  describe('JSON-RPC signer', () => {
    it('personal_sign and eth_sign from the derived address: viem verifies them', async () => {
      const from = viemAccount(`${RECEIVE}/3`).address;
      const text = 'sign in with a derived key';
      const s1 = (await rpc('personal_sign', [text, from], token)).result;
      assert.equal(await verifyMessage({ address: from, message: text, signature: s1 }), true);
      const bytes = '0xc0ffee' as const;
      const s2 = (await rpc('eth_sign', [from, bytes], token)).result;
      assert.equal(await verifyMessage({ address: from, message: { raw: bytes }, signature: s2 }), true);
    });

    it('the change address, another wallet, a key not derived and an unknown address: the same 4100', async () => {
      const unknown = await rpc('personal_sign', ['hi', '0x000000000000000000000000000000000000dEaD'], token);
      assert.equal(unknown.error?.code, 4100);
      for (const address of [change.address, otherWallet.address, plain.address]) {
        const res = await rpc('personal_sign', ['hi', address], token);
        assert.equal(res.error?.code, 4100, address);
        assert.equal(res.error?.data.code, 'PERMISSION_DENIED');
        assert.equal(res.error?.message.replace(address, 'X'), unknown.error?.message.replace('0x000000000000000000000000000000000000dEaD', 'X'));
      }
    });

    it('eth_accounts lists exactly the derived keys under the granted path', async () => {
      const accounts = (await rpc('eth_accounts', [], token)).result as string[];
      const expected = [`${RECEIVE}/3`, `${RECEIVE}/5`].map((p) => viemAccount(p).address);
      assert.deepEqual(accounts, expected);
    });
  });

  describe('AWS KMS endpoint', () => {
    let kms: KMSClient;
    before(async () => {
      const creds = await box.call('POST', '/v1/aws-credentials', { policies: ['hot-receive'] });
      assert.equal(creds.status, 201, JSON.stringify(creds.body));
      const addr = await box.box.http.listen({ port: 0, host: '127.0.0.1' });
      kms = new KMSClient({ endpoint: addr, region: 'us-east-1', credentials: { accessKeyId: creds.body.accessKeyId, secretAccessKey: creds.body.secretAccessKey }, maxAttempts: 1 });
    });
    after(() => kms.destroy());

    it('Sign with the derived key: @noble/curves verifies the DER signature against the public key viem derives', async () => {
      const digest = Buffer.from(keccak256(toHex('aws sign')).slice(2), 'hex');
      const out = await kms.send(new SignCommand({ KeyId: receive.id, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' }));
      const publicKey = Buffer.from(viemAccount(`${RECEIVE}/3`).publicKey.slice(2), 'hex');
      assert.equal(secp256k1.verify(out.Signature!, digest, publicKey, { prehash: false, format: 'der' }), true);
    });

    it('AccessDenied for the change branch, another wallet, a key not derived and an unknown key', async () => {
      for (const keyId of [change.id, otherWallet.id, plain.id, 'alias/plain', UNKNOWN_KEY]) {
        await assert.rejects(
          kms.send(new SignCommand({ KeyId: keyId, Message: Buffer.alloc(32, 1), MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' })),
          (e: { name: string }) => e.name === 'AccessDeniedException',
          keyId,
        );
      }
    });
  });

  describe('approvals of a derived key', () => {
    it('approvers scoped by wallet path see and approve it; approvers scoped to another wallet get 403', async () => {
      const rules = { version: 1, approval: { aboveValue: '1000', required: 1, approvers: { subjects: ['hot-approver', 'cold-approver'] } } };
      assert.equal((await box.call('PUT', `/v1/wallets/hot/transaction-rules`, rules)).status, 200);
      assert.equal((await putPolicy('hot-requester', [{ effect: 'allow', actions: ['keys:sign', 'approvals:read'], resources: [GRANT] }])).status, 200);
      assert.equal((await putPolicy('hot-approvals', [{ effect: 'allow', actions: ['approvals:read', 'approvals:write'], resources: ["key:wallet/name/hot/m/44'/60'/0'/*"] }])).status, 200);
      assert.equal((await putPolicy('cold-approvals', [{ effect: 'allow', actions: ['approvals:read', 'approvals:write'], resources: ['key:wallet/name/cold/*'] }])).status, 200);
      const requester = await tokenFor(['hot-requester'], 'svc');
      const hotApprover = await tokenFor(['hot-approvals'], 'hot-approver');
      const coldApprover = await tokenFor(['cold-approvals'], 'cold-approver');

      const transaction = { chainId: 1, nonce: 3, to: B, value: '5000', gas: 21000, maxFeePerGas: '30000000000', maxPriorityFeePerGas: '1000000000' };
      const held = await box.call('POST', `/v1/keys/${receive.id}/ethereum/sign-transaction`, { transaction }, requester);
      assert.equal(held.status, 202, JSON.stringify(held.body));
      const approvalId = held.body.approvalId as string;

      // Listing needs approvals:read on the collection; each approval is then shown only if the caller may
      // read it on its own key: a deny on the wallet path hides it from the list as from GET by id.
      assert.equal((await putPolicy('list-all-but-hot', [
        { effect: 'allow', actions: ['approvals:read'], resources: ['key:*'] },
        { effect: 'deny', actions: ['*'], resources: ['key:wallet/name/hot/*'] },
      ])).status, 200);
      const lister = await tokenFor(['list-all-but-hot'], 'lister');
      const listed = await box.call('GET', '/v1/approvals', undefined, lister);
      assert.equal(listed.status, 200);
      assert.ok(!listed.body.approvals.some((a: { id: string }) => a.id === approvalId), 'the denied key\'s approval is not listed');
      assert.equal((await box.call('GET', `/v1/approvals/${approvalId}`, undefined, lister)).status, 403);
      const all = await box.call('GET', '/v1/approvals');
      assert.ok(all.body.approvals.some((a: { id: string }) => a.id === approvalId), 'listed for a caller without the deny');

      const hidden = await box.call('GET', `/v1/approvals/${approvalId}`, undefined, coldApprover);
      assert.equal(hidden.status, 403);
      assert.equal(hidden.body.code, 'PERMISSION_DENIED');
      assert.equal((await box.call('POST', `/v1/approvals/${approvalId}/approve`, undefined, coldApprover)).status, 403, 'named by the rules, but not allowed on this key');

      const seen = await box.call('GET', `/v1/approvals/${approvalId}`, undefined, hotApprover);
      assert.equal(seen.status, 200);
      assert.equal(seen.body.keyId, receive.id);
      const approved = await box.call('POST', `/v1/approvals/${approvalId}/approve`, undefined, hotApprover);
      assert.equal(approved.status, 200, JSON.stringify(approved.body));
      assert.equal(approved.body.status, 'signed');

      const result = await box.call('GET', `/v1/approvals/${approvalId}`, undefined, requester);
      assert.equal(result.status, 200);
      const raw = result.body.result.rawTransaction as TransactionSerialized;
      assert.equal(await recoverTransactionAddress({ serializedTransaction: raw }), viemAccount(`${RECEIVE}/3`).address);
      assert.equal(parseTransaction(raw).value, 5000n);
    });
  });
});
