/** The one place that switches over unseal-provider kinds. */
import { createShamirProvider } from './shamir/index.js';
import type { ProviderOptions, SealType, UnsealProvider } from './types.js';

export const sealTypes: readonly SealType[] = ['shamir', 'pkcs11', 'awskms'];

/** The provider of a seal type, with its settings. */
export async function createUnsealProvider(type: SealType, options: ProviderOptions = {}): Promise<UnsealProvider> {
  switch (type) {
    case 'shamir':
      return createShamirProvider();
    case 'pkcs11': {
      if (options.pkcs11 === undefined) throw new Error('pkcs11 settings missing');
      const { createPkcs11Provider } = await import('./pkcs11/index.js');
      return createPkcs11Provider(options.pkcs11);
    }
    case 'awskms': {
      if (options.awskms === undefined) throw new Error('awskms settings missing');
      const { createAwsKmsProvider } = await import('./awskms/index.js');
      return createAwsKmsProvider(options.awskms);
    }
  }
}
