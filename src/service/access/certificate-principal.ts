/**
 * mTLS: a client certificate that chains to the configured CA (verified by TLS) and whose subject CN is in
 * the client map becomes a principal with the mapped policies. Its accessor is derived from the
 * certificate fingerprint, so audit records name the exact certificate. One function for every TLS
 * interface (HTTPS and KMIP), so a certificate means the same thing on both.
 */
import { TLSSocket } from 'node:tls';
import type { Principal } from '../shared/context.js';

export function certificatePrincipal(socket: unknown, clientMap: Readonly<Record<string, string[]>>): Principal | undefined {
  if (!(socket instanceof TLSSocket) || !socket.authorized) return undefined;
  const cert = socket.getPeerCertificate();
  const cn = typeof cert.subject?.CN === 'string' ? cert.subject.CN : undefined;
  if (cn === undefined || !Object.hasOwn(clientMap, cn)) return undefined;
  const policies = clientMap[cn]!;
  const accessor = 'cert.' + cert.fingerprint256.replaceAll(':', '').slice(0, 24).toLowerCase();
  return {
    accessor,
    subject: `cert:${cn}`,
    policies,
    isRoot: policies.includes('root'),
    token: {
      accessor,
      tokenHash: new Uint8Array(),
      name: cn,
      subject: `cert:${cn}`,
      policies,
      parentAccessor: null,
      createdAt: new Date(cert.valid_from).toISOString(),
      expiresAt: new Date(cert.valid_to).toISOString(),
      maxExpiresAt: new Date(cert.valid_to).toISOString(),
      // a certificate's lifetime is its validity: renewal is the CA's business
      renewable: false,
      ttlSeconds: null,
      numUsesLeft: null,
      ratePerSecond: null,
      rateBurst: null,
      revokedAt: null,
      bindCaller: null,
    },
  };
}
