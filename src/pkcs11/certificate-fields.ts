/**
 * The DER encodings PKCS#11 v3.0 §4.6.3 wants on an X.509 certificate object (CKA_SUBJECT,
 * CKA_ISSUER, CKA_SERIAL_NUMBER), cut out of the certificate's DER. node:crypto's X509Certificate
 * parsed and checked the certificate when it was attached, but it gives names only as text; no ASN.1
 * library is installed, so this walks the outer TLVs of RFC 5280 §4.1 and no further:
 *
 *   Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, serialNumber INTEGER,
 *     signature AlgorithmIdentifier, issuer Name, validity Validity, subject Name, ... }, ... }
 *
 * Each field is returned whole (tag, length and contents), as found: no re-encoding.
 */

export interface CertificateFields {
  serialNumber: Uint8Array;
  issuer: Uint8Array;
  subject: Uint8Array;
}

interface Tlv {
  tag: number;
  /** offset of the tag */
  start: number;
  /** offset of the contents */
  body: number;
  /** offset after the contents */
  end: number;
}

/** One DER TLV at `at`, inside `limit`; definite lengths of at most 4 bytes (DER has no other). */
function tlv(der: Uint8Array, at: number, limit: number): Tlv {
  if (at + 2 > limit) throw new Error('truncated DER');
  const tag = der[at]!;
  if ((tag & 0x1f) === 0x1f) throw new Error('multi-byte DER tags are not expected here');
  let len = der[at + 1]!;
  let body = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || body + n > limit) throw new Error('bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[body + i]!;
    body += n;
  }
  const end = body + len;
  if (end > limit) throw new Error('DER length past its container');
  return { tag, start: at, body, end };
}

const SEQUENCE = 0x30;
const INTEGER = 0x02;
const VERSION = 0xa0;

export function certificateFields(der: Uint8Array): CertificateFields {
  const cert = tlv(der, 0, der.length);
  if (cert.tag !== SEQUENCE) throw new Error('a certificate is a SEQUENCE');
  const tbs = tlv(der, cert.body, cert.end);
  if (tbs.tag !== SEQUENCE) throw new Error('tbsCertificate is a SEQUENCE');
  let at = tbs.body;
  const next = (tag: number, what: string): Tlv => {
    const t = tlv(der, at, tbs.end);
    if (t.tag !== tag) throw new Error(`${what}: expected tag 0x${tag.toString(16)}, found 0x${t.tag.toString(16)}`);
    at = t.end;
    return t;
  };
  if (tlv(der, at, tbs.end).tag === VERSION) next(VERSION, 'version');
  const serial = next(INTEGER, 'serialNumber');
  next(SEQUENCE, 'signature');
  const issuer = next(SEQUENCE, 'issuer');
  next(SEQUENCE, 'validity');
  const subject = next(SEQUENCE, 'subject');
  const cut = (t: Tlv) => der.slice(t.start, t.end);
  return { serialNumber: cut(serial), issuer: cut(issuer), subject: cut(subject) };
}
