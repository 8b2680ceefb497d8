/**
 * No plaintext secret at rest or in logs: import keys with known private keys, use them, and scan
 * the SQLite file, its WAL and shared-memory files, the JSON log and every response body for the
 * secrets in raw, hex (both cases) and base64 forms. Also the root token and the unseal shares.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { startTestBox, type TestBox } from '../helpers/app.js';

const secrets = {
  secp256k1: Buffer.from('5a1e5a1e5a1e5a1e5a1e5a1e5a1e5a1e5a1e5a1e5a1e5a1e5a1e5a1e5a1e5a1e', 'hex'),
  p256: Buffer.from('c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721', 'hex'),
  ed25519: Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex'),
  aes256: Buffer.from('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', 'hex'),
  hmac256: Buffer.from('4d41434b45594d41434b45594d41434b45594d41434b45594d41434b45594d41434b4559', 'hex'),
};
/** An AWS secret access key created below: shown once at creation, never again, never stored in the clear. */
let awsSecret = '';
const plaintext = Buffer.from('top secret wallet backup phrase'.padEnd(48, '!'));

function forms(secret: Buffer): Buffer[] {
  const hex = secret.toString('hex');
  return [secret, Buffer.from(hex), Buffer.from(hex.toUpperCase()), Buffer.from(secret.toString('base64')), Buffer.from(secret.toString('base64url'))];
}

function assertAbsent(haystack: Buffer, label: string, where: string): void {
  const needles =
    label === 'rootToken' || label.startsWith('share')
      ? [Buffer.from(label === 'rootToken' ? box.rootToken : box.shares[Number(label.slice(5))]!)]
      : label === 'awsSecret'
        ? [Buffer.from(awsSecret), Buffer.from(Buffer.from(awsSecret, 'base64').toString('hex'))]
        : forms(secrets[label as keyof typeof secrets] ?? plaintext);
  for (const needle of needles) assert.equal(haystack.indexOf(needle), -1, `${label} found in ${where}`);
}

let box: TestBox;
const responses: string[] = [];
let log = '';

describe('no plaintext key material at rest, in logs or in responses', () => {
  before(async () => {
    const stream = new PassThrough();
    stream.on('data', (d: Buffer) => (log += d.toString()));
    box = await startTestBox({ shares: 3, threshold: 2, logStream: stream });
    const record = async (method: string, url: string, body?: unknown) => {
      const res = await box.call(method, url, body);
      responses.push(JSON.stringify(res.body));
      return res;
    };
    for (const [type, secret] of Object.entries(secrets)) {
      const res = await record('POST', '/v1/keys/import', { type, name: `known-${type}`, privateKey: '0x' + secret.toString('hex') });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
    // Use every key so cached unwrapped material exists while we scan the running server's files.
    await record('POST', '/v1/keys/known-secp256k1/sign', { digest: '0x' + '33'.repeat(32) });
    await record('POST', '/v1/keys/known-p256/sign', { message: '0x01' });
    await record('POST', '/v1/keys/known-ed25519/sign', { message: '0x01' });
    const enc = await record('POST', '/v1/keys/known-aes256/encrypt', { plaintext: '0x' + plaintext.toString('hex') });
    await box.call('POST', '/v1/keys/known-aes256/decrypt', { ciphertext: enc.body.ciphertext });
    const mac = await record('POST', '/v1/keys/known-hmac256/mac', { message: '0x' + plaintext.toString('hex') });
    assert.equal((await record('POST', '/v1/keys/known-hmac256/verify-mac', { message: '0x' + plaintext.toString('hex'), mac: mac.body.mac })).body.valid, true);
    // The creation response is the one place the AWS secret appears: it is not recorded; later listings are.
    const cred = await box.call('POST', '/v1/aws-credentials', { policies: ['admin'] });
    assert.equal(cred.status, 201);
    awsSecret = cred.body.secretAccessKey as string;
    await record('GET', '/v1/aws-credentials');
    await record('DELETE', `/v1/aws-credentials/${cred.body.accessKeyId as string}`);
    // Failing requests too: their error bodies and log lines must not echo secrets.
    await record('POST', '/v1/keys/import', { type: 'secp256k1', privateKey: '0x' + 'ff'.repeat(32) });
    await record('POST', '/v1/keys/import', { type: 'secp256k1', name: 'known-secp256k1', privateKey: '0x' + secrets.secp256k1.toString('hex') });
    await record('POST', '/v1/keys/import', { type: 'p256', pem: `-----BEGIN EC PRIVATE KEY-----\n${secrets.p256.toString('base64')}\n-----END EC PRIVATE KEY-----\n` });
    await box.call('POST', '/v1/keys/known-secp256k1/sign', { digest: '0x' + '33'.repeat(32) }, 'wrong-' + box.rootToken);
    // Transaction rules: a held, approved and signed transaction, a denied one and a refused digest
    // (approvals store the decoded and the signed transaction; neither may carry key material).
    const rules = { version: 1, forbidBlindSigning: true, destinations: { deny: ['0x70997970c51812dc3a010c7d01b50e0d17dc79c8'] }, approval: { required: 1, approvers: { subjects: ['np-approver'] } } };
    assert.equal((await record('PUT', '/v1/keys/known-secp256k1/transaction-rules', rules)).status, 200);
    const transaction = { chainId: 1, nonce: 0, to: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', value: '1', gas: 21000, maxFeePerGas: '2', maxPriorityFeePerGas: '1' };
    const held = await record('POST', '/v1/keys/known-secp256k1/ethereum/sign-transaction', { transaction });
    assert.equal(held.status, 202, JSON.stringify(held.body));
    const approver = await box.call('POST', '/v1/tokens', { policies: ['root'], subject: 'np-approver' });
    const approved = await box.call('POST', `/v1/approvals/${held.body.approvalId}/approve`, undefined, approver.body.token);
    responses.push(JSON.stringify(approved.body));
    assert.equal(approved.body.status, 'signed');
    await record('POST', '/v1/keys/known-secp256k1/ethereum/sign-transaction', { transaction: { ...transaction, to: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' } });
    assert.equal((await record('POST', '/v1/keys/known-secp256k1/sign', { digest: '0x' + '44'.repeat(32) })).status, 403);
    await record('GET', `/v1/approvals/${held.body.approvalId}`);
    // EIP-712 under the same rules: a held and approved permit (its typed data and signature stored),
    // a denied one and refused blind typed data.
    const permitTypes = { Permit: ['owner', 'spender', 'value', 'nonce', 'deadline'].map((name, i) => ({ name, type: i < 2 ? 'address' : 'uint256' })) };
    const permit = (spender: string) => ({ domain: { name: 'USD Coin', version: '2', chainId: 1, verifyingContract: '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48' }, types: permitTypes, primaryType: 'Permit', message: { owner: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', spender, value: '5', nonce: '0', deadline: '1' } });
    const heldPermit = await record('POST', '/v1/keys/known-secp256k1/ethereum/sign-typed-data', { typedData: permit('0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC') });
    assert.equal(heldPermit.status, 202, JSON.stringify(heldPermit.body));
    const approvedPermit = await box.call('POST', `/v1/approvals/${heldPermit.body.approvalId}/approve`, undefined, approver.body.token);
    responses.push(JSON.stringify(approvedPermit.body));
    assert.equal(approvedPermit.body.status, 'signed');
    assert.equal((await record('POST', '/v1/keys/known-secp256k1/ethereum/sign-typed-data', { typedData: permit('0x70997970C51812dc3A010C7d01b50e0d17dc79C8') })).status, 403);
    const blind = { domain: { name: 'x', chainId: 1 }, types: { Note: [{ name: 'text', type: 'string' }] }, primaryType: 'Note', message: { text: 'hi' } };
    assert.equal((await record('POST', '/v1/keys/known-secp256k1/ethereum/sign-typed-data', { typedData: blind })).status, 403);
  });
  after(() => box.cleanup());

  const labels = [...Object.keys(secrets), 'plaintext', 'rootToken', 'share0', 'share1', 'share2', 'awsSecret'];

  it('the database, WAL and SHM files hold no plaintext secrets while running', () => {
    const files = readdirSync(box.dataDir).filter((f) => f.startsWith('strongbox.db'));
    assert.ok(files.includes('strongbox.db-wal'), 'WAL file present while running');
    // Control: the scan does see stored data — the (public) key names are found.
    const all = Buffer.concat(files.map((f) => readFileSync(join(box.dataDir, f))));
    assert.notEqual(all.indexOf(Buffer.from('known-secp256k1')), -1, 'control: a stored key name is visible to the scan');
    for (const f of files) {
      const bytes = readFileSync(join(box.dataDir, f));
      for (const label of labels) assertAbsent(bytes, label, f);
    }
  });

  it('no response body carries a secret', () => {
    assert.ok(responses.length >= 8);
    for (const label of labels) for (const r of responses) assertAbsent(Buffer.from(r), label, `response ${r.slice(0, 80)}`);
  });

  it('the log has one line per request and no secret or token', () => {
    assert.ok(log.split('\n').filter((l) => l.includes('"msg":"request"')).length >= 9, 'request lines were logged');
    for (const label of labels) assertAbsent(Buffer.from(log), label, 'log');
    assert.equal(log.includes('authorization'), false);
  });

  it('after shutdown the files still hold no plaintext secrets', async () => {
    await box.stop();
    for (const f of readdirSync(box.dataDir)) {
      const p = join(box.dataDir, f);
      if (!existsSync(p)) continue;
      const bytes = readFileSync(p);
      for (const label of labels) assertAbsent(bytes, label, f);
    }
  });
});
