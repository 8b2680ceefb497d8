/** PKCS#11 unseal provider — placeholder until implemented; see the roots-of-trust issue. */
import type { UnsealProvider } from '../types.js';
import type { ProviderOptions } from '../registry.js';

export async function createPkcs11Provider(_options: NonNullable<ProviderOptions['pkcs11']>): Promise<UnsealProvider> {
  throw new Error('pkcs11 provider not implemented yet');
}
