/** The one place that switches over unseal-provider kinds. */
import { createShamirProvider } from './shamir/index.js';
import type { SealType, UnsealProvider } from './types.js';

export const sealTypes: readonly SealType[] = ['shamir'];

export function createUnsealProvider(type: SealType): UnsealProvider {
  switch (type) {
    case 'shamir':
      return createShamirProvider();
  }
}
