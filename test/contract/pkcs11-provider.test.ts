/**
 * The pkcs11 provider against SoftHSM2: the shared unseal-provider contract, then the HSM-specific
 * behaviour — the wrapping key is made once and found again after a restart, cannot leave the
 * token, and every way the HSM can be unusable is a ProviderUnavailableError without the PIN.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { createPkcs11Provider, Pkcs11SettingsError, PKCS11_BLOB_V1, type Pkcs11ProviderOptions } from '../../src/providers/pkcs11/index.js';
import { openPkcs11Session, pkcs11ErrorCode, pkcs11js, readBool, type Handle, type Pkcs11Session } from '../../src/providers/pkcs11/session.js';
import { ProviderUnavailableError, UnsealRejectedError, type SealConfig, type UnsealProvider } from '../../src/providers/types.js';
import { createSoftHsm, type SoftHsmToken } from '../helpers/softhsm.js';
import { unsealProviderContract } from './unseal-provider.contract.js';

const config: SealConfig = { type: 'pkcs11', shares: 3, threshold: 2 };
const none = { shares: [] };
/** structurally valid (format v1, no key id) so that recovery reaches the HSM */
const wellFormed = new Uint8Array([PKCS11_BLOB_V1, 0, ...new Uint8Array(12 + 32 + 16)]);

// Every token exists before the library is first initialized (SoftHSM2 scans its store only then).
const hsm = createSoftHsm({ tokenLabel: 'strongbox-a' });
const tokenB: SoftHsmToken = hsm.initToken('strongbox-b');
const tokenC: SoftHsmToken = hsm.initToken('strongbox-c');
const tokenA: SoftHsmToken = { tokenLabel: hsm.tokenLabel, pin: hsm.pin, soPin: hsm.soPin };

const opts = (token: SoftHsmToken, keyLabel: string, over: Partial<Pkcs11ProviderOptions> = {}): Pkcs11ProviderOptions => ({
  library: hsm.library,
  tokenLabel: token.tokenLabel,
  pin: token.pin,
  keyLabel,
  ...over,
});

const opened: UnsealProvider[] = [];
async function open(options: Pkcs11ProviderOptions): Promise<UnsealProvider> {
  const provider = await createPkcs11Provider(options);
  opened.push(provider);
  return provider;
}

/** An independent session on a token, as an HSM administrator's tool would open. */
function withToken<T>(token: SoftHsmToken, fn: (s: Pkcs11Session) => T): T {
  const s = openPkcs11Session({ library: hsm.library, tokenLabel: token.tokenLabel, pin: token.pin });
  try {
    return fn(s);
  } finally {
    s.close();
  }
}

function findKeys(s: Pkcs11Session, label: string): Handle[] {
  s.pkcs11.C_FindObjectsInit(s.session, [{ type: pkcs11js.CKA_LABEL, value: label }]);
  try {
    return s.pkcs11.C_FindObjects(s.session, 10);
  } finally {
    s.pkcs11.C_FindObjectsFinal(s.session);
  }
}

const rootKey = (): Uint8Array => new Uint8Array(randomBytes(32));

/** Asserts a ProviderUnavailableError whose message, reason, stack and cause show none of `secrets`. */
async function rejectsUnavailable(promise: Promise<unknown>, reason: RegExp, secrets: string[] = []): Promise<ProviderUnavailableError> {
  let caught: unknown;
  await assert.rejects(promise, (err) => {
    caught = err;
    return true;
  });
  assert.ok(caught instanceof ProviderUnavailableError, `expected ProviderUnavailableError, got ${inspect(caught)}`);
  assert.match(caught.reason, reason);
  const everything = `${caught.message}\n${caught.reason}\n${caught.stack ?? ''}\n${inspect(caught, { depth: 8, showHidden: true })}`;
  for (const secret of secrets) assert.equal(everything.includes(secret), false, 'the error shows a PIN');
  return caught;
}

after(async () => {
  for (const p of opened) await p.close?.();
  hsm.cleanup();
});

const contractProvider = await open(opts(tokenA, 'strongbox-root-wrap'));
unsealProviderContract('pkcs11 (SoftHSM2)', contractProvider, config);

describe('pkcs11 provider: wrapping key', () => {
  it('is created once, and a second instance (a restart) finds it by label and recovers the root key', async () => {
    const label = 'restart-key';
    const key = rootKey();
    const first = await open(opts(tokenA, label));
    const { sealedRootKey, shares } = await first.protect(key.slice(), config);
    assert.deepEqual(shares, []);
    assert.equal(withToken(tokenA, (s) => findKeys(s, label).length), 1);

    // Both alive at once (one module, one login), then the first closes under the second.
    const second = await open(opts(tokenA, label));
    assert.deepEqual(await second.recover(sealedRootKey, none, config), key);
    await first.close?.();
    assert.deepEqual(await second.recover(sealedRootKey, none, config), key, 'closing one instance leaves the other logged in');
    await second.protect(rootKey(), config);
    await second.close?.();

    // Every session closed and the library finalized: a true restart.
    const third = await open(opts(tokenA, label));
    assert.deepEqual(await third.recover(sealedRootKey, { shares: [new Uint8Array(34)] }, config), key, 'auto-unseal ignores share input');
    await third.close?.();
    assert.equal(withToken(tokenA, (s) => findKeys(s, label).length), 1, 'no second key was made');
  });

  it('is a sensitive, non-extractable AES-256 token key whose value cannot be read', async () => {
    const label = 'inspected-key';
    const provider = await open(opts(tokenA, label));
    await provider.protect(rootKey(), config);
    withToken(tokenA, (s) => {
      const [handle] = findKeys(s, label);
      assert.ok(handle);
      const attrs = s.pkcs11.C_GetAttributeValue(s.session, handle, [
        { type: pkcs11js.CKA_EXTRACTABLE },
        { type: pkcs11js.CKA_SENSITIVE },
        { type: pkcs11js.CKA_NEVER_EXTRACTABLE },
        { type: pkcs11js.CKA_ALWAYS_SENSITIVE },
        { type: pkcs11js.CKA_TOKEN },
        { type: pkcs11js.CKA_PRIVATE },
        { type: pkcs11js.CKA_WRAP },
      ]);
      const [extractable, sensitive, neverExtractable, alwaysSensitive, token, isPrivate, wrap] = attrs.map((a) => readBool(a.value));
      assert.equal(extractable, false, 'CKA_EXTRACTABLE');
      assert.equal(sensitive, true, 'CKA_SENSITIVE');
      assert.equal(neverExtractable, true, 'CKA_NEVER_EXTRACTABLE');
      assert.equal(alwaysSensitive, true, 'CKA_ALWAYS_SENSITIVE');
      assert.equal(token, true, 'CKA_TOKEN: stored in the token, survives restarts');
      assert.equal(isPrivate, true, 'CKA_PRIVATE: invisible without the user PIN');
      assert.equal(wrap, false, 'CKA_WRAP: cannot export other keys');
      assert.throws(
        () => s.pkcs11.C_GetAttributeValue(s.session, handle, [{ type: pkcs11js.CKA_VALUE }]),
        (err) => pkcs11ErrorCode(err) === 'CKR_ATTRIBUTE_SENSITIVE',
      );
    });
  });

  it('refuses to use an extractable key found under the label', async () => {
    const label = 'exportable-key';
    withToken(tokenA, (s) =>
      s.pkcs11.C_GenerateKey(s.session, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
        { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
        { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
        { type: pkcs11js.CKA_LABEL, value: label },
        { type: pkcs11js.CKA_TOKEN, value: true },
        { type: pkcs11js.CKA_PRIVATE, value: true },
        { type: pkcs11js.CKA_SENSITIVE, value: false },
        { type: pkcs11js.CKA_EXTRACTABLE, value: true },
        { type: pkcs11js.CKA_ENCRYPT, value: true },
        { type: pkcs11js.CKA_DECRYPT, value: true },
      ]),
    );
    const provider = await open(opts(tokenA, label));
    await rejectsUnavailable(provider.protect(rootKey(), config), /extractable/);
  });

  it('deleting the key from the token (cold-storage ceremony) makes recovery unavailable, and no new key is minted', async () => {
    const label = 'ceremony-key';
    const key = rootKey();
    const provider = await open(opts(tokenA, label));
    const { sealedRootKey } = await provider.protect(key.slice(), config);
    assert.deepEqual(await provider.recover(sealedRootKey, none, config), key);

    withToken(tokenA, (s) => {
      const handles = findKeys(s, label);
      assert.equal(handles.length, 1);
      s.pkcs11.C_DestroyObject(s.session, handles[0]!);
    });
    await rejectsUnavailable(provider.recover(sealedRootKey, none, config), /ceremony-key.*not found/);

    const restarted = await open(opts(tokenA, label));
    await rejectsUnavailable(restarted.recover(sealedRootKey, none, config), /not found/);
    assert.equal(withToken(tokenA, (s) => findKeys(s, label).length), 0, 'recover never creates a key');
  });
});

describe('pkcs11 provider: sealed blob', () => {
  let provider: UnsealProvider;
  let key: Uint8Array;
  let sealed: Uint8Array;
  before(async () => {
    provider = await open(opts(tokenA, 'blob-key'));
    key = rootKey();
    sealed = (await provider.protect(key.slice(), config)).sealedRootKey;
  });

  it('is self-describing: version, key id, 96-bit IV, 32-byte ciphertext, 128-bit tag', () => {
    assert.equal(sealed[0], PKCS11_BLOB_V1);
    assert.equal(sealed[1], 16, 'CKA_ID of the wrapping key');
    assert.equal(sealed.byteLength, 2 + 16 + 12 + 32 + 16);
    const keyId = withToken(tokenA, (s) => {
      const [handle] = findKeys(s, 'blob-key');
      return s.pkcs11.C_GetAttributeValue(s.session, handle!, [{ type: pkcs11js.CKA_ID }])[0]!.value;
    });
    assert.deepEqual(Buffer.from(sealed.subarray(2, 18)), keyId);
  });

  it('fails closed when any byte is altered, or the blob is cut or extended', async () => {
    const regions: [string, number][] = [['version', 0], ['key id length', 1], ['key id', 9], ['iv', 20], ['ciphertext', 40], ['tag', sealed.byteLength - 1]];
    for (const [region, at] of regions) {
      const bad = sealed.slice();
      bad[at]! ^= 0x01;
      await assert.rejects(provider.recover(bad, none, config), UnsealRejectedError, region);
    }
    await assert.rejects(provider.recover(sealed.subarray(0, sealed.byteLength - 1), none, config), UnsealRejectedError, 'truncated');
    await assert.rejects(provider.recover(new Uint8Array([...sealed, 0]), none, config), UnsealRejectedError, 'extended');
    await assert.rejects(provider.recover(new Uint8Array(0), none, config), UnsealRejectedError, 'empty');
    assert.deepEqual(await provider.recover(sealed, none, config), key, 'the HSM session is still usable after rejections');
  });

  it('a blob sealed under another token or another key is rejected', async () => {
    const sameLabelOtherToken = await open(opts(tokenB, 'blob-key'));
    await sameLabelOtherToken.protect(rootKey(), config); // creates token B's own "blob-key"
    await assert.rejects(sameLabelOtherToken.recover(sealed, none, config), UnsealRejectedError, 'key id differs');

    const otherKey = await open(opts(tokenA, 'other-key'));
    await otherKey.protect(rootKey(), config);
    await assert.rejects(otherKey.recover(sealed, none, config), UnsealRejectedError);

    // Without the key id (as for a pre-provisioned key with no CKA_ID) GCM authentication still refuses it.
    const noId = new Uint8Array([PKCS11_BLOB_V1, 0, ...sealed.subarray(18)]);
    await assert.rejects(sameLabelOtherToken.recover(noId, none, config), UnsealRejectedError, 'GCM under another key');
    await assert.rejects(provider.recover(noId, none, config), UnsealRejectedError, 'header is authenticated');
  });
});

describe('pkcs11 provider: HSM unusable', () => {
  it('a wrong PIN is ProviderUnavailableError (CKR_PIN_INCORRECT) that never shows the PIN', async () => {
    const wrongPin = `wrong-${randomBytes(6).toString('hex')}`;
    const provider = await open(opts(tokenC, 'pin-key', { pin: wrongPin }));
    const err = await rejectsUnavailable(provider.recover(wellFormed, none, config), /PIN.*CKR_PIN_INCORRECT/, [wrongPin, tokenC.pin]);
    assert.match(err.reason, /strongbox-c/, 'names the token');
    const again = await rejectsUnavailable(provider.protect(rootKey(), config), /CKR_PIN_INCORRECT/, [wrongPin, tokenC.pin]);
    assert.match(again.reason, /not retried.*STRONGBOX_PKCS11_PIN/, 'a rejected PIN is not presented again (HSMs lock the PIN)');
    // The right PIN still works afterwards (no lockout from the provider's retries in SoftHSM2).
    const right = await open(opts(tokenC, 'pin-key'));
    const key = rootKey();
    assert.deepEqual(await right.recover((await right.protect(key.slice(), config)).sealedRootKey, none, config), key);
  });

  it('a wrong PIN is refused even while the token is logged in with the right one', async () => {
    const wrongPin = `wrong-${randomBytes(6).toString('hex')}`;
    const provider = await open(opts(tokenA, 'strongbox-root-wrap', { pin: wrongPin }));
    await rejectsUnavailable(provider.protect(rootKey(), config), /PIN/, [wrongPin, tokenA.pin]);
  });

  it('an unknown token label is ProviderUnavailableError naming the label', async () => {
    const provider = await open(opts(tokenA, 'k', { tokenLabel: 'no-such-token' }));
    await rejectsUnavailable(provider.recover(wellFormed, none, config), /no initialized token labelled "no-such-token".*strongbox-a/, [tokenA.pin]);
  });

  it('a library that is not a PKCS#11 module is ProviderUnavailableError', async () => {
    const notALibrary = join(hsm.confPath, '..', 'not-a-module.so');
    writeFileSync(notALibrary, 'not an ELF file');
    const provider = await open(opts(tokenA, 'k', { library: notALibrary }));
    await rejectsUnavailable(provider.protect(rootKey(), config), /cannot load PKCS#11 library/, [tokenA.pin]);
  });

  it('close() is idempotent and a closed provider is unavailable', async () => {
    const provider = await createPkcs11Provider(opts(tokenA, 'strongbox-root-wrap'));
    const { sealedRootKey } = await provider.protect(rootKey(), config);
    await provider.close?.();
    await provider.close?.();
    await rejectsUnavailable(provider.recover(sealedRootKey, none, config), /closed/);
  });
});

describe('pkcs11 provider: settings', () => {
  const cases: [string, Partial<Pkcs11ProviderOptions>, RegExp][] = [
    ['missing library', { library: '/nonexistent/libpkcs11.so' }, /^STRONGBOX_PKCS11_LIBRARY: .*does not exist/],
    ['library is a directory', { library: '/usr/lib' }, /^STRONGBOX_PKCS11_LIBRARY: .*not a file/],
    ['empty library', { library: '' }, /^STRONGBOX_PKCS11_LIBRARY/],
    ['empty token label', { tokenLabel: '' }, /^STRONGBOX_PKCS11_TOKEN_LABEL/],
    ['token label over 32 bytes', { tokenLabel: 'x'.repeat(33) }, /^STRONGBOX_PKCS11_TOKEN_LABEL/],
    ['empty key label', { keyLabel: '' }, /^STRONGBOX_PKCS11_KEY_LABEL/],
    ['empty PIN', { pin: '' }, /^STRONGBOX_PKCS11_PIN/],
    ['PIN with a newline', { pin: 'secret-pin-1234\n' }, /^STRONGBOX_PKCS11_PIN.*line break/],
  ];
  for (const [name, over, message] of cases) {
    it(`rejects ${name}, naming the setting`, async () => {
      await assert.rejects(createPkcs11Provider(opts(tokenA, 'k', over)), (err) => {
        assert.ok(err instanceof Pkcs11SettingsError);
        assert.match(err.message, message);
        assert.equal(err.message.includes('secret-pin-1234'), false);
        return true;
      });
    });
  }
});
