/** AWS KMS unseal provider — placeholder until implemented; see the roots-of-trust issue. */
import type { UnsealProvider } from '../types.js';
import type { ProviderOptions } from '../registry.js';

export async function createAwsKmsProvider(_options: NonNullable<ProviderOptions['awskms']>): Promise<UnsealProvider> {
  throw new Error('awskms provider not implemented yet');
}
