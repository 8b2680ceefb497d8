/**
 * The AWS KMS unseal provider against the unseal-provider contract and KMS-specific behaviour, with a
 * private moto_server as AWS KMS (never real AWS): restart, key disabled / pending deletion / unknown,
 * foreign ciphertexts, dead endpoints, and the AWS CLI decrypting the stored ciphertext on its own.
 * AWS error shapes moto cannot produce (DisabledException from Decrypt, AccessDenied, throttling,
 * bad credentials) come from a scripted fake KMS speaking the same JSON 1.1 protocol.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EncryptCommand,
  KMSClient,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { AWSKMS_FORMAT_V1, createAwsKmsProvider, type AwsKmsProviderOptions } from '../../src/providers/awskms/index.js';
import { createUnsealProvider } from '../../src/providers/registry.js';
import { ProviderUnavailableError, UnsealRejectedError, type SealConfig, type UnsealProvider } from '../../src/providers/types.js';
import { findFreePort, MOTO_REGION, startMoto } from '../helpers/moto.js';
import { unsealProviderContract } from './unseal-provider.contract.js';

// The provider reads credentials through the SDK's default chain, i.e. from this test process's
// environment (each test file runs in its own process). Dummy values: moto accepts any.
const ACCESS_KEY_ID = 'testing';
const SECRET_ACCESS_KEY = 'testing-secret-must-not-leak';
process.env['AWS_ACCESS_KEY_ID'] = ACCESS_KEY_ID;
process.env['AWS_SECRET_ACCESS_KEY'] = SECRET_ACCESS_KEY;
delete process.env['AWS_SESSION_TOKEN'];
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

const region = MOTO_REGION;
const config: SealConfig = { type: 'awskms', shares: 3, threshold: 2 };
const noInput = { shares: [] };
const CONTEXT = { purpose: 'strongbox/root-key' };

const moto = await startMoto();
after(() => moto.stop());
const { endpoint } = moto;
const admin = new KMSClient({ region, endpoint, credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY } });
after(() => admin.destroy());

async function createKey(): Promise<{ keyId: string; arn: string }> {
  const { KeyMetadata: meta } = await admin.send(new CreateKeyCommand({
    KeySpec: 'SYMMETRIC_DEFAULT',
    KeyUsage: 'ENCRYPT_DECRYPT',
    Description: 'strongbox awskms provider test',
  }));
  assert.ok(meta?.KeyId !== undefined && meta.Arn !== undefined);
  return { keyId: meta.KeyId, arn: meta.Arn };
}

const providers: UnsealProvider[] = [];
after(async () => {
  for (const p of providers) await p.close?.();
});
async function providerFor(keyId: string, extra: Partial<AwsKmsProviderOptions> = {}): Promise<UnsealProvider> {
  const p = await createAwsKmsProvider({ keyId, region, endpoint, ...extra });
  providers.push(p);
  return p;
}

/** Runs `promise`, expecting it to reject with `type`; returns the error for further checks. */
async function rejection<T extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof type, `expected ${type.name}, got ${inspect(err)}`);
    assertNoCredentials(err);
    return err;
  }
  assert.fail(`expected ${type.name}, but it resolved`);
}

/** No error, its reason, or anything reachable from it (cause, metadata) shows the credentials. */
function assertNoCredentials(err: unknown): void {
  const text = inspect(err, { depth: 8, showHidden: true });
  assert.equal(text.includes(SECRET_ACCESS_KEY), false, 'error shows the secret access key');
}

const mainKey = await createKey();
const provider = await providerFor(mainKey.keyId);
unsealProviderContract('awskms (moto)', provider, config);

await admin.send(new CreateAliasCommand({ AliasName: 'alias/strongbox-contract', TargetKeyId: mainKey.keyId }));
unsealProviderContract('awskms by alias (moto)', await providerFor('alias/strongbox-contract'), config);
unsealProviderContract('awskms by key ARN (moto)', await providerFor(mainKey.arn), config);

describe('awskms provider (moto)', () => {
  it('is an auto-unseal provider made through the registry', async () => {
    const p = await createUnsealProvider('awskms', { awskms: { keyId: mainKey.keyId, region, endpoint } });
    providers.push(p);
    assert.equal(p.type, 'awskms');
    assert.equal(p.autoUnseal, true);
    const rootKey = new Uint8Array(randomBytes(32));
    const { sealedRootKey, shares } = await p.protect(rootKey.slice(), config);
    assert.deepEqual(shares, []);
    assert.deepEqual(await p.recover(sealedRootKey, noInput, config), rootKey);
  });

  it('a new provider instance recovers what a closed one sealed (restart)', async () => {
    const first = await providerFor(mainKey.keyId);
    const rootKey = new Uint8Array(randomBytes(32));
    const { sealedRootKey } = await first.protect(rootKey.slice(), config);
    await first.close?.();
    await first.close?.();
    await rejection(first.recover(sealedRootKey, noInput, config), ProviderUnavailableError);
    const second = await providerFor(mainKey.keyId);
    assert.deepEqual(await second.recover(sealedRootKey, noInput, config), rootKey);
  });

  it('stores format v1 around a KMS ciphertext that the AWS CLI alone decrypts to the root key', async () => {
    const rootKey = new Uint8Array(randomBytes(32));
    const { sealedRootKey } = await provider.protect(rootKey.slice(), config);
    assert.equal(sealedRootKey[0], AWSKMS_FORMAT_V1);
    const dir = mkdtempSync(join(tmpdir(), 'strongbox-awskms-'));
    try {
      const file = join(dir, 'ciphertext.bin');
      writeFileSync(file, sealedRootKey.subarray(1));
      const base = ['--endpoint-url', endpoint, '--region', region, 'kms', 'decrypt', '--ciphertext-blob', `fileb://${file}`, '--key-id', mainKey.keyId];
      const out = await awsCli([...base, '--encryption-context', 'purpose=strongbox/root-key', '--query', 'Plaintext', '--output', 'text']);
      assert.deepEqual(new Uint8Array(Buffer.from(out.trim(), 'base64')), rootKey);
      // The ciphertext is bound to the encryption context: without it KMS refuses.
      await assert.rejects(awsCli(base), /InvalidCiphertextException/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a disabled key makes the provider unavailable, naming the key; enabling it restores unseal', async () => {
    const key = await createKey();
    const p = await providerFor(key.keyId);
    const rootKey = new Uint8Array(randomBytes(32));
    const { sealedRootKey } = await p.protect(rootKey.slice(), config);

    await admin.send(new DisableKeyCommand({ KeyId: key.keyId }));
    const err = await rejection(p.recover(sealedRootKey, noInput, config), ProviderUnavailableError);
    assert.ok(err.reason.includes(key.keyId), err.reason);
    assert.match(err.reason, /is disabled/);
    assert.equal(err.message, err.reason);
    await rejection(p.protect(rootKey.slice(), config), ProviderUnavailableError);

    await admin.send(new EnableKeyCommand({ KeyId: key.keyId }));
    assert.deepEqual(await p.recover(sealedRootKey, noInput, config), rootKey);
  });

  it('a key scheduled for deletion is unavailable until the deletion is cancelled and the key enabled', async () => {
    const key = await createKey();
    const p = await providerFor(key.keyId);
    const rootKey = new Uint8Array(randomBytes(32));
    const { sealedRootKey } = await p.protect(rootKey.slice(), config);

    await admin.send(new ScheduleKeyDeletionCommand({ KeyId: key.keyId, PendingWindowInDays: 7 }));
    const err = await rejection(p.recover(sealedRootKey, noInput, config), ProviderUnavailableError);
    assert.ok(err.reason.includes(key.keyId), err.reason);
    assert.match(err.reason, /pending deletion/);

    // CancelKeyDeletion leaves the key Disabled (as in AWS).
    await admin.send(new CancelKeyDeletionCommand({ KeyId: key.keyId }));
    assert.match((await rejection(p.recover(sealedRootKey, noInput, config), ProviderUnavailableError)).reason, /is disabled/);
    await admin.send(new EnableKeyCommand({ KeyId: key.keyId }));
    assert.deepEqual(await p.recover(sealedRootKey, noInput, config), rootKey);
  });

  it('an unknown key is unavailable with NotFoundException', async () => {
    const { sealedRootKey } = await provider.protect(new Uint8Array(randomBytes(32)), config);
    const missing = '0b9f4c1e-7d2a-4e59-9a51-3c6f1f0d2e77';
    const err = await rejection((await providerFor(missing)).recover(sealedRootKey, noInput, config), ProviderUnavailableError);
    assert.ok(err.reason.includes(missing), err.reason);
    assert.match(err.reason, /not found.*NotFoundException/);
  });

  it('a root key sealed under another KMS key is rejected, not decrypted', async () => {
    const other = await providerFor((await createKey()).keyId);
    const { sealedRootKey } = await other.protect(new Uint8Array(randomBytes(32)), config);
    const err = await rejection(provider.recover(sealedRootKey, noInput, config), UnsealRejectedError);
    assert.ok(err.message.includes(mainKey.keyId), err.message);
  });

  it('a KMS ciphertext under another encryption context, or of something other than a 32-byte key, is rejected', async () => {
    const seal = async (plaintext: Uint8Array, context: Record<string, string>): Promise<Uint8Array> => {
      const { CiphertextBlob } = await admin.send(new EncryptCommand({ KeyId: mainKey.keyId, Plaintext: plaintext, EncryptionContext: context }));
      assert.ok(CiphertextBlob !== undefined);
      return new Uint8Array([AWSKMS_FORMAT_V1, ...CiphertextBlob]);
    };
    await rejection(provider.recover(await seal(new Uint8Array(randomBytes(32)), { purpose: 'strongbox/other' }), noInput, config), UnsealRejectedError);
    await rejection(provider.recover(await seal(new Uint8Array(randomBytes(32)), {}), noInput, config), UnsealRejectedError);
    const short = await rejection(provider.recover(await seal(new Uint8Array(randomBytes(16)), CONTEXT), noInput, config), UnsealRejectedError);
    assert.match(short.message, /16 bytes/);
  });

  it('malformed sealed root keys are rejected before KMS is asked', async () => {
    const offline = await createAwsKmsProvider({ keyId: mainKey.keyId, region, endpoint: `http://127.0.0.1:${await findFreePort()}` });
    providers.push(offline);
    const { sealedRootKey } = await provider.protect(new Uint8Array(randomBytes(32)), config);
    const wrongVersion = sealedRootKey.slice();
    wrongVersion[0] = 0x02;
    for (const bad of [new Uint8Array(0), new Uint8Array([AWSKMS_FORMAT_V1]), wrongVersion, new Uint8Array(6146).fill(AWSKMS_FORMAT_V1)]) {
      await rejection(offline.recover(bad, noInput, config), UnsealRejectedError);
    }
  });

  it('refuses a root key that is not 32 bytes', async () => {
    await assert.rejects(provider.protect(new Uint8Array(16), config), RangeError);
  });

  it('a closed port fails fast with ProviderUnavailableError naming the key and the network error', async () => {
    const dead = `http://127.0.0.1:${await findFreePort()}`;
    const p = await createAwsKmsProvider({ keyId: mainKey.keyId, region, endpoint: dead });
    providers.push(p);
    const { sealedRootKey } = await provider.protect(new Uint8Array(randomBytes(32)), config);
    const started = Date.now();
    const err = await rejection(p.recover(sealedRootKey, noInput, config), ProviderUnavailableError);
    assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
    assert.ok(err.reason.includes(mainKey.keyId) && err.reason.includes(dead), err.reason);
    assert.match(err.reason, /unreachable.*ECONNREFUSED/);
    await rejection(p.protect(new Uint8Array(randomBytes(32)), config), ProviderUnavailableError);
  });

  it('an endpoint that accepts connections but never answers times out quickly', async () => {
    const sockets = new Set<Socket>();
    const blackhole = createTcpServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    try {
      const port = (blackhole.address() as { port: number }).port;
      const p = await createAwsKmsProvider({ keyId: mainKey.keyId, region, endpoint: `http://127.0.0.1:${port}`, requestTimeoutMs: 300, connectTimeoutMs: 300 });
      providers.push(p);
      const started = Date.now();
      const err = await rejection(p.protect(new Uint8Array(randomBytes(32)), config), ProviderUnavailableError);
      assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
      assert.match(err.reason, /unreachable.*TimeoutError/);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => blackhole.close(resolve));
    }
  });

  it('when KMS goes away after sealing, unseal fails fast with ProviderUnavailableError', async () => {
    const second = await startMoto();
    try {
      const client = new KMSClient({ region, endpoint: second.endpoint, credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY } });
      const { KeyMetadata } = await client.send(new CreateKeyCommand({ KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT' }));
      client.destroy();
      const p = await createAwsKmsProvider({ keyId: KeyMetadata!.KeyId!, region, endpoint: second.endpoint });
      providers.push(p);
      const { sealedRootKey } = await p.protect(new Uint8Array(randomBytes(32)), config);
      await second.stop();
      const started = Date.now();
      const err = await rejection(p.recover(sealedRootKey, noInput, config), ProviderUnavailableError);
      assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
      assert.ok(err.reason.includes(KeyMetadata!.KeyId!), err.reason);
    } finally {
      await second.stop();
    }
  });
});

describe('awskms provider settings', () => {
  const ok = { keyId: mainKey.keyId, region, endpoint };
  const cases: [string, AwsKmsProviderOptions, RegExp][] = [
    ['empty key id', { ...ok, keyId: '' }, /^STRONGBOX_AWSKMS_KEY_ID: /],
    ['key id with spaces', { ...ok, keyId: 'my key' }, /^STRONGBOX_AWSKMS_KEY_ID: /],
    ['empty region', { ...ok, region: '' }, /^AWS_REGION: /],
    ['malformed region', { ...ok, region: 'US East 1' }, /^AWS_REGION: /],
    ['key ARN in another region', { ...ok, keyId: `arn:aws:kms:eu-west-1:123456789012:key/${mainKey.keyId}` }, /^STRONGBOX_AWSKMS_KEY_ID: .*eu-west-1.*AWS_REGION/],
    ['endpoint not a URL', { ...ok, endpoint: 'localhost:4566' }, /^STRONGBOX_AWSKMS_ENDPOINT: /],
    ['endpoint with credentials', { ...ok, endpoint: 'http://user:pw@127.0.0.1:1' }, /^STRONGBOX_AWSKMS_ENDPOINT: .*credentials/],
  ];
  for (const [name, options, message] of cases) {
    it(`refuses ${name}, naming the setting`, async () => {
      await assert.rejects(createAwsKmsProvider(options), (err: Error) => {
        assert.match(err.message, message);
        assert.equal(err.message.includes('pw@'), false);
        return true;
      });
    });
  }
  it('refuses nonsensical timeouts', async () => {
    await assert.rejects(createAwsKmsProvider({ ...ok, maxAttempts: 0 }), RangeError);
    await assert.rejects(createAwsKmsProvider({ ...ok, requestTimeoutMs: 1.5 }), RangeError);
  });
});

// ---- AWS answers moto cannot give: a scripted fake KMS (AWS JSON 1.1 over HTTP) ----

interface FakeKms {
  endpoint: string;
  /** operations received, e.g. ['DescribeKey', 'Decrypt'] */
  calls: string[];
  close(): Promise<void>;
}
type Answer = { status: number; body: unknown };
type Script = (op: string, request: Record<string, unknown>) => Answer | undefined;

const FAKE_ARN = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const FAKE_KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const enabledKey = (over: Record<string, unknown> = {}): Answer => ({
  status: 200,
  body: { KeyMetadata: { KeyId: FAKE_KEY_ID, Arn: FAKE_ARN, KeyState: 'Enabled', Enabled: true, KeyUsage: 'ENCRYPT_DECRYPT', KeySpec: 'SYMMETRIC_DEFAULT', ...over } },
});
const awsError = (type: string, status = 400): Answer => ({ status, body: { __type: type, message: `fake ${type}` } });

/** Default behaviour: an enabled key; Encrypt wraps the plaintext as "fake:" + bytes; Decrypt unwraps it. */
function defaultAnswer(op: string, request: Record<string, unknown>): Answer {
  if (op === 'DescribeKey') return enabledKey();
  if (op === 'Encrypt') {
    const plaintext = Buffer.from(String(request['Plaintext']), 'base64');
    return { status: 200, body: { CiphertextBlob: Buffer.concat([Buffer.from('fake:'), plaintext]).toString('base64'), KeyId: FAKE_ARN } };
  }
  if (op === 'Decrypt') {
    const blob = Buffer.from(String(request['CiphertextBlob']), 'base64');
    if (!blob.subarray(0, 5).equals(Buffer.from('fake:'))) return awsError('InvalidCiphertextException');
    return { status: 200, body: { Plaintext: blob.subarray(5).toString('base64'), KeyId: FAKE_ARN, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' } };
  }
  return awsError('UnsupportedOperationException');
}

async function startFakeKms(script: Script): Promise<FakeKms> {
  const calls: string[] = [];
  const server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const op = String(req.headers['x-amz-target'] ?? '').replace(/^TrentService\./, '');
      calls.push(op);
      const request = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      const answer = script(op, request) ?? defaultAnswer(op, request);
      res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

async function withFake<T>(script: Script, run: (p: UnsealProvider, fake: FakeKms) => Promise<T>): Promise<T> {
  const fake = await startFakeKms(script);
  const p = await createAwsKmsProvider({ keyId: FAKE_KEY_ID, region, endpoint: fake.endpoint });
  try {
    return await run(p, fake);
  } finally {
    await p.close?.();
    await fake.close();
  }
}

/** A sealed root key as the fake KMS makes it. */
const fakeSealed = (): Uint8Array => new Uint8Array([AWSKMS_FORMAT_V1, ...Buffer.from('fake:'), ...randomBytes(32)]);

describe('awskms provider: AWS error answers (fake KMS)', () => {
  it('the fake itself round-trips (control)', async () => {
    await withFake(() => undefined, async (p, fake) => {
      const rootKey = new Uint8Array(randomBytes(32));
      const { sealedRootKey } = await p.protect(rootKey.slice(), config);
      assert.deepEqual(await p.recover(sealedRootKey, noInput, config), rootKey);
      assert.deepEqual(fake.calls, ['DescribeKey', 'Encrypt', 'Decrypt', 'DescribeKey', 'Decrypt']);
    });
  });

  const unavailable: [string, number, RegExp][] = [
    ['DisabledException', 400, /is disabled \(Decrypt: DisabledException\)/],
    ['KMSInvalidStateException', 400, /not in a usable state.*\(Decrypt: KMSInvalidStateException\)/],
    ['NotFoundException', 400, /not found.*\(Decrypt: NotFoundException\)/],
    ['KeyUnavailableException', 500, /unavailable.*\(Decrypt: KeyUnavailableException\)/],
    ['UnrecognizedClientException', 400, /rejected the credentials.*\(Decrypt: UnrecognizedClientException\)/],
    ['ThrottlingException', 400, /\(Decrypt: ThrottlingException\)/],
    ['KMSInternalException', 500, /\(Decrypt: KMSInternalException\)/],
  ];
  for (const [type, status, reason] of unavailable) {
    it(`Decrypt answering ${type} → ProviderUnavailableError naming the key`, async () => {
      await withFake((op) => (op === 'Decrypt' ? awsError(type, status) : undefined), async (p) => {
        const err = await rejection(p.recover(fakeSealed(), noInput, config), ProviderUnavailableError);
        assert.match(err.reason, reason);
        assert.ok(err.reason.includes(FAKE_KEY_ID), err.reason);
      });
    });
  }

  for (const type of ['InvalidCiphertextException', 'IncorrectKeyException']) {
    it(`Decrypt answering ${type} → UnsealRejectedError`, async () => {
      await withFake((op) => (op === 'Decrypt' ? awsError(type) : undefined), async (p) => {
        const err = await rejection(p.recover(fakeSealed(), noInput, config), UnsealRejectedError);
        assert.match(err.message, new RegExp(type));
      });
    });
  }

  it('AccessDeniedException while the key cannot decrypt at all → ProviderUnavailableError (permissions)', async () => {
    await withFake((op) => (op === 'Decrypt' ? awsError('AccessDeniedException') : undefined), async (p) => {
      const err = await rejection(p.recover(fakeSealed(), noInput, config), ProviderUnavailableError);
      assert.match(err.reason, /denied.*\(Decrypt: AccessDeniedException\)/);
    });
  });

  it('AccessDeniedException for a blob while the configured key works → UnsealRejectedError (foreign ciphertext)', async () => {
    const foreign = new Uint8Array([AWSKMS_FORMAT_V1, ...Buffer.from('other-account-blob')]);
    await withFake((op, req) => (op === 'Decrypt' && !Buffer.from(String(req['CiphertextBlob']), 'base64').toString().startsWith('fake:') ? awsError('AccessDeniedException') : undefined), async (p, fake) => {
      await rejection(p.recover(foreign, noInput, config), UnsealRejectedError);
      assert.deepEqual(fake.calls, ['DescribeKey', 'Decrypt', 'Encrypt', 'Decrypt']);
    });
  });

  it('DescribeKey answering AccessDeniedException → ProviderUnavailableError before any Decrypt', async () => {
    await withFake((op) => (op === 'DescribeKey' ? awsError('AccessDeniedException') : undefined), async (p, fake) => {
      const err = await rejection(p.recover(fakeSealed(), noInput, config), ProviderUnavailableError);
      assert.match(err.reason, /\(DescribeKey: AccessDeniedException\)/);
      assert.deepEqual(fake.calls, ['DescribeKey']);
    });
  });

  it('a key that is not a symmetric encryption key is refused', async () => {
    await withFake((op) => (op === 'DescribeKey' ? enabledKey({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' }) : undefined), async (p) => {
      const err = await rejection(p.protect(new Uint8Array(randomBytes(32)), config), ProviderUnavailableError);
      assert.match(err.reason, /not a symmetric encryption key.*RSA_2048/);
    });
  });

  it('protect refuses to return a blob the key cannot decrypt back (Encrypt allowed, Decrypt denied)', async () => {
    await withFake((op) => (op === 'Decrypt' ? awsError('AccessDeniedException') : undefined), async (p) => {
      const err = await rejection(p.protect(new Uint8Array(randomBytes(32)), config), ProviderUnavailableError);
      assert.match(err.reason, /cannot decrypt it back.*AccessDeniedException/);
    });
  });

  it('a Decrypt answer from a different key is rejected', async () => {
    await withFake((op, req) => {
      if (op !== 'Decrypt') return undefined;
      const blob = Buffer.from(String(req['CiphertextBlob']), 'base64');
      return { status: 200, body: { Plaintext: blob.subarray(5).toString('base64'), KeyId: FAKE_ARN.replace('1234abcd', 'ffffffff') } };
    }, async (p) => {
      await rejection(p.recover(fakeSealed(), noInput, config), UnsealRejectedError);
    });
  });
});

function awsCli(args: string[]): Promise<string> {
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY,
    AWS_DEFAULT_REGION: region,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_PAGER: '',
  };
  return new Promise((resolve, reject) => {
    execFile('aws', args, { env, timeout: 60_000 }, (err, stdout, stderr) => {
      if ((err as NodeJS.ErrnoException | null)?.code === 'ENOENT') reject(new Error('the AWS CLI (`aws`) is not installed or not on PATH'));
      else if (err) reject(new Error(`aws ${args.slice(4, 6).join(' ')} failed: ${stderr.trim()}`));
      else resolve(stdout);
    });
  });
}
