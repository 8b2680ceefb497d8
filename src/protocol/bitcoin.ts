/** Wire types of the Bitcoin routes (shared by server and SDK). */

export const bitcoinNetworks = ['mainnet', 'testnet', 'regtest'] as const;
export type BitcoinNetwork = (typeof bitcoinNetworks)[number];

/** p2wpkh: BIP141 v0 witness (bech32, BIP173); p2tr: BIP341 key path, BIP86 tweak without a script tree (bech32m, BIP350). */
export const bitcoinAddressTypes = ['p2wpkh', 'p2tr'] as const;
export type BitcoinAddressType = (typeof bitcoinAddressTypes)[number];

export interface BitcoinAddressResponse {
  address: string;
  type: BitcoinAddressType;
  network: BitcoinNetwork;
  /** 0x-hex output script the address stands for */
  scriptPubKey: string;
}

export interface BitcoinSignPsbtRequest {
  /** BIP174 PSBT (version 0), base64 */
  psbt: string;
  network?: BitcoinNetwork;
}

export interface BitcoinSignPsbtResponse {
  /** the PSBT with partial signatures (P2WPKH) and tapKeySig (P2TR) added, base64; not finalized */
  psbt: string;
  /** indexes of the inputs that were signed, ascending */
  signedInputs: number[];
}

/** Longest descriptor accepted (BIP380 guarantees 2-3 symbol error detection up to 49154 characters). */
export const MAX_DESCRIPTOR_LENGTH = 16_384;

/** Output descriptor types a wallet cosigns (src/chains/bitcoin/descriptor.ts). */
export const bitcoinMultisigTypes = ['wsh_sortedmulti', 'tr_multi_a', 'tr_sortedmulti_a'] as const;
export type BitcoinMultisigType = (typeof bitcoinMultisigTypes)[number];

export interface BitcoinMultisigAddressesRequest {
  /** BIP380 descriptor with its #checksum: wsh(sortedmulti(m,KEY,…)) or tr(KEY,multi_a(m,KEY,…)) / tr(KEY,sortedmulti_a(m,KEY,…)) */
  descriptor: string;
  network?: BitcoinNetwork;
  /** first address index (default 0) */
  from?: number;
  /** how many addresses (default 1, at most 100) */
  count?: number;
}

export interface BitcoinMultisigWalletKey {
  /** 0-based position of the key expression in the descriptor's multisig, or -1 for tr()'s internal key */
  position: number;
  /** the key origin path the wallet derived it at (m/…) */
  originPath: string;
}

export interface BitcoinMultisigAddress {
  index: number;
  address: string;
  /** 0x-hex output script */
  scriptPubKey: string;
  /** wsh: the witnessScript (PSBT_IN_WITNESS_SCRIPT) */
  witnessScript?: string;
  /** tr: internal key (x-only), leaf script and control block (PSBT_IN_TAP_LEAF_SCRIPT) */
  internalKey?: string;
  leafScript?: string;
  controlBlock?: string;
  /** the wallet's own participants at this index: the path to derive (POST /v1/wallets/{id}/derive) and the key id once derived */
  walletKeys: { position: number; path: string; publicKey: string; keyId: string | null }[];
}

export interface BitcoinMultisigAddressesResponse {
  descriptor: string;
  type: BitcoinMultisigType;
  threshold: number;
  participants: number;
  network: BitcoinNetwork;
  ranged: boolean;
  walletKeys: BitcoinMultisigWalletKey[];
  addresses: BitcoinMultisigAddress[];
}

/** POST /v1/keys/{id}/bitcoin/musig2/nonce: opens a MuSig2 (BIP327) signing session for one Taproot key-path input. */
export interface BitcoinMusig2NonceRequest {
  /** BIP174 PSBT, base64: the transaction the session signs */
  psbt: string;
  /** index of the input that spends the aggregate key's P2TR output */
  input: number;
  /** every participant's 33-byte compressed public key (0x-hex), the key's own among them */
  publicKeys: string[];
  /** KeySort the keys before aggregation (default true); false aggregates them in the order given */
  sortKeys?: boolean;
  /** bip86 (default): the output key is the aggregate tweaked with hash_TapTweak(P); none: the aggregate itself */
  tweak?: 'bip86' | 'none';
  network?: BitcoinNetwork;
}

export interface BitcoinMusig2NonceResponse {
  /** the session id to sign with (once) */
  session: string;
  /** the key's 66-byte public nonce, 0x-hex */
  publicNonce: string;
  input: number;
  /** the participants' keys in aggregation (and nonce) order */
  publicKeys: string[];
  /** the key's index in publicKeys */
  signerIndex: number;
  /** x-only aggregate key (the Taproot internal key), 0x-hex */
  aggregateKey: string;
  /** x-only key the output commits to and the final signature verifies under, 0x-hex */
  outputKey: string;
  expiresAt: string;
}

/** POST /v1/keys/{id}/bitcoin/musig2/sign: exactly one of publicNonces and aggregateNonce. */
export interface BitcoinMusig2SignRequest {
  session: string;
  /** the same transaction as at nonce time (the input's BIP341 sighash must be unchanged) */
  psbt: string;
  /** every participant's 66-byte public nonce in publicKeys order, the key's own included */
  publicNonces?: string[];
  /** the 66-byte aggregate nonce (BIP327 NonceAgg of every public nonce) */
  aggregateNonce?: string;
  network?: BitcoinNetwork;
}

export interface BitcoinMusig2SignResponse {
  session: string;
  input: number;
  /** the key's 32-byte partial signature, 0x-hex */
  partialSignature: string;
  signerIndex: number;
}
