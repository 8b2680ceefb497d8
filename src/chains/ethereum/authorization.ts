/**
 * EIP-7702 authorizations: `{chainId, address, nonce}` signed by an EOA so that its code becomes a
 * delegation designator `0xef0100 ‖ address` (the delegate's code then runs as the EOA). The digest is
 * keccak256(0x05 ‖ rlp([chain_id, address, nonce])) (EIP-7702, "Set code transaction"), from viem's
 * hashAuthorization; the signer of an already-signed one is recovered with viem too.
 *
 * chain_id 0 makes an authorization valid on every chain; address 0x0000…0000 clears a delegation
 * (the EOA's code is reset to empty).
 */
import type { SignedAuthorization, SignedAuthorizationList } from 'viem';
import { hashAuthorization, recoverAuthorizationAddress } from 'viem/utils';
import { StrongboxError } from '../../protocol/errors.js';
import { assertKnownKeys, assertObject, parseAddress, parseQuantity, parseSafeInteger, UINT256_MAX } from './fields.js';

/** The delegate address that clears a delegation (EIP-7702: "if address is 0x0…0, … reset the account's code"). */
export const CLEAR_DELEGATION = '0x0000000000000000000000000000000000000000';
/** secp256k1n / 2: EIP-7702 refuses authorizations whose s is above it (EIP-2). */
const HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;
/** EIP-7702 limits the authorization list only by gas; 256 is far above what a block's gas allows (25,000 gas each). */
export const MAX_AUTHORIZATIONS = 256;

function invalid(field: string, detail: string): StrongboxError {
  return new StrongboxError('INVALID_ARGUMENT', `${field} ${detail}`, { field });
}

export interface AuthorizationRequest {
  chainId: number;
  address: `0x${string}`;
  nonce: number;
}

/** `{chainId, address, nonce}` to sign; chainId 0 = every chain; nonce < 2^64 − 1 (EIP-7702). */
export function parseAuthorizationRequest(value: unknown, field: string): AuthorizationRequest {
  assertObject(value, field);
  assertKnownKeys(value, ['chainId', 'address', 'nonce'], field);
  const need = (name: string): unknown => {
    if (value[name] === undefined || value[name] === null) throw invalid(`${field}.${name}`, 'is required');
    return value[name];
  };
  return {
    chainId: parseSafeInteger(need('chainId'), `${field}.chainId`),
    address: parseAddress(need('address'), `${field}.address`),
    nonce: parseSafeInteger(need('nonce'), `${field}.nonce`),
  };
}

/** A signed authorization list of a type-4 transaction (execution-apis form; quantities as numbers, decimal or 0x-hex). */
export function parseAuthorizationList(value: unknown, field: string): SignedAuthorizationList {
  if (!Array.isArray(value)) throw invalid(field, 'must be an array of signed authorizations {chainId, address, nonce, yParity, r, s}');
  // EIP-7702: "The transaction is also considered invalid when the length of authorization_list is zero."
  if (value.length === 0) throw invalid(field, 'must not be empty (EIP-7702)');
  if (value.length > MAX_AUTHORIZATIONS) throw invalid(field, `must have at most ${MAX_AUTHORIZATIONS} entries`);
  return value.map((item: unknown, i): SignedAuthorization => {
    const at = `${field}[${i}]`;
    assertObject(item, at);
    assertKnownKeys(item, ['chainId', 'address', 'nonce', 'yParity', 'v', 'r', 's'], at);
    const { chainId, address, nonce } = parseAuthorizationRequest({ chainId: item['chainId'], address: item['address'], nonce: item['nonce'] }, at);
    const parity = item['yParity'] ?? (item['v'] === undefined ? undefined : Number(parseQuantity(item['v'], `${at}.v`, 28n)) % 27);
    if (parity === undefined || parity === null) throw invalid(`${at}.yParity`, 'is required');
    const yParity = parseSafeInteger(parity, `${at}.yParity`);
    if (yParity > 1) throw invalid(`${at}.yParity`, 'must be 0 or 1');
    const word = (name: 'r' | 's'): `0x${string}` => {
      if (item[name] === undefined || item[name] === null) throw invalid(`${at}.${name}`, 'is required');
      const n = parseQuantity(item[name], `${at}.${name}`, UINT256_MAX);
      if (name === 's' && n > HALF_N) throw invalid(`${at}.s`, 'must be at most secp256k1n/2 (EIP-7702, EIP-2)');
      return `0x${n.toString(16).padStart(64, '0')}`;
    };
    return { chainId, address, nonce, yParity, r: word('r'), s: word('s') };
  });
}

/** The 32-byte digest an authority signs (EIP-7702: keccak256(MAGIC ‖ rlp([chain_id, address, nonce])), MAGIC = 0x05). */
export function authorizationHash(auth: AuthorizationRequest): Uint8Array {
  return hashAuthorization({ chainId: auth.chainId, address: auth.address, nonce: auth.nonce, to: 'bytes' });
}

/**
 * The signer (authority) of each signed authorization, lowercased; null when the signature does not
 * recover (the EVM skips such an authorization, EIP-7702 step 3).
 */
export async function recoverAuthorities(list: SignedAuthorizationList): Promise<(string | null)[]> {
  return Promise.all(list.map(async (auth) => {
    try {
      return (await recoverAuthorizationAddress({ authorization: auth })).toLowerCase();
    } catch {
      return null;
    }
  }));
}
