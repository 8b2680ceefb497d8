/**
 * The KMIP unseal provider against the unseal-provider contract, with PyKMIP's own server
 * (`pykmip-server`) as the external KMIP server, and KMIP-specific behaviour: the wrapping key is created
 * and activated once and found again by name; a revoked key, an unknown key and a dead endpoint are
 * ProviderUnavailableError (the server stays sealed) while a foreign or altered blob is
 * UnsealRejectedError; a malformed setting names its variable.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { inspect } from 'node:util';
import { createKmipProvider, decodeSealed, encodeSealed, KMIP_FORMAT_V1 } from '../../src/providers/kmip/index.js';
import { createUnsealProvider } from '../../src/providers/registry.js';
import { ProviderUnavailableError, UnsealRejectedError, type SealConfig, type UnsealProvider } from '../../src/providers/types.js';
import { loadProviderOptions } from '../../src/config.js';
import { makePki, runPykmip, type TestPki } from '../helpers/kmip.js';
import { findFreePort } from '../helpers/moto.js';
import { repoRoot } from '../helpers/paths.js';
import { startPykmipServer, type PykmipServer } from '../helpers/pykmip-server.js';
import { unsealProviderContract } from './unseal-provider.contract.js';

const config: SealConfig = { type: 'kmip', shares: 3, threshold: 2 };
const noInput = { shares: [] };

const pki: TestPki = await makePki('strongbox-kmip-seal-');
await pki.leaf('pykmip-server', '127.0.0.1', 'server');
await pki.leaf('strongbox', 'strongbox-seal', 'client');
const kmipServer: PykmipServer = await startPykmipServer(pki);
after(async () => {
  await kmipServer.stop();
  rmSync(pki.dir, { recursive: true, force: true });
});

const providers: UnsealProvider[] = [];
after(async () => {
  for (const p of providers) await p.close?.();
});
async function provider(extra: { keyId?: string; keyName?: string; address?: string } = {}): Promise<UnsealProvider> {
  const p = await createKmipProvider({ address: kmipServer.address, cert: pki.file('strongbox.crt'), key: pki.file('strongbox.key'), ca: pki.file('ca.crt'), connectTimeoutMs: 3000, requestTimeoutMs: 10_000, ...extra });
  providers.push(p);
  return p;
}

async function rejection<T extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof type, `expected ${type.name}, got ${inspect(err)}`);
    return err;
  }
  assert.fail(`expected ${type.name}, but it resolved`);
}

unsealProviderContract('kmip (pykmip-server)', await provider(), config);

describe('KMIP seal against pykmip-server', () => {
  let sealed: Uint8Array;
  let rootKey: Uint8Array;
  before(async () => {
    rootKey = new Uint8Array(randomBytes(32));
    sealed = (await (await provider()).protect(rootKey.slice(), config)).sealedRootKey;
  });

  it('the blob names the wrapping key; a second provider finds the same key by name and recovers', async () => {
    const { uid } = decodeSealed(sealed);
    assert.equal(sealed[0], KMIP_FORMAT_V1);
    const again = await provider();
    assert.deepEqual(await again.recover(sealed, noInput, config), rootKey);
    const other = (await again.protect(new Uint8Array(randomBytes(32)), config)).sealedRootKey;
    assert.equal(decodeSealed(other).uid, uid, 'the key is created once, then located by its Name');
    const located = await runPykmip(repoRoot, pki, 'locate_name', kmipServer.port, 'strongbox', '1.2', ['strongbox-root-wrap']);
    assert.deepEqual(located['locate'], [uid], 'PyKMIP’s own client sees exactly one wrapping key');
  });

  it('a blob naming a key the server does not have is ProviderUnavailableError', async () => {
    const { iv, tag, ciphertext } = decodeSealed(sealed);
    const err = await rejection((await provider()).recover(encodeSealed('99999', iv, tag, ciphertext), noInput, config), ProviderUnavailableError);
    assert.match(err.reason, /99999/);
  });

  it('a blob that is not format v1 is UnsealRejectedError', async () => {
    await rejection((await provider()).recover(new Uint8Array([2, 0, 1, 0x31, 12]), noInput, config), UnsealRejectedError);
  });

  it('a dead endpoint is ProviderUnavailableError naming the address', async () => {
    const port = await findFreePort();
    const err = await rejection((await provider({ address: `127.0.0.1:${port}` })).recover(sealed, noInput, config), ProviderUnavailableError);
    assert.match(err.reason, new RegExp(`127\\.0\\.0\\.1:${port}`));
  });

  it('settings come from STRONGBOX_KMIP_SEAL_*; a missing one is named; the registry builds the provider', async () => {
    assert.throws(() => loadProviderOptions('kmip', {}), /STRONGBOX_KMIP_SEAL_ADDRESS/);
    const options = loadProviderOptions('kmip', { STRONGBOX_KMIP_SEAL_ADDRESS: kmipServer.address, STRONGBOX_KMIP_SEAL_CERT: pki.file('strongbox.crt'), STRONGBOX_KMIP_SEAL_KEY: pki.file('strongbox.key'), STRONGBOX_KMIP_SEAL_CA: pki.file('ca.crt') });
    const p = await createUnsealProvider('kmip', options);
    providers.push(p);
    assert.equal(p.type, 'kmip');
    assert.deepEqual(await p.recover(sealed, noInput, config), rootKey);
    await assert.rejects(createKmipProvider({ ...options.kmip!, address: 'no port' }), (e: unknown) => (e as { setting?: string }).setting === 'STRONGBOX_KMIP_SEAL_ADDRESS');
  });

  it('once the wrapping key is revoked on the KMIP server, recovery is ProviderUnavailableError (the server stays sealed)', async () => {
    const { uid } = decodeSealed(sealed);
    const revoked = await runPykmip(repoRoot, pki, 'revoke', kmipServer.port, 'strongbox', '1.2', [uid]);
    assert.equal(revoked['revoke'], null, JSON.stringify(revoked));
    const err = await rejection((await provider()).recover(sealed, noInput, config), ProviderUnavailableError);
    assert.match(err.reason, /not Active/);
    assert.ok(err.reason.includes(uid));
  });
});
