/**
 * A minimal JSON-RPC 2.0 client for the upstream Ethereum node the JSON-RPC signer forwards to:
 * one POST per call over Node's fetch, with a timeout. An error the node answers with is kept as it
 * is (code, message, data) so the signer can hand it back unchanged; a node that cannot be reached
 * or answers garbage is UPSTREAM_UNAVAILABLE.
 */
import { StrongboxError } from '../../protocol/errors.js';

/** An error object the upstream node answered with. */
export class UpstreamRpcError extends Error {
  readonly code: number;
  readonly data: unknown;
  constructor(code: number, message: string, data: unknown) {
    super(message);
    this.name = 'UpstreamRpcError';
    this.code = code;
    this.data = data;
  }
}

/** How long one upstream call may take. */
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 15_000;

export interface EthereumRpcClientOptions {
  /** per-call timeout, default DEFAULT_UPSTREAM_TIMEOUT_MS */
  timeoutMs?: number;
}

export class EthereumRpcClient {
  readonly url: string;
  /** per-call timeout */
  readonly timeoutMs: number;
  #nextId = 1;

  constructor(url: string, options: EthereumRpcClientOptions = {}) {
    this.url = url;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS;
  }

  /** Calls `method`; resolves to its result, rejects with UpstreamRpcError or UPSTREAM_UNAVAILABLE. */
  async request<T = unknown>(method: string, params: readonly unknown[] = []): Promise<T> {
    const id = this.#nextId++;
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new StrongboxError('UPSTREAM_UNAVAILABLE', `the upstream Ethereum node did not answer ${method} (${(err as Error).name === 'TimeoutError' ? 'timeout' : 'connection failed'})`, { cause: err });
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch (err) {
      throw new StrongboxError('UPSTREAM_UNAVAILABLE', `the upstream Ethereum node answered ${method} with HTTP ${response.status} and no JSON`, { cause: err });
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new StrongboxError('UPSTREAM_UNAVAILABLE', `the upstream Ethereum node answered ${method} with something other than a JSON-RPC response`);
    }
    const r = body as { result?: unknown; error?: { code?: unknown; message?: unknown; data?: unknown } };
    if (r.error !== undefined && r.error !== null) {
      const code = typeof r.error.code === 'number' ? r.error.code : -32603;
      const message = typeof r.error.message === 'string' ? r.error.message : 'upstream error';
      throw new UpstreamRpcError(code, message, r.error.data);
    }
    if (!('result' in r)) throw new StrongboxError('UPSTREAM_UNAVAILABLE', `the upstream Ethereum node answered ${method} without a result`);
    return r.result as T;
  }
}
