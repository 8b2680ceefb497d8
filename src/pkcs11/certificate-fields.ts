/**
 * The DER encodings PKCS#11 v3.0 §4.6.3 wants on an X.509 certificate object (CKA_SUBJECT,
 * CKA_ISSUER, CKA_SERIAL_NUMBER). node:crypto's X509Certificate parsed and checked the certificate
 * when it was attached, but it gives names only as text, so the fields of RFC 5280 §4.1 are read with
 * asn1js (a maintained BER/DER decoder; docs/dependencies.md):
 *
 *   Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, serialNumber INTEGER,
 *     signature AlgorithmIdentifier, issuer Name, validity Validity, subject Name, ... }, ... }
 *
 * Each field is returned whole (tag, length and contents), exactly as encoded: no re-encoding.
 */
import { fromBER, Constructed, Integer, Sequence, type AsnType } from 'asn1js';

export interface CertificateFields {
  serialNumber: Uint8Array;
  issuer: Uint8Array;
  subject: Uint8Array;
}

const encoded = (node: AsnType): Uint8Array => new Uint8Array(node.valueBeforeDecodeView);

export function certificateFields(der: Uint8Array): CertificateFields {
  const parsed = fromBER(der);
  if (parsed.offset === -1 || parsed.offset !== der.length) throw new Error(`not one DER value${parsed.result.error ? `: ${parsed.result.error}` : ''}`);
  const cert = parsed.result;
  if (!(cert instanceof Sequence)) throw new Error('a certificate is a SEQUENCE');
  const tbs = cert.valueBlock.value[0];
  if (!(tbs instanceof Sequence)) throw new Error('tbsCertificate is a SEQUENCE');
  const fields = [...tbs.valueBlock.value];
  // [0] EXPLICIT version, when present (context-specific, constructed, tag 0)
  const first = fields[0];
  if (first instanceof Constructed && first.idBlock.tagClass === 3 && first.idBlock.tagNumber === 0) fields.shift();
  const [serial, signature, issuer, validity, subject] = fields;
  if (!(serial instanceof Integer)) throw new Error('serialNumber: expected an INTEGER');
  for (const [node, what] of [[signature, 'signature'], [issuer, 'issuer'], [validity, 'validity'], [subject, 'subject']] as const) {
    if (!(node instanceof Sequence)) throw new Error(`${what}: expected a SEQUENCE`);
  }
  return { serialNumber: encoded(serial), issuer: encoded(issuer!), subject: encoded(subject!) };
}
