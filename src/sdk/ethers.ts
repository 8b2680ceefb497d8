/**
 * An ethers v6 Signer whose key stays in Strongbox. `ethers` is an optional peer dependency: only
 * this module imports it. Works with or without a provider: connected, `signTransaction` fills
 * missing fields with `populateTransaction`; unconnected, the transaction must carry chainId, nonce,
 * gasLimit and its fees.
 */
import { AbstractSigner, getAddress, hexlify, resolveAddress, Signature, Transaction, TypedDataEncoder, type Authorization, type AuthorizationRequest, type Provider, type TransactionLike, type TransactionRequest, type TypedDataDomain, type TypedDataField } from 'ethers';
import type { EthereumTransactionRequest, EthereumTypedData } from '../protocol/ethereum.js';
import type { StrongboxClient } from './client.js';

const wire = (v: unknown): unknown => {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return hexlify(v);
  if (Array.isArray(v)) return v.map(wire);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined && x !== null).map(([k, x]) => [k, wire(x)]));
  return v;
};

export class StrongboxSigner extends AbstractSigner {
  readonly client: StrongboxClient;
  readonly key: string;
  #address: Promise<string> | undefined;

  /** `key`: the id, name or alias of a secp256k1 key. */
  constructor(client: StrongboxClient, key: string, provider: Provider | null = null) {
    super(provider);
    this.client = client;
    this.key = key;
  }

  override connect(provider: Provider | null): StrongboxSigner {
    const s = new StrongboxSigner(this.client, this.key, provider);
    if (this.#address !== undefined) s.#address = this.#address;
    return s;
  }

  override getAddress(): Promise<string> {
    this.#address ??= this.client.getKey(this.key).then((k) => {
      if (k.address === undefined) throw new Error(`key ${this.key} has no Ethereum address (type ${k.type}; a secp256k1 key is needed)`);
      return getAddress(k.address);
    });
    return this.#address;
  }

  override async signMessage(message: string | Uint8Array): Promise<string> {
    const req = typeof message === 'string' ? { message } : { message: hexlify(message), encoding: 'hex' as const };
    return (await this.client.ethereumSignMessage(this.key, req)).signature;
  }

  override async signTypedData(domain: TypedDataDomain, types: Record<string, TypedDataField[]>, value: Record<string, unknown>): Promise<string> {
    const resolved = await TypedDataEncoder.resolveNames(domain, types, value, async (name) => {
      if (this.provider === null) throw new Error(`cannot resolve ENS name ${name} without a provider`);
      const address = await this.provider.resolveName(name);
      if (address === null) throw new Error(`unconfigured ENS name ${name}`);
      return address;
    });
    const { EIP712Domain: _ignored, ...structs } = types;
    const typedData = { domain: wire(resolved.domain), types: structs, primaryType: TypedDataEncoder.getPrimaryType(structs), message: wire(resolved.value) };
    return (await this.client.ethereumSignTypedData(this.key, typedData as EthereumTypedData)).signature;
  }

  /**
   * EIP-7702 (`Signer.authorize`, as ethers' Wallet does it): fills chainId and nonce with
   * populateAuthorization (needs a provider unless both are given), then signs through Strongbox, where
   * the key's transaction rules judge the delegate (allowedDelegates).
   */
  override async authorize(authorization: AuthorizationRequest): Promise<Authorization> {
    const address = await resolveAddress(authorization.address, this.provider);
    const auth = authorization.chainId != null && authorization.nonce != null ? { ...authorization, address } : await this.populateAuthorization({ ...authorization, address });
    const res = await this.client.ethereumSignAuthorization(this.key, { chainId: BigInt(auth.chainId!).toString(), address, nonce: BigInt(auth.nonce!).toString() });
    return { address: getAddress(res.address), nonce: BigInt(res.nonce), chainId: BigInt(res.chainId), signature: Signature.from({ r: res.r, s: res.s, yParity: res.yParity as 0 | 1 }) };
  }

  override async signTransaction(request: TransactionRequest): Promise<string> {
    let tx: TransactionRequest = request;
    if (this.provider !== null) {
      tx = await this.populateTransaction(request);
    } else {
      const fees = request.gasPrice != null || (request.maxFeePerGas != null && request.maxPriorityFeePerGas != null);
      const missing = (['chainId', 'nonce', 'gasLimit'] as const).filter((f) => request[f] == null);
      if (missing.length > 0 || !fees) throw new Error(`without a provider the transaction must carry ${[...missing, ...(fees ? [] : ['gasPrice or maxFeePerGas and maxPriorityFeePerGas'])].join(', ')}`);
    }
    const [to, from] = await Promise.all([tx.to == null ? null : resolveAddress(tx.to, this.provider), tx.from == null ? null : resolveAddress(tx.from, this.provider)]);
    const address = await this.getAddress();
    if (from !== null && getAddress(from) !== address) throw new Error(`transaction from ${from} does not match the signer ${address}`);
    const like: TransactionLike<string> = { ...(tx as TransactionLike<string>), to, from: null };
    const t = Transaction.from(like);
    const type = t.inferType();
    if (type > 4) throw new Error(`Strongbox signs transaction types 0 to 4, not ${type}`);
    const out: Record<string, unknown> = {
      type: (['legacy', 'eip2930', 'eip1559', 'eip4844', 'eip7702'] as const)[type],
      chainId: t.chainId.toString(),
      nonce: t.nonce,
      to: t.to,
      value: t.value.toString(),
      gas: t.gasLimit.toString(),
      data: t.data,
    };
    if (type < 2) out['gasPrice'] = (t.gasPrice ?? 0n).toString();
    else {
      out['maxFeePerGas'] = (t.maxFeePerGas ?? 0n).toString();
      out['maxPriorityFeePerGas'] = (t.maxPriorityFeePerGas ?? 0n).toString();
    }
    if (type > 0) out['accessList'] = (t.accessList ?? []).map((a) => ({ address: a.address, storageKeys: [...a.storageKeys] }));
    if (type === 4) {
      out['authorizationList'] = (t.authorizationList ?? []).map((a) => ({ chainId: a.chainId.toString(), address: a.address, nonce: a.nonce.toString(), yParity: a.signature.yParity, r: a.signature.r, s: a.signature.s }));
    }
    if (type === 3) {
      out['maxFeePerBlobGas'] = (t.maxFeePerBlobGas ?? 0n).toString();
      out['blobVersionedHashes'] = t.blobVersionedHashes ?? [];
      // ethers computes commitments and proofs only with a KZG library set on the transaction (t.kzg).
      const blobs = t.blobs;
      if (blobs !== null && blobs.length > 0) out['sidecar'] = { blobs: blobs.map((b) => b.data), commitments: blobs.map((b) => b.commitment), proofs: blobs.map((b) => b.proof) };
    }
    return (await this.client.ethereumSignTransaction(this.key, out as unknown as EthereumTransactionRequest)).rawTransaction;
  }
}
