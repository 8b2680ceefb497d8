/**
 * End to end: the AWS KMS-compatible endpoint (POST /, AWS JSON 1.1, SigV4) of the spawned built
 * server, driven by unmodified real clients: @aws-sdk/client-kms with `endpoint` set, and the AWS
 * CLI (`aws --endpoint-url ... kms ...`). Credentials are created through the Strongbox API
 * (POST /v1/aws-credentials) and the CLI (`strongbox aws-credentials create`). A DIGEST signature
 * from a secp256k1 key is verified by openssl against the DER public key from GetPublicKey.
 * HMAC_256 keys: GenerateMac output is checked by VerifyMac, by the native verify-mac route and, for
 * an imported known key, by @noble/hashes. Credential lifecycle: expiry (capped by the creating
 * token), revocation (directly and with the token), listing without secrets; keyring rotation
 * re-wraps credential secrets and they keep authenticating.
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
  GenerateMacCommand,
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
  VerifyMacCommand,
} from '@aws-sdk/client-kms';
import Database from 'better-sqlite3';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { SQLITE_FILE } from '../../src/storage/sqlite/index.js';
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
      assert.equal(await awsError(kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P384' }))), 'UnsupportedOperationException');
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

    it('HMAC_256: CreateKey, DescribeKey (MacAlgorithms), GenerateMac, VerifyMac; cross-checked by the native route and @noble/hashes', async () => {
      const created = await kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Description: 'mac key' }));
      const md = created.KeyMetadata!;
      assert.equal(md.KeySpec, 'HMAC_256');
      assert.equal(md.KeyUsage, 'GENERATE_VERIFY_MAC');
      assert.deepEqual(md.MacAlgorithms, ['HMAC_SHA_256']);
      assert.equal(md.SigningAlgorithms, undefined);
      assert.equal(md.EncryptionAlgorithms, undefined);
      const described = (await kms.send(new DescribeKeyCommand({ KeyId: md.KeyId! }))).KeyMetadata!;
      assert.deepEqual(described.MacAlgorithms, ['HMAC_SHA_256']);
      assert.equal((await sb.getKey(md.KeyId!)).type, 'hmac256');

      const message = utf8('authenticate me');
      const gen = await kms.send(new GenerateMacCommand({ KeyId: md.KeyId!, Message: message, MacAlgorithm: 'HMAC_SHA_256' }));
      assert.equal(gen.KeyId, md.Arn);
      assert.equal(gen.MacAlgorithm, 'HMAC_SHA_256');
      assert.equal(gen.Mac!.length, 32);
      const ok = await kms.send(new VerifyMacCommand({ KeyId: md.KeyId!, Message: message, Mac: gen.Mac!, MacAlgorithm: 'HMAC_SHA_256' }));
      assert.equal(ok.MacValid, true);
      assert.equal(ok.KeyId, md.Arn);
      assert.equal(ok.MacAlgorithm, 'HMAC_SHA_256');
      // The native route agrees, byte for byte.
      const hexOf = (b: Uint8Array): string => `0x${Buffer.from(b).toString('hex')}`;
      assert.equal((await sb.mac(md.KeyId!, { message: hexOf(message) })).mac, hexOf(gen.Mac!));
      assert.equal((await sb.verifyMac(md.KeyId!, { message: hexOf(message), mac: hexOf(gen.Mac!) })).valid, true);

      const bad = new Uint8Array(gen.Mac!);
      bad[0]! ^= 1;
      assert.equal(await awsError(kms.send(new VerifyMacCommand({ KeyId: md.KeyId!, Message: message, Mac: bad, MacAlgorithm: 'HMAC_SHA_256' }))), 'KMSInvalidMacException');
      assert.equal(await awsError(kms.send(new VerifyMacCommand({ KeyId: md.KeyId!, Message: utf8('other'), Mac: gen.Mac!, MacAlgorithm: 'HMAC_SHA_256' }))), 'KMSInvalidMacException');
      assert.equal(await awsError(kms.send(new VerifyMacCommand({ KeyId: md.KeyId!, Message: message, Mac: gen.Mac!.subarray(0, 16), MacAlgorithm: 'HMAC_SHA_256' }))), 'KMSInvalidMacException');
      assert.equal(await awsError(kms.send(new GenerateMacCommand({ KeyId: md.KeyId!, Message: message, MacAlgorithm: 'HMAC_SHA_512' }))), 'InvalidKeyUsageException');
      assert.equal(await awsError(kms.send(new GenerateMacCommand({ KeyId: md.KeyId!, Message: message, MacAlgorithm: 'HMAC_MD5' as 'HMAC_SHA_256' }))), 'ValidationException');
      assert.equal(await awsError(kms.send(new GenerateMacCommand({ KeyId: md.KeyId!, Message: new Uint8Array(4097), MacAlgorithm: 'HMAC_SHA_256' }))), 'ValidationException');
      // Wrong key usage, both ways.
      const sym = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
      const ec = (await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata!.KeyId!;
      for (const k of [sym, ec]) {
        assert.equal(await awsError(kms.send(new GenerateMacCommand({ KeyId: k, Message: message, MacAlgorithm: 'HMAC_SHA_256' }))), 'InvalidKeyUsageException');
        assert.equal(await awsError(kms.send(new VerifyMacCommand({ KeyId: k, Message: message, Mac: gen.Mac!, MacAlgorithm: 'HMAC_SHA_256' }))), 'InvalidKeyUsageException');
      }
      assert.equal(await awsError(kms.send(new EncryptCommand({ KeyId: md.KeyId!, Plaintext: message }))), 'InvalidKeyUsageException');
      assert.equal(await awsError(kms.send(new SignCommand({ KeyId: md.KeyId!, Message: message, SigningAlgorithm: 'ECDSA_SHA_256' }))), 'InvalidKeyUsageException');
      assert.equal(await awsError(kms.send(new GetPublicKeyCommand({ KeyId: md.KeyId! }))), 'UnsupportedOperationException');
      assert.equal(await awsError(kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'SIGN_VERIFY' }))), 'ValidationException');

      // A known key imported through the native API: GenerateMac equals an independent HMAC.
      const secret = new Uint8Array(32).map((_, i) => 0xa0 ^ i);
      const imported = await sb.importKey({ type: 'hmac256', privateKey: hexOf(secret) });
      const known = await kms.send(new GenerateMacCommand({ KeyId: imported.id, Message: message, MacAlgorithm: 'HMAC_SHA_256' }));
      assert.deepEqual(new Uint8Array(known.Mac!), hmac(nobleSha256, secret, message));
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
      const unknownOp = await post({ 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.GenerateDataKeyPair' });
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

    it('HMAC: `aws kms generate-mac` and `verify-mac`, KMSInvalidMacException on a wrong MAC', async () => {
      const k = (await ok(['create-key', '--key-spec', 'HMAC_256', '--key-usage', 'GENERATE_VERIFY_MAC'])).KeyMetadata;
      assert.deepEqual(k.MacAlgorithms, ['HMAC_SHA_256']);
      const msg = Buffer.from('cli mac message').toString('base64');
      const gen = await ok(['generate-mac', '--key-id', k.KeyId, '--message', fileb(msg), '--mac-algorithm', 'HMAC_SHA_256']);
      assert.equal(Buffer.from(gen.Mac, 'base64').length, 32);
      const verified = await ok(['verify-mac', '--key-id', k.KeyId, '--message', fileb(msg), '--mac', fileb(gen.Mac), '--mac-algorithm', 'HMAC_SHA_256']);
      assert.equal(verified.MacValid, true);
      assert.equal((await sb.verifyMac(k.KeyId, { message: `0x${Buffer.from(msg, 'base64').toString('hex')}`, mac: `0x${Buffer.from(gen.Mac, 'base64').toString('hex')}` })).valid, true);
      const wrong = Buffer.from(gen.Mac, 'base64');
      wrong[31]! ^= 0x80;
      const bad = await aws(['verify-mac', '--key-id', k.KeyId, '--message', fileb(msg), '--mac', fileb(wrong), '--mac-algorithm', 'HMAC_SHA_256']);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /KMSInvalidMacException/);
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
  describe('credential lifecycle and keyring rotation', () => {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

    it('a credential never outlives its token: expiry defaults to and is capped by it; expired → ExpiredTokenException', async () => {
      const t = await sb.createToken({ policies: ['admin'], ttl: 3 });
      const child = new StrongboxClient({ addr: server.addr, token: t.token });
      const dflt = await child.createAwsCredentials();
      assert.equal(dflt.expiresAt, t.expiresAt);
      const capped = await child.createAwsCredentials({ ttl: 86_400 });
      assert.equal(capped.expiresAt, t.expiresAt);
      const short = await child.createAwsCredentials({ ttl: 1 });
      assert.ok(Date.parse(short.expiresAt!) < Date.parse(t.expiresAt!));
      assert.equal(short.status, 'active');
      const c = kmsWith(dflt);
      assert.equal((await c.send(new ListKeysCommand({ Limit: 1 }))).Keys!.length, 1);
      await sleep(Date.parse(t.expiresAt!) - Date.now() + 300);
      assert.equal(await awsError(c.send(new ListKeysCommand({}))), 'ExpiredTokenException');
      // The expiry is told only to the secret's holder: a wrong secret is still a signature error.
      const wrong = kmsWith({ accessKeyId: dflt.accessKeyId, secretAccessKey: 'C'.repeat(40) });
      assert.equal(await awsError(wrong.send(new ListKeysCommand({}))), 'InvalidSignatureException');
      c.destroy();
      wrong.destroy();
      const listed = new Map((await sb.listAwsCredentials({ limit: 1000 })).credentials.map((x) => [x.accessKeyId, x]));
      assert.equal(listed.get(dflt.accessKeyId)?.status, 'expired');
      assert.equal(listed.get(short.accessKeyId)?.status, 'expired');
      const audit = await sb.listAudit({ limit: 1000, outcome: 'denied' });
      assert.ok((audit.records as { code: string | null; reason: string | null }[]).some((r) => r.code === 'TOKEN_EXPIRED' && r.reason === 'sigv4: credential-expired'));
    });

    it('a token with a use or rate limit cannot create credentials (they would escape its limits)', async () => {
      for (const limits of [{ numUses: 5 }, { rateLimit: { perSecond: 10 } }]) {
        const t = await sb.createToken({ policies: ['admin'], ttl: 600, ...limits });
        const child = new StrongboxClient({ addr: server.addr, token: t.token });
        await assert.rejects(child.createAwsCredentials(), (e: any) => e.code === 'ESCALATION_DENIED' && /use or rate limit/.test(e.message));
      }
    });

    it('revocation: DELETE /v1/aws-credentials/{id} and revoking the creating token both refuse the next request (UnrecognizedClientException)', async () => {
      const direct = await sb.createAwsCredentials({ policies: ['admin'] });
      const c1 = kmsWith(direct);
      await c1.send(new ListKeysCommand({ Limit: 1 }));
      const revoked = await sb.revokeAwsCredential(direct.accessKeyId);
      assert.equal(revoked.status, 'revoked');
      assert.ok(revoked.revokedAt);
      assert.equal((await sb.revokeAwsCredential(direct.accessKeyId)).revokedAt, revoked.revokedAt, 'idempotent');
      assert.equal(await awsError(c1.send(new ListKeysCommand({}))), 'UnrecognizedClientException');
      c1.destroy();
      await assert.rejects(sb.revokeAwsCredential('SBXAAAAAAAAAAAAAAAAA'), (e: Error & { code?: string }) => e.code === 'AWS_CREDENTIAL_NOT_FOUND');

      const t = await sb.createToken({ policies: ['admin'], ttl: 600 });
      const viaToken = await new StrongboxClient({ addr: server.addr, token: t.token }).createAwsCredentials();
      assert.equal(viaToken.parentAccessor, t.accessor);
      const c2 = kmsWith(viaToken);
      await c2.send(new ListKeysCommand({ Limit: 1 }));
      await sb.revokeToken(t.accessor);
      assert.equal(await awsError(c2.send(new ListKeysCommand({}))), 'UnrecognizedClientException');
      c2.destroy();
      const page = await sb.listAwsCredentials({ limit: 1000 });
      const row = page.credentials.find((x) => x.accessKeyId === viaToken.accessKeyId)!;
      assert.equal(row.status, 'revoked');
      assert.ok(!JSON.stringify(page).includes('secretAccessKey'), 'no secret in the listing');
      assert.ok(!JSON.stringify(page).includes(viaToken.secretAccessKey));
      const denied = await sb.listAudit({ limit: 1000, outcome: 'denied' });
      assert.ok((denied.records as { code: string | null; reason: string | null }[]).some((r) => r.code === 'TOKEN_REVOKED' && r.reason === 'sigv4: revoked'));
    });

    it('`strongbox aws-credentials list` and `revoke`', async () => {
      const c = await sb.createAwsCredentials({ policies: ['admin'] });
      const cli = (args: string[]) => run(process.execPath, [cliPath, 'aws-credentials', ...args, '--addr', server.addr], { env: { ...process.env, STRONGBOX_TOKEN: rootToken } });
      const listed = JSON.parse((await cli(['list', '--json', '--limit', '1000'])).stdout) as { credentials: { accessKeyId: string; status: string }[] };
      assert.equal(listed.credentials.find((x) => x.accessKeyId === c.accessKeyId)?.status, 'active');
      assert.ok(!JSON.stringify(listed).includes(c.secretAccessKey));
      const human = (await cli(['list', '--limit', '1000'])).stdout;
      assert.match(human, new RegExp(`${c.accessKeyId}\\s+active`));
      assert.match((await cli(['revoke', c.accessKeyId])).stdout, new RegExp(`revoked ${c.accessKeyId}`));
      assert.equal((await sb.listAwsCredentials({ limit: 1000 })).credentials.find((x) => x.accessKeyId === c.accessKeyId)?.status, 'revoked');
      const k = kmsWith(c);
      assert.equal(await awsError(k.send(new ListKeysCommand({}))), 'UnrecognizedClientException');
      k.destroy();
    });

    it('`strongbox operator rotate` re-wraps credential secrets: no old-term envelope remains and credentials still authenticate', async () => {
      const before = await sb.createAwsCredentials({ policies: ['admin'] });
      const termsOnDisk = (): number[] => {
        const db = new Database(join(dir, 'data', SQLITE_FILE), { readonly: true });
        try {
          return (db.prepare('SELECT sealed_secret FROM aws_credentials').pluck().all() as Buffer[]).map((b) => b.readUInt32BE(1));
        } finally {
          db.close();
        }
      };
      const startTerm = (await sb.rotationStatus()).keyringTerm!;
      assert.ok(termsOnDisk().every((t) => t <= startTerm));
      const out = await run(process.execPath, [cliPath, 'operator', 'rotate', '--addr', server.addr, '--json'], { env: { ...process.env, STRONGBOX_TOKEN: rootToken } });
      const rotated = JSON.parse(out.stdout) as { activeTerm: number };
      assert.equal(rotated.activeTerm, startTerm + 1);
      let status = await sb.rotationStatus();
      for (let i = 0; i < 500 && (status.running || status.finishedAt === null || status.activeTerm !== rotated.activeTerm); i++) {
        await sleep(20);
        status = await sb.rotationStatus();
      }
      assert.equal(status.error, null);
      const terms = termsOnDisk();
      assert.ok(terms.length >= 5);
      assert.deepEqual([...new Set(terms)], [rotated.activeTerm], `credential envelopes on terms ${[...new Set(terms)]}`);
      for (const c of [creds, before]) {
        const k = kmsWith(c);
        assert.ok((await k.send(new ListKeysCommand({ Limit: 1 }))).Keys);
        k.destroy();
      }
      const after = await sb.createAwsCredentials({ policies: ['admin'] });
      const k = kmsWith(after);
      assert.ok((await k.send(new ListKeysCommand({ Limit: 1 }))).Keys);
      k.destroy();
    });
  });
});
