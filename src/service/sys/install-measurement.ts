/**
 * What the server does with its installation measurement (install-integrity.ts): every unseal records
 * it in the audit log; with `--integrity strict` an installation that does not match a signed manifest
 * refuses to unseal (INSTALL_INTEGRITY_FAILED, audited with the differing files); and
 * GET /v1/sys/attestation reports it, signed with the audit checkpoint key.
 */
import { randomUUID, sign } from 'node:crypto';
import { StrongboxError } from '../../protocol/errors.js';
import type { ServiceContext } from '../shared/context.js';
import { describeMeasurement } from './install-integrity.js';

type Ctx = Pick<ServiceContext, 'integrity' | 'audit'>;

export const INTEGRITY_FAILED_REASON = 'install_integrity_failed';

async function appendMeasurement(ctx: Ctx, outcome: 'success' | 'denied', reason: string): Promise<void> {
  await ctx.audit.append({
    requestId: randomUUID(),
    interface: 'system',
    operation: 'sys.installMeasurement',
    action: null,
    resource: null,
    principal: null,
    clientIp: null,
    outcome,
    status: outcome === 'success' ? 200 : 409,
    code: outcome === 'success' ? null : 'INSTALL_INTEGRITY_FAILED',
    reason,
    inputs: null,
  });
}

/**
 * Called by every unseal path just before the root key opens the keyring: in strict mode an untrusted
 * installation is refused (and the refusal audited); otherwise the measurement is audited and unsealing
 * goes on. Fails closed: if the record cannot be written, nothing is unsealed.
 */
export async function checkInstallBeforeUnseal(ctx: Ctx): Promise<void> {
  const { mode, measurement } = ctx.integrity;
  if (measurement === undefined) {
    if (mode === 'strict') {
      await appendMeasurement(ctx, 'denied', `${INTEGRITY_FAILED_REASON}: the installation was not measured`);
      throw new StrongboxError('INSTALL_INTEGRITY_FAILED', 'the installation was not measured', { reason: INTEGRITY_FAILED_REASON });
    }
    return;
  }
  const summary = describeMeasurement(measurement);
  if (mode === 'strict' && !measurement.trusted) {
    await appendMeasurement(ctx, 'denied', `${INTEGRITY_FAILED_REASON}: ${summary}`);
    throw new StrongboxError('INSTALL_INTEGRITY_FAILED', `--integrity strict: ${summary}; the server stays sealed (strongbox verify-install names every file)`, { reason: `${INTEGRITY_FAILED_REASON}: ${summary}`.slice(0, 2000), publicReason: INTEGRITY_FAILED_REASON });
  }
  await appendMeasurement(ctx, 'success', `unseal with installation ${measurement.trusted ? 'trusted' : 'NOT trusted'} (--integrity ${mode}): ${summary}`);
}

export interface Attestation {
  /** the signed statement: JSON text; the signature covers exactly its UTF-8 bytes */
  attestation: string;
  algorithm: 'ed25519';
  /** the audit checkpoint key (as GET /v1/sys/audit-key): 0x-hex of the raw 32 bytes */
  publicKey: string;
  /** base64 Ed25519 signature */
  signature: string;
}

/** GET /v1/sys/attestation: the installation measurement, configuration hash, seal type, node and time, signed. */
export function attest(ctx: Pick<ServiceContext, 'integrity' | 'auditKeys' | 'provider' | 'version' | 'now'>): Attestation {
  const keys = ctx.auditKeys();
  if (keys === undefined) throw new StrongboxError('SEALED');
  const m = ctx.integrity.measurement;
  const statement = {
    v: 1,
    type: 'strongbox-attestation',
    time: ctx.now().toISOString(),
    nodeId: ctx.integrity.nodeId,
    version: ctx.version,
    sealType: ctx.provider.type,
    integrityMode: ctx.integrity.mode,
    configSha256: ctx.integrity.configSha256,
    measurement:
      m === undefined
        ? null
        : { manifest: m.manifest, manifestSha256: m.manifestSha256, signer: m.signer, files: m.files, trusted: m.trusted, changed: m.changed, missing: m.missing, added: m.added },
    auditPublicKey: `0x${keys.publicKeyHex}`,
  };
  const text = JSON.stringify(statement);
  return { attestation: text, algorithm: 'ed25519', publicKey: `0x${keys.publicKeyHex}`, signature: sign(null, Buffer.from(text, 'utf8'), keys.signingKey).toString('base64') };
}
