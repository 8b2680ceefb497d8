/**
 * End to end: the AWS KMS-compatible endpoint (POST /, AWS JSON 1.1, SigV4) of the spawned built
 * server, driven by unmodified real clients: @aws-sdk/client-kms with `endpoint` set, and the AWS
 * CLI (`aws --endpoint-url ... kms ...`). Credentials are created through the Strongbox API
 * (POST /v1/aws-credentials) and the CLI (`strongbox aws-credentials create`). A DIGEST signature
 * from a secp256k1 key is verified by openssl against the DER public key from GetPublicKey.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateRandomCommand,
  GetPublicKeyCommand,
  KMSClient,
  ListAliasesCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  ReEncryptCommand,
  ScheduleKeyDeletionCommand,
  SignCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
  UpdateKeyDescriptionCommand,
  VerifyCommand,
} from '@aws-sdk/client-kms';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { p256 } from '@noble/curves/nist.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { StrongboxClient } from '../../src/sdk/client.js';
import { cliPath } from '../helpers/paths.js';
import { spawnServer, type SpawnedServer } from '../helpers/server.js';

const run = promisify(execFile);
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const sha256 = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest());

/** The AWS exception name a rejected SDK call carries. */
async function awsError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { name: string }).name;
  }
  assert.fail('expected the call to fail');
}

describe('AWS KMS-compatible endpoint', () => {
  let server: SpawnedServer;
  let dir: string;
  let sb: StrongboxClient;
  let rootToken: string;
  let creds: { accessKeyId: string; secretAccessKey: string };
  let kms: KMSClient;
  const kmsWith = (c: { accessKeyId: string; secretAccessKey: string }, region = 'us-east-1') =>
    new KMSClient({ endpoint: server.addr, region, credentials: c, maxAttempts: 1 });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strongbox-e2e-aws-'));
    server = await spawnServer(['--data-dir', join(dir, 'data'), '--log-level', 'warn'], { STRONGBOX_MIN_PENDING_DAYS: '7' });
    const anon = new StrongboxClient({ addr: server.addr });
    const init = await anon.init({ shares: 1, threshold: 1 });
    await anon.unseal(init.shares[0]!);
    rootToken = init.rootToken;
    sb = new StrongboxClient({ addr: server.addr, token: rootToken });
    const c = await sb.createAwsCredentials();
    assert.match(c.accessKeyId, /^SBX[A-Z2-7]{17}$/);
    assert.equal(c.secretAccessKey.length, 40);
    assert.deepEqual(c.policies, ['root']);
    creds = c;
    kms = kmsWith(creds);
  });

  after(async () => {
    kms?.destroy();
    if (server !== undefined) await server.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  describe('@aws-sdk/client-kms', () => {
    it('CreateKey, DescribeKey, ListKeys for every key spec', async () => {
      for (const [spec, usage] of [['SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT'], ['ECC_SECG_P256K1', 'SIGN_VERIFY'], ['ECC_NIST_P256', 'SIGN_VERIFY'], ['ECC_NIST_EDWARDS25519', 'SIGN_VERIFY']] as const) {
        const created = await kms.send(new CreateKeyCommand({ KeySpec: spec, KeyUsage: usage, Description: `d-${spec}`, Tags: [{ TagKey: 'spec', TagValue: spec }] }));
        const md = created.KeyMetadata!;
        assert.match(md.KeyId!, /^[0-9a-f-]{36}$/);
        assert.equal(md.Arn, `arn:aws:kms:us-east-1:000000000000:key/${md.KeyId}`);
        assert.equal(md.KeySpec, spec);
        assert.equal(md.KeyUsage, usage);
        assert.equal(md.KeyState, 'Enabled');
        assert.equal(md.Enabled, true);
        assert.ok(md.CreationDate instanceof Date);
        const described = await kms.send(new DescribeKeyCommand({ KeyId: md.Arn }));
        assert.equal(described.KeyMetadata!.Description, `d-${spec}`);
      }
      const listed = await kms.send(new ListKeysCommand({ Limit: 2 }));
      assert.equal(listed.Keys!.length, 2);
      assert.equal(listed.Truncated, true);
      const rest = await kms.send(new ListKeysCommand({ Marker: listed.NextMarker! }));
      assert.equal(rest.Keys!.length, 2);
      assert.equal(await awsError(kms.send(new CreateKeyCommand({ KeySpec: 'ECC_SECG_P256K1', KeyUsage: 'ENCRYPT_DECRYPT' }))), 'ValidationException');
      assert.equal(await awsError(kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048' }))), 'UnsupportedOperationException');
    });

    it('secp256k1: Sign RAW and DIGEST (DER), Verify, GetPublicKey; checked with @noble/curves', async () => {
      const { KeyMetadata } = await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_SECG_P256K1', KeyUsage: 'SIGN_VERIFY' }));
      const keyId = KeyMetadata!.KeyId!;
      const pub = await kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
      assert.equal(pub.KeySpec, 'ECC_SECG_P256K1');
      assert.deepEqual(pub.SigningAlgorithms, ['ECDSA_SHA_256']);
      const point = pub.PublicKey!.subarray(pub.PublicKey!.length - 65);
      const message = utf8('hello aws');
      const raw = await kms.send(new SignCommand({ KeyId: keyId, Message: message, MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' }));
      assert.equal(raw.SigningAlgorithm, 'ECDSA_SHA_256');
      assert.ok(secp256k1.verify(raw.Signature!, sha256(message), point, { format: 'der', prehash: false }));
      const digest = sha256(utf8('digest me'));
      const dig = await kms.send(new SignCommand({ KeyId: keyId, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' }));
      assert.ok(secp256k1.verify(dig.Signature!, digest, point, { format: 'der', prehash: false }));
      const ok = await kms.send(new VerifyCommand({ KeyId: keyId, Message: message, MessageType: 'RAW', Signature: raw.Signature!, SigningAlgorithm: 'ECDSA_SHA_256' }));
      assert.equal(ok.SignatureValid, true);
      const bad = new Uint8Array(dig.Signature!);
      bad[bad.length - 1]! ^= 1;
      assert.equal(await awsError(kms.send(new VerifyCommand({ KeyId: keyId, Message: digest, MessageType: 'DIGEST', Signature: bad, SigningAlgorithm: 'ECDSA_SHA_256' }))), 'KMSInvalidSignatureException');
      assert.equal(await awsError(kms.send(new VerifyCommand({ KeyId: keyId, Message: utf8('other'), MessageType: 'RAW', Signature: raw.Signature!, SigningAlgorithm: 'ECDSA_SHA_256' }))), 'KMSInvalidSignatureException');
      assert.equal(await awsError(kms.send(new SignCommand({ KeyId: keyId, Message: message, MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' }))), 'ValidationException');
      assert.equal(await awsError(kms.send(new SignCommand({ KeyId: keyId, Message: message, SigningAlgorithm: 'ECDSA_SHA_384' }))), 'InvalidKeyUsageException');
    });

    it('P-256 and Ed25519 signatures verify with @noble/curves', async () => {
      const p = (await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata!.KeyId!;
      const pPub = (await kms.send(new GetPublicKeyCommand({ KeyId: p }))).PublicKey!;
      const m = utf8('p256 message');
      const pSig = (await kms.send(new SignCommand({ KeyId: p, Message: m, SigningAlgorithm: 'ECDSA_SHA_256' }))).Signature!;
      assert.ok(p256.verify(pSig, sha256(m), pPub.subarray(pPub.length - 65), { format: 'der', prehash: false }));
      const e = (await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_EDWARDS25519', KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata!.KeyId!;
      const ePub = (await kms.send(new GetPublicKeyCommand({ KeyId: e }))).PublicKey!;
      const eSig = (await kms.send(new SignCommand({ KeyId: e, Message: m, MessageType: 'RAW', SigningAlgorithm: 'ED25519_SHA_512' }))).Signature!;
      assert.equal(eSig.length, 64);
      assert.ok(ed25519.verify(eSig, m, ePub.subarray(ePub.length - 32)));
      assert.equal((await kms.send(new VerifyCommand({ KeyId: e, Message: m, Signature: eSig, SigningAlgorithm: 'ED25519_SHA_512' }))).SignatureValid, true);
    });

    it('Encrypt/Decrypt (Decrypt without KeyId), EncryptionContext as AAD, ReEncrypt, data keys, GenerateRandom', async () => {
      const k1 = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
      const k2 = (await kms.send(new CreateKeyCommand({ KeySpec: 'SYMMETRIC_DEFAULT' }))).KeyMetadata!.KeyId!;
      const ctx = { purpose: 'test', tenant: 'a' };
      const enc = await kms.send(new EncryptCommand({ KeyId: k1, Plaintext: utf8('secret data'), EncryptionContext: ctx }));
      assert.equal(enc.KeyId, `arn:aws:kms:us-east-1:000000000000:key/${k1}`);
      const dec = await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob!, EncryptionContext: { tenant: 'a', purpose: 'test' } }));
      assert.equal(new TextDecoder().decode(dec.Plaintext), 'secret data');
      assert.equal(dec.KeyId, enc.KeyId);
      assert.equal(await awsError(kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob! }))), 'InvalidCiphertextException');
      assert.equal(await awsError(kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob!, EncryptionContext: ctx, KeyId: k2 }))), 'IncorrectKeyException');
      const tampered = new Uint8Array(enc.CiphertextBlob!);
      tampered[tampered.length - 1]! ^= 1;
      assert.equal(await awsError(kms.send(new DecryptCommand({ CiphertextBlob: tampered, EncryptionContext: ctx }))), 'InvalidCiphertextException');
      assert.equal(await awsError(kms.send(new DecryptCommand({ CiphertextBlob: utf8('not a blob at all, really') }))), 'InvalidCiphertextException');

      const re = await kms.send(new ReEncryptCommand({ CiphertextBlob: enc.CiphertextBlob!, SourceEncryptionContext: ctx, DestinationKeyId: k2 }));
      assert.equal(re.SourceKeyId, enc.KeyId);
      assert.equal(re.KeyId, `arn:aws:kms:us-east-1:000000000000:key/${k2}`);
      assert.equal(new TextDecoder().decode((await kms.send(new DecryptCommand({ CiphertextBlob: re.CiphertextBlob!, KeyId: k2 }))).Plaintext), 'secret data');

      const dk = await kms.send(new GenerateDataKeyCommand({ KeyId: k1, KeySpec: 'AES_256' }));
      assert.equal(dk.Plaintext!.length, 32);
      assert.deepEqual((await kms.send(new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob! }))).Plaintext, dk.Plaintext);
      const dk16 = await kms.send(new GenerateDataKeyCommand({ KeyId: k1, NumberOfBytes: 16 }));
      assert.equal(dk16.Plaintext!.length, 16);
      const wp = await kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: k1, KeySpec: 'AES_128', EncryptionContext: ctx }));
      assert.equal('Plaintext' in wp, false);
      assert.equal((await kms.send(new DecryptCommand({ CiphertextBlob: wp.CiphertextBlob!, EncryptionContext: ctx }))).Plaintext!.length, 16);
      const rnd = await kms.send(new GenerateRandomCommand({ NumberOfBytes: 48 }));
      assert.equal(rnd.Plaintext!.length, 48);
      const signKey = (await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata!.KeyId!;
      assert.equal(await awsError(kms.send(new EncryptCommand({ KeyId: signKey, Plaintext: utf8('x') }))), 'InvalidKeyUsageException');
      assert.equal(await awsError(kms.send(new GetPublicKeyCommand({ KeyId: k1 }))), 'UnsupportedOperationException');
    });

    it('aliases: CreateAlias, use alias/ and alias ARNs, UpdateAlias, ListAliases, DeleteAlias', async () => {
      const a = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
      const b = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
      await kms.send(new CreateAliasCommand({ AliasName: 'alias/app-key', TargetKeyId: a }));
      assert.equal(await awsError(kms.send(new CreateAliasCommand({ AliasName: 'alias/app-key', TargetKeyId: b }))), 'AlreadyExistsException');
      const enc = await kms.send(new EncryptCommand({ KeyId: 'alias/app-key', Plaintext: utf8('via alias') }));
      assert.equal(enc.KeyId!.endsWith(a), true);
      const byArn = await kms.send(new DescribeKeyCommand({ KeyId: 'arn:aws:kms:us-east-1:000000000000:alias/app-key' }));
      assert.equal(byArn.KeyMetadata!.KeyId, a);
      const listed = await kms.send(new ListAliasesCommand({}));
      assert.ok(listed.Aliases!.some((x) => x.AliasName === 'alias/app-key' && x.TargetKeyId === a && x.AliasArn === 'arn:aws:kms:us-east-1:000000000000:alias/app-key'));
      await kms.send(new UpdateAliasCommand({ AliasName: 'alias/app-key', TargetKeyId: b }));
      assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: 'alias/app-key' }))).KeyMetadata!.KeyId, b);
      assert.deepEqual((await kms.send(new ListAliasesCommand({ KeyId: b }))).Aliases!.map((x) => x.AliasName), ['alias/app-key']);
      await kms.send(new DeleteAliasCommand({ AliasName: 'alias/app-key' }));
      assert.equal(await awsError(kms.send(new DescribeKeyCommand({ KeyId: 'alias/app-key' }))), 'NotFoundException');
      assert.equal(await awsError(kms.send(new DeleteAliasCommand({ AliasName: 'alias/app-key' }))), 'NotFoundException');
      assert.equal(await awsError(kms.send(new CreateAliasCommand({ AliasName: 'no-prefix', TargetKeyId: a }))), 'ValidationException');
    });

    it('tags and description: TagResource, UntagResource, ListResourceTags, UpdateKeyDescription', async () => {
      const k = (await kms.send(new CreateKeyCommand({ Tags: [{ TagKey: 'a', TagValue: '1' }] }))).KeyMetadata!.KeyId!;
      await kms.send(new TagResourceCommand({ KeyId: k, Tags: [{ TagKey: 'b', TagValue: '2' }] }));
      assert.deepEqual((await kms.send(new ListResourceTagsCommand({ KeyId: k }))).Tags, [{ TagKey: 'a', TagValue: '1' }, { TagKey: 'b', TagValue: '2' }]);
      await kms.send(new UntagResourceCommand({ KeyId: k, TagKeys: ['a'] }));
      assert.deepEqual((await kms.send(new ListResourceTagsCommand({ KeyId: k }))).Tags, [{ TagKey: 'b', TagValue: '2' }]);
      await kms.send(new UpdateKeyDescriptionCommand({ KeyId: k, Description: 'new words' }));
      assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: k }))).KeyMetadata!.Description, 'new words');
    });

    it('lifecycle: DisableKey → DisabledException, EnableKey, ScheduleKeyDeletion → KMSInvalidStateException, CancelKeyDeletion', async () => {
      const k = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
      await kms.send(new DisableKeyCommand({ KeyId: k }));
      assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: k }))).KeyMetadata!.KeyState, 'Disabled');
      assert.equal(await awsError(kms.send(new EncryptCommand({ KeyId: k, Plaintext: utf8('x') }))), 'DisabledException');
      await kms.send(new EnableKeyCommand({ KeyId: k }));
      await kms.send(new EncryptCommand({ KeyId: k, Plaintext: utf8('x') }));
      const sched = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: k, PendingWindowInDays: 7 }));
      assert.equal(sched.KeyState, 'PendingDeletion');
      assert.equal(sched.PendingWindowInDays, 7);
      assert.ok(sched.DeletionDate instanceof Date && sched.DeletionDate.getTime() > Date.now() + 6 * 86_400_000);
      assert.equal(await awsError(kms.send(new EncryptCommand({ KeyId: k, Plaintext: utf8('x') }))), 'KMSInvalidStateException');
      assert.equal(await awsError(kms.send(new EnableKeyCommand({ KeyId: k }))), 'KMSInvalidStateException');
      await kms.send(new CancelKeyDeletionCommand({ KeyId: k }));
      assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: k }))).KeyMetadata!.KeyState, 'Disabled');
    });

    it('errors: unknown key → NotFoundException; wrong secret → signature error; unknown access key → UnrecognizedClientException', async () => {
      assert.equal(await awsError(kms.send(new DescribeKeyCommand({ KeyId: '00000000-0000-4000-8000-000000000000' }))), 'NotFoundException');
      assert.equal(await awsError(kms.send(new SignCommand({ KeyId: 'alias/nope', Message: utf8('m'), SigningAlgorithm: 'ECDSA_SHA_256' }))), 'NotFoundException');
      const wrong = kmsWith({ accessKeyId: creds.accessKeyId, secretAccessKey: 'A'.repeat(40) });
      assert.equal(await awsError(wrong.send(new ListKeysCommand({}))), 'InvalidSignatureException');
      wrong.destroy();
      const unknown = kmsWith({ accessKeyId: 'SBXAAAAAAAAAAAAAAAAA', secretAccessKey: creds.secretAccessKey });
      assert.equal(await awsError(unknown.send(new ListKeysCommand({}))), 'UnrecognizedClientException');
      unknown.destroy();
      const other = kmsWith(creds, 'eu-central-1');
      const md = (await other.send(new CreateKeyCommand({}))).KeyMetadata!;
      assert.equal(md.Arn, `arn:aws:kms:eu-central-1:000000000000:key/${md.KeyId}`);
      other.destroy();
    });

    it('clock skew over 5 minutes → InvalidSignatureException (Signature expired); raw protocol errors', async () => {
      const skewed = new KMSClient({ endpoint: server.addr, region: 'us-east-1', credentials: creds, maxAttempts: 1, systemClockOffset: 6 * 60_000 });
      const err = await skewed.send(new ListKeysCommand({})).catch((e: Error) => e);
      skewed.destroy();
      assert.equal((err as Error).name, 'InvalidSignatureException');
      assert.match((err as Error).message, /Signature expired/);
      const post = (headers: Record<string, string>, body = '{}') => fetch(`${server.addr}/`, { method: 'POST', headers, body });
      const noAuth = await post({ 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.ListKeys' });
      assert.equal(noAuth.status, 400);
      assert.equal(((await noAuth.json()) as { __type: string }).__type, 'MissingAuthenticationTokenException');
      assert.ok(noAuth.headers.get('x-amzn-requestid'));
      const unknownOp = await post({ 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.GenerateMac' });
      assert.equal(((await unknownOp.json()) as { __type: string }).__type, 'UnknownOperationException');
      const json = await post({ 'content-type': 'application/json', 'x-amz-target': 'TrentService.ListKeys' });
      assert.equal(((await json.json()) as { __type: string }).__type, 'UnsupportedMediaTypeException');
      const page = await sb.listAudit({ limit: 1000, outcome: 'denied' });
      const ops = (page.records as { operation: string; code: string | null }[]).filter((r) => r.operation.startsWith('aws.')).map((r) => [r.operation, r.code]);
      assert.ok(ops.some(([op, code]) => op === 'aws.ListKeys' && code === 'UNAUTHENTICATED'), JSON.stringify(ops));
    });

    it('credentials are bound to policies: a read-only credential is denied Sign (AccessDeniedException), audited as denied', async () => {
      await sb.putPolicy('kms-reader', { statements: [{ effect: 'allow', actions: ['keys:read'], resources: ['key:*'] }] });
      const ro = await sb.createAwsCredentials({ policies: ['kms-reader'] });
      assert.deepEqual(ro.policies, ['kms-reader']);
      const roKms = kmsWith(ro);
      const k = (await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata!.KeyId!;
      assert.equal((await roKms.send(new DescribeKeyCommand({ KeyId: k }))).KeyMetadata!.KeyId, k);
      assert.equal(await awsError(roKms.send(new SignCommand({ KeyId: k, Message: utf8('m'), SigningAlgorithm: 'ECDSA_SHA_256' }))), 'AccessDeniedException');
      assert.equal(await awsError(roKms.send(new CreateKeyCommand({}))), 'AccessDeniedException');
      roKms.destroy();
      const page = await sb.listAudit({ limit: 1000, principal: `aws.${ro.accessKeyId}` });
      const records = page.records as { operation: string; outcome: string; action: string; resource: string; inputs: Record<string, string> | null }[];
      assert.deepEqual(records.map((r) => [r.operation, r.outcome, r.action]), [
        ['aws.DescribeKey', 'success', 'keys:read'],
        ['aws.Sign', 'denied', 'keys:sign'],
        ['aws.CreateKey', 'denied', 'keys:create'],
      ]);
      assert.equal(records[1]!.resource, `key:${k}`);
      assert.ok(records[1]!.inputs?.['Message'] !== undefined, 'the message is recorded only as an HMAC');
    });
  });

  describe('AWS CLI and openssl', () => {
    let env: NodeJS.ProcessEnv;
    const aws = async (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
      try {
        const r = await run('aws', ['--endpoint-url', server.addr, '--output', 'json', 'kms', ...args], { env, timeout: 60_000 });
        return { code: 0, stdout: r.stdout, stderr: r.stderr };
      } catch (err) {
        const e = err as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
      }
    };
    let fileSeq = 0;
    /** AWS CLI v1 takes binary parameters from files (fileb://); its JSON output is base64. */
    const fileb = (data: Buffer | string): string => {
      const path = join(dir, `blob-${++fileSeq}.bin`);
      writeFileSync(path, typeof data === 'string' ? Buffer.from(data, 'base64') : data);
      return `fileb://${path}`;
    };
    const ok = async (args: string[]): Promise<any> => {
      const r = await aws(args);
      assert.equal(r.code, 0, `aws kms ${args.join(' ')}: ${r.stderr}`);
      return r.stdout.trim() === '' ? {} : JSON.parse(r.stdout);
    };

    before(async () => {
      // Credentials from the CLI this time.
      const out = await run(process.execPath, [cliPath, 'aws-credentials', 'create', '--addr', server.addr, '--json', '--policy', 'root'], { env: { ...process.env, STRONGBOX_TOKEN: rootToken } });
      const c = JSON.parse(out.stdout) as { accessKeyId: string; secretAccessKey: string; policies: string[] };
      assert.deepEqual(c.policies, ['root']);
      env = { ...process.env, AWS_ACCESS_KEY_ID: c.accessKeyId, AWS_SECRET_ACCESS_KEY: c.secretAccessKey, AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'us-west-2', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_PAGER: '', AWS_MAX_ATTEMPTS: '1' };
    });

    it('every implemented operation through `aws kms`', async () => {
      const sym = (await ok(['create-key', '--description', 'cli key'])).KeyMetadata.KeyId as string;
      assert.equal((await ok(['describe-key', '--key-id', sym])).KeyMetadata.Description, 'cli key');
      assert.ok((await ok(['list-keys'])).Keys.some((k: { KeyId: string }) => k.KeyId === sym));
      const pt = Buffer.from('cli secret').toString('base64');
      const enc = await ok(['encrypt', '--key-id', sym, '--plaintext', fileb(pt), '--encryption-context', 'app=cli']);
      assert.equal(enc.KeyId, `arn:aws:kms:us-west-2:000000000000:key/${sym}`);
      const dec = await ok(['decrypt', '--ciphertext-blob', fileb(enc.CiphertextBlob), '--encryption-context', 'app=cli']);
      assert.equal(Buffer.from(dec.Plaintext, 'base64').toString(), 'cli secret');
      const sym2 = (await ok(['create-key'])).KeyMetadata.KeyId as string;
      const re = await ok(['re-encrypt', '--ciphertext-blob', fileb(enc.CiphertextBlob), '--source-encryption-context', 'app=cli', '--destination-key-id', sym2]);
      assert.equal(Buffer.from((await ok(['decrypt', '--ciphertext-blob', fileb(re.CiphertextBlob)])).Plaintext, 'base64').toString(), 'cli secret');
      const dk = await ok(['generate-data-key', '--key-id', sym, '--key-spec', 'AES_256']);
      assert.equal(Buffer.from(dk.Plaintext, 'base64').length, 32);
      assert.ok((await ok(['generate-data-key-without-plaintext', '--key-id', sym, '--number-of-bytes', '24'])).CiphertextBlob);
      assert.equal(Buffer.from((await ok(['generate-random', '--number-of-bytes', '20'])).Plaintext, 'base64').length, 20);
      await ok(['create-alias', '--alias-name', 'alias/cli', '--target-key-id', sym]);
      assert.ok((await ok(['list-aliases'])).Aliases.some((a: { AliasName: string }) => a.AliasName === 'alias/cli'));
      await ok(['update-alias', '--alias-name', 'alias/cli', '--target-key-id', sym2]);
      assert.equal((await ok(['describe-key', '--key-id', 'alias/cli'])).KeyMetadata.KeyId, sym2);
      await ok(['delete-alias', '--alias-name', 'alias/cli']);
      await ok(['tag-resource', '--key-id', sym, '--tags', 'TagKey=team,TagValue=kms']);
      assert.deepEqual((await ok(['list-resource-tags', '--key-id', sym])).Tags, [{ TagKey: 'team', TagValue: 'kms' }]);
      await ok(['untag-resource', '--key-id', sym, '--tag-keys', 'team']);
      assert.deepEqual((await ok(['list-resource-tags', '--key-id', sym])).Tags, []);
      await ok(['update-key-description', '--key-id', sym, '--description', 'changed']);
      await ok(['disable-key', '--key-id', sym]);
      const disabled = await aws(['encrypt', '--key-id', sym, '--plaintext', fileb(pt)]);
      assert.notEqual(disabled.code, 0);
      assert.match(disabled.stderr, /DisabledException/);
      await ok(['enable-key', '--key-id', sym]);
      assert.equal((await ok(['schedule-key-deletion', '--key-id', sym, '--pending-window-in-days', '7'])).KeyState, 'PendingDeletion');
      await ok(['cancel-key-deletion', '--key-id', sym]);

      const ed = (await ok(['create-key', '--key-spec', 'ECC_NIST_EDWARDS25519', '--key-usage', 'SIGN_VERIFY'])).KeyMetadata.KeyId as string;
      const msg = Buffer.from('ed message').toString('base64');
      const sig = await ok(['sign', '--key-id', ed, '--message', fileb(msg), '--message-type', 'RAW', '--signing-algorithm', 'ED25519_SHA_512']);
      assert.equal((await ok(['verify', '--key-id', ed, '--message', fileb(msg), '--message-type', 'RAW', '--signature', fileb(sig.Signature), '--signing-algorithm', 'ED25519_SHA_512'])).SignatureValid, true);
      const wrongSig = Buffer.from(sig.Signature, 'base64');
      wrongSig[0]! ^= 1;
      const bad = await aws(['verify', '--key-id', ed, '--message', fileb(msg), '--signature', fileb(wrongSig), '--signing-algorithm', 'ED25519_SHA_512']);
      assert.match(bad.stderr, /KMSInvalidSignatureException/);
      assert.ok((await ok(['get-public-key', '--key-id', ed])).PublicKey);
    });

    it('error cases: unknown key → NotFoundException, wrong secret → InvalidSignatureException', async () => {
      const nf = await aws(['describe-key', '--key-id', '00000000-0000-4000-8000-000000000000']);
      assert.notEqual(nf.code, 0);
      assert.match(nf.stderr, /NotFoundException/);
      const saved = env;
      env = { ...env, AWS_SECRET_ACCESS_KEY: 'B'.repeat(40) };
      const sigErr = await aws(['list-keys']);
      env = saved;
      assert.notEqual(sigErr.code, 0);
      assert.match(sigErr.stderr, /InvalidSignatureException/);
    });

    it('a secp256k1 DIGEST signature verifies with openssl against the GetPublicKey DER', async () => {
      const k = (await ok(['create-key', '--key-spec', 'ECC_SECG_P256K1', '--key-usage', 'SIGN_VERIFY'])).KeyMetadata.KeyId as string;
      const der = Buffer.from((await ok(['get-public-key', '--key-id', k])).PublicKey, 'base64');
      const digest = createHash('sha256').update('openssl checks this').digest();
      const sig = await ok(['sign', '--key-id', k, '--message', fileb(digest), '--message-type', 'DIGEST', '--signing-algorithm', 'ECDSA_SHA_256']);
      const pem = `-----BEGIN PUBLIC KEY-----\n${der.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END PUBLIC KEY-----\n`;
      writeFileSync(join(dir, 'pub.pem'), pem);
      writeFileSync(join(dir, 'digest.bin'), digest);
      writeFileSync(join(dir, 'sig.der'), Buffer.from(sig.Signature, 'base64'));
      const r = await run('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', join(dir, 'pub.pem'), '-in', join(dir, 'digest.bin'), '-sigfile', join(dir, 'sig.der')]);
      assert.match(r.stdout, /Signature Verified Successfully/);
      const flipped = Buffer.from(digest);
      flipped[0]! ^= 1;
      writeFileSync(join(dir, 'digest.bin'), flipped);
      await assert.rejects(run('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', join(dir, 'pub.pem'), '-in', join(dir, 'digest.bin'), '-sigfile', join(dir, 'sig.der')]));
    });
  });
});
