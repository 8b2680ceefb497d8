/**
 * PUT and GET /v1/sys/threshold/peers: this node's peer id and the participants it runs threshold keys
 * with (service/shared/threshold-peers.ts). The whole list is replaced at once and sealed under the
 * barrier; a key already made keeps its participants (in its sealed material), and signing looks them up
 * here by id, so a peer that moves is re-pointed without touching its keys.
 */
import { StrongboxError } from '../../protocol/errors.js';
import type { ServiceContext } from '../shared/context.js';
import { SYS } from '../shared/context.js';
import { loadPeersConfig, THRESHOLD_PEERS_CONTEXT, type ThresholdPeer, type ThresholdPeersConfig } from '../shared/threshold-peers.js';
import { assertPeerId } from './threshold-validate.js';

export const MAX_PEERS = 16;

export interface ThresholdPeersView {
  self: string | null;
  peers: { id: string; url: string; principal: string; pinnedCa: boolean }[];
  /** whether this node has a TLS identity (--tls-cert/--tls-key) to call its peers with */
  tls: boolean;
}

function view(ctx: Pick<ServiceContext, 'threshold'>, config: ThresholdPeersConfig | undefined): ThresholdPeersView {
  return {
    self: config?.self ?? null,
    peers: (config?.peers ?? []).map((p) => ({ id: p.id, url: p.url, principal: p.principal, pinnedCa: p.ca !== undefined })),
    tls: ctx.threshold.tls !== undefined,
  };
}

export async function getThresholdPeers(ctx: Pick<ServiceContext, 'store' | 'barrier' | 'threshold'>): Promise<ThresholdPeersView> {
  return view(ctx, await loadPeersConfig(ctx));
}

export interface SetThresholdPeersParameters {
  self: string;
  peers: { id: string; url: string; principal: string; ca?: string }[];
}

export async function setThresholdPeers(ctx: Pick<ServiceContext, 'store' | 'barrier' | 'threshold'>, params: SetThresholdPeersParameters): Promise<ThresholdPeersView> {
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  assertPeerId(params.self, 'self');
  if (!Array.isArray(params.peers) || params.peers.length === 0 || params.peers.length > MAX_PEERS) throw new StrongboxError('INVALID_ARGUMENT', `peers must list 1 to ${MAX_PEERS} participants, this node included`, { field: 'peers' });
  const ids = new Set<string>();
  const principals = new Set<string>();
  const peers: ThresholdPeer[] = params.peers.map((p, i) => {
    assertPeerId(p.id, `peers[${i}].id`);
    if (ids.has(p.id)) throw new StrongboxError('INVALID_ARGUMENT', `peers[${i}].id: peer id ${p.id} is listed twice`, { field: `peers[${i}].id` });
    ids.add(p.id);
    let url: URL;
    try {
      url = new URL(p.url);
    } catch {
      throw new StrongboxError('INVALID_ARGUMENT', `peers[${i}].url must be an https:// URL`, { field: `peers[${i}].url` });
    }
    if (url.protocol !== 'https:' || url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
      throw new StrongboxError('INVALID_ARGUMENT', `peers[${i}].url must be an https:// URL without credentials, query or fragment (peers talk over mutual TLS only)`, { field: `peers[${i}].url` });
    }
    if (typeof p.principal !== 'string' || p.principal.length === 0 || p.principal.length > 128) throw new StrongboxError('INVALID_ARGUMENT', `peers[${i}].principal must be the CN of the peer's client certificate`, { field: `peers[${i}].principal` });
    if (principals.has(p.principal)) throw new StrongboxError('INVALID_ARGUMENT', `peers[${i}].principal ${p.principal} is listed twice`, { field: `peers[${i}].principal` });
    principals.add(p.principal);
    if (p.ca !== undefined && (typeof p.ca !== 'string' || !p.ca.includes('-----BEGIN CERTIFICATE-----'))) throw new StrongboxError('INVALID_ARGUMENT', `peers[${i}].ca must be PEM certificate text`, { field: `peers[${i}].ca` });
    return { id: p.id, url: url.origin, principal: p.principal, ...(p.ca === undefined ? {} : { ca: p.ca }) };
  });
  if (!ids.has(params.self)) throw new StrongboxError('INVALID_ARGUMENT', 'peers must include this node (the entry whose id is self)', { field: 'self' });
  const config: ThresholdPeersConfig = { self: params.self, peers };
  const sealed = ctx.barrier.encrypt(new Uint8Array(Buffer.from(JSON.stringify(config))), THRESHOLD_PEERS_CONTEXT);
  await ctx.store.putSysValues({ [SYS.thresholdPeers]: sealed });
  return view(ctx, config);
}
