/** Semantic validation of a policy document (the JSON shape is checked by the route schema first). */
import { isIP } from 'node:net';
import { StrongboxError } from '../protocol/errors.js';
import { actions } from './actions.js';
import type { PolicyDocument } from './types.js';
import { MAX_SIGNATURE_MAX_AGE_SECONDS } from '../protocol/http-signature.js';
import { canonicalWalletKeyGlob, WALLET_KEY_PREFIX, WalletKeyGlobError } from './wallet-key-glob.js';

const RESOURCE_PREFIXES = ['key:', 'wallet:', 'secret:', 'policy:', 'token:', 'audit:', 'sys:'];
const HHMM = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;
const allActions = Object.keys(actions);

export const POLICY_NAME_PATTERN = '^[a-z0-9][a-z0-9._-]{0,63}$';

function bad(field: string, detail: string): StrongboxError {
  return new StrongboxError('INVALID_ARGUMENT', `${field} ${detail}`, { field });
}

function walletKeyGlob(r: string, field: string): string {
  try {
    return canonicalWalletKeyGlob(r);
  } catch (err) {
    if (err instanceof WalletKeyGlobError) throw bad(field, `"${r.slice(0, 160)}": ${err.message}`);
    throw err;
  }
}

/**
 * The document as it is stored: validated, and each `key:wallet/...` glob in its canonical spelling
 * (hardened `h` → `'`, wallet id lowercase), so it matches the canonical paths of derived keys.
 */
export function canonicalPolicyDocument(doc: PolicyDocument): PolicyDocument {
  assertPolicyDocument(doc);
  return {
    ...doc,
    statements: doc.statements.map((st, i) => ({
      ...st,
      resources: st.resources.map((r, j) => (r.startsWith(WALLET_KEY_PREFIX) ? walletKeyGlob(r, `statements.${i}.resources.${j}`) : r)),
    })),
  };
}

export function assertPolicyDocument(doc: PolicyDocument): void {
  if (doc.statements.length === 0) throw bad('statements', 'must have at least one statement');
  const maxAge = doc.signedRequestMaxAge;
  if (maxAge !== undefined && !(Number.isSafeInteger(maxAge) && maxAge >= 1 && maxAge <= MAX_SIGNATURE_MAX_AGE_SECONDS)) throw bad('signedRequestMaxAge', `must be a whole number of seconds from 1 to ${MAX_SIGNATURE_MAX_AGE_SECONDS}`);
  doc.statements.forEach((st, i) => {
    const at = `statements.${i}`;
    for (const [j, a] of st.actions.entries()) {
      const known = a === '*' || allActions.includes(a) || (a.endsWith(':*') && allActions.some((x) => x.startsWith(a.slice(0, -1))));
      if (!known) throw bad(`${at}.actions.${j}`, `"${a}" is not a known action (see docs/policies.md)`);
    }
    for (const [j, r] of st.resources.entries()) {
      if (r !== '*' && !RESOURCE_PREFIXES.some((p) => r.startsWith(p))) throw bad(`${at}.resources.${j}`, `"${r}" must be * or start with ${RESOURCE_PREFIXES.join(' ')}`);
      if (r.startsWith(WALLET_KEY_PREFIX)) walletKeyGlob(r, `${at}.resources.${j}`);
    }
    for (const [j, cidr] of (st.conditions?.sourceIp ?? []).entries()) {
      const [addr, bits, extra] = cidr.split('/');
      const family = isIP(addr ?? '');
      const max = family === 6 ? 128 : 32;
      if (family === 0 || extra !== undefined || (bits !== undefined && !(/^[0-9]{1,3}$/.test(bits) && Number(bits) <= max))) {
        throw bad(`${at}.conditions.sourceIp.${j}`, `"${cidr}" is not an IPv4/IPv6 address or CIDR block`);
      }
    }
    const tw = st.conditions?.timeWindow;
    if (tw !== undefined) {
      if (!HHMM.test(tw.start)) throw bad(`${at}.conditions.timeWindow.start`, 'must be HH:MM (UTC)');
      if (!HHMM.test(tw.end)) throw bad(`${at}.conditions.timeWindow.end`, 'must be HH:MM (UTC)');
    }
  });
}
