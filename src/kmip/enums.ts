/**
 * The KMIP enumerations Strongbox reads or writes (KMIP 1.4 §9.1.3.2, KMIP 2.1 §11), by specification
 * name without spaces. `enumByTag` lets the JSON TTLV mapping write and accept names ("Create") as well
 * as hex ("0x00000001") for Enumeration values.
 */
import { Tag } from './tags.js';

export const Operation = {
  Create: 0x01,
  CreateKeyPair: 0x02,
  Register: 0x03,
  ReKey: 0x04,
  DeriveKey: 0x05,
  Certify: 0x06,
  ReCertify: 0x07,
  Locate: 0x08,
  Check: 0x09,
  Get: 0x0a,
  GetAttributes: 0x0b,
  GetAttributeList: 0x0c,
  AddAttribute: 0x0d,
  ModifyAttribute: 0x0e,
  DeleteAttribute: 0x0f,
  ObtainLease: 0x10,
  GetUsageAllocation: 0x11,
  Activate: 0x12,
  Revoke: 0x13,
  Destroy: 0x14,
  Archive: 0x15,
  Recover: 0x16,
  Validate: 0x17,
  Query: 0x18,
  Cancel: 0x19,
  Poll: 0x1a,
  Notify: 0x1b,
  Put: 0x1c,
  ReKeyKeyPair: 0x1d,
  DiscoverVersions: 0x1e,
  Encrypt: 0x1f,
  Decrypt: 0x20,
  Sign: 0x21,
  SignatureVerify: 0x22,
  MAC: 0x23,
  MACVerify: 0x24,
  RNGRetrieve: 0x25,
  RNGSeed: 0x26,
  Hash: 0x27,
  CreateSplitKey: 0x28,
  JoinSplitKey: 0x29,
  Import: 0x2a,
  Export: 0x2b,
  Log: 0x2c,
  Login: 0x2d,
  Logout: 0x2e,
  DelegatedLogin: 0x2f,
  AdjustAttribute: 0x30,
  SetAttribute: 0x31,
  SetEndpointRole: 0x32,
  PKCS_11: 0x33,
  Interop: 0x34,
  ReProvision: 0x35,
} as const;

export const ObjectType = {
  Certificate: 0x01,
  SymmetricKey: 0x02,
  PublicKey: 0x03,
  PrivateKey: 0x04,
  SplitKey: 0x05,
  Template: 0x06,
  SecretData: 0x07,
  OpaqueObject: 0x08,
  PGPKey: 0x09,
  CertificateRequest: 0x0a,
} as const;

export const ResultStatus = { Success: 0, OperationFailed: 1, OperationPending: 2, OperationUndone: 3 } as const;

export const ResultReason = {
  ItemNotFound: 0x01,
  ResponseTooLarge: 0x02,
  AuthenticationNotSuccessful: 0x03,
  InvalidMessage: 0x04,
  OperationNotSupported: 0x05,
  MissingData: 0x06,
  InvalidField: 0x07,
  FeatureNotSupported: 0x08,
  OperationCanceledByRequester: 0x09,
  CryptographicFailure: 0x0a,
  IllegalOperation: 0x0b,
  PermissionDenied: 0x0c,
  ObjectArchived: 0x0d,
  IndexOutOfBounds: 0x0e,
  ApplicationNamespaceNotSupported: 0x0f,
  KeyFormatTypeNotSupported: 0x10,
  KeyCompressionTypeNotSupported: 0x11,
  EncodingOptionError: 0x12,
  KeyValueNotPresent: 0x13,
  AttestationRequired: 0x14,
  AttestationFailed: 0x15,
  Sensitive: 0x16,
  NotExtractable: 0x17,
  ObjectAlreadyExists: 0x18,
  InvalidTicket: 0x19,
  UsageLimitExceeded: 0x1a,
  NumericRange: 0x1b,
  InvalidDataType: 0x1c,
  ReadOnlyAttribute: 0x1d,
  MultiValuedAttribute: 0x1e,
  UnsupportedAttribute: 0x1f,
  AttributeInstanceNotFound: 0x20,
  AttributeNotFound: 0x21,
  AttributeReadOnly: 0x22,
  AttributeSingleValued: 0x23,
  BadCryptographicParameters: 0x24,
  BadPassword: 0x25,
  CodecError: 0x26,
  IllegalObjectType: 0x28,
  IncompatibleCryptographicUsageMask: 0x29,
  InternalServerError: 0x2a,
  InvalidAttribute: 0x2c,
  InvalidAttributeValue: 0x2d,
  InvalidObjectType: 0x30,
  KeyWrapTypeNotSupported: 0x32,
  MissingInitializationVector: 0x34,
  NonUniqueNameAttribute: 0x35,
  ObjectDestroyed: 0x36,
  ObjectNotFound: 0x37,
  NotAuthorised: 0x39,
  ServerLimitExceeded: 0x3a,
  UnknownEnumeration: 0x3b,
  UnknownTag: 0x3d,
  UnsupportedCryptographicParameters: 0x3e,
  UnsupportedProtocolVersion: 0x3f,
  WrappingObjectDestroyed: 0x41,
  WrappingObjectNotFound: 0x42,
  WrongKeyLifecycleState: 0x43,
  GeneralFailure: 0x100,
} as const;
export type ResultReasonName = keyof typeof ResultReason;

export const CryptographicAlgorithm = {
  DES: 0x01,
  '3DES': 0x02,
  AES: 0x03,
  RSA: 0x04,
  DSA: 0x05,
  ECDSA: 0x06,
  HMAC_SHA1: 0x07,
  HMAC_SHA224: 0x08,
  HMAC_SHA256: 0x09,
  HMAC_SHA384: 0x0a,
  HMAC_SHA512: 0x0b,
  HMAC_MD5: 0x0c,
  DH: 0x0d,
  ECDH: 0x0e,
  EC: 0x1a,
  ChaCha20: 0x1c,
  Ed25519: 0x37,
  Ed448: 0x38,
} as const;

export const State = { PreActive: 1, Active: 2, Deactivated: 3, Compromised: 4, Destroyed: 5, DestroyedCompromised: 6 } as const;

export const NameType = { UninterpretedTextString: 1, URI: 2 } as const;

export const KeyFormatType = {
  Raw: 0x01,
  Opaque: 0x02,
  PKCS_1: 0x03,
  PKCS_8: 0x04,
  X_509: 0x05,
  ECPrivateKey: 0x06,
  TransparentSymmetricKey: 0x07,
  TransparentRSAPublicKey: 0x0b,
  TransparentECPrivateKey: 0x14,
  TransparentECPublicKey: 0x15,
  PKCS_12: 0x16,
} as const;

export const BlockCipherMode = { CBC: 0x01, ECB: 0x02, PCBC: 0x03, CFB: 0x04, OFB: 0x05, CTR: 0x06, CMAC: 0x07, CCM: 0x08, GCM: 0x09, CBC_MAC: 0x0a, XTS: 0x0b, AESKeyWrapPadding: 0x0c, NISTKeyWrap: 0x0d } as const;

export const PaddingMethod = { None: 0x01, OAEP: 0x02, PKCS5: 0x03, SSL3: 0x04, Zeros: 0x05, ANSIX9_23: 0x06, ISO10126: 0x07, PKCS1v1_5: 0x08, X9_31: 0x09, PSS: 0x0a } as const;

export const HashingAlgorithm = { MD2: 1, MD4: 2, MD5: 3, SHA_1: 4, SHA_224: 5, SHA_256: 6, SHA_384: 7, SHA_512: 8 } as const;

export const DigitalSignatureAlgorithm = { SHA256WithRSAEncryption: 0x05, RSASSA_PSS: 0x08, ECDSAWithSHA256: 0x0e } as const;

export const RecommendedCurve = { P_256: 0x07, P_384: 0x0a, SECP256K1: 0x19, CURVE25519: 0x45 } as const;

export const QueryFunction = { QueryOperations: 1, QueryObjects: 2, QueryServerInformation: 3 } as const;

export const RevocationReasonCode = { Unspecified: 1, KeyCompromise: 2, CACompromise: 3, AffiliationChanged: 4, Superseded: 5, CessationOfOperation: 6, PrivilegeWithdrawn: 7 } as const;

export const SecretDataType = { Password: 1, Seed: 2 } as const;

export const LinkType = { CertificateLink: 0x101, PublicKeyLink: 0x102, PrivateKeyLink: 0x103, ReplacementObjectLink: 0x106, ReplacedObjectLink: 0x107 } as const;

export const WrappingMethod = { Encrypt: 1, MACSign: 2 } as const;

export const EncodingOption = { NoEncoding: 1, TTLVEncoding: 2 } as const;

/** KMIP 2.0 §11.x Unique Identifier enumeration (ID Placeholder and friends). */
export const UniqueIdentifierEnum = { IDPlaceholder: 1 } as const;

/** Cryptographic Usage Mask bits (an Integer, not an Enumeration). */
export const UsageMask = {
  Sign: 0x1,
  Verify: 0x2,
  Encrypt: 0x4,
  Decrypt: 0x8,
  WrapKey: 0x10,
  UnwrapKey: 0x20,
  Export: 0x40,
  MACGenerate: 0x80,
  MACVerify: 0x100,
  DeriveKey: 0x200,
} as const;

type EnumTable = Readonly<Record<string, number>>;

/** Enumeration tables by the tag whose values they name. */
export const enumByTag = new Map<number, EnumTable>([
  [Tag.Operation, Operation],
  [Tag.ObjectType, ObjectType],
  [Tag.ResultStatus, ResultStatus],
  [Tag.ResultReason, ResultReason],
  [Tag.CryptographicAlgorithm, CryptographicAlgorithm],
  [Tag.State, State],
  [Tag.NameType, NameType],
  [Tag.KeyFormatType, KeyFormatType],
  [Tag.BlockCipherMode, BlockCipherMode],
  [Tag.PaddingMethod, PaddingMethod],
  [Tag.HashingAlgorithm, HashingAlgorithm],
  [Tag.DigitalSignatureAlgorithm, DigitalSignatureAlgorithm],
  [Tag.RecommendedCurve, RecommendedCurve],
  [Tag.QueryFunction, QueryFunction],
  [Tag.RevocationReasonCode, RevocationReasonCode],
  [Tag.SecretDataType, SecretDataType],
  [Tag.LinkType, LinkType],
  [Tag.WrappingMethod, WrappingMethod],
  [Tag.EncodingOption, EncodingOption],
  [Tag.UniqueIdentifier, UniqueIdentifierEnum],
  // A 2.x Attribute Reference Enumeration holds a tag (KMIP 2.1 §5.5); JSON and XML name it by the tag's name.
  [Tag.AttributeReference, Tag],
]);

export function enumName(tag: number, value: number): string | undefined {
  const table = enumByTag.get(tag);
  if (table === undefined) return undefined;
  for (const [k, v] of Object.entries(table)) if (v === value) return k;
  return undefined;
}

export function enumValue(tag: number, name: string): number | undefined {
  const table = enumByTag.get(tag);
  return table !== undefined && Object.hasOwn(table, name) ? table[name] : undefined;
}
