/**
 * AWS key identifiers: a key id (the Strongbox UUID), a key ARN
 * `arn:aws:kms:<region>:<account>:key/<id>`, an alias name `alias/<name>` or an alias ARN.
 * Strongbox aliases are the part after `alias/`.
 */
import { validation } from './errors.js';

/** The account id Strongbox reports in ARNs (it has no AWS accounts). */
export const ACCOUNT_ID = '000000000000';

const ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]*):([0-9]*):(key|alias)\/(.+)$/;

/** A KeyId as the caller sent it → a Strongbox key reference (UUID or alias name). */
export function toKeyRef(keyId: unknown, field = 'KeyId'): string {
  if (typeof keyId !== 'string' || keyId.length < 1 || keyId.length > 2048) throw validation(`1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must have length between 1 and 2048`);
  const arn = ARN.exec(keyId);
  // key/<id> → the id; alias/<name> → the alias name: either is a Strongbox key reference.
  if (arn !== null) return arn[4]!;
  if (keyId.startsWith('alias/')) return toAliasName(keyId, field);
  return keyId;
}

/** `alias/<name>` → `<name>`. */
export function toAliasName(aliasName: unknown, field = 'AliasName'): string {
  if (typeof aliasName !== 'string' || !aliasName.startsWith('alias/') || aliasName.length <= 6 || aliasName.length > 256) {
    throw validation(`${field} must begin with alias/ followed by a name`);
  }
  if (aliasName.startsWith('alias/aws/')) throw validation(`${field}: the alias/aws/ prefix is reserved for AWS managed keys`);
  return aliasName.slice(6);
}

export function keyArn(region: string, id: string): string {
  return `arn:aws:kms:${region}:${ACCOUNT_ID}:key/${id}`;
}

export function aliasArn(region: string, alias: string): string {
  return `arn:aws:kms:${region}:${ACCOUNT_ID}:alias/${alias}`;
}
