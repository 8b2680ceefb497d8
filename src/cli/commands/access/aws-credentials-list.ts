import { clientFrom, clientOptions, output, pageFlags, pageOptions, type Command } from '../../command.js';

export default {
  path: ['aws-credentials', 'list'],
  summary: 'List AWS credentials with their status and expiry (never their secrets; --cursor for the next page)',
  usage: '[--limit N] [--cursor C]',
  options: { ...pageOptions, ...clientOptions },
  positionals: [],
  async run(args, io) {
    const page = await clientFrom(args, io).listAwsCredentials(pageFlags(args));
    return output(args, io, page, (p) =>
      [
        ...p.credentials.map((c) => `${c.accessKeyId}  ${c.status.padEnd(7)}  expires ${c.expiresAt ?? 'never'}  ${c.policies.join(',')}  ${c.subject}`),
        ...(p.nextCursor ? [`(more: --cursor ${p.nextCursor})`] : []),
        ...(p.credentials.length === 0 ? ['no AWS credentials'] : []),
      ].join('\n'),
    );
  },
} satisfies Command;
