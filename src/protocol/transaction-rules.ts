/** Wire types of transaction rules and approvals (shared by server and SDK). docs/policies.md, "Transaction rules". */
import type { Duration } from './duration.js';

/** The rules document, version 1; amounts as decimal strings (smallest unit). */
export interface TransactionRulesDocument {
  version: 1;
  allowedNetworks?: Partial<Record<'ethereum' | 'bitcoin' | 'solana', string[]>>;
  destinations?: { allow?: string[]; deny?: string[] };
  /** native value + fee of one transaction */
  maxValuePerTransaction?: string;
  /** the fee alone of one transaction */
  maxFeePerTransaction?: string;
  /** rolling 24-hour limit on values + fees */
  dailyLimit?: string;
  allowedSelectors?: string[];
  timeWindows?: { days?: ('mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun')[]; start: string; end: string }[];
  approval?: { aboveValue?: string; required: number; approvers: { subjects?: string[]; policy?: string }; /** seconds or a duration such as "24h" (answered as seconds) */ expiresAfterSeconds?: Duration; delegations?: boolean; validatorRequests?: boolean };
  /**
   * per-token limits in base units (ethereum: per chain id and ERC-20 contract; solana: per SPL mint);
   * present → tokens it does not list are refused
   */
  tokenLimits?: { chain: 'ethereum' | 'solana'; chainId?: string | number; token: string; maxPerTransaction?: string; dailyLimit?: string }[];
  /** at most `count` signatures per rolling `windowSeconds` (1 s to 30 days) */
  maxTransactions?: { count: number; windowSeconds: number };
  forbidBlindSigning?: boolean;
  /** EIP-7702 delegate addresses the key may point its account at (absent: none; clearing is always allowed) */
  allowedDelegates?: string[];
  /** EIP-7702 authorizations with chainId 0 (valid on every chain); default false */
  allowChainIdZeroAuthorizations?: boolean;
  /** EIP-7002/7251 validator requests the key may send (absent: none) */
  allowedValidatorRequests?: ('withdrawal' | 'consolidation')[];
}

export interface TransactionRulesResponse {
  keyId: string;
  rules: TransactionRulesDocument;
  updatedAt: string;
}

/** 202 from a signing route: the transaction is held for approval; nothing was signed. */
export interface HeldTransactionResponse {
  status: 'pending';
  approvalId: string;
  required: number;
  expiresAt: string;
  reason: string;
}

export type ApprovalStatus = 'pending' | 'signing' | 'signed' | 'rejected' | 'expired' | 'denied' | 'failed';

export interface ApprovalInfo {
  id: string;
  keyId: string;
  chain: string;
  operation: string;
  status: ApprovalStatus;
  reason: string | null;
  required: number;
  approvals: { subject: string; at: string }[];
  rejections: { subject: string; at: string }[];
  requester: string;
  summary: Record<string, unknown>;
  transaction: Record<string, unknown>;
  /** once signed: what the signing route returns (ethereum: rawTransaction, hash, from) */
  result: Record<string, unknown> | null;
  createdAt: string;
  expiresAt: string;
  updatedAt: string;
}
