/** A PKCS#11 return value other than CKR_OK, thrown by the token and the pure parameter checks. */
export class Pkcs11Error extends Error {
  constructor(
    readonly rv: number,
    message?: string,
    readonly code: string | null = null,
  ) {
    super(message ?? `CKR 0x${rv.toString(16)}`);
    this.name = 'Pkcs11Error';
  }
}
