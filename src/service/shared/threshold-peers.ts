/**
 * The threshold peers of this node (docs/threshold.md): which Strongbox servers take part in threshold
 * keys with it, where they listen, and how each is recognized — and the mutual-TLS client that calls
 * them. The configuration is sealed under the barrier (identity `strongbox/threshold-peers`), so a
 * database writer cannot point a peer id at another server or another certificate.
 *
 * Peers authenticate both ways by TLS: this node presents its own server certificate as a client
 * certificate, and checks the peer's server certificate against the peer's pinned CA (or the node's
 * --tls-client-ca). Inbound, a peer is the mTLS principal `cert:<CN>` (--tls-client-map) named by its
 * `principal`. Nothing here logs a request or response body: round-2 DKG packages are secret.
 */
import { request as httpsRequest } from 'node:https';
import { StrongboxError, isErrorCode, type ErrorCode } from '../../protocol/errors.js';
import type { ServiceContext } from './context.js';
import { SYS } from './context.js';
import { ensureTerm } from './keyring-refresh.js';

export const THRESHOLD_PEERS_CONTEXT = 'strongbox/threshold-peers';
export const PEER_TIMEOUT_MS = 15_000;
const MAX_PEER_RESPONSE_BYTES = 1 << 20;

export interface ThresholdPeer {
  /** stable peer id, the same on every participant (it also derives the FROST identifier) */
  id: string;
  /** https://host:port of the peer's REST API */
  url: string;
  /** the CN of the peer's client certificate (its inbound principal is `cert:<principal>`) */
  principal: string;
  /** PEM CA (or the certificate itself) the peer's server certificate must chain to; default --tls-client-ca */
  ca?: string;
}

export interface ThresholdPeersConfig {
  /** this node's own peer id */
  self: string;
  /** every participant, this node included */
  peers: ThresholdPeer[];
}

export async function loadPeersConfig(ctx: Pick<ServiceContext, 'store' | 'barrier'>): Promise<ThresholdPeersConfig | undefined> {
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  const sealed = await ctx.store.getSysValue(SYS.thresholdPeers);
  if (sealed === undefined) return undefined;
  await ensureTerm(ctx, sealed);
  const plain = ctx.barrier.decrypt(sealed, THRESHOLD_PEERS_CONTEXT);
  return JSON.parse(Buffer.from(plain).toString('utf8')) as ThresholdPeersConfig;
}

export async function requirePeersConfig(ctx: Pick<ServiceContext, 'store' | 'barrier'>): Promise<ThresholdPeersConfig> {
  const config = await loadPeersConfig(ctx);
  if (config === undefined) throw new StrongboxError('THRESHOLD_NOT_CONFIGURED', 'this server has no threshold peers: PUT /v1/sys/threshold/peers first');
  return config;
}

export function peerById(config: ThresholdPeersConfig, id: string, field = 'participants'): ThresholdPeer {
  const peer = config.peers.find((p) => p.id === id);
  if (peer === undefined) throw new StrongboxError('THRESHOLD_PEER_UNKNOWN', `no threshold peer "${id}" is configured on this server`, { field });
  return peer;
}

/** The configured peer an inbound principal is, or THRESHOLD_PEER_UNKNOWN. */
export function peerOfSubject(config: ThresholdPeersConfig, subject: string | undefined): ThresholdPeer {
  const peer = subject === undefined ? undefined : config.peers.find((p) => `cert:${p.principal}` === subject);
  if (peer === undefined) throw new StrongboxError('THRESHOLD_PEER_UNKNOWN', 'threshold rounds are answered only to configured peers, authenticated by their client certificate');
  return peer;
}

/** A peer's refusal or failure, with its problem code when it answered one. */
export class PeerCallError extends Error {
  constructor(
    readonly peer: string,
    readonly code: ErrorCode | 'UNREACHABLE',
    readonly detail: string,
  ) {
    super(`${peer}: ${code}: ${detail}`);
  }
}

/** POST `body` to `path` on `peer` over mutual TLS and return the JSON answer, or throw PeerCallError. */
export function callPeer<T>(ctx: Pick<ServiceContext, 'threshold'>, peer: ThresholdPeer, path: string, body: unknown): Promise<T> {
  const tls = ctx.threshold.tls;
  if (tls === undefined) return Promise.reject(new StrongboxError('THRESHOLD_NOT_CONFIGURED', 'threshold peers are called over mutual TLS: start the server with --tls-cert and --tls-key'));
  const ca = peer.ca ?? tls.ca;
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise<T>((resolve, reject) => {
    let url: URL;
    try {
      url = new URL(path, peer.url);
    } catch {
      reject(new PeerCallError(peer.id, 'UNREACHABLE', 'bad peer URL'));
      return;
    }
    const req = httpsRequest(
      url,
      {
        method: 'POST',
        cert: tls.cert,
        key: tls.key,
        ...(ca === undefined ? {} : { ca }),
        headers: { 'content-type': 'application/json', 'content-length': String(payload.byteLength) },
        timeout: PEER_TIMEOUT_MS,
        minVersion: 'TLSv1.2',
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (d: Buffer) => {
          size += d.byteLength;
          if (size > MAX_PEER_RESPONSE_BYTES) req.destroy(new Error('peer response too large'));
          else chunks.push(d);
        });
        res.on('end', () => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            reject(new PeerCallError(peer.id, 'UNREACHABLE', `answered ${res.statusCode} without JSON`));
            return;
          }
          if (res.statusCode === 200) {
            resolve(parsed as T);
            return;
          }
          const problem = (parsed ?? {}) as { code?: unknown; detail?: unknown };
          const code = typeof problem.code === 'string' && isErrorCode(problem.code) ? problem.code : 'INTERNAL';
          reject(new PeerCallError(peer.id, code, typeof problem.detail === 'string' ? problem.detail.slice(0, 500) : `HTTP ${res.statusCode}`));
        });
        res.on('error', (err) => reject(new PeerCallError(peer.id, 'UNREACHABLE', err.message)));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err) => reject(new PeerCallError(peer.id, 'UNREACHABLE', err.message)));
    req.end(payload);
  });
}
