import { cancelCredential, clientFrom, clientOptions, optionalString, output, parseIntegerFlag, readShare, UsageError, type Command } from '../../command.js';

export default {
  path: ['operator', 'rekey'],
  summary: 'Replace the unseal (or recovery) shares with a new N-of-M set, authorized by a quorum of the current ones',
  usage: '--init --shares N --threshold M | --nonce NONCE [SHARE|-] | --cancel (--nonce NONCE | [SHARE|-])',
  options: {
    init: { type: 'boolean', description: 'start a rekey (needs --shares and --threshold); prints its nonce' },
    shares: { type: 'string', value: 'N', description: 'how many new shares to make (with --init)' },
    threshold: { type: 'string', value: 'M', description: 'how many of the new shares will be needed (with --init)' },
    nonce: { type: 'string', value: 'NONCE', description: "the rekey's nonce: submit a current share (argument, STRONGBOX_UNSEAL_SHARE or stdin)" },
    cancel: { type: 'boolean', description: 'cancel the attempt in progress: with its --nonce, or one share (argument, STRONGBOX_UNSEAL_SHARE or stdin)' },
    ...clientOptions,
  },
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
    if (args.values['cancel']) return output(args, io, await client.cancelRekey(await cancelCredential(args, io)), () => 'rekey cancelled');
    const nonce = optionalString(args, 'nonce');
    if (nonce === undefined) throw new UsageError('give --init, --nonce or --cancel');
    const r = await client.updateRekey(nonce, await readShare(args, io));
    return output(args, io, r, (x) => (x.complete ? [...(x.shares ?? []).map((s, i) => `New ${x.sharesKind} share ${i + 1}: ${s}`), '', 'The old shares no longer work. Hand each new share to its custodian.'].join('\n') : `${x.progress} of ${x.threshold} shares given`));
  },
} satisfies Command;
