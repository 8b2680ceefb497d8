/**
 * X.509 certificates attached to keys. A certificate is public data: it is stored as DER in plain,
 * keyed by the key id, after node:crypto parsed it and its public key proved to be the key's (so a
 * PKCS#11 client that pairs a private key with "its" certificate by CKA_ID, as Java's SunPKCS11
 * KeyStore does, never pairs it with someone else's public key).
 */
import { createPublicKey, X509Certificate } from 'node:crypto';
import { requireSigningAlgorithm } from '../../crypto/algorithms.js';
import { StrongboxError } from '../../protocol/errors.js';
import type { KeyCertificateResponse } from '../../protocol/types.js';
import type { ServiceContext } from '../shared/context.js';
import { resolveKey, type KeyRef, type ServiceKey } from '../shared/resolve-key.js';

/** A certificate PEM larger than this is refused (a chain or a bundle is not one certificate). */
export const MAX_CERTIFICATE_PEM_CHARS = 65536;

function toPem(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${b64}-----END CERTIFICATE-----\n`;
}

function view(keyId: string, der: Uint8Array, updatedAt: string): KeyCertificateResponse {
  const x = new X509Certificate(Buffer.from(der));
  return { keyId, certificate: toPem(der), subject: x.subject, issuer: x.issuer, serialNumber: x.serialNumber, validFrom: x.validFrom, validTo: x.validTo, fingerprint256: x.fingerprint256, updatedAt };
}

/** One PEM certificate, parsed; INVALID_ARGUMENT naming `certificate` otherwise. */
function parseCertificate(pem: string): X509Certificate {
  const invalid = (why: string) => new StrongboxError('INVALID_ARGUMENT', `certificate ${why}`, { field: 'certificate' });
  if (pem.length > MAX_CERTIFICATE_PEM_CHARS) throw invalid(`must be at most ${MAX_CERTIFICATE_PEM_CHARS} characters`);
  const begins = pem.split('-----BEGIN ').length - 1;
  if (begins !== 1 || !/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(pem)) throw invalid('must be exactly one PEM block "-----BEGIN CERTIFICATE-----"');
  try {
    return new X509Certificate(pem);
  } catch {
    throw invalid('is not a parsable X.509 certificate');
  }
}

/** Attaches (or replaces) the key's certificate after checking that its public key is the key's. */
export async function setKeyCertificate(ctx: Pick<ServiceContext, 'store' | 'now'>, params: { key: KeyRef; certificate: string }): Promise<KeyCertificateResponse> {
  const cert = parseCertificate(params.certificate);
  const record = await resolveKey(ctx, params.key);
  const alg = requireSigningAlgorithm(record.type, 'have a certificate');
  if (record.publicKey === null) throw new StrongboxError('UNSUPPORTED_OPERATION', `key ${record.id} has no public key`);
  const own = createPublicKey({ key: Buffer.from(alg.toSpki(record.publicKey)), format: 'der', type: 'spki' });
  // KeyObject.equals compares the keys (EVP_PKEY_eq), not their encodings: a compressed point matches.
  if (!own.equals(cert.publicKey)) throw new StrongboxError('CERTIFICATE_KEY_MISMATCH', `the certificate's public key is not the public key of key ${record.id}`, { field: 'certificate' });
  const der = new Uint8Array(cert.raw);
  const updatedAt = ctx.now().toISOString();
  await ctx.store.putKeyCertificate({ keyId: record.id, certificate: der, updatedAt });
  return view(record.id, der, updatedAt);
}

export async function getKeyCertificate(ctx: Pick<ServiceContext, 'store'>, params: { key: KeyRef }): Promise<KeyCertificateResponse> {
  const record = await resolveKey(ctx, params.key);
  const row = await ctx.store.getKeyCertificate(record.id);
  if (row === undefined) throw new StrongboxError('CERTIFICATE_NOT_FOUND', `key ${record.id} has no certificate`);
  return view(record.id, row.certificate, row.updatedAt);
}

export async function deleteKeyCertificate(ctx: Pick<ServiceContext, 'store'>, params: { key: KeyRef }): Promise<{ keyId: string; deleted: boolean }> {
  const record = await resolveKey(ctx, params.key);
  return { keyId: record.id, deleted: await ctx.store.deleteKeyCertificate(record.id) };
}

/** The DER of a resolved key's certificate, if it has one (PKCS#11 certificate objects). */
export async function keyCertificateDer(ctx: Pick<ServiceContext, 'store'>, key: ServiceKey): Promise<Uint8Array | undefined> {
  return (await ctx.store.getKeyCertificate(key.id))?.certificate;
}
