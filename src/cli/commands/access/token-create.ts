import { clientFrom, clientOptions, optionalString, output, parseDurationFlag, parseIntegerFlag, table, UsageError, type Command } from '../../command.js';

export default {
  path: ['token', 'create'],
  summary: 'Mint a child token (prints the token once)',
  usage: '--policy P [--policy P2 ...] [--ttl DURATION] [--max-ttl DURATION] [--renewable=true|false] [--name N] [--uses N] [--orphan] [--subject S] [--rate PER_SECOND] [--burst N]',
  options: {
    policy: { type: 'string', multiple: true, value: 'NAME', description: "a policy of the token (repeat for several; a subset of the caller's); required" },
    ttl: { type: 'string', value: 'DURATION', description: "lifetime: seconds or a duration such as 1h, 30m, 7d; capped by the caller's expiry", default: '2592000 (30 days)' },
    'max-ttl': { type: 'string', value: 'DURATION', description: 'the longest the token may live, renewals included (never past the caller\'s own maximum)', default: 'the --ttl' },
    renewable: { type: 'string', value: 'true|false', description: 'whether the token may renew itself (up to --max-ttl)', default: 'true' },
    name: { type: 'string', value: 'NAME', description: 'a label shown by token lookup', default: 'none' },
    uses: { type: 'string', value: 'N', description: 'how many requests the token may make', default: 'unlimited' },
    orphan: { type: 'boolean', description: 'no parent: not revoked with the caller (root only)' },
    subject: { type: 'string', value: 'SUBJECT', description: 'whose data the token acts for (root only)', default: "the caller's subject" },
    rate: { type: 'string', value: 'PER_SECOND', description: 'requests per second allowed (token bucket, per node)', default: 'unlimited' },
    burst: { type: 'string', value: 'N', description: 'bucket size for --rate', default: '--rate rounded up' },
    ...clientOptions,
  },
  positionals: [],
  async run(args, io) {
    const policies = (args.values['policy'] as unknown as string[] | undefined) ?? [];
    if (policies.length === 0) throw new UsageError('--policy is required (repeat it for several)');
    const ttl = parseDurationFlag(args, 'ttl', 'seconds');
    const maxTtl = parseDurationFlag(args, 'max-ttl', 'seconds');
    const renewableText = optionalString(args, 'renewable');
    if (renewableText !== undefined && renewableText !== 'true' && renewableText !== 'false') throw new UsageError('--renewable must be true or false (e.g. --renewable=false)');
    const uses = parseIntegerFlag(args, 'uses');
    const burst = parseIntegerFlag(args, 'burst');
    const rateText = optionalString(args, 'rate');
    const rate = rateText === undefined ? undefined : Number(rateText);
    if (rate !== undefined && !(rate > 0)) throw new UsageError('--rate must be a positive number');
    const name = optionalString(args, 'name');
    const subject = optionalString(args, 'subject');
    const t = await clientFrom(args, io).createToken({
      policies,
      ...(ttl === undefined ? {} : { ttl }),
      ...(maxTtl === undefined ? {} : { maxTtl }),
      ...(renewableText === undefined ? {} : { renewable: renewableText === 'true' }),
      ...(uses === undefined ? {} : { numUses: uses }),
      ...(name === undefined ? {} : { name }),
      ...(subject === undefined ? {} : { subject }),
      ...(args.values['orphan'] ? { orphan: true } : {}),
      ...(rate === undefined ? {} : { rateLimit: { perSecond: rate, ...(burst === undefined ? {} : { burst }) } }),
    });
    return output(args, io, t, (r) => table([['Token', r.token], ['Accessor', r.accessor], ['Policies', r.policies.join(', ')], ['Subject', r.subject], ['Expires', r.expiresAt ?? 'never'], ['Max expires', r.maxExpiresAt ?? 'never'], ['Renewable', r.renewable], ['Uses', r.numUsesLeft ?? 'unlimited']]));
  },
} satisfies Command;
