/** `key certificate set|get|delete`: the X.509 certificate attached to a key (PKCS#11 certificate object, Java KeyStore). */
import { readFileSync } from 'node:fs';
import type { KeyCertificateResponse } from '../../../protocol/types.js';
import { clientFrom, clientOptions, output, requireString, table, UsageError, type Command } from '../../command.js';

const certificateTable = (r: KeyCertificateResponse): string =>
  table([['key', r.keyId], ['subject', r.subject], ['issuer', r.issuer], ['serial', r.serialNumber], ['valid from', r.validFrom], ['valid to', r.validTo], ['sha-256', r.fingerprint256], ['updated', r.updatedAt]]);

export const keyCertificateSet = {
  path: ['key', 'certificate', 'set'],
  summary: 'Attach (replace) a PEM certificate whose public key is the key\'s',
  usage: '<key> --file FILE',
  options: {
    file: { type: 'string', value: 'FILE', description: 'one PEM certificate ("-----BEGIN CERTIFICATE-----"); required' },
    ...clientOptions,
  },
  positionals: ['key'],
  async run(args, io) {
    const file = requireString(args, 'file');
    let pem: string;
    try {
      pem = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError(`--file: ${file} is not readable (${(err as Error).message})`);
    }
    return output(args, io, await clientFrom(args, io).putKeyCertificate(args.positionals[0]!, pem), certificateTable);
  },
} satisfies Command;

export const keyCertificateGet = {
  path: ['key', 'certificate', 'get'],
  summary: 'Print the PEM certificate attached to a key',
  usage: '<key>',
  options: { ...clientOptions },
  positionals: ['key'],
  async run(args, io) {
    return output(args, io, await clientFrom(args, io).getKeyCertificate(args.positionals[0]!), (r) => r.certificate.trimEnd());
  },
} satisfies Command;

export const keyCertificateDelete = {
  path: ['key', 'certificate', 'delete'],
  summary: 'Remove the certificate attached to a key',
  usage: '<key>',
  options: { ...clientOptions },
  positionals: ['key'],
  async run(args, io) {
    return output(args, io, await clientFrom(args, io).deleteKeyCertificate(args.positionals[0]!), (r) => (r.deleted ? `removed the certificate of key ${r.keyId}` : `key ${r.keyId} had no certificate`));
  },
} satisfies Command;
