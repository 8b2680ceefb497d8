/**
 * Output script descriptors (BIP380) for the multisig outputs Strongbox cosigns, public keys only:
 * - `wsh(sortedmulti(m,KEY,…))` (BIP382 wsh, BIP383 sortedmulti): P2WSH of m <keys sorted> n CHECKMULTISIG;
 * - `tr(KEY,multi_a(m,KEY,…))` and `tr(KEY,sortedmulti_a(m,KEY,…))` (BIP386 tr, BIP387 multi_a): P2TR
 *   whose script tree is the one multi_a leaf (leaf version 0xc0), with KEY as internal key.
 * KEY (BIP380 key expressions) is an optional origin `[fingerprint/path]` followed by a hex public key
 * (compressed; x-only 64-hex in tr()) or an extended public key (xpub/tpub) with unhardened derivation
 * steps and an optional final `/*`. Private keys (WIF, xprv) are refused, never parsed: Strongbox holds
 * its own keys and must not be handed anyone else's. Hardened steps after an xpub need a private key,
 * so they are refused too.
 *
 * The checksum (BIP380 "Checksum") is required: a descriptor defines which addresses a quorum controls,
 * and the checksum is what catches a mistyped key expression. The polymod below is the BIP380 Python
 * reference transcribed (it is an error-detecting code over the descriptor text, not cryptography);
 * tests run it on the BIP380 vectors. BIP32 public derivation is @scure/bip32's; scripts, Taproot trees
 * and addresses are @scure/btc-signer's.
 */
import { HDKey } from '@scure/bip32';
import { OutScript, p2tr, p2wsh, TaprootControlBlock } from '@scure/btc-signer';
import { compareBytes } from '@scure/btc-signer/utils.js';
import { StrongboxError } from '../../protocol/errors.js';
import { MAX_DESCRIPTOR_LENGTH } from '../../protocol/bitcoin.js';
import { networkParams, type BitcoinNetwork } from './network.js';

const INPUT_CHARSET = "0123456789()[],'/*abcdefgh@:$%{}IJKLMNOPQRSTUVWXYZ&+-.;<=>?!^_|~ijklmnopqrstuvwxyzABCDEFGH`#\"\\ ";
const CHECKSUM_CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATOR = [0xf5dee51989n, 0xa9fdca3312n, 0x1bab10e32dn, 0x3706b1677an, 0x644d626ffdn];


function polymod(symbols: number[]): bigint {
  let chk = 1n;
  for (const value of symbols) {
    const top = chk >> 35n;
    chk = ((chk & 0x7ffffffffn) << 5n) ^ BigInt(value);
    for (let i = 0; i < 5; i++) if (((top >> BigInt(i)) & 1n) === 1n) chk ^= GENERATOR[i]!;
  }
  return chk;
}

function expand(s: string): number[] | undefined {
  const symbols: number[] = [];
  const groups: number[] = [];
  for (const c of s) {
    const v = INPUT_CHARSET.indexOf(c);
    if (v === -1) return undefined;
    symbols.push(v & 31);
    groups.push(v >> 5);
    if (groups.length === 3) {
      symbols.push(groups[0]! * 9 + groups[1]! * 3 + groups[2]!);
      groups.length = 0;
    }
  }
  if (groups.length === 1) symbols.push(groups[0]!);
  else if (groups.length === 2) symbols.push(groups[0]! * 3 + groups[1]!);
  return symbols;
}

/** BIP380 descsum_create: the 8-character checksum of a descriptor without one; undefined for characters outside the set. */
export function descriptorChecksum(descriptor: string): string | undefined {
  const symbols = expand(descriptor);
  if (symbols === undefined) return undefined;
  const checksum = polymod([...symbols, 0, 0, 0, 0, 0, 0, 0, 0]) ^ 1n;
  let out = '';
  for (let i = 0; i < 8; i++) out += CHECKSUM_CHARSET[Number((checksum >> BigInt(5 * (7 - i))) & 31n)];
  return out;
}

/** BIP380 descsum_check: whether `s` is `SCRIPT#CHECKSUM` with a valid checksum. */
export function isDescriptorChecksumValid(s: string): boolean {
  if (s.length < 9 || s[s.length - 9] !== '#') return false;
  const checksum = s.slice(-8);
  if (![...checksum].every((c) => CHECKSUM_CHARSET.includes(c))) return false;
  const symbols = expand(s.slice(0, -9));
  if (symbols === undefined) return false;
  return polymod([...symbols, ...[...checksum].map((c) => CHECKSUM_CHARSET.indexOf(c))]) === 1n;
}

/** A key expression: a fixed key, or an extended key with public derivation steps. */
export interface DescriptorKey {
  /** the expression as written (without the descriptor's checksum) */
  expression: string;
  /** `[fingerprint/path]` origin, when given */
  origin?: { fingerprint: string; path: string };
  /** a fixed key: 33-byte compressed, or 32-byte x-only (tr only) */
  publicKey?: Uint8Array;
  /** an extended key: its public key and chain code, the unhardened steps after it, and whether it ends in `/*` */
  extended?: { node: HDKey; steps: number[]; wildcard: boolean };
}

export interface MultisigDescriptor {
  type: 'wsh_sortedmulti' | 'tr_multi_a' | 'tr_sortedmulti_a';
  threshold: number;
  /** tr() only */
  internalKey?: DescriptorKey;
  keys: DescriptorKey[];
  /** whether any key ends in `/*` (the descriptor is a range of addresses) */
  ranged: boolean;
  /** the descriptor with its checksum */
  descriptor: string;
}

function invalid(why: string): StrongboxError {
  return new StrongboxError('INVALID_DESCRIPTOR', `descriptor ${why}`, { field: 'descriptor' });
}

const HEX = /^[0-9a-f]*$/;
const ORIGIN = /^\[([0-9a-f]{8})((?:\/[0-9]+['hH]?)*)\]/;
const EXTENDED_VERSIONS = { xpub: { private: 0x0488ade4, public: 0x0488b21e }, tpub: { private: 0x04358394, public: 0x043587cf } } as const;

function parseIndex(step: string, what: string): number {
  if (!/^[0-9]{1,10}$/.test(step) || Number(step) >= 0x8000_0000) throw invalid(`key ${what}: derivation step ${JSON.stringify(step)} is not an unhardened index below 2^31 (hardened steps after an extended public key need its private key)`);
  return Number(step);
}

function parseKey(expression: string, context: 'wsh' | 'tr', what: string): DescriptorKey {
  let rest = expression;
  const key: DescriptorKey = { expression };
  const origin = ORIGIN.exec(rest);
  if (rest.startsWith('[')) {
    if (origin === null) throw invalid(`key ${what}: malformed key origin (expected [8 hex fingerprint/path])`);
    key.origin = { fingerprint: origin[1]!, path: `m${origin[2]!.replace(/[hH]/g, "'")}` };
    rest = rest.slice(origin[0].length);
  }
  if (/^[xt]prv/.test(rest) || /^[5KLc9][1-9A-HJ-NP-Za-km-z]{50,51}$/.test(rest)) throw invalid(`key ${what} is a private key; only public keys are accepted`);
  if (HEX.test(rest)) {
    const bytes = new Uint8Array(Buffer.from(rest, 'hex'));
    const compressed = rest.length === 66 && (rest.startsWith('02') || rest.startsWith('03'));
    const xOnly = rest.length === 64 && context === 'tr';
    if (!compressed && !xOnly) throw invalid(`key ${what}: a hex key must be a compressed public key${context === 'tr' ? ' or a 32-byte x-only key' : ''} (uncompressed keys are not allowed in segwit scripts)`);
    try {
      OutScript.encode(xOnly ? { type: 'tr_ns', pubkeys: [bytes] } : { type: 'pk', pubkey: bytes });
    } catch {
      throw invalid(`key ${what} is not a point on secp256k1`);
    }
    key.publicKey = bytes;
    return key;
  }
  const [encoded, ...steps] = rest.split('/');
  const prefix = encoded!.slice(0, 4);
  if (prefix !== 'xpub' && prefix !== 'tpub') throw invalid(`key ${what} is neither a hex public key nor an xpub/tpub`);
  let node: HDKey;
  try {
    node = HDKey.fromExtendedKey(encoded!, EXTENDED_VERSIONS[prefix]);
  } catch {
    throw invalid(`key ${what}: not a valid extended public key (Base58Check or BIP32 fields)`);
  }
  if (node.privateKey !== null) throw invalid(`key ${what} is a private key; only public keys are accepted`);
  const wildcard = steps[steps.length - 1] === '*';
  if (wildcard) steps.pop();
  if (steps.some((s) => s === '*' || s === '*h' || s === "*'" || s === '*H')) throw invalid(`key ${what}: only a final unhardened /* is supported`);
  key.extended = { node, steps: steps.map((s) => parseIndex(s, what)), wildcard };
  return key;
}

/** Splits `a,b(c,d),e` at top-level commas. */
function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

/** `name(args)` → args, or undefined. */
function call(s: string, name: string): string | undefined {
  return s.startsWith(`${name}(`) && s.endsWith(')') ? s.slice(name.length + 1, -1) : undefined;
}

function parseMulti(args: string, context: 'wsh' | 'tr', maxKeys: number): { threshold: number; keys: DescriptorKey[] } {
  const [k, ...keyExprs] = splitArgs(args);
  if (!/^[1-9][0-9]{0,3}$/.test(k ?? '')) throw invalid('threshold must be a positive integer');
  const threshold = Number(k);
  if (keyExprs.length === 0) throw invalid('has no keys');
  if (keyExprs.length > maxKeys) throw invalid(`has ${keyExprs.length} keys; at most ${maxKeys} are supported here`);
  if (threshold > keyExprs.length) throw invalid(`threshold ${threshold} is larger than the number of keys (${keyExprs.length})`);
  return { threshold, keys: keyExprs.map((e, i) => parseKey(e, context, `${i + 1}`)) };
}

/**
 * Parses a multisig descriptor; INVALID_DESCRIPTOR naming `descriptor` for anything else (wrong
 * checksum, unsupported shape, private keys, malformed keys).
 */
export function parseMultisigDescriptor(input: string): MultisigDescriptor {
  if (typeof input !== 'string' || input.length === 0) throw invalid('is required');
  if (input.length > MAX_DESCRIPTOR_LENGTH) throw invalid(`is longer than ${MAX_DESCRIPTOR_LENGTH} characters`);
  const hash = input.lastIndexOf('#');
  if (hash === -1) throw invalid('has no checksum (append #CHECKSUM, BIP380; wallets export descriptors with it)');
  const body = input.slice(0, hash);
  if (expand(body) === undefined) throw invalid('contains characters outside the BIP380 character set');
  if (!isDescriptorChecksumValid(input)) throw invalid(`checksum does not match (BIP380); expected #${descriptorChecksum(body) ?? '?'} for this text, so the descriptor was altered or mistyped`);
  let depth = 0;
  for (const c of body) {
    depth += c === '(' ? 1 : c === ')' ? -1 : 0;
    if (depth < 0) break;
  }
  if (depth !== 0) throw invalid('has unbalanced parentheses');
  const text = body;
  const wsh = call(text, 'wsh');
  if (wsh !== undefined) {
    const sorted = call(wsh, 'sortedmulti');
    if (sorted === undefined) throw invalid('wsh() must contain sortedmulti(m, …); other scripts are not cosigned');
    const { threshold, keys } = parseMulti(sorted, 'wsh', 16);
    return { type: 'wsh_sortedmulti', threshold, keys, ranged: keys.some((k) => k.extended?.wildcard === true), descriptor: input };
  }
  const tr = call(text, 'tr');
  if (tr !== undefined) {
    const args = splitArgs(tr);
    if (args.length !== 2) throw invalid('tr() must be tr(KEY,multi_a(m, …)) or tr(KEY,sortedmulti_a(m, …)) with one leaf');
    const internalKey = parseKey(args[0]!, 'tr', 'internal');
    const multiA = call(args[1]!, 'multi_a');
    const sortedA = call(args[1]!, 'sortedmulti_a');
    if (multiA === undefined && sortedA === undefined) throw invalid('the tr() leaf must be multi_a(m, …) or sortedmulti_a(m, …)');
    const { threshold, keys } = parseMulti((multiA ?? sortedA)!, 'tr', 999);
    const ranged = [internalKey, ...keys].some((k) => k.extended?.wildcard === true);
    return { type: multiA !== undefined ? 'tr_multi_a' : 'tr_sortedmulti_a', threshold, internalKey, keys, ranged, descriptor: input };
  }
  throw invalid('must be wsh(sortedmulti(m, …)) or tr(KEY,multi_a(m, …)) / tr(KEY,sortedmulti_a(m, …))');
}

/** The compressed public key of a key expression at address `index`, and the steps from the xpub. */
export function deriveDescriptorKey(key: DescriptorKey, index: number): { publicKey: Uint8Array; steps: number[] } {
  if (key.publicKey !== undefined) return { publicKey: key.publicKey, steps: [] };
  const { node, steps, wildcard } = key.extended!;
  const all = wildcard ? [...steps, index] : steps;
  let child = node;
  for (const step of all) child = child.deriveChild(step);
  return { publicKey: new Uint8Array(child.publicKey!), steps: all };
}

const xOnly = (key: Uint8Array): Uint8Array => (key.byteLength === 33 ? key.subarray(1) : key);

export interface MultisigAddress {
  index: number;
  address: string;
  scriptPubKey: Uint8Array;
  /** wsh: the witnessScript */
  witnessScript?: Uint8Array;
  /** tr: the internal key, the leaf script and its control block (PSBT tapLeafScript) */
  internalKey?: Uint8Array;
  leafScript?: Uint8Array;
  controlBlock?: Uint8Array;
  /** each participant's key at this index, in descriptor order (compressed for wsh, x-only for tr) */
  keys: Uint8Array[];
}

/** The output at `index` of a parsed descriptor (index is ignored when nothing is ranged). */
export function deriveMultisigAddress(d: MultisigDescriptor, index: number, network: BitcoinNetwork): MultisigAddress {
  const params = networkParams(network);
  const keys = d.keys.map((k) => deriveDescriptorKey(k, index).publicKey);
  if (d.type === 'wsh_sortedmulti') {
    const pubkeys = [...keys].sort(compareBytes);
    if (new Set(pubkeys.map((k) => Buffer.from(k).toString('hex'))).size !== pubkeys.length) throw invalid(`has a repeated key at index ${index}`);
    const witnessScript = OutScript.encode({ type: 'ms', m: d.threshold, pubkeys });
    const payment = p2wsh({ type: 'wsh', script: witnessScript }, params);
    return { index, address: payment.address!, scriptPubKey: payment.script, witnessScript, keys };
  }
  let leafKeys = keys.map(xOnly);
  if (d.type === 'tr_sortedmulti_a') leafKeys = [...leafKeys].sort(compareBytes);
  if (new Set(leafKeys.map((k) => Buffer.from(k).toString('hex'))).size !== leafKeys.length) throw invalid(`has a repeated key at index ${index}`);
  const leafScript = OutScript.encode({ type: 'tr_ms', m: d.threshold, pubkeys: leafKeys });
  const internalKey = xOnly(deriveDescriptorKey(d.internalKey!, index).publicKey);
  const payment = p2tr(internalKey, { script: leafScript }, params);
  const leaf = payment.tapLeafScript?.[0];
  if (payment.address === undefined || leaf === undefined) throw new StrongboxError('INTERNAL', 'taproot payment without address or leaf');
  return { index, address: payment.address, scriptPubKey: payment.script, internalKey, leafScript, controlBlock: TaprootControlBlock.encode(leaf[0]), keys: keys.map(xOnly) };
}
