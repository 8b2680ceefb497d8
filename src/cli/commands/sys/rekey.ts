import { clientFrom, clientOptions, optionalString, output, parseIntegerFlag, UsageError, type Command, readStdin } from '../../command.js';

export default {
  path: ['operator', 'rekey'],
  summary: 'Replace the unseal (or recovery) shares with a new N-of-M set, authorized by a quorum of the current ones',
  usage: '--init --shares N --threshold M | --nonce NONCE [SHARE|-] | --cancel',
  options: { ...clientOptions, init: { type: 'boolean' }, cancel: { type: 'boolean' }, nonce: { type: 'string' }, shares: { type: 'string' }, threshold: { type: 'string' } },
  positionals: [],
  async run(args, io) {
    const client = clientFrom(args, io);
    if (args.values['init']) {
      const shares = parseIntegerFlag(args, 'shares');
      const threshold = parseIntegerFlag(args, 'threshold');
      if (shares === undefined || threshold === undefined) throw new UsageError('--init needs --shares and --threshold');
      const r = await client.startRekey({ shares, threshold });
      return output(args, io, r, (x) => `Nonce: ${x.nonce}\n${x.threshold} current shares are needed. Each custodian runs: strongbox operator rekey --nonce ${x.nonce}`);
    }
    if (args.values['cancel']) return output(args, io, await client.cancelRekey(), () => 'rekey cancelled');
    const nonce = optionalString(args, 'nonce');
    if (nonce === undefined) throw new UsageError('give --init, --nonce or --cancel');
    let share = args.positionals[0] ?? io.env['STRONGBOX_UNSEAL_SHARE'];
    if (share === undefined || share === '-') share = (await readStdin()).trim();
    if (share === '') throw new UsageError('give a share as argument, in STRONGBOX_UNSEAL_SHARE, or on stdin');
    const r = await client.updateRekey(nonce, share);
    return output(args, io, r, (x) => (x.complete ? [...(x.shares ?? []).map((s, i) => `New ${x.sharesKind} share ${i + 1}: ${s}`), '', 'The old shares no longer work. Hand each new share to its custodian.'].join('\n') : `${x.progress} of ${x.threshold} shares given`));
  },
} satisfies Command;
