import { clientFrom, clientOptions, output, pageFlags, pageOptions, type Command } from '../../command.js';

export default {
  path: ['app-key', 'list'],
  summary: 'List application keys for signed requests with their accessor and status (--cursor for the next page)',
  usage: '[--accessor A] [--limit N] [--cursor C]',
  options: { accessor: { type: 'string', value: 'ACCESSOR', description: 'only the keys of this accessor' }, ...pageOptions, ...clientOptions },
  positionals: [],
  async run(args, io) {
    const accessor = args.values['accessor'] as string | undefined;
    const page = await clientFrom(args, io).listAppKeys({ ...pageFlags(args), ...(accessor === undefined ? {} : { accessor }) });
    return output(args, io, page, (p) =>
      [
        ...p.keys.map((k) => `${k.keyId}  ${k.status.padEnd(7)}  ${k.algorithm.padEnd(17)}  ${k.accessor}`),
        ...(p.nextCursor ? [`(more: --cursor ${p.nextCursor})`] : []),
        ...(p.keys.length === 0 ? ['no application keys'] : []),
      ].join('\n'),
    );
  },
} satisfies Command;
