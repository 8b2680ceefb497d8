/**
 * End to end, no chain node: the viem account (`strongbox/viem`) and the ethers signer
 * (`strongbox/ethers`), imported through the package's own exports, against a spawned dev server
 * holding a known imported private key. Every signature and raw transaction must equal, byte for
 * byte, what viem's `privateKeyToAccount` and ethers' `Wallet` make with that private key. (The README
 * snippets, docs/snippets/*.mjs, run with the other documented examples: test/e2e/docs-examples.test.ts.)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { privateKeyToAccount } from 'viem/accounts';
import { recoverTransactionAddress, verifyMessage, verifyTypedData, type TransactionSerializable } from 'viem';
import { Wallet, verifyMessage as ethersVerifyMessage, Transaction, verifyTypedData as ethersVerifyTypedData } from 'ethers';
import { StrongboxClient } from 'strongbox/client';
import { toStrongboxAccount } from 'strongbox/viem';
import { StrongboxSigner } from 'strongbox/ethers';
import { spawnServer, type SpawnedServer } from '../helpers/server.js';
import { repoRoot } from '../helpers/paths.js';

const PRIVATE_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const TOKEN = 'sdk-signers-root-token';
const local = privateKeyToAccount(PRIVATE_KEY);
const wallet = new Wallet(PRIVATE_KEY);
const to = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' as const;

const domain = { name: 'Token', version: '1', chainId: 1, verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC' } as const;
const types = {
  Person: [{ name: 'name', type: 'string' }, { name: 'wallet', type: 'address' }],
  Mail: [{ name: 'from', type: 'Person' }, { name: 'to', type: 'Person' }, { name: 'amount', type: 'uint256' }, { name: 'note', type: 'bytes' }],
} as const;
const mail = { from: { name: 'Alice', wallet: local.address }, to: { name: 'Bob', wallet: to }, amount: 10n ** 20n, note: '0x1234' } as const;

const viemTxs: TransactionSerializable[] = [
  { type: 'eip1559', chainId: 1, nonce: 5, to, value: 10n ** 18n, gas: 21000n, maxFeePerGas: 30_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n, data: '0xabcd' },
  { type: 'legacy', chainId: 56, nonce: 7, to, value: 1n, gas: 21000n, gasPrice: 5_000_000_000n },
];
const ethersTxs = [
  { type: 2, chainId: 1n, nonce: 5, to, value: 10n ** 18n, gasLimit: 21000n, maxFeePerGas: 30_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n, data: '0xabcd' },
  { type: 0, chainId: 56n, nonce: 7, to, value: 1n, gasLimit: 21000n, gasPrice: 5_000_000_000n },
];

describe('SDK signers: viem account and ethers signer', () => {
  let server: SpawnedServer;
  let client: StrongboxClient;

  before(async () => {
    server = await spawnServer(['--dev', '--dev-root-token', TOKEN, '--log-level', 'warn']);
    client = new StrongboxClient({ addr: server.addr, token: TOKEN });
    const key = await client.importKey({ type: 'secp256k1', name: 'known', privateKey: PRIVATE_KEY });
    assert.equal(key.address, local.address);
  });
  after(async () => {
    await server.stop();
  });

  describe('viem toStrongboxAccount', () => {
    it('address, signMessage and sign equal privateKeyToAccount', async () => {
      const account = await toStrongboxAccount(client, 'known');
      assert.equal(account.address, local.address);
      for (const message of ['hello strongbox', { raw: '0x00ff' as const }, { raw: new Uint8Array([1, 2, 3]) }]) {
        const sig = await account.signMessage({ message });
        assert.equal(sig, await local.signMessage({ message }));
        assert.ok(await verifyMessage({ address: account.address, message, signature: sig }));
      }
      const hash = '0x9c22ff5f21f0b81b113e63f7db6da94fedef11b2119b4088b89664fb9a3cb658' as const;
      assert.equal(await account.sign!({ hash }), await local.sign({ hash }));
    });

    it('signTypedData equals privateKeyToAccount (nested structs, bigint, bytes)', async () => {
      const account = await toStrongboxAccount(client, 'known');
      const sig = await account.signTypedData({ domain, types, primaryType: 'Mail', message: mail });
      assert.equal(sig, await local.signTypedData({ domain, types, primaryType: 'Mail', message: mail }));
      assert.ok(await verifyTypedData({ address: local.address, domain, types, primaryType: 'Mail', message: mail, signature: sig }));
    });

    it('signTransaction (EIP-1559, legacy) equals privateKeyToAccount; the sender recovers', async () => {
      const account = await toStrongboxAccount(client, 'known');
      for (const tx of viemTxs) {
        const raw = await account.signTransaction(tx);
        assert.equal(raw, await local.signTransaction(tx), tx.type);
        assert.equal(await recoverTransactionAddress({ serializedTransaction: raw as never }), local.address);
      }
    });

    it('type inferred from the fields, like viem', async () => {
      const account = await toStrongboxAccount(client, 'known');
      const tx = { chainId: 1, nonce: 1, to, gas: 21000n, gasPrice: 1n };
      assert.equal(await account.signTransaction(tx), await local.signTransaction(tx));
    });
  });

  describe('ethers StrongboxSigner', () => {
    it('getAddress, signMessage equal Wallet; verifyMessage recovers', async () => {
      const signer = new StrongboxSigner(client, 'known');
      assert.equal(await signer.getAddress(), wallet.address);
      for (const message of ['hello strongbox', new Uint8Array([0, 255])]) {
        const sig = await signer.signMessage(message);
        assert.equal(sig, await wallet.signMessage(message));
        assert.equal(ethersVerifyMessage(message, sig), wallet.address);
      }
    });

    it('signTypedData equals Wallet', async () => {
      const signer = new StrongboxSigner(client, 'known');
      const t = { Person: [...types.Person], Mail: [...types.Mail] };
      const sig = await signer.signTypedData(domain, t, mail);
      assert.equal(sig, await wallet.signTypedData(domain, t, mail));
      assert.equal(ethersVerifyTypedData(domain, t, mail, sig), wallet.address);
    });

    it('signTransaction (EIP-1559, legacy) equals Wallet; the sender recovers', async () => {
      const signer = new StrongboxSigner(client, 'known');
      for (const tx of ethersTxs) {
        const raw = await signer.signTransaction(tx);
        assert.equal(raw, await wallet.signTransaction(tx), `type ${tx.type}`);
        assert.equal(Transaction.from(raw).from, wallet.address);
      }
    });

    it('without a provider, missing fields are refused; a foreign from is refused', async () => {
      const signer = new StrongboxSigner(client, 'known');
      await assert.rejects(signer.signTransaction({ to, gasLimit: 21000n, gasPrice: 1n, chainId: 1n }), /nonce/);
      await assert.rejects(signer.signTransaction({ ...ethersTxs[0]!, from: to }), /does not match/);
      assert.equal(signer.connect(null).provider, null);
    });
  });
});
