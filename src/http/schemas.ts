/** JSON Schema fragments shared by route files; they also feed the generated OpenAPI document. */
import { hashNames, KEY_NAME_PATTERN, keyTypes, thresholdKeyTypes, keyWrapAlgorithms, publicKeyFormats, rsaEncryptionAlgorithms, rsaPaddings, signatureEncodings } from '../protocol/types.js';
import { MAX_DURATION_LENGTH } from '../protocol/duration.js';

export type JsonSchema = Record<string, unknown>;

/**
 * The largest count or version number a request may carry. Every integer that reaches storage is
 * bounded in its schema: PostgreSQL INTEGER columns (versions) hold 2^31 - 1, and a JSON number like
 * 1e308 or 2^64 is still an "integer" to JSON Schema, which SQLite's STRICT tables refuse as REAL.
 */
export const MAX_INT32 = 2_147_483_647;

export const hex = (description: string): JsonSchema => ({ type: 'string', pattern: '^0x([0-9a-fA-F]{2})*$', description });

/**
 * A TTL or period: a number in the field's unit (seconds, or days for `…Days` fields), as a JSON number
 * or a string of digits, or a duration string such as "1h30m". The service parses and bounds it
 * (protocol/duration.ts), so every error names the field the same way.
 */
export function duration(description: string, unit: 'seconds' | 'days', options: { nullable?: boolean } = {}): JsonSchema {
  const forms = unit === 'seconds' ? 'seconds (3600 or "3600") or a duration such as "90s", "30m", "1h", "7d" or "1h30m"' : 'days (30 or "30") or a duration in whole days such as "30d"';
  return {
    anyOf: [{ type: 'integer' }, { type: 'string', minLength: 1, maxLength: MAX_DURATION_LENGTH }, ...(options.nullable ? [{ type: 'null' }] : [])],
    description: `${description}; ${forms}`,
  };
}

export const keyParams: JsonSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 128, description: 'key id (UUID) or unique name' } },
};

export const keyType: JsonSchema = { type: 'string', enum: [...keyTypes] };
export const keyName: JsonSchema = { type: 'string', pattern: KEY_NAME_PATTERN, description: 'unique name, not shaped like a UUID' };
export const hashName: JsonSchema = {
  type: 'string',
  enum: [...hashNames],
  description: 'default sha256. ECDSA: the hash applied to message (sha256, keccak256 for secp256k1). RSA: sha256, sha384 or sha512, applied to message or naming the hash that made digest',
};
export const encoding: JsonSchema = { type: 'string', enum: [...signatureEncodings], description: 'der (ECDSA default), raw (r‖s, the Ed25519 signature, the RSA signature), recoverable (r‖s‖v, secp256k1)' };
export const rsaPadding: JsonSchema = { type: 'string', enum: [...rsaPaddings], description: 'RSA keys: pss (default; RSASSA-PSS, salt length = hash length, MGF1 with the same hash) or pkcs1 (RSASSA-PKCS1-v1_5)' };
export const rsaEncryptionAlgorithm: JsonSchema = {
  type: 'string',
  enum: [...rsaEncryptionAlgorithms],
  description: 'RSA keys: RSAES-OAEP with SHA-256 (default) or SHA-1 (MGF1 with the same hash)',
};
export const publicKeyFormat: JsonSchema = { type: 'string', enum: [...publicKeyFormats] };

export const keyWrapAlgorithm: JsonSchema = {
  type: 'string',
  enum: [...keyWrapAlgorithms],
  description: 'RSA-OAEP (SHA-256, MGF1-SHA-256) of a fresh AES-256 key, then AES Key Wrap with Padding (RFC 5649) of the key material',
};

export const tags: JsonSchema = { type: 'object', maxProperties: 50, additionalProperties: { type: 'string', maxLength: 256 }, propertyNames: { maxLength: 128 }, description: 'string → string' };
export const keyMetadata: Record<string, JsonSchema> = {
  description: { type: 'string', maxLength: 1024 },
  tags,
  rotationPeriodDays: duration('aes256: rotate automatically every N days (1 to 3650)', 'days'),
  exportable: { type: 'boolean', description: 'irreversible: allow POST /v1/keys/{id}/export of the material, wrapped to a caller\'s key (default false)' },
};

export const keyInfo: JsonSchema = {
  type: 'object',
  required: ['id', 'name', 'type', 'origin', 'state', 'exportable', 'version', 'description', 'tags', 'aliases', 'deletionDate', 'rotationPeriodDays', 'nextRotationAt', 'minDecryptionVersion', 'createdAt'],
  properties: {
    id: { type: 'string' },
    name: { type: ['string', 'null'] },
    type: { type: 'string', enum: [...keyTypes, ...thresholdKeyTypes] },
    origin: { type: 'string', enum: ['generated', 'imported'] },
    state: { type: 'string', enum: ['enabled', 'disabled', 'pending_deletion', 'destroyed'] },
    exportable: { type: 'boolean' },
    version: { type: 'integer' },
    description: { type: 'string' },
    tags: { type: 'object', additionalProperties: { type: 'string' } },
    aliases: { type: 'array', items: { type: 'string' } },
    deletionDate: { type: ['string', 'null'] },
    rotationPeriodDays: { type: ['integer', 'null'] },
    nextRotationAt: { type: ['string', 'null'] },
    minDecryptionVersion: { type: 'integer' },
    publicKey: hex('raw public key: uncompressed SEC1 point (ECDSA), 32 bytes (Ed25519), SubjectPublicKeyInfo DER (RSA)'),
    address: { type: 'string', description: 'EIP-55 Ethereum address (secp256k1 keys)' },
    kcv: hex('key check value (aes256 keys)'),
    solanaAddress: { type: 'string', description: 'base58 Solana address: the 32-byte public key (ed25519 keys)' },
    wallet: { type: 'string', description: 'HD-derived keys: the id of the wallet the key was derived from' },
    path: { type: 'string', description: "HD-derived keys: the canonical derivation path (hardened indexes marked ')" },
    createdAt: { type: 'string', format: 'date-time' },
  },
};

export const walletParams: JsonSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 128, description: 'wallet id (UUID) or unique name' } },
};

export const walletInfo: JsonSchema = {
  type: 'object',
  required: ['id', 'name', 'origin', 'createdAt'],
  properties: {
    id: { type: 'string' },
    name: { type: ['string', 'null'] },
    origin: { type: 'string', enum: ['generated', 'imported'] },
    createdAt: { type: 'string', format: 'date-time' },
    mnemonic: { type: 'string', description: 'the generated BIP39 mnemonic: only in the creation response, only with revealMnemonic' },
  },
};

export const hdPath: JsonSchema = { type: 'string', minLength: 1, maxLength: 2048, description: "derivation path, e.g. m/44'/60'/0'/0/0 (hardened: ' or h)" };
export const hdKeyType: JsonSchema = { type: 'string', enum: ['secp256k1', 'ed25519'], description: "secp256k1 (BIP32) or ed25519 (SLIP-10, hardened only); default ed25519 under m/44'/501' (Solana), else secp256k1" };

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
    reason: { type: 'string', description: 'TRANSACTION_DENIED and related codes: the rule that refused (e.g. destination_not_allowed)' },
  },
};

/** An object schema that rejects unknown fields (so a typo is an error, not silently ignored). */
/** The credential that cancels a ceremony attempt: its nonce, or one share of the set it collects. */
export const cancelBody: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    nonce: { type: 'string', maxLength: 64, description: 'the nonce returned when the attempt was started' },
    share: hex('or one share of the set the attempt collects (any custodian, also when the nonce was lost)'),
  },
};

export function object(properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema {
  return { type: 'object', additionalProperties: false, required, properties };
}

export const tokenInfo: JsonSchema = {
  type: 'object',
  required: ['accessor', 'name', 'subject', 'policies', 'parentAccessor', 'createdAt', 'expiresAt', 'maxExpiresAt', 'renewable', 'numUsesLeft', 'rateLimit', 'revoked'],
  properties: {
    token: { type: 'string', description: 'the token itself: shown only when created' },
    accessor: { type: 'string' },
    name: { type: ['string', 'null'] },
    subject: { type: 'string' },
    policies: { type: 'array', items: { type: 'string' } },
    parentAccessor: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
    expiresAt: { type: ['string', 'null'] },
    maxExpiresAt: { type: ['string', 'null'], description: 'the latest expiresAt renewal can reach: createdAt + maxTtl, capped by the parent\'s; null = never expires' },
    renewable: { type: 'boolean', description: 'whether POST /v1/tokens/self/renew may extend it' },
    numUsesLeft: { type: ['integer', 'null'] },
    rateLimit: { anyOf: [{ type: 'null' }, { type: 'object', properties: { perSecond: { type: 'number' }, burst: { type: 'integer' } } }] },
    revoked: { type: 'boolean' },
    bindCaller: { anyOf: [{ type: 'null' }, { type: 'object', properties: { uid: { type: 'integer' }, exeSha256: { type: 'string' }, scriptSha256: { type: 'string' } } }], description: 'the application the token is bound to (Unix socket only); null = any caller' },
  },
};

/** A caller binding (docs/attestation.md): the kernel's uid, and SHA-256 digests of the executable and entry script. */
export const callerBinding: JsonSchema = {
  ...object(
    {
      uid: { type: 'integer', minimum: 0, maximum: 4294967295, description: 'the caller\'s uid (SO_PEERCRED)' },
      exeSha256: { type: 'string', pattern: '^[0-9a-fA-F]{64}$', description: 'SHA-256 of the caller\'s executable (/proc/<pid>/exe)' },
      scriptSha256: { type: 'string', pattern: '^[0-9a-fA-F]{64}$', description: 'SHA-256 of an interpreter\'s entry script or jar' },
    },
    [],
  ),
  minProperties: 1,
  description: 'bind the token to the calling application on the Unix socket: other callers, and every TCP request, get 403 CALLER_MEASUREMENT_MISMATCH',
};

const statement: JsonSchema = object(
  {
    effect: { type: 'string', enum: ['allow', 'deny'] },
    actions: { type: 'array', minItems: 1, maxItems: 64, items: { type: 'string', maxLength: 64 } },
    resources: { type: 'array', minItems: 1, maxItems: 256, items: { type: 'string', minLength: 1, maxLength: 512 } },
    conditions: object({
      sourceIp: { type: 'array', minItems: 1, maxItems: 64, items: { type: 'string', maxLength: 64 } },
      timeWindow: object(
        {
          start: { type: 'string', description: 'HH:MM UTC' },
          end: { type: 'string', description: 'HH:MM UTC' },
          days: { type: 'array', items: { type: 'string', enum: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] } },
        },
        ['start', 'end'],
      ),
      caller: object({
        uid: { type: 'array', minItems: 1, maxItems: 64, items: { type: 'integer', minimum: 0, maximum: 4294967295 } },
        gid: { type: 'array', minItems: 1, maxItems: 64, items: { type: 'integer', minimum: 0, maximum: 4294967295 } },
        exeSha256: { type: 'array', minItems: 1, maxItems: 64, items: { type: 'string', pattern: '^[0-9a-fA-F]{64}$' } },
        scriptSha256: { type: 'array', minItems: 1, maxItems: 64, items: { type: 'string', pattern: '^[0-9a-fA-F]{64}$' } },
      }),
    }),
  },
  ['effect', 'actions', 'resources'],
);

export const policyDocument: JsonSchema = object(
  {
    statements: { type: 'array', minItems: 1, maxItems: 256, items: statement },
    requireSignedRequests: { type: 'boolean', description: "every request of a principal holding this policy must be signed by one of its application keys (RFC 9421; docs/attestation.md)" },
    signedRequestMaxAge: { type: 'integer', minimum: 1, maximum: 3600, description: 'seconds: the oldest request signature accepted (default 300)' },
  },
  ['statements'],
);

export const policyView: JsonSchema = {
  type: 'object',
  required: ['name', 'builtin', 'statements', 'updatedAt'],
  properties: {
    name: { type: 'string' },
    builtin: { type: 'boolean' },
    statements: { type: 'array', items: { type: 'object', additionalProperties: true } },
    requireSignedRequests: { type: 'boolean' },
    signedRequestMaxAge: { type: 'integer' },
    updatedAt: { type: ['string', 'null'] },
  },
};

/** An application key for signed requests (RFC 9421): its public key only. */
export const appKeyInfo: JsonSchema = {
  type: 'object',
  required: ['keyId', 'accessor', 'algorithm', 'publicKey', 'createdAt', 'revokedAt', 'status'],
  properties: {
    keyId: { type: 'string', description: 'the keyid the application puts in Signature-Input' },
    accessor: { type: 'string', description: 'the token accessor or certificate accessor (cert.…) whose requests it signs' },
    algorithm: { type: 'string', enum: ['ed25519', 'ecdsa-p256-sha256'] },
    publicKey: { type: 'string', description: 'SPKI PEM' },
    createdAt: { type: 'string' },
    revokedAt: { type: ['string', 'null'] },
    status: { type: 'string', enum: ['active', 'revoked'] },
  },
};

/** An AWS credential as listed and revoked: never its secret. */
export const awsCredentialInfo: JsonSchema = {
  type: 'object',
  required: ['accessKeyId', 'policies', 'subject', 'parentAccessor', 'createdAt', 'expiresAt', 'revokedAt', 'status'],
  properties: {
    accessKeyId: { type: 'string' },
    policies: { type: 'array', items: { type: 'string' } },
    subject: { type: 'string' },
    parentAccessor: { type: ['string', 'null'], description: 'accessor of the token that created it' },
    createdAt: { type: 'string' },
    expiresAt: { type: ['string', 'null'], description: 'never later than the creating token; null: never expires' },
    revokedAt: { type: ['string', 'null'] },
    status: { type: 'string', enum: ['active', 'expired', 'revoked'] },
  },
};

/** 202 of the transaction-signing routes: the key's transaction rules hold the request for approval. */
export const heldTransactionResponse: JsonSchema = {
  type: 'object',
  description: "the key's transaction rules need approval: nothing was signed; poll GET /v1/approvals/{approvalId} for the signed result",
  required: ['status', 'approvalId', 'required', 'expiresAt', 'reason'],
  properties: {
    status: { type: 'string', enum: ['pending'] },
    approvalId: { type: 'string' },
    required: { type: 'integer', description: 'approvals needed' },
    expiresAt: { type: 'string', description: 'after this the request can never sign' },
    reason: { type: 'string', description: 'why approval is needed' },
  },
};

/** The query of a paged list route: `limit` (1-1000) and the `cursor` the previous page returned. */
export const pageQuery: JsonSchema = object({
  limit: { type: 'string', pattern: '^[0-9]{1,4}$', description: 'page size, 1-1000 (default 100)' },
  cursor: { type: 'string', maxLength: 32, description: 'nextCursor from the previous page' },
});

/** A page of `items` under `field`, with the cursor of the next page (null on the last). */
export function pageResponse(field: string, items: JsonSchema): JsonSchema {
  return { type: 'object', required: [field, 'nextCursor'], properties: { [field]: { type: 'array', items }, nextCursor: { type: ['string', 'null'] } } };
}

/** The validated page query as service parameters. */
export function pageOf(query: { limit?: string; cursor?: string }): { limit?: number; after?: string } {
  return { ...(query.limit === undefined ? {} : { limit: Number(query.limit) }), ...(query.cursor === undefined ? {} : { after: query.cursor }) };
}
