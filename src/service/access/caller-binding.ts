/**
 * Tokens bound to an application (docs/attestation.md): a bound token is honoured only for a request
 * over the Unix socket whose process the kernel and /proc describe as the binding says (uid, SHA-256 of
 * the executable, of the entry script). Everything else — another process, a changed file, a caller that
 * could not be measured, any request over TCP — is refused with 403 CALLER_MEASUREMENT_MISMATCH, audited
 * with the reason `caller_measurement_mismatch` and counted in strongbox_caller_measurement_mismatches_total.
 */
import { StrongboxError } from '../../protocol/errors.js';
import type { CallerBinding } from '../../protocol/types.js';
import type { CallerFacts } from '../../policy/types.js';
import type { Principal } from '../shared/context.js';
import { peerCredentialsUnavailable } from './peer-credentials.js';

export const CALLER_MISMATCH_REASON = 'caller_measurement_mismatch';

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

/** The refusal of a bound token; carries the principal so the audit record names the token's accessor. */
export class CallerMismatchError extends StrongboxError {
  constructor(
    readonly principal: Principal,
    detail: string,
  ) {
    super('CALLER_MEASUREMENT_MISMATCH', detail, { reason: CALLER_MISMATCH_REASON, publicReason: CALLER_MISMATCH_REASON });
  }
}

/** Validates a requested binding (naming the field) and returns it with lowercase digests. */
export function parseCallerBinding(value: CallerBinding): CallerBinding {
  const out: CallerBinding = {};
  if (value.uid !== undefined) {
    if (!Number.isInteger(value.uid) || value.uid < 0 || value.uid > 0xffffffff) throw new StrongboxError('INVALID_ARGUMENT', 'bindCaller.uid must be an integer uid', { field: 'bindCaller.uid' });
    out.uid = value.uid;
  }
  for (const f of ['exeSha256', 'scriptSha256'] as const) {
    const v = value[f];
    if (v === undefined) continue;
    if (typeof v !== 'string' || !SHA256_HEX.test(v)) throw new StrongboxError('INVALID_ARGUMENT', `bindCaller.${f} must be a SHA-256 digest: 64 hex digits`, { field: `bindCaller.${f}` });
    out[f] = v.toLowerCase();
  }
  if (Object.keys(out).length === 0) throw new StrongboxError('INVALID_ARGUMENT', 'bindCaller must name at least one of uid, exeSha256, scriptSha256', { field: 'bindCaller' });
  return out;
}

/**
 * The binding of a new child token: what it asks for, on top of everything its parent is bound to. A
 * bound token cannot mint a token that is looser (unbound, or bound to other values): that would carry
 * its power out of the measured application.
 */
export function childBinding(parent: CallerBinding | null, requested: CallerBinding | undefined): CallerBinding | null {
  if (requested === undefined) return parent;
  const unavailable = peerCredentialsUnavailable();
  if (unavailable !== undefined) throw new StrongboxError('CALLER_MEASUREMENT_UNAVAILABLE', `bindCaller: ${unavailable}`, { field: 'bindCaller' });
  const child = parseCallerBinding(requested);
  if (parent === null) return child;
  for (const f of ['uid', 'exeSha256', 'scriptSha256'] as const) {
    if (parent[f] !== undefined && child[f] !== undefined && child[f] !== parent[f]) {
      throw new StrongboxError('ESCALATION_DENIED', `bindCaller.${f}: the caller's token is bound to another value`, { field: `bindCaller.${f}` });
    }
  }
  return { ...child, ...parent };
}

/** The attributes of `caller` the binding names and that differ (or are unknown). */
export function bindingMismatches(binding: CallerBinding, caller: CallerFacts | undefined): string[] {
  if (caller === undefined) return ['caller (not measured: not the Unix socket, or the process could not be measured)'];
  const out: string[] = [];
  if (binding.uid !== undefined && binding.uid !== caller.uid) out.push('uid');
  if (binding.exeSha256 !== undefined && binding.exeSha256 !== caller.exeSha256) out.push('exeSha256');
  if (binding.scriptSha256 !== undefined && binding.scriptSha256 !== caller.scriptSha256) out.push('scriptSha256');
  return out;
}

/**
 * Returns the principal with its caller attributes, or throws CallerMismatchError when its token is
 * bound and the caller does not match. `onMismatch` counts the refusal (the metric).
 */
export function withCaller(principal: Principal, caller: CallerFacts | undefined, onMismatch: () => void): Principal {
  const binding = principal.token.bindCaller;
  if (binding !== null) {
    const differ = bindingMismatches(binding, caller);
    if (differ.length > 0) {
      onMismatch();
      throw new CallerMismatchError(principal, `the token is bound to an application measurement and this caller's ${differ.join(', ')} do not match`);
    }
  }
  return caller === undefined ? principal : { ...principal, caller };
}
