/**
 * Strongbox client for the v1 REST API. Imports only protocol/ (no server code, no native
 * modules) and uses the platform fetch. Errors are rebuilt from the problem+json `code`.
 */
import { errorCodes, isErrorCode, type ErrorCode, type ProblemDetails } from '../protocol/errors.js';
import type { HashName, HealthResponse, InitResponse, KeyInfo, KeyType, PublicKeyFormat, SignatureEncoding, SignResponse, UnsealResponse } from '../protocol/types.js';

export interface ClientOptions {
  /** base URL, e.g. http://127.0.0.1:8230 */
  addr: string;
  token?: string;
  timeoutMs?: number;
}

export class StrongboxApiError extends Error {
  readonly code: ErrorCode | 'NETWORK_ERROR';
  readonly status: number;
  readonly requestId: string | undefined;
  readonly field: string | undefined;

  constructor(code: ErrorCode | 'NETWORK_ERROR', message: string, status: number, requestId?: string, field?: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'StrongboxApiError';
    this.code = code;
    this.status = status;
    this.requestId = requestId;
    this.field = field;
  }

  get retryable(): boolean {
    return this.code === 'NETWORK_ERROR' || errorCodes[this.code].retryable;
  }
}

export interface SignParams {
  digest?: string;
  message?: string;
  hash?: HashName;
  encoding?: SignatureEncoding;
}

export class StrongboxClient {
  readonly addr: string;
  readonly #token: string | undefined;
  readonly #timeoutMs: number;

  constructor(options: ClientOptions) {
    this.addr = options.addr.replace(/\/+$/, '');
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.#token !== undefined) headers['authorization'] = `Bearer ${this.#token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(this.addr + path, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
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
      throw new StrongboxApiError(code, p.detail ?? `HTTP ${res.status}`, res.status, p.requestId, p.field);
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
  createKey(params: { type: KeyType; name?: string }) {
    return this.request<KeyInfo>('POST', '/v1/keys', params);
  }
  importKey(params: { type: KeyType; name?: string; privateKey?: string; pem?: string }) {
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
  encrypt(key: string, params: { plaintext: string; aad?: string }) {
    return this.request<{ ciphertext: string; keyVersion: number }>('POST', `/v1/keys/${encodeURIComponent(key)}/encrypt`, params);
  }
  decrypt(key: string, params: { ciphertext: string; aad?: string }) {
    return this.request<{ plaintext: string; keyVersion: number }>('POST', `/v1/keys/${encodeURIComponent(key)}/decrypt`, params);
  }
  generateDataKey(key: string, params: { bytes?: number; aad?: string; withoutPlaintext?: boolean } = {}) {
    return this.request<{ plaintext?: string; ciphertext: string; keyVersion: number }>('POST', `/v1/keys/${encodeURIComponent(key)}/data-key`, params);
  }
}
