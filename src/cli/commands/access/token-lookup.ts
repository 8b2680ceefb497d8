import { clientFrom, clientOptions, output, table, type Command } from '../../command.js';
import type { TokenInfo } from '../../../sdk/client.js';

export function tokenTable(t: TokenInfo): string {
  return table([
    ['Accessor', t.accessor],
    ['Name', t.name ?? '-'],
    ['Subject', t.subject],
    ['Policies', t.policies.join(', ')],
    ['Parent', t.parentAccessor ?? '-'],
    ['Created', t.createdAt],
    ['Expires', t.expiresAt ?? 'never'],
    ['Max expires', t.maxExpiresAt ?? 'never'],
    ['Renewable', t.renewable],
    ['Uses left', t.numUsesLeft ?? 'unlimited'],
    ['Rate limit', t.rateLimit ? `${t.rateLimit.perSecond}/s burst ${t.rateLimit.burst}` : 'none'],
    ['Revoked', t.revoked],
  ]);
}

export default {
  path: ['token', 'lookup'],
  summary: 'Show the calling token, or another by accessor',
  usage: '[ACCESSOR]',
  options: { ...clientOptions },
  positionals: [],
  async run(args, io) {
    const client = clientFrom(args, io);
    const accessor = args.positionals[0];
    return output(args, io, accessor === undefined ? await client.lookupSelf() : await client.lookupToken(accessor), tokenTable);
  },
} satisfies Command;
