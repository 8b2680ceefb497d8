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
