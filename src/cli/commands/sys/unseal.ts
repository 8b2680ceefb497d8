import { clientFrom, clientOptions, output, UsageError, type Command, readStdin } from '../../command.js';

export default {
  path: ['operator', 'unseal'],
  summary: 'Submit one unseal share (read from STRONGBOX_UNSEAL_SHARE or stdin if not given)',
  usage: '[SHARE | -]',
  options: { ...clientOptions },
  positionals: [],
  async run(args, io) {
    let share = args.positionals[0] ?? io.env['STRONGBOX_UNSEAL_SHARE'];
    if (share === undefined || share === '-') share = (await readStdin()).trim();
    if (share === '') throw new UsageError('give a share as argument, in STRONGBOX_UNSEAL_SHARE, or on stdin');
    const result = await clientFrom(args, io).unseal(share);
    return output(args, io, result, (r) => (r.sealed ? `Sealed: ${r.progress} of ${r.threshold} shares given` : 'Unsealed'));
  },
} satisfies Command;
