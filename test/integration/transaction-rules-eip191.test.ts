/**
 * Issue 13, section 1: EIP-191 signatures bind to the transaction rules. A Gnosis Safe 1.5.0 (singleton and
 * proxy factory from @safe-global/safe-smart-account's npm artifacts) is deployed on a local EDR node with a
 * Strongbox key as its only owner (threshold 1). The Safe accepts an owner's `eth_sign` signature — the
 * EIP-191 personal-message signature of the 32-byte safeTxHash, v + 4 (Safe.sol checkNSignatures) — so:
 * - without rules, a SafeTx approved through sign-message executes on chain (the attack is real);
 * - with rules, a SafeTx the rules refuse through sign-typed-data is refused through sign-message,
 *   personal_sign, eth_sign and the SDK's viem and ethers signers too (403 BLIND_SIGNING_FORBIDDEN /
 *   JSON-RPC -32003, audited), and one the rules allow executes on chain with Strongbox's signature;
 * - readable text still signs (viem verifies it), and a "0x…" hash typed as text is not what the Safe
 *   accepts (its execTransaction reverts).
 * Hashes are checked against the Safe's own getTransactionHash and viem's hashTypedData.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { concatHex, decodeFunctionResult, encodeFunctionData, hashTypedData, parseEther, toHex, verifyMessage, type Hex, type TypedDataDefinition } from 'viem';
import { verifyMessage as verifyMessageEthers } from 'ethers';
import { startEdrNode, type EdrNode } from '../helpers/edr.js';
import { artifact, balanceOf, deploy, sendFromFaucet, type Artifact } from '../helpers/contracts.js';
import { auditRecordOf, startTestBox, type TestBox } from '../helpers/app.js';
import { StrongboxApiError, StrongboxClient } from '../../src/sdk/client.js';
import { toStrongboxAccount } from '../../src/sdk/viem.js';
import { StrongboxSigner } from '../../src/sdk/ethers.js';

const ZERO = '0x0000000000000000000000000000000000000000' as const;
const RECIPIENT = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' as const;

interface SafeTx {
  to: Hex;
  value: bigint;
  data: Hex;
  operation: number;
  safeTxGas: bigint;
  baseGas: bigint;
  gasPrice: bigint;
  gasToken: Hex;
  refundReceiver: Hex;
  nonce: bigint;
}

const SAFE_TX_TYPES = {
  SafeTx: [
    { name: 'to', type: 'address' }, { name: 'value', type: 'uint256' }, { name: 'data', type: 'bytes' }, { name: 'operation', type: 'uint8' },
    { name: 'safeTxGas', type: 'uint256' }, { name: 'baseGas', type: 'uint256' }, { name: 'gasPrice', type: 'uint256' },
    { name: 'gasToken', type: 'address' }, { name: 'refundReceiver', type: 'address' }, { name: 'nonce', type: 'uint256' },
  ],
} as const;

describe('EIP-191 signatures are judged: a Gnosis Safe owned by a Strongbox key (on a local EDR node)', () => {
  let node: EdrNode;
  let box: TestBox;
  let safeArtifact: Artifact;
  let safe: Hex;
  let owner: Hex;
  let rpcId = 1;
  let listening: Promise<string> | undefined;
  const listenAddr = () => (listening ??= box.box.http.listen({ port: 0, host: '127.0.0.1' }));

  const setRules = async (rules: Record<string, unknown> | null) => {
    if (rules === null) return void (await box.call('DELETE', '/v1/keys/safe-owner/transaction-rules'));
    const res = await box.call('PUT', '/v1/keys/safe-owner/transaction-rules', { version: 1, ...rules });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  };
  const rpc = async (method: string, params: unknown[]) => {
    const res = await box.call('POST', '/v1/ethereum/rpc', { jsonrpc: '2.0', id: rpcId++, method, params });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return { body: res.body as { result?: Hex; error?: { code: number; message: string; data?: any } }, requestId: res.headers['x-request-id'] as string };
  };
  const read = async (functionName: string, args: readonly unknown[] = []): Promise<any> => {
    const data = encodeFunctionData({ abi: safeArtifact.abi, functionName, args } as never);
    const out = await node.request<Hex>('eth_call', [{ to: safe, data }, 'latest']);
    return decodeFunctionResult({ abi: safeArtifact.abi, functionName, data: out } as never);
  };
  const typedData = (tx: SafeTx): TypedDataDefinition => ({ domain: { chainId: node.chainId, verifyingContract: safe }, types: SAFE_TX_TYPES, primaryType: 'SafeTx', message: tx as never }) as TypedDataDefinition;
  const wire = (td: TypedDataDefinition): unknown => JSON.parse(JSON.stringify(td, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
  const safeTx = async (options: Partial<SafeTx> = {}): Promise<SafeTx> => ({
    to: RECIPIENT, value: 5n, data: '0x', operation: 0, safeTxGas: 0n, baseGas: 0n, gasPrice: 0n, gasToken: ZERO, refundReceiver: ZERO, nonce: (await read('nonce')) as bigint, ...options,
  });
  /** The Safe's own hash of the transaction, checked against viem's EIP-712 hash. */
  const safeTxHash = async (tx: SafeTx): Promise<Hex> => {
    const onChain = (await read('getTransactionHash', [tx.to, tx.value, tx.data, tx.operation, tx.safeTxGas, tx.baseGas, tx.gasPrice, tx.gasToken, tx.refundReceiver, tx.nonce])) as Hex;
    assert.equal(onChain, hashTypedData(typedData(tx)), 'the Safe and viem agree on the safeTxHash');
    return onChain;
  };
  /** execTransaction with `signatures`, sent by the faucet (anyone may execute): whether it succeeded. */
  const exec = async (tx: SafeTx, signatures: Hex): Promise<boolean> => {
    const data = encodeFunctionData({ abi: safeArtifact.abi, functionName: 'execTransaction', args: [tx.to, tx.value, tx.data, tx.operation, tx.safeTxGas, tx.baseGas, tx.gasPrice, tx.gasToken, tx.refundReceiver, signatures] } as never);
    return (await sendFromFaucet(node, { to: safe, data }, true)).status === '0x1';
  };
  /** An EIP-191 signature (v 27/28) as the Safe's eth_sign form: v + 4. */
  const asEthSign = (signature: Hex): Hex => concatHex([signature.slice(0, 130) as Hex, toHex(parseInt(signature.slice(130), 16) + 4, { size: 1 })]);
  const signMessageHex = (hash: Hex) => box.call('POST', '/v1/keys/safe-owner/ethereum/sign-message', { message: hash, encoding: 'hex' });

  before(async () => {
    node = await startEdrNode({ hardfork: 'Prague' });
    box = await startTestBox();
    const key = await box.call('POST', '/v1/keys', { type: 'secp256k1', name: 'safe-owner' });
    assert.equal(key.status, 201);
    owner = key.body.address;
    safeArtifact = artifact('@safe-global/safe-smart-account/build/artifacts/contracts/Safe.sol/Safe.json');
    const factoryArtifact = artifact('@safe-global/safe-smart-account/build/artifacts/contracts/proxies/SafeProxyFactory.sol/SafeProxyFactory.json');
    const singleton = await deploy(node, safeArtifact);
    const factory = await deploy(node, factoryArtifact);
    const setup = encodeFunctionData({ abi: safeArtifact.abi, functionName: 'setup', args: [[owner], 1n, ZERO, '0x', ZERO, ZERO, 0n, ZERO] } as never);
    const create = encodeFunctionData({ abi: factoryArtifact.abi, functionName: 'createProxyWithNonce', args: [singleton, setup, 1n] } as never);
    const simulated = await node.request<Hex>('eth_call', [{ from: node.faucet, to: factory, data: create }, 'latest']);
    safe = decodeFunctionResult({ abi: factoryArtifact.abi, functionName: 'createProxyWithNonce', data: simulated } as never) as unknown as Hex;
    await sendFromFaucet(node, { to: factory, data: create });
    await sendFromFaucet(node, { to: safe, value: parseEther('1') });
    assert.deepEqual(((await read('getOwners')) as Hex[]).map((a) => a.toLowerCase()), [owner.toLowerCase()]);
    assert.equal(await read('getThreshold'), 1n);
  });
  after(async () => {
    await box?.cleanup();
    await node?.close();
  });
  beforeEach(() => setRules(null));

  it('without rules, the EIP-191 signature of a safeTxHash executes the SafeTx: the gap is real', async () => {
    const tx = await safeTx({ value: 5n });
    const res = await signMessageHex(await safeTxHash(tx));
    assert.equal(res.status, 200);
    const before = await balanceOf(node, RECIPIENT);
    assert.equal(await exec(tx, asEthSign(res.body.signature)), true, 'the Safe accepts the eth_sign signature');
    assert.equal(await balanceOf(node, RECIPIENT), before + 5n);
  });

  describe('with rules {forbidBlindSigning, maxValuePerTransaction: 1}', () => {
    const rules = { forbidBlindSigning: true, maxValuePerTransaction: '1' };

    it('a SafeTx above the limit is refused through sign-typed-data, sign-message, personal_sign and eth_sign; nothing executes', async () => {
      await setRules(rules);
      const tx = await safeTx({ value: 5n });
      const hash = await safeTxHash(tx);
      const typed = await box.call('POST', '/v1/keys/safe-owner/ethereum/sign-typed-data', { typedData: wire(typedData(tx)) });
      assert.equal(typed.status, 403);
      assert.equal(typed.body.reason, 'value_exceeds_maximum');

      const message = await signMessageHex(hash);
      assert.equal(message.status, 403, JSON.stringify(message.body));
      assert.equal(message.body.code, 'BLIND_SIGNING_FORBIDDEN');
      assert.equal(message.body.reason, 'blind_signing_forbidden');
      assert.equal(message.body.field, 'message');
      assert.equal(message.body.signature, undefined);
      const audit = await auditRecordOf(box, message.headers['x-request-id'] as string);
      assert.equal(audit.outcome, 'denied');
      assert.deepEqual(audit.decision, { outcome: 'deny', reason: 'blind_signing_forbidden' });

      for (const [method, params] of [['personal_sign', [hash, owner]], ['eth_sign', [owner, hash]]] as const) {
        const { body, requestId } = await rpc(method, [...params]);
        assert.equal(body.result, undefined, method);
        assert.equal(body.error?.code, -32003, method);
        assert.equal(body.error?.data?.code, 'BLIND_SIGNING_FORBIDDEN', method);
        assert.equal(body.error?.data?.reason, 'blind_signing_forbidden', method);
        const rpcAudit = await auditRecordOf(box, `${requestId}#0`);
        assert.equal(rpcAudit.outcome, 'denied', method);
        assert.deepEqual(rpcAudit.decision, { outcome: 'deny', reason: 'blind_signing_forbidden' }, method);
      }

      // The SDK's signers reach the same route: viem's signMessage({raw}) and sign({hash}), ethers' signMessage(bytes).
      const client = new StrongboxClient({ addr: await listenAddr(), token: box.rootToken });
      const account = await toStrongboxAccount(client, 'safe-owner');
      await assert.rejects(account.signMessage({ message: { raw: hash } }), (e: unknown) => e instanceof StrongboxApiError && e.code === 'BLIND_SIGNING_FORBIDDEN');
      await assert.rejects(account.sign!({ hash }), (e: unknown) => e instanceof StrongboxApiError && e.code === 'BLIND_SIGNING_FORBIDDEN');
      const signer = new StrongboxSigner(client, 'safe-owner');
      await assert.rejects(signer.signMessage(Buffer.from(hash.slice(2), 'hex')), (e: unknown) => e instanceof StrongboxApiError && e.code === 'BLIND_SIGNING_FORBIDDEN');
      assert.equal(await read('nonce'), tx.nonce, 'nothing executed');
    });

    it('a delegatecall SafeTx is refused through sign-typed-data and sign-message alike', async () => {
      await setRules(rules);
      const tx = await safeTx({ value: 0n, operation: 1, to: RECIPIENT });
      const typed = await box.call('POST', '/v1/keys/safe-owner/ethereum/sign-typed-data', { typedData: wire(typedData(tx)) });
      assert.equal(typed.status, 403);
      assert.equal(typed.body.reason, 'delegatecall_forbidden');
      const message = await signMessageHex(await safeTxHash(tx));
      assert.equal(message.status, 403);
      assert.equal(message.body.code, 'BLIND_SIGNING_FORBIDDEN');
    });

    it('a SafeTx the rules allow executes on chain with the signature from sign-typed-data', async () => {
      await setRules(rules);
      const tx = await safeTx({ value: 1n });
      const res = await box.call('POST', '/v1/keys/safe-owner/ethereum/sign-typed-data', { typedData: wire(typedData(tx)) });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.hash, await safeTxHash(tx));
      const before = await balanceOf(node, RECIPIENT);
      assert.equal(await exec(tx, res.body.signature), true);
      assert.equal(await balanceOf(node, RECIPIENT), before + 1n);
    });

    it('readable text still signs (SIWE, notes, a hash typed as text) — and the Safe does not accept a hash typed as text', async () => {
      await setRules(rules);
      const siwe = `example.com wants you to sign in with your Ethereum account:\n${owner}\n\nSign in to Example.\n\nURI: https://example.com\nVersion: 1\nChain ID: 1\nNonce: 32891756\nIssued At: 2026-01-01T00:00:00.000Z`;
      for (const text of [siwe, 'hello\tworld\r\n', 'ünïcödé ✓ 🚀', '']) {
        const res = await box.call('POST', '/v1/keys/safe-owner/ethereum/sign-message', { message: text });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(await verifyMessage({ address: owner, message: text, signature: res.body.signature }), true);
      }
      const tx = await safeTx({ value: 5n });
      const hash = await safeTxHash(tx);
      const asText = await box.call('POST', '/v1/keys/safe-owner/ethereum/sign-message', { message: hash });
      assert.equal(asText.status, 200, 'a 66-character 0x string is text');
      assert.equal(await verifyMessage({ address: owner, message: hash, signature: asText.body.signature }), true);
      assert.equal(await exec(tx, asEthSign(asText.body.signature)), false, 'the Safe verifies the 32 bytes, not the text: execTransaction reverts');
      // personal_sign signs non-hex strings as text too.
      const { body } = await rpc('personal_sign', ['Sign in to Example', owner]);
      assert.equal(await verifyMessage({ address: owner, message: 'Sign in to Example', signature: body.result! }), true);
    });

    it('binary messages are blind too: not UTF-8, control characters, any 32 bytes (even printable)', async () => {
      await setRules(rules);
      const cases: [string, string, 'hex' | 'utf8'][] = [
        ['not UTF-8', '0xff00ff', 'hex'],
        ['packed calldata (NUL bytes)', `0x${'00'.repeat(12)}${RECIPIENT.slice(2)}${'00'.repeat(31)}05`, 'hex'],
        ['a control character in text', 'pay\u0007now', 'utf8'],
        ['32 printable ASCII bytes', 'Hello, this is thirty-two bytes!', 'utf8'],
      ];
      for (const [name, message, encoding] of cases) {
        if (encoding === 'utf8' && name.startsWith('32')) assert.equal(Buffer.byteLength(message), 32);
        const res = await box.call('POST', '/v1/keys/safe-owner/ethereum/sign-message', { message, encoding });
        assert.equal(res.status, 403, name);
        assert.equal(res.body.code, 'BLIND_SIGNING_FORBIDDEN', name);
      }
    });
  });

  describe('rules without forbidBlindSigning', () => {
    it('a 32-byte message signs, marked unjudged in the audit record; allowedNetworks refuses it unless "unknown" is listed; time windows apply', async () => {
      await setRules({ maxValuePerTransaction: '1' });
      const hash = `0x${'ab'.repeat(32)}` as Hex;
      const ok = await signMessageHex(hash);
      assert.equal(ok.status, 200);
      assert.equal(await verifyMessage({ address: owner, message: { raw: hash }, signature: ok.body.signature }), true);
      assert.deepEqual((await auditRecordOf(box, ok.headers['x-request-id'] as string)).decision, { outcome: 'unjudged', reason: 'message_not_judged' });

      await setRules({ allowedNetworks: { ethereum: [String(node.chainId)] } });
      const pinned = await signMessageHex(hash);
      assert.equal(pinned.status, 403);
      assert.equal(pinned.body.code, 'TRANSACTION_DENIED');
      assert.equal(pinned.body.reason, 'network_not_allowed');
      assert.equal(pinned.body.field, 'message');
      assert.equal((await box.call('POST', '/v1/keys/safe-owner/ethereum/sign-message', { message: 'readable text' })).status, 200, 'text is not judged by the network');
      await setRules({ allowedNetworks: { ethereum: [String(node.chainId), 'unknown'] } });
      assert.equal((await signMessageHex(hash)).status, 200);

      const d = new Date(Date.now() + 120 * 60_000);
      const e = new Date(Date.now() + 180 * 60_000);
      const hhmm = (x: Date) => `${String(x.getUTCHours()).padStart(2, '0')}:${String(x.getUTCMinutes()).padStart(2, '0')}`;
      await setRules({ timeWindows: [{ start: hhmm(d), end: hhmm(e) }] });
      const late = await signMessageHex(hash);
      assert.equal(late.status, 403);
      assert.equal(late.body.reason, 'outside_time_window');
    });

    it('keys without rules sign any message (checked with ethers)', async () => {
      const bytes = `0x${'cd'.repeat(32)}` as Hex;
      const res = await signMessageHex(bytes);
      assert.equal(res.status, 200);
      assert.equal(verifyMessageEthers(Buffer.from(bytes.slice(2), 'hex'), res.body.signature).toLowerCase(), owner.toLowerCase());
    });
  });
});
