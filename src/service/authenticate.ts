/**
 * Bearer-token authentication. Tokens are 256-bit random strings; only their SHA-256 is stored
 * (a fast hash suffices for high-entropy secrets) and hashes are compared in constant time.
 */
import { createHash } from 'node:crypto';
import { StrongboxError } from '../protocol/errors.js';
import { constantTimeEqual } from '../crypto/compare.js';
import { randomBytes } from '../crypto/random.js';
import type { Principal, ServiceContext } from './context.js';
import { SYS } from './context.js';

const TOKEN_PREFIX = 'sbr.';

export function newRootToken(): string {
  return TOKEN_PREFIX + Buffer.from(randomBytes(32)).toString('base64url');
}

/** A non-secret, stable handle of a token for logs: a truncated hash (cannot be used to authenticate). */
export function tokenAccessor(tokenHash: Uint8Array): string {
  return 'acc.' + Buffer.from(createHash('sha256').update('strongbox/accessor').update(tokenHash).digest().subarray(0, 12)).toString('base64url');
}

export interface Authenticator {
  authenticate(authorization: string | undefined): Promise<Principal>;
}

export function createAuthenticator(ctx: Pick<ServiceContext, 'store'>): Authenticator {
  let rootHash: Uint8Array | undefined;
  return {
    async authenticate(authorization) {
      if (authorization === undefined || !authorization.startsWith('Bearer ')) {
        throw new StrongboxError('UNAUTHENTICATED', 'send Authorization: Bearer <token>');
      }
      const presented = createHash('sha256').update(authorization.slice(7), 'utf8').digest();
      // The root token hash never changes once written, so it is cached after the first read.
      rootHash ??= await ctx.store.getSysValue(SYS.rootTokenHash);
      if (rootHash === undefined) throw new StrongboxError('NOT_INITIALIZED');
      if (!constantTimeEqual(presented, rootHash)) throw new StrongboxError('UNAUTHENTICATED', 'the token is not valid');
      return { kind: 'root', accessor: tokenAccessor(rootHash) };
    },
  };
}
