/**
 * Ethereum signing (EIP-191 messages, EIP-712 typed data, legacy/EIP-2930/EIP-1559 transactions)
 * through inject, each result checked independently with viem and ethers: the recovered signer is
 * the key's address and the transaction fields round-trip. Then a bad-input table per route.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hashMessage, hashTypedData, parseTransaction, recoverAddress, recoverTransactionAddress, verifyMessage, verifyTypedData, type TransactionSerialized } from 'viem';
import { Transaction, verifyMessage as ethersVerifyMessage } from 'ethers';
import { startTestBox, type TestBox } from '../helpers/app.js';
import { MAIL_CONTRACT, MAIL_TYPES } from '../helpers/eip712.js';

/** The example of EIP-712 itself (eip-712.md, "Example"). */
const mail = {
  types: {
    EIP712Domain: [
      { name: 'name', type: 'string' },
      { name: 'version', type: 'string' },
      { name: 'chainId', type: 'uint256' },
      { name: 'verifyingContract', type: 'address' },
    ],
    ...MAIL_TYPES,
  },
  primaryType: 'Mail',
  domain: { name: 'Ether Mail', version: '1', chainId: 1, verifyingContract: MAIL_CONTRACT },
  message: {
    from: { name: 'Cow', wallet: '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826' },
    to: { name: 'Bob', wallet: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB' },
    contents: 'Hello, Bob!',
  },
} as const;
/** The digest EIP-712 gives for that example. */
const MAIL_DIGEST = '0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2';

const to = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const accessList = [{ address: '0x0000000000000000000000000000000000000001', storageKeys: ['0x' + '00'.repeat(31) + '07'] }];

describe('Ethereum signing', () => {
  let box: TestBox;
  let address: `0x${string}`;
  const url = (op: string, key = 'eth') => `/v1/keys/${key}/ethereum/${op}`;

  before(async () => {
    box = await startTestBox();
    const res = await box.call('POST', '/v1/keys', { type: 'secp256k1', name: 'eth' });
    assert.equal(res.status, 201);
    address = res.body.address;
    for (const type of ['p256', 'ed25519', 'aes256']) assert.equal((await box.call('POST', '/v1/keys', { type, name: `k-${type}` })).status, 201);
    assert.equal((await box.call('POST', '/v1/keys', { type: 'secp256k1', name: 'off' })).status, 201);
    assert.equal((await box.call('POST', '/v1/keys/off/disable')).status, 200);
  });
  after(() => box.cleanup());

  describe('sign-message (EIP-191)', () => {
    for (const [label, body, raw] of [
      ['utf8 (default)', { message: 'hello world' }, new TextEncoder().encode('hello world')],
      ['utf8 that looks like hex is text', { message: '0xdeadbeef', encoding: 'utf8' }, new TextEncoder().encode('0xdeadbeef')],
      ['hex bytes', { message: '0xdeadbeef', encoding: 'hex' }, Uint8Array.from([0xde, 0xad, 0xbe, 0xef])],
      ['empty', { message: '' }, new Uint8Array(0)],
      ['unicode', { message: 'héllo ✓ 🦊' }, new TextEncoder().encode('héllo ✓ 🦊')],
    ] as const) {
      it(`${label}: viem and ethers verify it against the key's address`, async () => {
        const res = await box.call('POST', url('sign-message'), body);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.match(res.body.signature, /^0x[0-9a-f]{130}$/);
        const v = parseInt(res.body.signature.slice(-2), 16);
        assert.ok(v === 27 || v === 28, `v = ${v}`);
        assert.equal(res.body.hash, hashMessage({ raw: raw as Uint8Array }));
        assert.equal(await verifyMessage({ address, message: { raw: raw as Uint8Array }, signature: res.body.signature }), true);
        assert.equal(await recoverAddress({ hash: res.body.hash, signature: res.body.signature }), address);
        assert.equal(ethersVerifyMessage(raw as Uint8Array, res.body.signature), address);
      });
    }
  });

  describe('sign-typed-data (EIP-712)', () => {
    it('signs the EIP-712 Mail example: the EIP digest, verified by viem', async () => {
      const res = await box.call('POST', url('sign-typed-data'), { typedData: mail });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.hash, MAIL_DIGEST);
      const mailViem = { ...mail, domain: { ...mail.domain, chainId: 1n } };
      assert.equal(hashTypedData(mailViem), MAIL_DIGEST);
      assert.equal(await verifyTypedData({ address, ...mailViem, signature: res.body.signature }), true);
    });

    it('derives EIP712Domain from the domain when omitted; accepts string integers, arrays and bytes', async () => {
      const types = {
        Order: [
          { name: 'amounts', type: 'uint256[]' },
          { name: 'delta', type: 'int64' },
          { name: 'tag', type: 'bytes4' },
          { name: 'blob', type: 'bytes' },
          { name: 'ok', type: 'bool' },
        ],
      };
      const domain = { name: 'X', chainId: '0x1' };
      const message = { amounts: ['1000000000000000000000', '0x10', 7], delta: '-5', tag: '0x01020304', blob: '0x', ok: true };
      const res = await box.call('POST', url('sign-typed-data'), { typedData: { types, primaryType: 'Order', domain, message } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const viemData = {
        types,
        primaryType: 'Order' as const,
        domain: { name: 'X', chainId: 1 },
        message: { amounts: [10n ** 21n, 16n, 7n], delta: -5n, tag: '0x01020304' as const, blob: '0x' as const, ok: true },
      };
      assert.equal(res.body.hash, hashTypedData(viemData));
      assert.equal(await verifyTypedData({ address, ...viemData, signature: res.body.signature }), true);
    });
  });

  describe('sign-transaction', () => {
    const cases = [
      { type: 'eip1559', chainId: 1, nonce: 0, to, value: '1000000000000000000', gas: 21000, maxFeePerGas: '0x4a817c800', maxPriorityFeePerGas: '1000000000' },
      { type: 'eip1559', chainId: '0xaa36a7', nonce: '0x2a', to, value: '0x0', gas: '100000', maxFeePerGas: 30_000_000_000, maxPriorityFeePerGas: 0, data: '0xa9059cbb' + '00'.repeat(64), accessList },
      { type: 'eip2930', chainId: 5, nonce: 7, to, value: 1, gas: 50000, gasPrice: '20000000000', data: '0x1234', accessList },
      { type: 'legacy', chainId: 1, nonce: 9, to, value: '123', gas: 21000, gasPrice: '0x3b9aca00' },
      { type: 'legacy', chainId: 137, nonce: 1, to, value: 0, gas: 21000, gasPrice: 1 },
      { type: 'legacy', chainId: 31337, nonce: 0, to: null, gas: 1000000, gasPrice: 1, data: '0x6080604052' },
      { chainId: 10, nonce: 3, to: to.toLowerCase(), gas: 21000, maxFeePerGas: 2, maxPriorityFeePerGas: 1 },
    ];
    const big = (v: unknown) => (v === undefined ? undefined : BigInt(v as string | number));
    for (const tx of cases) {
      it(`${tx.type ?? 'default (eip1559)'} on chain ${tx.chainId}${tx.to === null ? ' (creation)' : ''}: recovers to the key, fields round-trip`, async () => {
        const res = await box.call('POST', url('sign-transaction'), { transaction: tx });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.from, address);
        const raw = res.body.rawTransaction as TransactionSerialized;
        const parsed = parseTransaction(raw);
        assert.equal(parsed.type, tx.type ?? 'eip1559');
        assert.equal(parsed.chainId, Number(tx.chainId));
        assert.equal(parsed.nonce ?? 0, Number(tx.nonce));
        assert.equal(parsed.to?.toLowerCase(), tx.to === null ? undefined : tx.to.toLowerCase());
        assert.equal(parsed.value ?? 0n, big(tx.value) ?? 0n);
        assert.equal(parsed.gas, big(tx.gas));
        assert.equal(parsed.data ?? '0x', (tx as { data?: string }).data ?? '0x');
        if ('gasPrice' in tx) assert.equal((parsed as { gasPrice?: bigint }).gasPrice, big(tx.gasPrice));
        if ('maxFeePerGas' in tx) {
          assert.equal((parsed as { maxFeePerGas?: bigint }).maxFeePerGas, big(tx.maxFeePerGas));
          assert.equal((parsed as { maxPriorityFeePerGas?: bigint }).maxPriorityFeePerGas ?? 0n, big(tx.maxPriorityFeePerGas));
        }
        if ('accessList' in tx) assert.deepEqual((parsed as { accessList?: unknown }).accessList, accessList.map((a) => ({ address: a.address, storageKeys: a.storageKeys })));
        assert.equal(await recoverTransactionAddress({ serializedTransaction: raw }), address);
        const ethersTx = Transaction.from(raw);
        assert.equal(ethersTx.from, address);
        assert.equal(ethersTx.hash, res.body.hash);
        if (tx.type === 'legacy') {
          const v = Number(parsed.v);
          assert.ok(v === Number(tx.chainId) * 2 + 35 || v === Number(tx.chainId) * 2 + 36, `EIP-155 v = ${v}`);
        }
      });
    }

    it('eip4844 needs maxFeePerBlobGas and blobVersionedHashes, eip7702 an authorizationList: 400 naming the field', async () => {
      for (const [type, field] of [['eip4844', 'transaction.maxFeePerBlobGas'], ['0x3', 'transaction.maxFeePerBlobGas'], ['eip7702', 'transaction.authorizationList'], ['0x4', 'transaction.authorizationList']]) {
        const res = await box.call('POST', url('sign-transaction'), { transaction: { type, chainId: 1, nonce: 0, to, gas: 21000, maxFeePerGas: 2, maxPriorityFeePerGas: 1 } });
        assert.equal(res.status, 400, type);
        assert.equal(res.body.code, 'INVALID_ARGUMENT');
        assert.equal(res.body.field, field);
      }
      const unknown = await box.call('POST', url('sign-transaction'), { transaction: { type: 'eip9999', chainId: 1, nonce: 0, to, gas: 21000 } });
      assert.equal(unknown.body.field, 'transaction.type');
    });
  });

  describe('bad input: 400 naming the field', () => {
    const tx = { type: 'eip1559', chainId: 1, nonce: 0, to, gas: 21000, maxFeePerGas: 2, maxPriorityFeePerGas: 1 };
    const legacy = { type: 'legacy', chainId: 1, nonce: 0, to, gas: 21000, gasPrice: 1 };
    const table: [string, string, unknown, string][] = [
      ['message: missing', 'sign-message', {}, 'message'],
      ['message: not a string', 'sign-message', { message: 5 }, 'message'],
      ['message: bad hex', 'sign-message', { message: '0xabc', encoding: 'hex' }, 'message'],
      ['message: hex without 0x', 'sign-message', { message: 'abcd', encoding: 'hex' }, 'message'],
      ['encoding: unknown', 'sign-message', { message: 'x', encoding: 'base64' }, 'encoding'],
      ['message: too long', 'sign-message', { message: 'a'.repeat(256 * 1024 + 1) }, 'message'],
      ['typedData: missing', 'sign-typed-data', {}, 'typedData'],
      ['typedData: not an object', 'sign-typed-data', { typedData: 'x' }, 'typedData'],
      ['typedData.primaryType: unknown', 'sign-typed-data', { typedData: { ...mail, primaryType: 'Letter' } }, 'typedData.primaryType'],
      ['typedData.types: unknown field type', 'sign-typed-data', { typedData: { ...mail, types: { ...mail.types, Person: [{ name: 'name', type: 'strin' }] } } }, 'typedData.types.Person[0].type'],
      ['typedData.types: uint without width', 'sign-typed-data', { typedData: { ...mail, types: { ...mail.types, Person: [{ name: 'n', type: 'uint' }] } } }, 'typedData.types.Person[0].type'],
      ['typedData.domain.chainId: not an integer', 'sign-typed-data', { typedData: { ...mail, domain: { ...mail.domain, chainId: 'one' } } }, 'typedData.domain.chainId'],
      ['typedData.domain.verifyingContract: short', 'sign-typed-data', { typedData: { ...mail, domain: { ...mail.domain, verifyingContract: '0x1234' } } }, 'typedData.domain.verifyingContract'],
      ['typedData.domain: unknown field', 'sign-typed-data', { typedData: { ...mail, domain: { ...mail.domain, color: 'red' } } }, 'typedData.domain.color'],
      ['typedData.message: wallet bad checksum', 'sign-typed-data', { typedData: { ...mail, message: { ...mail.message, to: { name: 'Bob', wallet: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbb' } } } }, 'typedData.message.to.wallet'],
      ['typedData.message: missing field', 'sign-typed-data', { typedData: { ...mail, message: { from: mail.message.from, to: mail.message.to } } }, 'typedData.message.contents'],
      ['typedData.message: wrong type', 'sign-typed-data', { typedData: { ...mail, message: { ...mail.message, contents: 42 } } }, 'typedData.message.contents'],
      ['typedData.message: uint8 out of range', 'sign-typed-data', { typedData: { types: { T: [{ name: 'n', type: 'uint8' }] }, primaryType: 'T', domain: {}, message: { n: 256 } } }, 'typedData.message.n'],
      ['typedData.message: bytes32 wrong size', 'sign-typed-data', { typedData: { types: { T: [{ name: 'b', type: 'bytes32' }] }, primaryType: 'T', domain: {}, message: { b: '0x00' } } }, 'typedData.message.b'],
      ['typedData.message: fixed array length', 'sign-typed-data', { typedData: { types: { T: [{ name: 'a', type: 'bool[2]' }] }, primaryType: 'T', domain: {}, message: { a: [true] } } }, 'typedData.message.a'],
      ['transaction: missing', 'sign-transaction', {}, 'transaction'],
      ['transaction.type: unknown', 'sign-transaction', { transaction: { ...tx, type: 'eip9999' } }, 'transaction.type'],
      ['transaction.chainId: missing', 'sign-transaction', { transaction: { ...tx, chainId: undefined } }, 'transaction.chainId'],
      ['transaction.chainId: zero', 'sign-transaction', { transaction: { ...tx, chainId: 0 } }, 'transaction.chainId'],
      ['transaction.chainId: negative', 'sign-transaction', { transaction: { ...tx, chainId: '-1' } }, 'transaction.chainId'],
      ['transaction.chainId: legacy without', 'sign-transaction', { transaction: { ...legacy, chainId: undefined } }, 'transaction.chainId'],
      ['transaction.nonce: missing', 'sign-transaction', { transaction: { ...tx, nonce: undefined } }, 'transaction.nonce'],
      ['transaction.nonce: fraction', 'sign-transaction', { transaction: { ...tx, nonce: 1.5 } }, 'transaction.nonce'],
      ['transaction.to: 19 bytes', 'sign-transaction', { transaction: { ...tx, to: '0x' + '11'.repeat(19) } }, 'transaction.to'],
      ['transaction.to: bad checksum', 'sign-transaction', { transaction: { ...tx, to: '0x70997970C51812dc3A010C7d01b50e0d17dc79c8' } }, 'transaction.to'],
      ['transaction.value: negative', 'sign-transaction', { transaction: { ...tx, value: -1 } }, 'transaction.value'],
      ['transaction.value: decimal fraction', 'sign-transaction', { transaction: { ...tx, value: '1.5' } }, 'transaction.value'],
      ['transaction.value: above 2^256', 'sign-transaction', { transaction: { ...tx, value: '0x1' + '00'.repeat(32) } }, 'transaction.value'],
      ['transaction.gas: missing', 'sign-transaction', { transaction: { ...tx, gas: undefined } }, 'transaction.gas'],
      ['transaction.gas: below 21000', 'sign-transaction', { transaction: { ...tx, gas: 20999 } }, 'transaction.gas'],
      ['transaction.gas: not a number', 'sign-transaction', { transaction: { ...tx, gas: 'lots' } }, 'transaction.gas'],
      ['transaction.maxFeePerGas: missing', 'sign-transaction', { transaction: { ...tx, maxFeePerGas: undefined } }, 'transaction.maxFeePerGas'],
      ['transaction.maxPriorityFeePerGas: above max fee', 'sign-transaction', { transaction: { ...tx, maxPriorityFeePerGas: 3 } }, 'transaction.maxPriorityFeePerGas'],
      ['transaction.gasPrice: on eip1559', 'sign-transaction', { transaction: { ...tx, gasPrice: 1 } }, 'transaction.gasPrice'],
      ['transaction.gasPrice: legacy missing', 'sign-transaction', { transaction: { ...legacy, gasPrice: undefined } }, 'transaction.gasPrice'],
      ['transaction.accessList: on legacy', 'sign-transaction', { transaction: { ...legacy, accessList: [] } }, 'transaction.accessList'],
      ['transaction.data: odd hex', 'sign-transaction', { transaction: { ...tx, data: '0x123' } }, 'transaction.data'],
      ['transaction.data: creation without data', 'sign-transaction', { transaction: { ...tx, to: null } }, 'transaction.data'],
      ['transaction.accessList: bad address', 'sign-transaction', { transaction: { ...tx, accessList: [{ address: '0x12', storageKeys: [] }] } }, 'transaction.accessList[0].address'],
      ['transaction.accessList: short storage key', 'sign-transaction', { transaction: { ...tx, accessList: [{ address: to, storageKeys: ['0x01'] }] } }, 'transaction.accessList[0].storageKeys[0]'],
      ['transaction: unknown field', 'sign-transaction', { transaction: { ...tx, gasLimit: 21000 } }, 'transaction.gasLimit'],
    ];
    for (const [label, op, body, field] of table) {
      it(label, async () => {
        const res = await box.call('POST', url(op), body);
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.equal(res.body.field, field, JSON.stringify(res.body));
      });
    }
  });

  it('refuses keys that are not secp256k1 with 400 UNSUPPORTED_OPERATION', async () => {
    for (const type of ['p256', 'ed25519', 'aes256']) {
      for (const [op, body] of [['sign-message', { message: 'x' }], ['sign-typed-data', { typedData: mail }], ['sign-transaction', { transaction: { chainId: 1, nonce: 0, to, gas: 21000, maxFeePerGas: 2, maxPriorityFeePerGas: 1 } }]] as const) {
        const res = await box.call('POST', url(op, `k-${type}`), body);
        assert.equal(res.status, 400, `${type} ${op}`);
        assert.equal(res.body.code, 'UNSUPPORTED_OPERATION', `${type} ${op}`);
      }
    }
  });

  it('refuses a disabled key with 409 KEY_DISABLED', async () => {
    for (const [op, body] of [['sign-message', { message: 'x' }], ['sign-typed-data', { typedData: mail }], ['sign-transaction', { transaction: { chainId: 1, nonce: 0, to, gas: 21000, maxFeePerGas: 2, maxPriorityFeePerGas: 1 } }]] as const) {
      const res = await box.call('POST', url(op, 'off'), body);
      assert.equal(res.status, 409, op);
      assert.equal(res.body.code, 'KEY_DISABLED', op);
    }
  });

  it('audits the inputs as HMACs only', async () => {
    const secret = 'audit-me-not-0123456789';
    assert.equal((await box.call('POST', url('sign-message'), { message: secret })).status, 200);
    const audit = await box.call('GET', '/v1/audit?limit=1000');
    assert.equal(audit.status, 200);
    const text = JSON.stringify(audit.body);
    assert.ok(text.includes('ethereumSignMessage'));
    assert.ok(!text.includes(secret));
  });
});
