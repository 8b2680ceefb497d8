/**
 * Strongbox client for the v1 REST API. Imports only protocol/ (no server code, no native
 * modules) and uses the platform fetch. Errors are rebuilt from the problem+json `code`.
 */
import type { CreateThresholdKeyRequest, CreateThresholdKeyResponse, ThresholdPeersRequest, ThresholdPeersResponse } from '../protocol/threshold.js';
import { errorCodes, isErrorCode, type ErrorCode, type ProblemDetails } from '../protocol/errors.js';
import type { AwsCredentialInfo, KeyCertificateResponse, CreateTokenRequest, Duration, ExportKeyResponse, HashName, HealthResponse, InitResponse, KeyInfo, KeystoreV3, KeyType, KeyWrapAlgorithm, MacResponse, PublicKeyFormat, SignatureEncoding, SignResponse, UnsealResponse, WrappedKeyResponse, WrappingKeyResponse, TokenInfo, WalletInfo, WalletPage, WalletXpubResponse, SolanaSignTransactionResponse, RsaEncryptionAlgorithm, RsaPadding } from '../protocol/types.js';
import type { BatchResponse } from '../protocol/batch.js';
import type { BitcoinAddressResponse, BitcoinAddressType, BitcoinMultisigAddressesRequest, BitcoinMultisigAddressesResponse, BitcoinMusig2NonceRequest, BitcoinMusig2NonceResponse, BitcoinMusig2SignRequest, BitcoinMusig2SignResponse, BitcoinNetwork, BitcoinSignPsbtResponse } from '../protocol/bitcoin.js';
import type { ApprovalInfo, ApprovalStatus, HeldTransactionResponse, TransactionRulesDocument, TransactionRulesResponse } from '../protocol/transaction-rules.js';
import { createRequestSigner, type RequestSigner, type RequestSigningKey } from './request-signer.js';
import type { EthereumAuthorizationRequest, EthereumSignAuthorizationResponse, EthereumSignMessageRequest, EthereumSignMessageResponse, EthereumSignTransactionResponse, EthereumSignTypedDataResponse, EthereumSignUserOperationRequest, EthereumSignUserOperationResponse, EthereumTransactionRequest, EthereumTypedData } from '../protocol/ethereum.js';

export interface ClientOptions {
  /** base URL, e.g. http://127.0.0.1:8230 */
  addr: string;
  token?: string;
  timeoutMs?: number;
  /**
   * An application key registered with POST /v1/auth/app-keys: every request is then signed (RFC 9421,
   * with a Content-Digest of the body), as a policy with `requireSignedRequests` demands.
   */
  signingKey?: RequestSigningKey;
}

export type { KeyCertificateResponse } from '../protocol/types.js';
export type { RequestSigningKey };

/** An application key for signed requests, as registered (public key only). */
export interface AppKeyInfo {
  keyId: string;
  accessor: string;
  algorithm: 'ed25519' | 'ecdsa-p256-sha256';
  publicKey: string;
  createdAt: string;
  revokedAt: string | null;
  status: 'active' | 'revoked';
}

export class StrongboxApiError extends Error {
  readonly code: ErrorCode | 'NETWORK_ERROR';
  readonly status: number;
  readonly requestId: string | undefined;
  readonly field: string | undefined;
  /** TRANSACTION_DENIED and related codes: the rule that refused, e.g. `daily_limit_exceeded` */
  readonly reason: string | undefined;

  constructor(code: ErrorCode | 'NETWORK_ERROR', message: string, status: number, requestId?: string, field?: string, cause?: unknown, reason?: string) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'StrongboxApiError';
    this.code = code;
    this.status = status;
    this.requestId = requestId;
    this.field = field;
    this.reason = reason;
  }

  get retryable(): boolean {
    return this.code === 'NETWORK_ERROR' || errorCodes[this.code].retryable;
  }
}

export type { CreateTokenRequest, Duration, TokenInfo };
export type { BatchItemResult, BatchResponse } from '../protocol/batch.js';
export { isBatchError, MAX_BATCH_ITEMS } from '../protocol/batch.js';
export type { ApprovalInfo, HeldTransactionResponse, TransactionRulesDocument, TransactionRulesResponse };

/**
 * Thrown by signing methods that must return a signature (ethereumSignTransaction, ethereumSignTypedData,
 * and the viem and ethers signers) when the key's transaction rules hold the transaction (or permit) for
 * approval (HTTP 202). Nothing was signed; once approved, getApproval(approvalId).result holds the result.
 */
export class ApprovalPendingError extends Error {
  readonly approvalId: string;
  readonly required: number;
  readonly expiresAt: string;

  constructor(held: HeldTransactionResponse) {
    super(`the transaction is held for approval (${held.reason}); approval id ${held.approvalId}`);
    this.name = 'ApprovalPendingError';
    this.approvalId = held.approvalId;
    this.required = held.required;
    this.expiresAt = held.expiresAt;
  }
}

/** What cancels a ceremony attempt (generate-root, rekey, escrow, restore-hsm): its nonce, or one share of its set. */
export type CancelCredential = { nonce: string; share?: never } | { share: string; nonce?: never };

export interface PolicyView {
  name: string;
  builtin: boolean;
  statements: unknown[];
  updatedAt: string | null;
}

export interface SignParams {
  digest?: string;
  message?: string;
  hash?: HashName;
  encoding?: SignatureEncoding;
  /** RSA keys: pss (default) or pkcs1 */
  padding?: RsaPadding;
}

/** RSA keys on encrypt/decrypt: the OAEP algorithm (default RSAES_OAEP_SHA_256) and label (0x-hex, default empty). */
export interface RsaOaepParams {
  algorithm?: RsaEncryptionAlgorithm;
  label?: string;
}

/** Optional metadata accepted by createKey, importKey and importWrappedKey. */
export interface KeyMetadata {
  description?: string;
  tags?: Record<string, string>;
  /** aes256: rotate automatically every N days (a number of days, or a duration in whole days such as "90d") */
  rotationPeriodDays?: Duration;
  /** irreversible: the key may later be exported with exportKey / exportKeystore */
  exportable?: boolean;
}

export class StrongboxClient {
  readonly addr: string;
  readonly #token: string | undefined;
  readonly #timeoutMs: number;
  readonly #signer: RequestSigner | undefined;

  constructor(options: ClientOptions) {
    this.addr = options.addr.replace(/\/+$/, '');
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#signer = options.signingKey === undefined ? undefined : createRequestSigner(options.signingKey);
  }

  /** Authorization and, with a signing key, the RFC 9421 signature headers over exactly `body`. */
  async #headers(method: string, url: string, body: Uint8Array | undefined): Promise<Record<string, string>> {
    const headers: Record<string, string> = {};
    if (this.#token !== undefined) headers['authorization'] = `Bearer ${this.#token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.#signer !== undefined) Object.assign(headers, await this.#signer.sign(method, url, body));
    return headers;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    // The exact bytes sent are the bytes the Content-Digest covers.
    const bytes = body === undefined ? undefined : new TextEncoder().encode(JSON.stringify(body));
    const url = this.addr + path;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: await this.#headers(method, url, bytes),
        ...(bytes === undefined ? {} : { body: bytes }),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      throw new StrongboxApiError('NETWORK_ERROR', `cannot reach Strongbox at ${this.addr}: ${(err as Error).message}`, 0, undefined, undefined, err);
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new StrongboxApiError('INTERNAL', `unexpected non-JSON response (HTTP ${res.status})`, res.status);
    }
    if (!res.ok) {
      const p = (parsed ?? {}) as Partial<ProblemDetails>;
      const code = isErrorCode(p.code) ? p.code : 'INTERNAL';
      throw new StrongboxApiError(code, p.detail ?? `HTTP ${res.status}`, res.status, p.requestId, p.field, undefined, p.reason);
    }
    return parsed as T;
  }

  health() {
    return this.request<HealthResponse>('GET', '/v1/sys/health');
  }
  init(params: { shares: number; threshold: number }) {
    return this.request<InitResponse>('POST', '/v1/sys/init', params);
  }
  unseal(share: string) {
    return this.request<UnsealResponse>('POST', '/v1/sys/unseal', { share });
  }
  seal() {
    return this.request<{ sealed: true }>('POST', '/v1/sys/seal');
  }
  /** This server's threshold peers (docs/threshold.md). */
  getThresholdPeers() {
    return this.request<ThresholdPeersResponse>('GET', '/v1/sys/threshold/peers');
  }
  /** Replaces this server's threshold peers: every participant, this one included. */
  setThresholdPeers(params: ThresholdPeersRequest) {
    return this.request<ThresholdPeersResponse>('PUT', '/v1/sys/threshold/peers', params);
  }
  /** Creates a t-of-n threshold key by DKG among the participants, coordinated by this server. */
  createThresholdKey(params: CreateThresholdKeyRequest) {
    return this.request<CreateThresholdKeyResponse>('POST', '/v1/threshold/keys', params);
  }
  createKey(params: { type: KeyType; name?: string } & KeyMetadata) {
    return this.request<KeyInfo>('POST', '/v1/keys', params);
  }
  importKey(params: { type: KeyType; name?: string; privateKey?: string; pem?: string } & KeyMetadata) {
    return this.request<KeyInfo>('POST', '/v1/keys/import', params);
  }
  listKeys(params: { limit?: number; cursor?: string } = {}) {
    const q = new URLSearchParams();
    if (params.limit !== undefined) q.set('limit', String(params.limit));
    if (params.cursor !== undefined) q.set('cursor', params.cursor);
    const qs = q.toString();
    return this.request<{ keys: KeyInfo[]; nextCursor: string | null }>('GET', `/v1/keys${qs ? `?${qs}` : ''}`);
  }
  getKey(key: string) {
    return this.request<KeyInfo>('GET', `/v1/keys/${encodeURIComponent(key)}`);
  }
  getPublicKey(key: string, format: PublicKeyFormat = 'pem') {
    return this.request<{ format: PublicKeyFormat; publicKey: string | Record<string, string> }>('GET', `/v1/keys/${encodeURIComponent(key)}/public-key?format=${format}`);
  }
  sign(key: string, params: SignParams) {
    return this.request<SignResponse>('POST', `/v1/keys/${encodeURIComponent(key)}/sign`, params);
  }
  verify(key: string, params: SignParams & { signature: string }) {
    return this.request<{ valid: boolean }>('POST', `/v1/keys/${encodeURIComponent(key)}/verify`, params);
  }
  /** HMAC-SHA-256 of 0x-hex `message` under an hmac256 key */
  mac(key: string, params: { message: string }) {
    return this.request<MacResponse>('POST', `/v1/keys/${encodeURIComponent(key)}/mac`, params);
  }
  /** `valid: false` when `mac` is not the HMAC-SHA-256 of `message` under the key */
  verifyMac(key: string, params: { message: string; mac: string }) {
    return this.request<{ valid: boolean }>('POST', `/v1/keys/${encodeURIComponent(key)}/verify-mac`, params);
  }
  /** EIP-191 personal_sign with a secp256k1 key: `message` is UTF-8 text unless `encoding: 'hex'`; signature is r‖s‖v (v 27/28). */
  ethereumSignMessage(key: string, params: EthereumSignMessageRequest) {
    return this.request<EthereumSignMessageResponse>('POST', `/v1/keys/${encodeURIComponent(key)}/ethereum/sign-message`, params);
  }
  /**
   * EIP-712 (eth_signTypedData_v4) with a secp256k1 key; integers may be numbers, decimal or 0x-hex strings.
   * Throws ApprovalPendingError when the key's transaction rules hold a permit for approval.
   */
  async ethereumSignTypedData(key: string, typedData: EthereumTypedData): Promise<EthereumSignTypedDataResponse> {
    const res = await this.ethereumSignTypedDataOrHold(key, typedData);
    if ('approvalId' in res) throw new ApprovalPendingError(res);
    return res;
  }
  /** Like ethereumSignTypedData, but a permit held for approval is returned (status `pending`) instead of thrown. */
  ethereumSignTypedDataOrHold(key: string, typedData: EthereumTypedData) {
    return this.request<EthereumSignTypedDataResponse | HeldTransactionResponse>('POST', `/v1/keys/${encodeURIComponent(key)}/ethereum/sign-typed-data`, { typedData });
  }
  /**
   * Signs an EIP-7702 authorization `{chainId, address, nonce}` (delegating the key's account to the code
   * at `address`); returns `{chainId, address, nonce, yParity, r, s, hash, from}`. Throws
   * ApprovalPendingError when the key's rules hold it for approval.
   */
  async ethereumSignAuthorization(key: string, authorization: EthereumAuthorizationRequest): Promise<EthereumSignAuthorizationResponse> {
    const res = await this.ethereumSignAuthorizationOrHold(key, authorization);
    if ('approvalId' in res) throw new ApprovalPendingError(res);
    return res;
  }
  /** Like ethereumSignAuthorization, but an authorization held for approval is returned (status `pending`) instead of thrown. */
  ethereumSignAuthorizationOrHold(key: string, authorization: EthereumAuthorizationRequest) {
    return this.request<EthereumSignAuthorizationResponse | HeldTransactionResponse>('POST', `/v1/keys/${encodeURIComponent(key)}/ethereum/sign-authorization`, { authorization });
  }
  /**
   * Signs a legacy (EIP-155), EIP-2930, EIP-1559, EIP-4844 (blob) or EIP-7702 (set-code) transaction with
   * a secp256k1 key; returns the raw signed transaction. Throws ApprovalPendingError when the key's rules
   * hold it for approval.
   */
  async ethereumSignTransaction(key: string, transaction: EthereumTransactionRequest): Promise<EthereumSignTransactionResponse> {
    const res = await this.ethereumSignTransactionOrHold(key, transaction);
    if ('approvalId' in res) throw new ApprovalPendingError(res);
    return res;
  }
  /** Like ethereumSignTransaction, but a transaction held for approval is returned (status `pending`) instead of thrown. */
  ethereumSignTransactionOrHold(key: string, transaction: EthereumTransactionRequest) {
    return this.request<EthereumSignTransactionResponse | HeldTransactionResponse>('POST', `/v1/keys/${encodeURIComponent(key)}/ethereum/sign-transaction`, { transaction });
  }
  /**
   * Signs an ERC-4337 user operation (EntryPoint v0.7 or v0.8) for a smart account the key owns: Strongbox
   * computes the userOpHash from the operation, `entryPoint` and `chainId`, and returns the signature in
   * `signatureFormat` (default eip191 for 0.7, raw for 0.8). Throws ApprovalPendingError when the key's
   * rules hold it for approval.
   */
  async ethereumSignUserOperation(key: string, request: EthereumSignUserOperationRequest): Promise<EthereumSignUserOperationResponse> {
    const res = await this.ethereumSignUserOperationOrHold(key, request);
    if ('approvalId' in res) throw new ApprovalPendingError(res);
    return res;
  }
  /** Like ethereumSignUserOperation, but an operation held for approval is returned (status `pending`) instead of thrown. */
  ethereumSignUserOperationOrHold(key: string, request: EthereumSignUserOperationRequest) {
    return this.request<EthereumSignUserOperationResponse | HeldTransactionResponse>('POST', `/v1/keys/${encodeURIComponent(key)}/ethereum/sign-user-operation`, request);
  }
  /** Attaches (replaces) an X.509 certificate whose public key is the key's (PKCS#11 certificate object). */
  putKeyCertificate(key: string, certificatePem: string) {
    return this.request<KeyCertificateResponse>('PUT', `/v1/keys/${encodeURIComponent(key)}/certificate`, { certificate: certificatePem });
  }
  getKeyCertificate(key: string) {
    return this.request<KeyCertificateResponse>('GET', `/v1/keys/${encodeURIComponent(key)}/certificate`);
  }
  deleteKeyCertificate(key: string) {
    return this.request<{ keyId: string; deleted: boolean }>('DELETE', `/v1/keys/${encodeURIComponent(key)}/certificate`);
  }
  putTransactionRules(key: string, rules: TransactionRulesDocument) {
    return this.request<TransactionRulesResponse>('PUT', `/v1/keys/${encodeURIComponent(key)}/transaction-rules`, rules);
  }
  getTransactionRules(key: string) {
    return this.request<TransactionRulesResponse>('GET', `/v1/keys/${encodeURIComponent(key)}/transaction-rules`);
  }
  deleteTransactionRules(key: string) {
    return this.request<{ keyId: string; deleted: true }>('DELETE', `/v1/keys/${encodeURIComponent(key)}/transaction-rules`);
  }
  listApprovals(options: { status?: ApprovalStatus; limit?: number; cursor?: string } = {}) {
    const q = new URLSearchParams();
    if (options.status !== undefined) q.set('status', options.status);
    if (options.limit !== undefined) q.set('limit', String(options.limit));
    if (options.cursor !== undefined) q.set('cursor', options.cursor);
    const qs = q.toString();
    return this.request<{ approvals: ApprovalInfo[]; nextCursor: string | null }>('GET', `/v1/approvals${qs === '' ? '' : `?${qs}`}`);
  }
  getApproval(id: string) {
    return this.request<ApprovalInfo>('GET', `/v1/approvals/${encodeURIComponent(id)}`);
  }
  approveTransaction(id: string) {
    return this.request<ApprovalInfo>('POST', `/v1/approvals/${encodeURIComponent(id)}/approve`);
  }
  rejectTransaction(id: string, reason?: string) {
    return this.request<ApprovalInfo>('POST', `/v1/approvals/${encodeURIComponent(id)}/reject`, reason === undefined ? {} : { reason });
  }
  /**
   * Signs a Solana transaction with an ed25519 key: `transaction` is the base64 wire transaction (its
   * other signers' slots are kept), or `message` a base64 bare message.
   */
  /** Throws ApprovalPendingError when the key's transaction rules hold the transaction for approval. */
  async solanaSignTransaction(key: string, params: { transaction: string } | { message: string }): Promise<SolanaSignTransactionResponse> {
    const res = await this.request<SolanaSignTransactionResponse | HeldTransactionResponse>('POST', `/v1/keys/${encodeURIComponent(key)}/solana/sign-transaction`, params);
    if ('approvalId' in res) throw new ApprovalPendingError(res);
    return res;
  }
  /** A new HD wallet (fresh mnemonic of `strength` bits, default 256) or an imported `mnemonic`; `revealMnemonic` returns a generated one, once. */
  createWallet(params: { name?: string; mnemonic?: string; passphrase?: string; strength?: number; revealMnemonic?: boolean } = {}) {
    return this.request<WalletInfo>('POST', '/v1/wallets', params);
  }
  listWallets(params: { limit?: number; cursor?: string } = {}) {
    const q = new URLSearchParams();
    if (params.limit !== undefined) q.set('limit', String(params.limit));
    if (params.cursor !== undefined) q.set('cursor', params.cursor);
    const qs = q.toString();
    return this.request<WalletPage>('GET', `/v1/wallets${qs ? `?${qs}` : ''}`);
  }
  getWallet(wallet: string) {
    return this.request<WalletInfo>('GET', `/v1/wallets/${encodeURIComponent(wallet)}`);
  }
  /** Derives (or returns the already derived) key at `path`: BIP32 secp256k1, or SLIP-10 ed25519 (default under m/44'/501'). */
  deriveWalletKey(wallet: string, params: { path: string; type?: 'secp256k1' | 'ed25519' }) {
    return this.request<KeyInfo>('POST', `/v1/wallets/${encodeURIComponent(wallet)}/derive`, params);
  }
  walletXpub(wallet: string, params: { path?: string; type?: 'secp256k1' | 'ed25519' } = {}) {
    const q = new URLSearchParams();
    if (params.path !== undefined) q.set('path', params.path);
    if (params.type !== undefined) q.set('type', params.type);
    const qs = q.toString();
    return this.request<WalletXpubResponse>('GET', `/v1/wallets/${encodeURIComponent(wallet)}/xpub${qs ? `?${qs}` : ''}`);
  }
  /** Addresses of a checksummed multisig descriptor (wsh(sortedmulti(…)), tr(KEY,multi_a(…))) in which the wallet is a participant, with the wallet's key path per index. */
  walletBitcoinMultisig(wallet: string, params: BitcoinMultisigAddressesRequest) {
    return this.request<BitcoinMultisigAddressesResponse>('POST', `/v1/wallets/${encodeURIComponent(wallet)}/bitcoin/multisig`, params);
  }
  /** The key's P2WPKH (default) or P2TR (BIP86 key path) address on mainnet (default), testnet or regtest. */
  bitcoinAddress(key: string, params: { network?: BitcoinNetwork; type?: BitcoinAddressType } = {}) {
    const q = new URLSearchParams();
    if (params.network !== undefined) q.set('network', params.network);
    if (params.type !== undefined) q.set('type', params.type);
    const qs = q.toString();
    return this.request<BitcoinAddressResponse>('GET', `/v1/keys/${encodeURIComponent(key)}/bitcoin/address${qs ? `?${qs}` : ''}`);
  }
  /** Signs the inputs of a base64 PSBT that spend the key's P2WPKH or P2TR outputs, or a P2WSH sortedmulti / tapscript multi_a with the key as a participant; returns the PSBT (not finalized) and the indexes signed. */
  /** Throws ApprovalPendingError when the key's transaction rules hold the PSBT for approval. */
  async bitcoinSignPsbt(key: string, psbt: string, params: { network?: BitcoinNetwork } = {}): Promise<BitcoinSignPsbtResponse> {
    const res = await this.request<BitcoinSignPsbtResponse | HeldTransactionResponse>('POST', `/v1/keys/${encodeURIComponent(key)}/bitcoin/sign-psbt`, { psbt, ...params });
    if ('approvalId' in res) throw new ApprovalPendingError(res);
    return res;
  }
  /** Opens a MuSig2 (BIP327) session for one Taproot key-path input of the PSBT: the key's public nonce and the session id. */
  bitcoinMusig2Nonce(key: string, params: BitcoinMusig2NonceRequest) {
    return this.request<BitcoinMusig2NonceResponse>('POST', `/v1/keys/${encodeURIComponent(key)}/bitcoin/musig2/nonce`, params);
  }
  /** Signs a MuSig2 session (once): the key's 32-byte partial signature. */
  bitcoinMusig2Sign(key: string, params: BitcoinMusig2SignRequest) {
    return this.request<BitcoinMusig2SignResponse>('POST', `/v1/keys/${encodeURIComponent(key)}/bitcoin/musig2/sign`, params);
  }
  encrypt(key: string, params: { plaintext: string; aad?: string } & RsaOaepParams) {
    return this.request<{ ciphertext: string; keyVersion: number; algorithm?: RsaEncryptionAlgorithm }>('POST', `/v1/keys/${encodeURIComponent(key)}/encrypt`, params);
  }
  decrypt(key: string, params: { ciphertext: string; aad?: string } & RsaOaepParams) {
    return this.request<{ plaintext: string; keyVersion: number; algorithm?: RsaEncryptionAlgorithm }>('POST', `/v1/keys/${encodeURIComponent(key)}/decrypt`, params);
  }
  /**
   * Signs up to 1,000 items in one request, answered in order: with one key (`signBatch(key, items)`),
   * or each item with the key it names (`signBatch(items)`, items with `key`). A refused item's result is
   * `{ error }` (problem+json, field `batch.<i>.<field>`); the others are signed regardless.
   */
  signBatch(key: string, items: SignParams[]): Promise<BatchResponse<SignResponse>>;
  signBatch(items: (SignParams & { key: string })[]): Promise<BatchResponse<SignResponse>>;
  signBatch(keyOrItems: string | (SignParams & { key: string })[], items?: SignParams[]): Promise<BatchResponse<SignResponse>> {
    return this.#batch('sign', keyOrItems, items);
  }
  /** Verifies up to 1,000 signatures in one request, with one key or each item with the key it names (like signBatch). */
  verifyBatch(key: string, items: (SignParams & { signature: string })[]): Promise<BatchResponse<{ valid: boolean }>>;
  verifyBatch(items: (SignParams & { signature: string; key: string })[]): Promise<BatchResponse<{ valid: boolean }>>;
  verifyBatch(keyOrItems: string | (SignParams & { signature: string; key: string })[], items?: (SignParams & { signature: string })[]): Promise<BatchResponse<{ valid: boolean }>> {
    return this.#batch('verify', keyOrItems, items);
  }
  /** Encrypts up to 1,000 plaintexts in one request, with one key or each item with the key it names (like signBatch). */
  encryptBatch(key: string, items: ({ plaintext: string; aad?: string } & RsaOaepParams)[]): Promise<BatchResponse<{ ciphertext: string; keyVersion: number; algorithm?: RsaEncryptionAlgorithm }>>;
  encryptBatch(items: ({ key: string; plaintext: string; aad?: string } & RsaOaepParams)[]): Promise<BatchResponse<{ ciphertext: string; keyVersion: number; algorithm?: RsaEncryptionAlgorithm }>>;
  encryptBatch(keyOrItems: string | ({ key: string; plaintext: string } & RsaOaepParams)[], items?: ({ plaintext: string } & RsaOaepParams)[]): Promise<BatchResponse<{ ciphertext: string; keyVersion: number; algorithm?: RsaEncryptionAlgorithm }>> {
    return this.#batch('encrypt', keyOrItems, items);
  }
  /** Decrypts up to 1,000 ciphertexts in one request, with one key or each item with the key it names (like signBatch). */
  decryptBatch(key: string, items: ({ ciphertext: string; aad?: string } & RsaOaepParams)[]): Promise<BatchResponse<{ plaintext: string; keyVersion: number; algorithm?: RsaEncryptionAlgorithm }>>;
  decryptBatch(items: ({ key: string; ciphertext: string; aad?: string } & RsaOaepParams)[]): Promise<BatchResponse<{ plaintext: string; keyVersion: number; algorithm?: RsaEncryptionAlgorithm }>>;
  decryptBatch(keyOrItems: string | ({ key: string; ciphertext: string } & RsaOaepParams)[], items?: ({ ciphertext: string } & RsaOaepParams)[]): Promise<BatchResponse<{ plaintext: string; keyVersion: number; algorithm?: RsaEncryptionAlgorithm }>> {
    return this.#batch('decrypt', keyOrItems, items);
  }
  #batch<T>(operation: 'sign' | 'verify' | 'encrypt' | 'decrypt', keyOrItems: string | object[], items: object[] | undefined): Promise<BatchResponse<T>> {
    if (typeof keyOrItems === 'string') return this.request<BatchResponse<T>>('POST', `/v1/keys/${encodeURIComponent(keyOrItems)}/${operation}`, { batch: items ?? [] });
    return this.request<BatchResponse<T>>('POST', `/v1/${operation}-batch`, { batch: keyOrItems });
  }
  disableKey(key: string) {
    return this.request<KeyInfo>('POST', `/v1/keys/${encodeURIComponent(key)}/disable`);
  }
  enableKey(key: string) {
    return this.request<KeyInfo>('POST', `/v1/keys/${encodeURIComponent(key)}/enable`);
  }
  scheduleKeyDeletion(key: string, params: { pendingDays?: Duration } = {}) {
    return this.request<KeyInfo>('DELETE', `/v1/keys/${encodeURIComponent(key)}`, params);
  }
  cancelKeyDeletion(key: string) {
    return this.request<KeyInfo>('POST', `/v1/keys/${encodeURIComponent(key)}/cancel-deletion`);
  }
  updateKey(key: string, params: { description?: string; tags?: Record<string, string> }) {
    return this.request<KeyInfo>('PATCH', `/v1/keys/${encodeURIComponent(key)}`, params);
  }
  addKeyAlias(key: string, alias: string) {
    return this.request<KeyInfo>('POST', `/v1/keys/${encodeURIComponent(key)}/aliases`, { alias });
  }
  removeKeyAlias(key: string, alias: string) {
    return this.request<KeyInfo>('DELETE', `/v1/keys/${encodeURIComponent(key)}/aliases/${encodeURIComponent(alias)}`);
  }
  rotateKey(key: string) {
    return this.request<KeyInfo>('POST', `/v1/keys/${encodeURIComponent(key)}/rotate`);
  }
  configureRotation(key: string, params: { rotationPeriodDays?: Duration | null; minDecryptionVersion?: number }) {
    return this.request<KeyInfo>('POST', `/v1/keys/${encodeURIComponent(key)}/rotation`, params);
  }
  /** TTLs are seconds or durations such as "1h", "30m", "7d", "1h30m" */
  createToken(params: CreateTokenRequest) {
    return this.request<TokenInfo & { token: string }>('POST', '/v1/tokens', params);
  }
  /** AWS SigV4 credentials for the AWS KMS-compatible endpoint; the secret is returned only here. `ttl` (seconds or a duration such as "12h") is capped by this client's token expiry. */
  createAwsCredentials(params: { policies?: string[]; ttl?: Duration } = {}) {
    return this.request<AwsCredentialInfo & { secretAccessKey: string }>('POST', '/v1/aws-credentials', params);
  }
  /** AWS credentials (active, expired, revoked), never their secrets; one page, by access key id */
  listAwsCredentials(params: { limit?: number; cursor?: string } = {}) {
    const q = new URLSearchParams();
    if (params.limit !== undefined) q.set('limit', String(params.limit));
    if (params.cursor !== undefined) q.set('cursor', params.cursor);
    const qs = q.toString();
    return this.request<{ credentials: AwsCredentialInfo[]; nextCursor: string | null }>('GET', `/v1/aws-credentials${qs ? `?${qs}` : ''}`);
  }
  /** Registers an application's public key (SPKI PEM or JWK; Ed25519 or P-256) for signed requests of a token or certificate accessor. */
  registerAppKey(params: { keyId: string; accessor: string; publicKey: string | Record<string, unknown> }) {
    return this.request<AppKeyInfo>('POST', '/v1/auth/app-keys', params);
  }
  /** Application keys (active and revoked), one page, by key id; optionally only those of `accessor` */
  listAppKeys(params: { limit?: number; cursor?: string; accessor?: string } = {}) {
    const q = new URLSearchParams();
    if (params.limit !== undefined) q.set('limit', String(params.limit));
    if (params.cursor !== undefined) q.set('cursor', params.cursor);
    if (params.accessor !== undefined) q.set('accessor', params.accessor);
    const qs = q.toString();
    return this.request<{ keys: AppKeyInfo[]; nextCursor: string | null }>('GET', `/v1/auth/app-keys${qs ? `?${qs}` : ''}`);
  }
  /** Revokes an application key at once (idempotent) */
  revokeAppKey(keyId: string) {
    return this.request<AppKeyInfo>('DELETE', `/v1/auth/app-keys/${encodeURIComponent(keyId)}`);
  }
  /** Revokes an AWS credential at once (idempotent) */
  revokeAwsCredential(accessKeyId: string) {
    return this.request<AwsCredentialInfo>('DELETE', `/v1/aws-credentials/${encodeURIComponent(accessKeyId)}`);
  }
  lookupSelf() {
    return this.request<TokenInfo>('GET', '/v1/tokens/self');
  }
  /** `increment`: seconds or a duration such as "1h" (default: the token's creation TTL) */
  renewSelf(params: { increment?: Duration } = {}) {
    return this.request<TokenInfo>('POST', '/v1/tokens/self/renew', params);
  }
  revokeToken(accessor: string) {
    return this.request<{ revoked: string[] }>('POST', '/v1/tokens/revoke', { accessor });
  }
  lookupToken(accessor: string) {
    return this.request<TokenInfo>('GET', `/v1/tokens/${encodeURIComponent(accessor)}`);
  }
  putPolicy(name: string, document: { statements: unknown[] }) {
    return this.request<PolicyView>('PUT', `/v1/policies/${encodeURIComponent(name)}`, document);
  }
  getPolicy(name: string) {
    return this.request<PolicyView>('GET', `/v1/policies/${encodeURIComponent(name)}`);
  }
  deletePolicy(name: string) {
    return this.request<{ deleted: boolean }>('DELETE', `/v1/policies/${encodeURIComponent(name)}`);
  }
  listPolicies() {
    return this.request<{ policies: { name: string; builtin: boolean }[] }>('GET', '/v1/policies');
  }
  listAudit(params: { afterSeq?: number; limit?: number; principal?: string; action?: string; outcome?: string; resource?: string } = {}) {
    const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)] as [string, string]));
    const qs = q.toString();
    return this.request<{ records: Record<string, unknown>[]; nextAfterSeq: number | null }>('GET', `/v1/audit${qs ? `?${qs}` : ''}`);
  }
  auditCheckpoints() {
    return this.request<{ checkpoints: Record<string, unknown>[] }>('GET', '/v1/audit/checkpoints');
  }
  auditHash(field: string, value: string) {
    return this.request<{ field: string; hmac: string }>('POST', '/v1/audit/hash', { field, value });
  }
  auditKey() {
    return this.request<{ algorithm: string; publicKey: string | null }>('GET', '/v1/sys/audit-key');
  }
  startGenerateRoot() {
    return this.request<{ nonce: string; otp: string; progress: number; threshold: number }>('POST', '/v1/sys/generate-root/attempt');
  }
  updateGenerateRoot(nonce: string, share: string) {
    return this.request<{ progress: number; threshold: number; complete?: boolean; encodedToken?: string }>('POST', '/v1/sys/generate-root/update', { nonce, share });
  }
  /** The backup file (see docs/ceremonies.md). */
  async backup(): Promise<Uint8Array> {
    const url = this.addr + '/v1/sys/backup';
    const res = await fetch(url, { headers: await this.#headers('GET', url, undefined), signal: AbortSignal.timeout(this.#timeoutMs) }).catch((err: unknown) => {
      throw new StrongboxApiError('NETWORK_ERROR', `cannot reach Strongbox at ${this.addr}: ${(err as Error).message}`, 0, undefined, undefined, err);
    });
    if (!res.ok) {
      const p = (await res.json().catch(() => ({}))) as Partial<ProblemDetails>;
      throw new StrongboxApiError(isErrorCode(p.code) ? p.code : 'INTERNAL', p.detail ?? `HTTP ${res.status}`, res.status, p.requestId, p.field);
    }
    return new Uint8Array(await res.arrayBuffer());
  }
  startEscrow(params: { shares: number; threshold: number }) {
    return this.request<{ nonce: string; threshold: number }>('POST', '/v1/sys/escrow/attempt', params);
  }
  startRestoreHsm() {
    return this.request<{ nonce: string; threshold: number }>('POST', '/v1/sys/restore-hsm/attempt');
  }
  updateCeremony(nonce: string, share: string) {
    return this.request<{ kind: string; progress: number; threshold: number; complete: boolean; shares?: string[] }>('POST', '/v1/sys/ceremony/update', { nonce, share });
  }
  /** Cancels the escrow or restore-hsm attempt: pass its nonce, or one share of the set it collects. */
  cancelCeremony(credential: CancelCredential) {
    return this.request<{ started: boolean }>('DELETE', '/v1/sys/ceremony/attempt', credential);
  }
  goCold() {
    return this.request<{ cold: boolean; since: string }>('POST', '/v1/sys/cold', { confirm: 'destroy the HSM wrapping key' });
  }
  rotateKeyring() {
    return this.request<{ activeTerm: number; terms: number }>('POST', '/v1/sys/rotate');
  }
  rotationStatus() {
    return this.request<{ running: boolean; activeTerm: number | null; scanned: number; rewrapped: number; startedAt: string | null; finishedAt: string | null; error: string | null; keyringTerm: number | null }>('GET', '/v1/sys/rotate');
  }
  startRekey(params: { shares: number; threshold: number }) {
    return this.request<{ nonce: string; progress: number; threshold: number; newShares: number; newThreshold: number }>('POST', '/v1/sys/rekey/attempt', params);
  }
  updateRekey(nonce: string, share: string) {
    return this.request<{ progress: number; threshold: number; complete: boolean; shares?: string[]; sharesKind?: string }>('POST', '/v1/sys/rekey/update', { nonce, share });
  }
  /** Cancels the rekey attempt: pass its nonce, or one current share. */
  cancelRekey(credential: CancelCredential) {
    return this.request<{ started: boolean }>('DELETE', '/v1/sys/rekey/attempt', credential);
  }
  /** Cancels the root-token generation attempt: pass its nonce, or one unseal (or recovery) share. */
  cancelGenerateRoot(credential: CancelCredential) {
    return this.request<{ started: boolean }>('DELETE', '/v1/sys/generate-root/attempt', credential);
  }
  generateDataKey(key: string, params: { bytes?: number; aad?: string; withoutPlaintext?: boolean } = {}) {
    return this.request<{ plaintext?: string; ciphertext: string; keyVersion: number }>('POST', `/v1/keys/${encodeURIComponent(key)}/data-key`, params);
  }
  /** Exports an exportable key wrapped to `wrappingKey` (PEM RSA public key, 2048-4096 bits); unwrap it with the RSA private key. */
  exportKey(key: string, params: { wrappingKey: string; algorithm?: KeyWrapAlgorithm }) {
    return this.request<ExportKeyResponse>('POST', `/v1/keys/${encodeURIComponent(key)}/export`, { wrappingKey: params.wrappingKey, algorithm: params.algorithm ?? 'RSA_AES_KEY_WRAP_SHA_256' });
  }
  /** Exports an exportable secp256k1 key as an Ethereum keystore v3 object, encrypted under `passphrase`. */
  exportKeystore(key: string, passphrase: string) {
    return this.request<KeystoreV3>('POST', `/v1/keys/${encodeURIComponent(key)}/export-keystore`, { passphrase });
  }
  /** The current version's sealed blob (only this installation can unwrap it). */
  getWrappedKey(key: string) {
    return this.request<WrappedKeyResponse>('GET', `/v1/keys/${encodeURIComponent(key)}/wrapped`);
  }
  /** The RSA public key to wrap key material to before importWrappedKey. */
  getWrappingKey() {
    return this.request<WrappingKeyResponse>('GET', '/v1/sys/wrapping-key');
  }
  importWrappedKey(params: { type: KeyType; wrappedKey: string; name?: string } & KeyMetadata) {
    return this.request<KeyInfo>('POST', '/v1/keys/import-wrapped', params);
  }
}
