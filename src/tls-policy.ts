/**
 * TLS 1.2 suites offered by every TLS listener (HTTPS in http/app.ts, KMIP in kmip/server/listener.ts): ECDHE key exchange (forward secrecy) with an AEAD cipher
 * only — no static-RSA key exchange (`AES128-GCM-SHA256`), no CBC with HMAC-SHA1 (`AES128-SHA`), no
 * finite-field DHE. TLS 1.3 suites are all ephemeral and AEAD; they are listed so the set is explicit.
 * Both ECDSA and RSA server certificates are served (Mozilla's "intermediate" list, ECDHE only).
 */
export const TLS_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');
