/** JSON Schema fragments shared by route files; they also feed the generated OpenAPI document. */
import { hashNames, KEY_NAME_PATTERN, keyTypes, publicKeyFormats, signatureEncodings } from '../protocol/types.js';

export type JsonSchema = Record<string, unknown>;

export const hex = (description: string): JsonSchema => ({ type: 'string', pattern: '^0x([0-9a-fA-F]{2})*$', description });

export const keyParams: JsonSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 128, description: 'key id (UUID) or unique name' } },
};

export const keyType: JsonSchema = { type: 'string', enum: [...keyTypes] };
export const keyName: JsonSchema = { type: 'string', pattern: KEY_NAME_PATTERN, description: 'unique name, not shaped like a UUID' };
export const hashName: JsonSchema = { type: 'string', enum: [...hashNames], description: 'hash applied to message (ECDSA keys; default sha256)' };
export const encoding: JsonSchema = { type: 'string', enum: [...signatureEncodings], description: 'der (ECDSA default), raw (r‖s, or the Ed25519 signature), recoverable (r‖s‖v, secp256k1)' };
export const publicKeyFormat: JsonSchema = { type: 'string', enum: [...publicKeyFormats] };

export const keyInfo: JsonSchema = {
  type: 'object',
  required: ['id', 'name', 'type', 'origin', 'state', 'exportable', 'version', 'createdAt'],
  properties: {
    id: { type: 'string' },
    name: { type: ['string', 'null'] },
    type: keyType,
    origin: { type: 'string', enum: ['generated', 'imported'] },
    state: { type: 'string', enum: ['enabled'] },
    exportable: { type: 'boolean' },
    version: { type: 'integer' },
    publicKey: hex('raw public key: uncompressed SEC1 point (ECDSA) or 32 bytes (Ed25519)'),
    address: { type: 'string', description: 'EIP-55 Ethereum address (secp256k1 keys)' },
    kcv: hex('key check value (aes256 keys)'),
    createdAt: { type: 'string', format: 'date-time' },
  },
};

export const problem: JsonSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string' },
    requestId: { type: 'string' },
    field: { type: 'string' },
  },
};

/** An object schema that rejects unknown fields (so a typo is an error, not silently ignored). */
export function object(properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema {
  return { type: 'object', additionalProperties: false, required, properties };
}
