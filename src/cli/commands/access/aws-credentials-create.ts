import { clientFrom, clientOptions, output, parseDurationFlag, table, type Command } from '../../command.js';

export default {
  path: ['aws-credentials', 'create'],
  summary: 'Create AWS SigV4 credentials for the AWS KMS endpoint (prints the secret once)',
  usage: '[--policy P ...] [--ttl DURATION]',
  options: {
    policy: { type: 'string', multiple: true, value: 'NAME', description: "a policy of the credentials (repeat for several; a subset of the caller's)", default: "the caller's policies" },
    ttl: { type: 'string', value: 'SECONDS', description: "lifetime in seconds (1 to a year), capped by the caller's token expiry", default: "the caller's token expiry" },
    ...clientOptions,
  },
  positionals: [],
  async run(args, io) {
    const policies = args.values['policy'] as unknown as string[] | undefined;
    const ttl = parseDurationFlag(args, 'ttl', 'seconds');
    const c = await clientFrom(args, io).createAwsCredentials({ ...(policies === undefined || policies.length === 0 ? {} : { policies }), ...(ttl === undefined ? {} : { ttl }) });
    return output(args, io, c, (r) => table([['AccessKeyId', r.accessKeyId], ['SecretAccessKey', r.secretAccessKey], ['Policies', r.policies.join(', ')], ['Subject', r.subject], ['Expires', r.expiresAt ?? 'never']]));
  },
} satisfies Command;
