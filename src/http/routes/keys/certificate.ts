/**
 * /v1/keys/{id}/certificate: PUT attaches (replaces) an X.509 certificate whose public key is the
 * key's, GET reads it, DELETE removes it. PKCS#11 serves it as the key's CKO_CERTIFICATE object.
 */
import { deleteKeyCertificate, getKeyCertificate, MAX_CERTIFICATE_PEM_CHARS, setKeyCertificate } from '../../../service/keys/key-certificate.js';
import { defineKeyRoute } from '../../route.js';
import { keyParams, object } from '../../schemas.js';

const str = { type: 'string' };
const view = {
  type: 'object',
  required: ['keyId', 'certificate', 'subject', 'issuer', 'serialNumber', 'validFrom', 'validTo', 'fingerprint256', 'updatedAt'],
  properties: { keyId: str, certificate: { type: 'string', description: 'PEM' }, subject: str, issuer: str, serialNumber: { type: 'string', description: 'hex' }, validFrom: str, validTo: str, fingerprint256: str, updatedAt: str },
};

export const keysCertificatePut = defineKeyRoute({
  method: 'PUT',
  url: '/v1/keys/:id/certificate',
  operationId: 'putKeyCertificate',
  summary: 'Attach (replace) an X.509 certificate whose public key is the key\'s (PKCS#11 certificate object, Java KeyStore)',
  action: 'keys:certificate:write',
  schema: {
    params: keyParams,
    body: object({ certificate: { type: 'string', maxLength: MAX_CERTIFICATE_PEM_CHARS, description: 'one PEM certificate ("-----BEGIN CERTIFICATE-----")' } }, ['certificate']),
    response: { 200: view },
  },
  handler: ({ services }, { params, body }) => setKeyCertificate(services.ctx, { key: params.id, certificate: body.certificate }),
});

export const keysCertificateGet = defineKeyRoute({
  method: 'GET',
  url: '/v1/keys/:id/certificate',
  operationId: 'getKeyCertificate',
  summary: 'Read the key\'s certificate (PEM and its parsed names, serial number, validity)',
  action: 'keys:certificate:read',
  schema: { params: keyParams, response: { 200: view } },
  handler: ({ services }, { params }) => getKeyCertificate(services.ctx, { key: params.id }),
});

export const keysCertificateDelete = defineKeyRoute({
  method: 'DELETE',
  url: '/v1/keys/:id/certificate',
  operationId: 'deleteKeyCertificate',
  summary: 'Remove the key\'s certificate',
  action: 'keys:certificate:write',
  schema: { params: keyParams, response: { 200: { type: 'object', required: ['keyId', 'deleted'], properties: { keyId: str, deleted: { type: 'boolean' } } } } },
  handler: ({ services }, { params }) => deleteKeyCertificate(services.ctx, { key: params.id }),
});
