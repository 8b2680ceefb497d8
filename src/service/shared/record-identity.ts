/**
 * The record identities sealed values are bound to (the AAD of envelope v1, docs/architecture.md
 * "Formats"): defined here and only here, so the operations that seal a record and the keyring re-wrap
 * that re-seals every record agree. Frozen: they are inside every envelope on disk.
 */
import type { KeyType } from '../../protocol/types.js';

export function keyMaterialContext(id: string, version: number, type: KeyType): string {
  return `key/${id}/v${version}/${type}`;
}

export function walletSeedContext(id: string): string {
  return `wallet/${id}/seed`;
}

export function secretContext(path: string, version: number): string {
  return `secret/${path}/v${version}`;
}

export function awsCredentialContext(accessKeyId: string): string {
  return `aws-credential/${accessKeyId}`;
}

/** The installation's import wrapping key (PKCS#8), sealed in the sys value SYS.sealedWrappingKey. */
export const WRAPPING_KEY_CONTEXT = 'strongbox/wrapping-key';
