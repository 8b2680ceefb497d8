/**
 * The CLI for transaction rules and approvals, against the built server: rules set from a file,
 * a transaction held for approval, listed and approved by another subject with `strongbox approval`,
 * the signed result verified with viem; bad input exits non-zero naming the problem.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recoverTransactionAddress, type TransactionSerialized } from 'viem';
import { jsonOf, runCli } from '../helpers/cli.js';
import { spawnServer, type SpawnedServer } from '../helpers/server.js';

const ROOT = 'approval-cli-root-token';

describe('CLI: key rules and approvals', () => {
  let server: SpawnedServer;
  let dir: string;
  const as = (token: string) => ({ STRONGBOX_ADDR: server.addr, STRONGBOX_TOKEN: token });
  const api = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(server.addr + path, { method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: res.status, body: (await res.json()) as any };
  };
  let key: { id: string; address: `0x${string}` };
  let requester: string;
  let approver: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strongbox-approval-cli-'));
    server = await spawnServer(['--dev', '--dev-root-token', ROOT, '--log-level', 'warn']);
    key = jsonOf(await runCli(['key', 'create', '--type', 'secp256k1', '--name', 'treasury', '--json'], as(ROOT)));
    const pol = (name: string, actions: string[]) => api('PUT', `/v1/policies/${name}`, ROOT, { statements: [{ effect: 'allow', actions, resources: ['*'] }] });
    await pol('requester', ['keys:sign', 'approvals:read']);
    await pol('approver', ['approvals:read', 'approvals:write']);
    requester = (await api('POST', '/v1/tokens', ROOT, { policies: ['requester'], subject: 'ops-bot' })).body.token;
    approver = (await api('POST', '/v1/tokens', ROOT, { policies: ['approver'], subject: 'cfo' })).body.token;
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('rules from a file; a held transaction approved with `approval approve`; viem recovers the signer', async () => {
    const file = join(dir, 'rules.json');
    writeFileSync(file, JSON.stringify({ version: 1, maxFeePerTransaction: '1000000', approval: { aboveValue: '1000', required: 1, approvers: { subjects: ['cfo'] } } }));
    const set = jsonOf(await runCli(['key', 'rules', 'set', 'treasury', '--file', file, '--json'], as(ROOT)));
    assert.equal(set.keyId, key.id);
    const shown = jsonOf(await runCli(['key', 'rules', 'show', 'treasury', '--json'], as(ROOT))).rules;
    assert.equal(shown.approval.required, 1);
    assert.equal(shown.maxFeePerTransaction, '1000000', 'the fee cap survives the file → server → CLI round trip');

    const held = await api('POST', '/v1/keys/treasury/ethereum/sign-transaction', requester, {
      transaction: { chainId: 1, nonce: 3, to: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', value: '5000', gas: 21000, maxFeePerGas: 10, maxPriorityFeePerGas: 1 },
    });
    assert.equal(held.status, 202, JSON.stringify(held.body));
    const listed = jsonOf(await runCli(['approval', 'list', '--status', 'pending', '--json'], as(approver)));
    assert.ok(listed.approvals.some((a: { id: string }) => a.id === held.body.approvalId));
    const human = await runCli(['approval', 'show', held.body.approvalId], as(approver));
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /status\s+pending/);
    assert.match(human.stdout, /0 of 1/);

    const own = await runCli(['approval', 'approve', held.body.approvalId], as(requester));
    assert.notEqual(own.code, 0, 'the requester cannot approve (no approvals:write)');
    const approved = jsonOf(await runCli(['approval', 'approve', held.body.approvalId, '--json'], as(approver)));
    assert.equal(approved.status, 'signed');
    const fetched = jsonOf(await runCli(['approval', 'show', held.body.approvalId, '--json'], as(requester)));
    assert.equal(await recoverTransactionAddress({ serializedTransaction: fetched.result.rawTransaction as TransactionSerialized }), key.address);

    assert.equal(jsonOf(await runCli(['key', 'rules', 'delete', 'treasury', '--json'], as(ROOT))).deleted, true);
    const none = await runCli(['key', 'rules', 'show', 'treasury'], as(ROOT));
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /TRANSACTION_RULES_NOT_FOUND|no transaction rules/);
  });

  it('bad input exits non-zero and names the problem', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ version: 1, dailyLimt: '5' }));
    const r = await runCli(['key', 'rules', 'set', 'treasury', '--file', bad], as(ROOT));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /dailyLimt/);
    const missing = await runCli(['key', 'rules', 'set', 'treasury', '--file', join(dir, 'nope.json')], as(ROOT));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--file/);
    const status = await runCli(['approval', 'list', '--status', 'maybe'], as(ROOT));
    assert.equal(status.code, 2);
    assert.match(status.stderr, /--status/);
    const unknown = await runCli(['approval', 'reject', '00000000-0000-4000-8000-000000000000', '--reason', 'x'], as(ROOT));
    assert.notEqual(unknown.code, 0);
  });
});
