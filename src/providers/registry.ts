/** The one place that switches over unseal-provider kinds. */
import { createShamirProvider } from './shamir/index.js';
import type { ProviderOptions, SealType, UnsealProvider } from './types.js';

export const sealTypes: readonly SealType[] = ['shamir', 'pkcs11', 'awskms', 'kmip'];

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
    case 'kmip': {
      if (options.kmip === undefined) throw new Error('kmip settings missing');
      const { createKmipProvider } = await import('./kmip/index.js');
      return createKmipProvider(options.kmip);
    }
    case 'awskms': {
      if (options.awskms === undefined) throw new Error('awskms settings missing');
      const { createAwsKmsProvider } = await import('./awskms/index.js');
      return createAwsKmsProvider(options.awskms);
    }
  }
}
