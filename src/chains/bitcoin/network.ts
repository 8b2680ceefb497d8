/**
 * The Bitcoin networks Strongbox derives addresses for, with their address parameters: bech32 HRP
 * (BIP173: bc, tb; Bitcoin Core's regtest: bcrt) and Base58Check version bytes (for summarizing
 * legacy outputs). Testnet parameters are shared by testnet3, testnet4 and signet.
 */
import { NETWORK, TEST_NETWORK, type BTC_NETWORK } from '@scure/btc-signer/utils.js';
import { StrongboxError } from '../../protocol/errors.js';
import { bitcoinNetworks, type BitcoinNetwork } from '../../protocol/bitcoin.js';

export { bitcoinNetworks, type BitcoinNetwork };

const REGTEST_NETWORK: BTC_NETWORK = Object.freeze({ bech32: 'bcrt', pubKeyHash: 0x6f, scriptHash: 0xc4, wif: 0xef });

export function networkParams(network: BitcoinNetwork): BTC_NETWORK {
  switch (network) {
    case 'mainnet':
      return NETWORK;
    case 'testnet':
      return TEST_NETWORK;
    case 'regtest':
      return REGTEST_NETWORK;
  }
}

/** A network name from the wire (default mainnet), or INVALID_ARGUMENT naming `field`. */
export function parseNetwork(value: unknown, field = 'network'): BitcoinNetwork {
  if (value === undefined) return 'mainnet';
  if (typeof value === 'string' && (bitcoinNetworks as readonly string[]).includes(value)) return value as BitcoinNetwork;
  throw new StrongboxError('INVALID_ARGUMENT', `${field} must be one of ${bitcoinNetworks.join(', ')}`, { field });
}
