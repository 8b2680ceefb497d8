/**
 * Issue 19, part 3: a measured installation. Runs on a copy of this build (dist/src, package files, the
 * peercred addon; node_modules linked), so editing its files disturbs no other test. The release key is
 * a throwaway one made by openssl; digests and signatures are checked with sha256sum, openssl and
 * @noble/curves — never with Strongbox's own code.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { api, spawnServer, type SpawnedServer } from '../helpers/server.js';
import { repoRoot } from '../helpers/paths.js';

/** A copy of the installation Strongbox runs from; returns its root. */
function copyInstall(to: string): string {
  mkdirSync(join(to, 'dist'), { recursive: true });
  cpSync(join(repoRoot, 'dist', 'src'), join(to, 'dist', 'src'), { recursive: true });
  for (const f of ['package.json', 'package-lock.json']) cpSync(join(repoRoot, f), join(to, f));
  if (existsSync(join(repoRoot, 'build', 'peercred.node'))) cpSync(join(repoRoot, 'build'), join(to, 'build'), { recursive: true });
  symlinkSync(join(repoRoot, 'node_modules'), join(to, 'node_modules'));
  return to;
}

function cli(root: string, args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'dist', 'src', 'bin', 'strongbox.js'), ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const sha256File = (path: string) => execFileSync('sha256sum', [path], { encoding: 'utf8' }).split(' ')[0]!;

describe('a measured installation', () => {
  let work: string;
  let inst: string;
  let pub: string;
  let fingerprint: string;

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'strongbox-install-'));
    inst = copyInstall(join(work, 'inst'));
    // The throwaway release key, made by openssl.
    const key = join(work, 'release.pem');
    pub = join(work, 'release.pub.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', key]);
    execFileSync('openssl', ['pkey', '-in', key, '-pubout', '-out', pub]);
    const rawPub = execFileSync('openssl', ['pkey', '-pubin', '-in', pub, '-outform', 'DER']).subarray(-32);
    fingerprint = `ed25519:${createHash('sha256').update(rawPub).digest('hex')}`;
    const m = cli(inst, ['release', 'manifest']);
    assert.equal(m.code, 0, m.stderr);
    const s = cli(inst, ['release', 'sign', '--key', key]);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, new RegExp(fingerprint));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('the manifest lists every file Strongbox runs with its SHA-256, sorted, and the same tree gives the same bytes', () => {
    const text = readFileSync(join(inst, 'dist', 'manifest.json'), 'utf8');
    const manifest = JSON.parse(text) as { files: { path: string; sha256: string }[] };
    const paths = manifest.files.map((f) => f.path);
    assert.deepEqual(paths, [...paths].sort());
    for (const p of ['dist/src/bin/strongbox.js', 'dist/src/app.js', 'package.json', 'package-lock.json', 'node_modules/better-sqlite3/build/Release/better_sqlite3.node', 'node_modules/pkcs11js/build/Release/pkcs11.node']) assert.ok(paths.includes(p), p);
    assert.ok(paths.some((p) => p.startsWith('node_modules/secp256k1/') && p.endsWith('.node')));
    if (existsSync(join(repoRoot, 'build', 'peercred.node'))) assert.ok(paths.includes('build/peercred.node'));
    for (const f of manifest.files.filter((_, i) => i % 50 === 0)) assert.equal(f.sha256, sha256File(join(inst, f.path)), f.path);
    assert.doesNotMatch(text, /20[0-9]{2}-[0-9]{2}-[0-9]{2}T/, 'no timestamps');
    // A second copy of the same build, elsewhere: byte-identical manifest.
    const second = copyInstall(join(work, 'second'));
    assert.equal(cli(second, ['release', 'manifest']).code, 0);
    assert.equal(readFileSync(join(second, 'dist', 'manifest.json'), 'utf8'), text);
    rmSync(second, { recursive: true, force: true });
  });

  it('the peercred addon builds to the same bytes from two clones (no paths or timestamps in it)', { skip: spawnSync('cc', ['--version']).status !== 0 && 'no C compiler' }, () => {
    const outs = ['a', 'b'].map((d) => {
      const dir = join(work, `clone-${d}-${d.repeat(3)}`);
      mkdirSync(join(dir, 'scripts'), { recursive: true });
      cpSync(join(repoRoot, 'native'), join(dir, 'native'), { recursive: true });
      cpSync(join(repoRoot, 'scripts', 'build-native.mjs'), join(dir, 'scripts', 'build-native.mjs'));
      symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
      execFileSync(process.execPath, [join(dir, 'scripts', 'build-native.mjs')]);
      return readFileSync(join(dir, 'build', 'peercred.node'));
    });
    assert.ok(outs[0]!.equals(outs[1]!));
  });

  it('verify-install passes on the intact, signed installation', () => {
    const r = cli(inst, ['verify-install', '--release-public-key', pub, '--strict']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /installation intact/);
    assert.match(r.stdout, new RegExp(`signed by ${fingerprint}`));
    // Another release key does not vouch for it.
    const other = join(work, 'other.pub.pem');
    writeFileSync(other, execFileSync('openssl', ['pkey', '-pubout'], { input: execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519']) }));
    const untrusted = cli(inst, ['verify-install', '--release-public-key', other]);
    assert.equal(untrusted.code, 1);
    assert.match(untrusted.stdout, /untrusted-signer/);
  });

  it('GET /v1/sys/attestation is signed with the audit checkpoint key: openssl and noble verify it', async () => {
    const server: SpawnedServer = await spawnServer(['--dev', '--dev-root-token', 'attest-root', '--integrity', 'strict', '--release-public-key', pub], {}, join(inst, 'dist', 'src', 'bin', 'strongbox.js'));
    try {
      const r = await api(server.addr, 'GET', '/v1/sys/attestation', 'attest-root');
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const wireKey = (await api(server.addr, 'GET', '/v1/sys/audit-key', null)).body.publicKey as string;
      assert.equal(r.body.publicKey, wireKey);
      const auditKey = wireKey.replace(/^0x/, '');
      const message = Buffer.from(r.body.attestation as string, 'utf8');
      const signature = Buffer.from(r.body.signature as string, 'base64');
      assert.equal(ed25519.verify(signature, message, Buffer.from(auditKey, 'hex')), true, 'noble');
      const tampered = Buffer.from(message);
      tampered[tampered.length - 2] = tampered[tampered.length - 2]! ^ 1;
      assert.equal(ed25519.verify(signature, tampered, Buffer.from(auditKey, 'hex')), false, 'noble refuses a changed statement');
      // openssl: the raw key as SubjectPublicKeyInfo (RFC 8410 prefix), then pkeyutl -rawin.
      const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(auditKey, 'hex')]);
      writeFileSync(join(work, 'audit.der'), spki);
      writeFileSync(join(work, 'att.txt'), message);
      writeFileSync(join(work, 'att.sig'), signature);
      const v = spawnSync('openssl', ['pkeyutl', '-verify', '-pubin', '-keyform', 'DER', '-inkey', join(work, 'audit.der'), '-rawin', '-in', join(work, 'att.txt'), '-sigfile', join(work, 'att.sig')], { encoding: 'utf8' });
      assert.equal(v.status, 0, v.stdout + v.stderr);
      assert.match(v.stdout, /Signature Verified Successfully/);

      const statement = JSON.parse(r.body.attestation as string);
      assert.equal(statement.sealType, 'shamir');
      assert.equal(statement.integrityMode, 'strict');
      assert.match(statement.configSha256, /^[0-9a-f]{64}$/);
      assert.equal(typeof statement.nodeId, 'string');
      assert.ok(Math.abs(Date.parse(statement.time) - Date.now()) < 10 * 60_000);
      assert.equal(statement.measurement.trusted, true);
      assert.equal(statement.measurement.signer, fingerprint);
      assert.equal(statement.measurement.manifestSha256, sha256File(join(inst, 'dist', 'manifest.json')));
      assert.deepEqual([statement.measurement.changed, statement.measurement.missing, statement.measurement.added], [[], [], []]);
    } finally {
      await server.stop();
    }
  });

  describe('a dist file edited after the build', () => {
    before(() => {
      appendFileSync(join(inst, 'dist', 'src', 'version.js'), '\n// patched\n');
      writeFileSync(join(inst, 'dist', 'src', 'extra.js'), 'export {};\n');
    });

    it('verify-install names it (and the added file) and exits non-zero', () => {
      const r = cli(inst, ['verify-install', '--release-public-key', pub]);
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stdout, /INSTALLATION NOT INTACT/);
      assert.match(r.stdout, /changed: dist\/src\/version\.js/);
      assert.match(r.stdout, /added: +dist\/src\/extra\.js/);
      const json = JSON.parse(cli(inst, ['verify-install', '--release-public-key', pub, '--json']).stdout);
      assert.deepEqual(json.changed, ['dist/src/version.js']);
      assert.deepEqual(json.added, ['dist/src/extra.js']);
    });

    it('a strict server stays sealed, says why, and the audit log records it; without strict it unseals, warns and counts', async () => {
      const dataDir = join(work, 'data');
      const cliPath = join(inst, 'dist', 'src', 'bin', 'strongbox.js');
      let server = await spawnServer(['--data-dir', dataDir, '--integrity', 'strict', '--release-public-key', pub], {}, cliPath);
      let share: string;
      let root: string;
      try {
        assert.match(server.stderr(), /INSTALLATION INTEGRITY: NOT TRUSTED/);
        const init = await api(server.addr, 'POST', '/v1/sys/init', null, { shares: 1, threshold: 1 });
        assert.equal(init.status, 200, JSON.stringify(init.body));
        share = init.body.shares[0];
        root = init.body.rootToken;
        const u = await api(server.addr, 'POST', '/v1/sys/unseal', null, { share });
        assert.equal(u.status, 409, JSON.stringify(u.body));
        assert.equal(u.body.code, 'INSTALL_INTEGRITY_FAILED');
        assert.equal(u.body.reason, 'install_integrity_failed');
        assert.match(u.body.detail, /dist\/src\/version\.js/);
        assert.equal((await api(server.addr, 'GET', '/v1/sys/health', null)).body.sealed, true);
        const records = (await api(server.addr, 'GET', '/v1/audit?limit=1000', root)).body.records as any[];
        const measured = records.find((x) => x.operation === 'sys.installMeasurement');
        assert.ok(measured, 'the measurement has its own audit record');
        assert.equal(measured.interface, 'system');
        assert.equal(measured.outcome, 'denied');
        assert.match(measured.reason, /^install_integrity_failed: .*changed dist\/src\/version\.js/);
        const unsealRecord = records.find((x) => x.requestId === u.requestId);
        assert.match(unsealRecord.reason, /dist\/src\/version\.js/);
      } finally {
        await server.stop();
      }
      server = await spawnServer(['--data-dir', dataDir, '--release-public-key', pub], {}, cliPath);
      try {
        assert.match(server.stderr(), /NOT TRUSTED \(--integrity warn\)/);
        assert.equal((await api(server.addr, 'POST', '/v1/sys/unseal', null, { share })).status, 200);
        const metrics = await (await fetch(server.addr + '/metrics', { headers: { authorization: `Bearer ${root}` } })).text();
        assert.match(metrics, /^strongbox_install_integrity_mismatches 2$/m);
        assert.match(metrics, /^strongbox_install_trusted 0$/m);
        const records = (await api(server.addr, 'GET', '/v1/audit?limit=1000', root)).body.records as any[];
        const last = records.filter((x) => x.operation === 'sys.installMeasurement').at(-1);
        assert.equal(last.outcome, 'success');
        assert.match(last.reason, /NOT trusted \(--integrity warn\).*changed dist\/src\/version\.js/);
      } finally {
        await server.stop();
      }
    });
  });
});
