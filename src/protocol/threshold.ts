/** Wire types of threshold keys (docs/threshold.md), shared by server, CLI and SDK. */
import type { KeyInfo, ThresholdKeyType } from './types.js';

export interface ThresholdPeerInput {
  /** peer id, the same on every participant (a-z 0-9 . _ -) */
  id: string;
  /** https:// origin of the peer's REST API */
  url: string;
  /** CN of the peer's client certificate */
  principal: string;
  /** PEM CA (or certificate) the peer's server certificate must chain to; default --tls-client-ca */
  ca?: string;
}

export interface ThresholdPeersRequest {
  self: string;
  peers: ThresholdPeerInput[];
}

export interface ThresholdPeersResponse {
  self: string | null;
  peers: { id: string; url: string; principal: string; pinnedCa: boolean }[];
  tls: boolean;
}

export interface CreateThresholdKeyRequest {
  type: ThresholdKeyType;
  threshold: number;
  participants: string[];
  name?: string;
}

export interface CreateThresholdKeyResponse {
  key: KeyInfo;
  threshold: number;
  participants: { peer: string; identifier: string }[];
  /** hex: the Ed25519 public key, or the x-only Taproot output key */
  verifyingKey: string;
}
