/**
 * No plaintext secret at rest with PostgreSQL storage: import keys with known private keys, use
 * them, write a secret, force a CHECKPOINT (so heap pages reach their files) and scan every file of
 * the throwaway cluster — tables, indexes, WAL — for the secrets in raw, hex and base64 forms, plus
 * the root token and the unseal share. A control finds a stored (public) key name.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startTestBox, type TestBox } from '../helpers/app.js';
import { startPostgres, type PostgresCluster } from '../helpers/postgres.js';

const secrets = {
  secp256k1: Buffer.from('6b1e6b1e6b1e6b1e6b1e6b1e6b1e6b1e6b1e6b1e6b1e6b1e6b1e6b1e6b1e6b1e', 'hex'),
  ed25519: Buffer.from('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb', 'hex'),
  aes256: Buffer.from('ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100', 'hex'),
  secretValue: Buffer.from('postgres-side secret value, never in the clear'),
};

function forms(secret: Buffer): Buffer[] {
  const hex = secret.toString('hex');
  return [secret, Buffer.from(hex), Buffer.from(hex.toUpperCase()), Buffer.from(secret.toString('base64')), Buffer.from(secret.toString('base64url'))];
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    const st = statSync(p);
    return st.isDirectory() ? files(p) : st.isFile() ? [p] : [];
  });
}

describe('no plaintext key material in PostgreSQL storage', () => {
  let cluster: PostgresCluster;
  let box: TestBox;
  before(async () => {
    cluster = await startPostgres();
    box = await startTestBox({ storage: await cluster.createDatabase('noplain') });
    for (const type of ['secp256k1', 'ed25519', 'aes256'] as const) {
      const res = await box.call('POST', '/v1/keys/import', { type, name: `pg-known-${type}`, privateKey: '0x' + secrets[type].toString('hex') });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
    assert.equal((await box.call('POST', '/v1/keys/pg-known-secp256k1/sign', { digest: '0x' + '44'.repeat(32) })).status, 200);
    assert.equal((await box.call('POST', '/v1/keys/pg-known-ed25519/sign', { message: '0x01' })).status, 200);
    const put = await box.call('PUT', '/v1/secrets/app/pg-known', { data: { note: secrets.secretValue.toString() } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    await cluster.sql('CHECKPOINT');
  });
  after(async () => {
    await box?.stop();
    cluster?.stop();
  });

  it('no file of the cluster (tables, indexes, WAL) holds a secret, the root token or the share', () => {
    const all = files(cluster.dataDir);
    const contents = all.map((f) => [f, readFileSync(f)] as const);
    assert.ok(
      contents.some(([, b]) => b.indexOf(Buffer.from('pg-known-secp256k1')) !== -1),
      'control: a stored key name is visible to the scan',
    );
    const needles: [string, Buffer[]][] = [...Object.entries(secrets).map(([k, v]) => [k, forms(v)] as [string, Buffer[]]), ['rootToken', [Buffer.from(box.rootToken)]], ['share', [Buffer.from(box.shares[0]!)]]];
    for (const [f, bytes] of contents) for (const [label, forms] of needles) for (const n of forms) assert.equal(bytes.indexOf(n), -1, `${label} found in ${f}`);
  });
});
