/** Boundary checks shared by several services (each names the offending field). */
import { StrongboxError } from '../../protocol/errors.js';
import { KEY_ID_PATTERN, KEY_NAME_PATTERN, keyTypes, type KeyType } from '../../protocol/types.js';

const NAME = new RegExp(KEY_NAME_PATTERN);
const ID = new RegExp(KEY_ID_PATTERN);

export function assertKeyName(name: string | undefined): void {
  if (name === undefined) return;
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new StrongboxError('INVALID_ARGUMENT', 'name must be 1-128 characters of A-Z a-z 0-9 . _ - starting with a letter or digit', { field: 'name' });
  }
  if (ID.test(name)) throw new StrongboxError('INVALID_ARGUMENT', 'name must not look like a key id', { field: 'name' });
}

export function assertKeyType(type: unknown, field = 'type'): asserts type is KeyType {
  if (!(keyTypes as readonly unknown[]).includes(type)) {
    throw new StrongboxError('INVALID_ARGUMENT', `${field} must be one of ${keyTypes.join(', ')}`, { field });
  }
}

/** Page sizes of the paginated lists (keys, wallets). */
export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 100;
