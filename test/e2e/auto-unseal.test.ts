/**
 * Auto-unseal end to end: the built server with `--seal pkcs11` (a SoftHSM2 token) and
 * `--seal awskms` (a private moto_server), spawned as an operator would run it, with the provider's
 * settings in the environment only. Init hands out recovery shares and unseals at once; a restart
 * unseals with no operator input and the same keys sign the same digests to the same signatures;
 * recovery shares unseal nothing but mint a root token through generate-root; an unusable provider
 * (wrong PIN, KMS key disabled or pending deletion, seal-type mismatch) leaves the server up, sealed,
 * with a `sealedReason` that names the cause and no secret; an operator's seal sticks until
 * POST /v1/sys/unseal {}; a KMS key enabled again is picked up by the periodic retry (every 15 s).
 * The two providers run side by side (one suite each) to keep the file's wall time down.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { CreateKeyCommand, DisableKeyCommand, EnableKeyCommand, KMSClient, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { xorDecode } from '../../src/service/sys/generate-root.js';
import { MOTO_REGION, startMoto, type MotoServer } from '../helpers/moto.js';
import { spawnServer, type SpawnedServer } from '../helpers/server.js';
import { createSoftHsm, type SoftHsm } from '../helpers/softhsm.js';

interface Reply {
  status: number;
  body: any;
  text: string;
}

/** A tiny HTTP client that keeps every response text, so leak checks can search all of them. */
function client(transcript: string[]) {
  return async (addr: string, method: string, path: string, token: string | null = null, body?: unknown): Promise<Reply> => {
    const headers: Record<string, string> = {};
    if (token !== null) headers['authorization'] = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(addr + path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    transcript.push(`${method} ${path} -> ${res.status} ${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('; ')}\n${text}`);
    let parsed: any;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed, text };
  };
}

const bytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex.replace(/^0x/, ''), 'hex'));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The parent's environment without any STRONGBOX_* or AWS_* setting that could leak into a child. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('STRONGBOX_') && !k.startsWith('AWS_')) env[k] = v;
  return env;
}

async function expectSealedKeyOps(api: ReturnType<typeof client>, addr: string, token: string, keyId: string, digest: string, label: string): Promise<void> {
  const signed = await api(addr, 'POST', `/v1/keys/${keyId}/sign`, token, { digest });
  assert.equal(signed.status, 503, `${label}: sign while sealed: ${signed.text}`);
  assert.equal(signed.body?.code, 'SEALED', `${label}: sign while sealed`);
  const created = await api(addr, 'POST', '/v1/keys', token, { type: 'secp256k1' });
  assert.equal(created.status, 503, `${label}: create while sealed: ${created.text}`);
  assert.equal(created.body?.code, 'SEALED', `${label}: create while sealed`);
}

/** Signs `digest` with `keyId`, verifies the signature independently, and returns it. */
async function signAndVerify(api: ReturnType<typeof client>, addr: string, token: string, keyId: string, publicKey: string, digest: string, label: string): Promise<string> {
  const r = await api(addr, 'POST', `/v1/keys/${keyId}/sign`, token, { digest });
  assert.equal(r.status, 200, `${label}: ${r.text}`);
  assert.equal(r.body.encoding, 'der', `${label}: default encoding`);
  assert.equal(secp256k1.verify(bytes(r.body.signature), bytes(digest), bytes(publicKey), { prehash: false, format: 'der' }), true, `${label}: signature verifies`);
  return r.body.signature as string;
}

async function health(api: ReturnType<typeof client>, addr: string): Promise<any> {
  const r = await api(addr, 'GET', '/v1/sys/health');
  assert.equal(r.status, 200, r.text);
  return r.body;
}

describe('auto-unseal end to end (built server)', { concurrency: 2 }, () => {
  const dirs: string[] = [];
  const servers: SpawnedServer[] = [];
  let hsm: SoftHsm | undefined;
  let moto: MotoServer | undefined;
  let kms: KMSClient | undefined;
  after(async () => {
    for (const s of servers) await s.stop('SIGKILL');
    kms?.destroy();
    await moto?.stop();
    hsm?.cleanup();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const tempDir = (prefix: string): string => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
  const start = async (args: string[], env: Record<string, string>): Promise<SpawnedServer> => {
    const s = await spawnServer([...args, '--log-level', 'warn'], env);
    servers.push(s);
    return s;
  };

  describe('--seal pkcs11 (SoftHSM2)', { concurrency: false }, () => {
    const transcript: string[] = [];
    const api = client(transcript);
    const outputs: SpawnedServer[] = [];
    hsm = createSoftHsm({ tokenLabel: 'strongbox-e2e' });
    const token = hsm;
    const dataDir = tempDir('strongbox-e2e-pkcs11-');
    const wrongPin = `wrong-${randomBytes(8).toString('hex')}`;
    const pkcs11Env = (pin: string): Record<string, string> => ({
      ...baseEnv(),
      SOFTHSM2_CONF: token.confPath,
      STRONGBOX_PKCS11_LIBRARY: token.library,
      STRONGBOX_PKCS11_TOKEN_LABEL: token.tokenLabel,
      STRONGBOX_PKCS11_PIN: pin,
    });
    const run = async (args: string[], env: Record<string, string>): Promise<SpawnedServer> => {
      const s = await start(args, env);
      outputs.push(s);
      return s;
    };
    const pkcs11Server = (pin = token.pin): Promise<SpawnedServer> => run(['--seal', 'pkcs11', '--data-dir', dataDir], pkcs11Env(pin));

    let rootToken = '';
    let recoveryShares: string[] = [];
    let keyId = '';
    let publicKey = '';
    const digest = '0x' + randomBytes(32).toString('hex');
    let firstSignature = '';

    it('init returns recovery shares and the server is unsealed at once; a secp256k1 key signs', async () => {
      const s = await pkcs11Server();
      const before = await health(api, s.addr);
      assert.equal(before.initialized, false);
      assert.equal(before.sealType, 'pkcs11');

      const init = await api(s.addr, 'POST', '/v1/sys/init', null, { shares: 3, threshold: 2 });
      assert.equal(init.status, 200, init.text);
      assert.equal(init.body.sharesKind, 'recovery');
      assert.equal(init.body.shares.length, 3);
      assert.equal(init.body.threshold, 2);
      rootToken = init.body.rootToken;
      recoveryShares = init.body.shares;

      const h = await health(api, s.addr);
      assert.equal(h.initialized, true);
      assert.equal(h.sealed, false);
      assert.equal(h.sealType, 'pkcs11');
      assert.equal(h.sealedReason, undefined);

      const key = await api(s.addr, 'POST', '/v1/keys', rootToken, { type: 'secp256k1' });
      assert.equal(key.status, 201, key.text);
      keyId = key.body.id;
      publicKey = key.body.publicKey;
      firstSignature = await signAndVerify(api, s.addr, rootToken, keyId, publicKey, digest, 'first server');
      assert.equal(await s.stop(), 0, 'clean SIGTERM shutdown');
    });

    it('a restart unseals with no operator input; the same key signs the same digest to the same signature', async () => {
      const s = await pkcs11Server();
      const h = await health(api, s.addr);
      assert.equal(h.sealed, false, JSON.stringify(h));
      assert.equal(h.sealType, 'pkcs11');
      assert.equal(await signAndVerify(api, s.addr, rootToken, keyId, publicKey, digest, 'after restart'), firstSignature, 'RFC 6979: same key, same digest, same signature');

      // Recovery shares are not unseal shares.
      const withShare = await api(s.addr, 'POST', '/v1/sys/unseal', null, { share: recoveryShares[0] });
      assert.equal(withShare.status, 409, withShare.text);
      assert.equal(withShare.body.code, 'AUTO_UNSEAL');
      const noShare = await api(s.addr, 'POST', '/v1/sys/unseal', null, {});
      assert.equal(noShare.status, 200, noShare.text);
      assert.equal(noShare.body.sealed, false, 'already unsealed');
    });

    it('recovery shares mint a working root token through generate-root', async () => {
      const s = outputs.at(-1)!;
      const attempt = await api(s.addr, 'POST', '/v1/sys/generate-root/attempt');
      assert.equal(attempt.status, 200, attempt.text);
      assert.equal(attempt.body.threshold, 2);
      const { nonce, otp } = attempt.body as { nonce: string; otp: string };
      const one = await api(s.addr, 'POST', '/v1/sys/generate-root/update', null, { nonce, share: recoveryShares[1] });
      assert.equal(one.status, 200, one.text);
      assert.equal(one.body.complete, false);
      assert.equal(one.body.progress, 1);
      const two = await api(s.addr, 'POST', '/v1/sys/generate-root/update', null, { nonce, share: recoveryShares[2] });
      assert.equal(two.status, 200, two.text);
      assert.equal(two.body.complete, true);
      assert.equal(typeof two.body.encodedToken, 'string');
      const newRoot = xorDecode(two.body.encodedToken, otp);
      assert.match(newRoot, /^sbt\./);
      assert.notEqual(newRoot, rootToken);
      const self = await api(s.addr, 'GET', '/v1/tokens/self', newRoot);
      assert.equal(self.status, 200, self.text);
      assert.equal(await signAndVerify(api, s.addr, newRoot, keyId, publicKey, digest, 'with the generated root token'), firstSignature);
    });

    it("an operator's seal sticks (across a retry tick) until POST /v1/sys/unseal {}", async () => {
      const s = outputs.at(-1)!;
      const sealed = await api(s.addr, 'POST', '/v1/sys/seal', rootToken);
      assert.equal(sealed.status, 200, sealed.text);
      let h = await health(api, s.addr);
      assert.equal(h.sealed, true);
      assert.equal(h.sealedReason, 'sealed by an operator');
      await expectSealedKeyOps(api, s.addr, rootToken, keyId, digest, 'after seal');
      // The auto-unseal retry runs every 15 s; wait past one tick: the operator's seal must hold.
      await sleep(16_000);
      h = await health(api, s.addr);
      assert.equal(h.sealed, true, 'the periodic auto-unseal retry does not undo an operator seal');
      assert.equal(h.sealedReason, 'sealed by an operator');

      const withShare = await api(s.addr, 'POST', '/v1/sys/unseal', null, { share: recoveryShares[0] });
      assert.equal(withShare.status, 409, withShare.text);
      assert.equal(withShare.body.code, 'AUTO_UNSEAL');
      assert.equal((await health(api, s.addr)).sealed, true, 'a recovery share unseals nothing');

      const unsealed = await api(s.addr, 'POST', '/v1/sys/unseal', null, {});
      assert.equal(unsealed.status, 200, unsealed.text);
      assert.equal(unsealed.body.sealed, false);
      h = await health(api, s.addr);
      assert.equal(h.sealed, false);
      assert.equal(h.sealedReason, undefined);
      assert.equal(await signAndVerify(api, s.addr, rootToken, keyId, publicKey, digest, 'after operator unseal'), firstSignature);
      assert.equal(await s.stop(), 0);
    });

    it('a wrong PIN: the server starts but stays sealed, with a reason naming pkcs11 and not the PIN', async (t) => {
      const s = await pkcs11Server(wrongPin);
      const h = await health(api, s.addr);
      t.diagnostic(`sealedReason: ${h.sealedReason}`);
      assert.equal(h.initialized, true);
      assert.equal(h.sealed, true);
      assert.equal(h.sealType, 'pkcs11');
      assert.equal(typeof h.sealedReason, 'string');
      assert.match(h.sealedReason, /pkcs11/);
      assert.match(h.sealedReason, /PIN/);
      assert.equal(h.sealedReason.includes(wrongPin), false, 'the reason shows the wrong PIN');
      assert.equal(h.sealedReason.includes(token.pin), false, 'the reason shows the PIN');
      await expectSealedKeyOps(api, s.addr, rootToken, keyId, digest, 'wrong PIN');

      const retry = await api(s.addr, 'POST', '/v1/sys/unseal', null, {});
      assert.equal(retry.status, 503, retry.text);
      assert.equal(retry.body.code, 'PROVIDER_UNAVAILABLE');
      const withShare = await api(s.addr, 'POST', '/v1/sys/unseal', null, { share: recoveryShares[0] });
      assert.equal(withShare.status, 409, withShare.text);
      assert.equal(withShare.body.code, 'AUTO_UNSEAL');
      assert.equal((await health(api, s.addr)).sealed, true);
      assert.equal(await s.stop(), 0);

      // The right PIN again: unsealed, same signature.
      const good = await pkcs11Server();
      assert.equal((await health(api, good.addr)).sealed, false);
      assert.equal(await signAndVerify(api, good.addr, rootToken, keyId, publicKey, digest, 'right PIN again'), firstSignature);
      assert.equal(await good.stop(), 0);
    });

    it('--seal pkcs11 on a data dir initialized with shamir stays sealed, naming the mismatch', async (t) => {
      const shamirDir = tempDir('strongbox-e2e-shamir-');
      const shamir = await run(['--data-dir', shamirDir], baseEnv());
      const init = await api(shamir.addr, 'POST', '/v1/sys/init', null, { shares: 1, threshold: 1 });
      assert.equal(init.status, 200, init.text);
      assert.equal(init.body.sharesKind, 'unseal');
      assert.equal(await shamir.stop(), 0);

      const s = await run(['--seal', 'pkcs11', '--data-dir', shamirDir], pkcs11Env(token.pin));
      const h = await health(api, s.addr);
      assert.equal(h.initialized, true);
      assert.equal(h.sealed, true);
      t.diagnostic(`sealedReason: ${h.sealedReason}`);
      assert.equal(h.sealType, 'shamir', 'health reports the seal type the data was initialized with');
      assert.match(h.sealedReason, /shamir/);
      assert.match(h.sealedReason, /pkcs11/);
      const unseal = await api(s.addr, 'POST', '/v1/sys/unseal', null, { share: init.body.shares[0] });
      assert.equal(unseal.status, 409, unseal.text);
      assert.equal(unseal.body.code, 'SEAL_TYPE_MISMATCH');
      assert.equal((await health(api, s.addr)).sealed, true);
      assert.equal(await s.stop(), 0);
    });

    it('the HSM PIN never appears in any server output or response', () => {
      assert.ok(outputs.length >= 5 && transcript.length > 20);
      for (const [i, s] of outputs.entries()) {
        for (const [stream, text] of [['stdout', s.stdout()], ['stderr', s.stderr()]] as const) {
          assert.equal(text.includes(token.pin), false, `server ${i} ${stream} shows the PIN`);
          assert.equal(text.includes(wrongPin), false, `server ${i} ${stream} shows the wrong PIN`);
          assert.equal(text.includes(token.soPin), false, `server ${i} ${stream} shows the SO PIN`);
        }
      }
      for (const entry of transcript) {
        assert.equal(entry.includes(token.pin), false, `a response shows the PIN: ${entry.slice(0, 200)}`);
        assert.equal(entry.includes(wrongPin), false, `a response shows the wrong PIN: ${entry.slice(0, 200)}`);
      }
    });
  });

  describe('--seal awskms (moto_server)', { concurrency: false }, () => {
    const transcript: string[] = [];
    const api = client(transcript);
    const outputs: SpawnedServer[] = [];
    const dataDir = tempDir('strongbox-e2e-awskms-');
    const secretAccessKey = `moto-secret-${randomBytes(8).toString('hex')}`;
    const credentials = { accessKeyId: 'testing', secretAccessKey };
    let keyId = '';
    let kmsEnv: Record<string, string> = {};
    const kmsServer = async (): Promise<SpawnedServer> => {
      const s = await start(['--seal', 'awskms', '--data-dir', dataDir], kmsEnv);
      outputs.push(s);
      return s;
    };

    let rootToken = '';
    let recoveryShares: string[] = [];
    let signKey = '';
    let publicKey = '';
    const digest = '0x' + randomBytes(32).toString('hex');
    let firstSignature = '';

    it('init returns recovery shares and the server is unsealed at once; a restart auto-unseals', async () => {
      moto = await startMoto();
      kms = new KMSClient({ region: MOTO_REGION, endpoint: moto.endpoint, credentials });
      const created = await kms.send(new CreateKeyCommand({ KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT', Description: 'strongbox e2e auto-unseal' }));
      keyId = created.KeyMetadata!.KeyId!;
      kmsEnv = {
        ...baseEnv(),
        AWS_REGION: MOTO_REGION,
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: secretAccessKey,
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        STRONGBOX_AWSKMS_KEY_ID: keyId,
        STRONGBOX_AWSKMS_ENDPOINT: moto.endpoint,
      };

      const s = await kmsServer();
      const init = await api(s.addr, 'POST', '/v1/sys/init', null, { shares: 3, threshold: 2 });
      assert.equal(init.status, 200, init.text);
      assert.equal(init.body.sharesKind, 'recovery');
      rootToken = init.body.rootToken;
      recoveryShares = init.body.shares;
      const h = await health(api, s.addr);
      assert.equal(h.sealed, false);
      assert.equal(h.sealType, 'awskms');
      const key = await api(s.addr, 'POST', '/v1/keys', rootToken, { type: 'secp256k1' });
      assert.equal(key.status, 201, key.text);
      signKey = key.body.id;
      publicKey = key.body.publicKey;
      firstSignature = await signAndVerify(api, s.addr, rootToken, signKey, publicKey, digest, 'awskms first server');
      assert.equal(await s.stop(), 0);

      const again = await kmsServer();
      const h2 = await health(api, again.addr);
      assert.equal(h2.sealed, false, JSON.stringify(h2));
      assert.equal(await signAndVerify(api, again.addr, rootToken, signKey, publicKey, digest, 'awskms after restart'), firstSignature);
      const withShare = await api(again.addr, 'POST', '/v1/sys/unseal', null, { share: recoveryShares[0] });
      assert.equal(withShare.status, 409, withShare.text);
      assert.equal(withShare.body.code, 'AUTO_UNSEAL');
      assert.equal(await again.stop(), 0);
    });

    it('a disabled key: a restart stays sealed naming the key; EnableKey + POST /v1/sys/unseal {} unseals at once', async (t) => {
      await kms!.send(new DisableKeyCommand({ KeyId: keyId }));
      const s = await kmsServer();
      const h = await health(api, s.addr);
      t.diagnostic(`sealedReason: ${h.sealedReason}`);
      assert.equal(h.sealed, true);
      assert.equal(h.sealType, 'awskms');
      assert.match(h.sealedReason, /awskms/);
      assert.ok(h.sealedReason.includes(keyId), `the reason names the key: ${h.sealedReason}`);
      assert.match(h.sealedReason, /disabled/);
      await expectSealedKeyOps(api, s.addr, rootToken, signKey, digest, 'key disabled');
      const early = await api(s.addr, 'POST', '/v1/sys/unseal', null, {});
      assert.equal(early.status, 503, early.text);
      assert.equal(early.body.code, 'PROVIDER_UNAVAILABLE');

      await kms!.send(new EnableKeyCommand({ KeyId: keyId }));
      const unsealed = await api(s.addr, 'POST', '/v1/sys/unseal', null, {});
      assert.equal(unsealed.status, 200, unsealed.text);
      assert.equal(unsealed.body.sealed, false);
      const h2 = await health(api, s.addr);
      assert.equal(h2.sealed, false);
      assert.equal(h2.sealedReason, undefined);
      assert.equal(await signAndVerify(api, s.addr, rootToken, signKey, publicKey, digest, 'after EnableKey + unseal'), firstSignature);
      assert.equal(await s.stop(), 0);
    });

    it('a disabled key enabled again is picked up by the periodic retry, without a restart', async () => {
      await kms!.send(new DisableKeyCommand({ KeyId: keyId }));
      const s = await kmsServer();
      assert.equal((await health(api, s.addr)).sealed, true);
      await expectSealedKeyOps(api, s.addr, rootToken, signKey, digest, 'key disabled again');
      await kms!.send(new EnableKeyCommand({ KeyId: keyId }));
      // Only health is polled: the retry may unseal between any two requests.
      const deadline = Date.now() + 40_000;
      let h = await health(api, s.addr);
      while (h.sealed && Date.now() < deadline) {
        await sleep(250);
        h = await health(api, s.addr);
      }
      assert.equal(h.sealed, false, `still sealed 40 s after EnableKey: ${h.sealedReason}`);
      assert.equal(h.sealedReason, undefined);
      assert.equal(await signAndVerify(api, s.addr, rootToken, signKey, publicKey, digest, 'after the periodic retry'), firstSignature);
      // Still unsealed (and signing) while the server runs when the key is scheduled for deletion…
      await kms!.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
      assert.equal(await signAndVerify(api, s.addr, rootToken, signKey, publicKey, digest, 'key pending deletion, server still unsealed'), firstSignature);
      assert.equal(await s.stop(), 0);
    });

    it('a key pending deletion: a restart stays sealed and nothing signs', async (t) => {
      const s = await kmsServer();
      const h = await health(api, s.addr);
      t.diagnostic(`sealedReason: ${h.sealedReason}`);
      assert.equal(h.sealed, true);
      assert.ok(h.sealedReason.includes(keyId), `the reason names the key: ${h.sealedReason}`);
      assert.match(h.sealedReason, /pending deletion/);
      await expectSealedKeyOps(api, s.addr, rootToken, signKey, digest, 'key pending deletion');
      const retry = await api(s.addr, 'POST', '/v1/sys/unseal', null, {});
      assert.equal(retry.status, 503, retry.text);
      assert.equal(retry.body.code, 'PROVIDER_UNAVAILABLE');
      assert.equal(await s.stop(), 0);
    });

    it('the AWS secret access key never appears in any server output or response', () => {
      assert.ok(outputs.length >= 5);
      for (const [i, s] of outputs.entries()) {
        assert.equal(s.stdout().includes(secretAccessKey), false, `server ${i} stdout shows the secret`);
        assert.equal(s.stderr().includes(secretAccessKey), false, `server ${i} stderr shows the secret`);
      }
      for (const entry of transcript) assert.equal(entry.includes(secretAccessKey), false, `a response shows the secret: ${entry.slice(0, 200)}`);
    });
  });
});
