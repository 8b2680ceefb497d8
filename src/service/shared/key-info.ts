/** The wire view of a key record: metadata and public material only, never secrets. */
import { toHex } from '../../protocol/hex.js';
import type { KeyInfo } from '../../protocol/types.js';
import { ethereumAddress } from '../../chains/ethereum/address.js';
import { solanaAddress } from '../../chains/solana/address.js';
import type { KeyRecord } from '../../storage/types.js';

/** `address`: the record's EIP-55 address when the caller has just computed it (saves two Keccak-256 calls). */
export function toKeyInfo(record: KeyRecord, address?: `0x${string}`): KeyInfo {
  const info: KeyInfo = {
    id: record.id,
    name: record.name,
    type: record.type,
    origin: record.origin,
    state: record.state,
    exportable: record.exportable,
    version: record.currentVersion,
    description: record.description,
    tags: record.tags,
    aliases: record.aliases,
    deletionDate: record.deletionDate,
    rotationPeriodDays: record.rotationPeriodDays,
    nextRotationAt: record.nextRotationAt,
    minDecryptionVersion: record.minDecryptionVersion,
    createdAt: record.createdAt,
  };
  if (record.publicKey !== null) info.publicKey = toHex(record.publicKey);
  if (record.type === 'secp256k1' && record.publicKey !== null) info.address = address ?? ethereumAddress(record.publicKey);
  if ((record.type === 'ed25519' || record.type === 'frost-ed25519') && record.publicKey !== null) info.solanaAddress = solanaAddress(record.publicKey);
  if (record.kcv !== null) info.kcv = toHex(record.kcv);
  if (record.wallet !== null) info.wallet = record.wallet;
  if (record.path !== null) info.path = record.path;
  return info;
}
