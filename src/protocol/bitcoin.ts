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
