/** The one place that switches over unseal-provider kinds. */
import { createShamirProvider } from './shamir/index.js';
import type { SealType, UnsealProvider } from './types.js';

export const sealTypes: readonly SealType[] = ['shamir', 'pkcs11', 'awskms'];

/** Settings of the auto-unseal providers, from flags and STRONGBOX_* environment variables (never secrets on the command line). */
export interface ProviderOptions {
  pkcs11?: {
    /** path of the PKCS#11 module, e.g. /usr/lib/softhsm/libsofthsm2.so */
    library: string;
    tokenLabel: string;
    /** the user PIN, from STRONGBOX_PKCS11_PIN or the file named by STRONGBOX_PKCS11_PIN_FILE */
    pin: string;
    /** label of the non-extractable AES-256 wrapping key inside the token (created at init if absent) */
    keyLabel: string;
  };
  awskms?: {
    /** key id, ARN or alias of the customer-managed KMS key */
    keyId: string;
    region: string;
    /** e.g. http://127.0.0.1:PORT for moto_server; default: AWS */
    endpoint?: string;
  };
}

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
