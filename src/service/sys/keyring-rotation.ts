/**
 * Keyring rotation: a new term becomes active for every new write at once; a background re-wrap
 * then moves each stored record (key versions, secret versions, wallet seeds, AWS credential secrets,
 * the audit keys, the import wrapping key) to the newest term.
 * The re-wrap is resumable — it works from the term recorded in each envelope's header, so after a
 * crash it simply finds what is left — observable (progress counters), and throttled (small batches
 * with a pause between them) so signing keeps its latency. Each replacement is compare-and-set, so a
 * record rewritten concurrently (e.g. destroyed) is skipped, not resurrected.
 */
import { StrongboxError } from '../../protocol/errors.js';
import { readEnvelopeHeader } from '../../keyring/envelope.js';
import { AUDIT_KEYS_CONTEXT, SYS_AUDIT_KEYS } from '../../audit/keys.js';
import type { SealedReplacement } from '../../storage/types.js';
import type { KeyringRewrap, RewrapProgress, ServiceContext } from '../shared/context.js';
import { SYS } from '../shared/context.js';
import { THRESHOLD_PEERS_CONTEXT } from '../shared/threshold-peers.js';
import { awsCredentialContext, keyMaterialContext, secretContext, walletSeedContext, WRAPPING_KEY_CONTEXT } from '../shared/record-identity.js';

type Ctx = Pick<ServiceContext, 'store' | 'barrier' | 'rewrap'>;

export class Rewrapper implements KeyringRewrap {
  progress: RewrapProgress = { running: false, activeTerm: null, scanned: 0, rewrapped: 0, startedAt: null, finishedAt: null, error: null };
  #again = false;
  #stop = false;
  #running: Promise<void> | undefined;
  constructor(readonly batchSize = 100, readonly pauseMs = 5) {}

  /** Starts a pass (or schedules another one after the current pass). */
  kick(ctx: Pick<ServiceContext, 'store' | 'barrier'>): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#stop = false;
    this.#running = (async () => {
      do {
        this.#again = false;
        await this.#pass(ctx);
      } while (this.#again && !this.#stop);
    })().finally(() => (this.#running = undefined));
    return this.#running;
  }

  /** Stops after the current batch (seal, shutdown). */
  async stop(): Promise<void> {
    this.#stop = true;
    await this.#running;
  }

  async #pass(ctx: Pick<ServiceContext, 'store' | 'barrier'>): Promise<void> {
    const p: RewrapProgress = (this.progress = { running: true, activeTerm: ctx.barrier.activeTerm ?? null, scanned: 0, rewrapped: 0, startedAt: new Date().toISOString(), finishedAt: null, error: null });
    const pause = () => new Promise((r) => setTimeout(r, this.pauseMs));
    try {
      let after: { keyId: string; version: number } | undefined;
      for (;;) {
        if (this.#stop || ctx.barrier.sealed) throw new Error('stopped (sealed or shutting down); resumes at the next unseal');
        const rows = await ctx.store.scanKeyVersions(after, this.batchSize);
        const replacements: SealedReplacement<{ keyId: string; version: number }>[] = [];
        for (const v of rows) {
          p.scanned++;
          const record = await ctx.store.getKey(v.keyId);
          if (record === undefined) continue;
          const next = rewrapped(ctx, v.sealedMaterial, keyMaterialContext(v.keyId, v.version, record.type));
          if (next !== undefined) replacements.push({ keyId: v.keyId, version: v.version, expected: v.sealedMaterial, next });
        }
        // One transaction (one fsync) per page, not per record.
        if (replacements.length > 0) p.rewrapped += (await ctx.store.replaceKeyVersionMaterials(replacements)).filter(Boolean).length;
        if (rows.length < this.batchSize) break;
        after = { keyId: rows.at(-1)!.keyId, version: rows.at(-1)!.version };
        await pause();
      }
      let afterSecret: { path: string; version: number } | undefined;
      for (;;) {
        if (this.#stop || ctx.barrier.sealed) throw new Error('stopped (sealed or shutting down); resumes at the next unseal');
        const rows = await ctx.store.scanSecretVersions(afterSecret, this.batchSize);
        const replacements: SealedReplacement<{ path: string; version: number }>[] = [];
        for (const v of rows) {
          p.scanned++;
          const sealed = v.sealedValue!;
          const next = rewrapped(ctx, sealed, secretContext(v.path, v.version));
          if (next !== undefined) replacements.push({ path: v.path, version: v.version, expected: sealed, next });
        }
        if (replacements.length > 0) p.rewrapped += (await ctx.store.replaceSecretVersionValues(replacements)).filter(Boolean).length;
        if (rows.length < this.batchSize) break;
        afterSecret = { path: rows.at(-1)!.path, version: rows.at(-1)!.version };
        await pause();
      }
      let afterWallet: string | undefined;
      for (;;) {
        if (this.#stop || ctx.barrier.sealed) throw new Error('stopped (sealed or shutting down); resumes at the next unseal');
        const page = await ctx.store.listWallets({ limit: this.batchSize, ...(afterWallet === undefined ? {} : { after: afterWallet }) });
        for (const w of page.wallets) {
          p.scanned++;
          if (await rewrapOne(ctx, w.sealedSeed, walletSeedContext(w.id), (next) => ctx.store.replaceWalletSeed(w.id, w.sealedSeed, next))) p.rewrapped++;
        }
        if (page.nextCursor === null) break;
        afterWallet = page.nextCursor;
        await pause();
      }
      // AWS credentials, revoked and expired ones too: no envelope may stay on an old term.
      let afterCredential: string | undefined;
      for (;;) {
        if (this.#stop || ctx.barrier.sealed) throw new Error('stopped (sealed or shutting down); resumes at the next unseal');
        const rows = await ctx.store.listAwsCredentials(afterCredential, this.batchSize);
        for (const c of rows) {
          p.scanned++;
          if (await rewrapOne(ctx, c.sealedSecret, awsCredentialContext(c.accessKeyId), (next) => ctx.store.replaceAwsCredentialSecret(c.accessKeyId, c.sealedSecret, next))) p.rewrapped++;
        }
        if (rows.length < this.batchSize) break;
        afterCredential = rows.at(-1)!.accessKeyId;
        await pause();
      }
      for (const [name, context] of [
        [SYS_AUDIT_KEYS, AUDIT_KEYS_CONTEXT],
        [SYS.sealedWrappingKey, WRAPPING_KEY_CONTEXT],
        [SYS.thresholdPeers, THRESHOLD_PEERS_CONTEXT],
      ] as const) {
        const sealed = await ctx.store.getSysValue(name);
        if (sealed === undefined) continue;
        p.scanned++;
        if (await rewrapOne(ctx, sealed, context, async (next) => ctx.store.putSysValues({ [name]: next }))) p.rewrapped++;
      }
    } catch (err) {
      p.error = (err as Error).message;
    } finally {
      p.running = false;
      p.finishedAt = new Date().toISOString();
    }
  }
}

/** The envelope re-sealed under the active term, or undefined when it already is on it. */
function rewrapped(ctx: Pick<ServiceContext, 'barrier'>, sealed: Uint8Array, context: string): Uint8Array | undefined {
  const active = ctx.barrier.activeTerm;
  if (active === undefined || readEnvelopeHeader(sealed).term >= active) return undefined;
  const plaintext = ctx.barrier.decrypt(sealed, context);
  try {
    return ctx.barrier.encrypt(plaintext, context);
  } finally {
    plaintext.fill(0);
  }
}

async function rewrapOne(ctx: Pick<ServiceContext, 'barrier'>, sealed: Uint8Array, context: string, replace: (next: Uint8Array) => Promise<boolean>): Promise<boolean> {
  const next = rewrapped(ctx, sealed, context);
  return next !== undefined && (await replace(next));
}

/** POST /v1/sys/rotate: a new keyring term, then the background re-wrap. */
export async function rotateKeyring(ctx: Ctx): Promise<{ activeTerm: number; terms: number }> {
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  const { keyring, sealed } = ctx.barrier.rotatedKeyring();
  await ctx.store.putSysValues({ [SYS.sealedKeyring]: sealed });
  ctx.barrier.adoptKeyring(keyring);
  void ctx.rewrap.kick(ctx);
  return { activeTerm: keyring.activeTerm, terms: keyring.terms.length };
}

export function rotationStatus(ctx: Pick<ServiceContext, 'barrier' | 'rewrap'>): RewrapProgress & { keyringTerm: number | null } {
  return { ...ctx.rewrap.progress, keyringTerm: ctx.barrier.activeTerm ?? null };
}
