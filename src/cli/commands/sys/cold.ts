/** The cold-storage ceremony commands: escrow, cold, restore-hsm (docs/ceremonies.md). */
import { cancelCredential, clientFrom, clientOptions, optionalString, output, parseIntegerFlag, readShare, UsageError, type Command, type CommandArgs, type CliIo } from '../../command.js';

async function submit(args: CommandArgs, io: CliIo): Promise<number> {
  if (args.values['cancel']) return output(args, io, await clientFrom(args, io).cancelCeremony(await cancelCredential(args, io)), () => 'attempt cancelled');
  const nonce = optionalString(args, 'nonce');
  if (nonce === undefined) throw new UsageError('give --init, --cancel, or --nonce with a share');
  const r = await clientFrom(args, io).updateCeremony(nonce, await readShare(args, io));
  return output(args, io, r, (x) =>
    !x.complete ? `${x.progress} of ${x.threshold} shares given` : x.shares ? [...x.shares.map((s, i) => `Escrow share ${i + 1}: ${s}`), '', 'Hand each escrow share to a different custodian, offline.'].join('\n') : 'restored: a new HSM wrapping key holds the root key and the server is unsealed',
  );
}

export const operatorEscrow = {
  path: ['operator', 'escrow'],
  summary: 'Cold storage 1/3: escrow the root key to N custodians, authorized by M recovery shares',
  usage: '--init --shares N --threshold M | --nonce NONCE [SHARE|-] | --cancel (--nonce NONCE | [SHARE|-])',
  options: {
    init: { type: 'boolean', description: 'start the escrow (needs --shares and --threshold); prints the nonce' },
    shares: { type: 'string', value: 'N', description: 'how many escrow shares to make (with --init)' },
    threshold: { type: 'string', value: 'M', description: 'how many escrow shares restore-hsm will need (with --init)' },
    nonce: { type: 'string', value: 'NONCE', description: "the escrow's nonce: submit a recovery share (or, with --cancel, name the attempt) (argument, STRONGBOX_UNSEAL_SHARE or stdin)" },
    cancel: { type: 'boolean', description: 'cancel the attempt in progress: with its --nonce, or one share (argument, STRONGBOX_UNSEAL_SHARE or stdin)' },
    ...clientOptions,
  },
  positionals: [],
  async run(args, io) {
    if (!args.values['init']) return submit(args, io);
    const shares = parseIntegerFlag(args, 'shares');
    const threshold = parseIntegerFlag(args, 'threshold');
    if (shares === undefined || threshold === undefined) throw new UsageError('--init needs --shares and --threshold');
    const r = await clientFrom(args, io).startEscrow({ shares, threshold });
    return output(args, io, r, (x) => `Nonce: ${x.nonce}\n${x.threshold} recovery shares are needed: strongbox operator escrow --nonce ${x.nonce}`);
  },
} satisfies Command;

export const operatorCold = {
  path: ['operator', 'cold'],
  summary: 'Cold storage 2/3: seal and DESTROY the HSM wrapping key (refused unless an escrow exists)',
  usage: '--confirm',
  options: {
    confirm: { type: 'boolean', description: 'yes, destroy the HSM wrapping key (required: nothing works until restore-hsm)' },
    ...clientOptions,
  },
  positionals: [],
  async run(args, io) {
    if (!args.values['confirm']) throw new UsageError('this destroys the HSM wrapping key: pass --confirm');
    const r = await clientFrom(args, io).goCold();
    return output(args, io, r, (x) => `cold since ${x.since}: no key can be used until M escrow holders run strongbox operator restore-hsm`);
  },
} satisfies Command;

export const operatorRestoreHsm = {
  path: ['operator', 'restore-hsm'],
  summary: 'Cold storage 3/3: bring the root key back into a new HSM wrapping key from M escrow shares',
  usage: '--init | --nonce NONCE [SHARE|-] | --cancel (--nonce NONCE | [SHARE|-])',
  options: {
    init: { type: 'boolean', description: 'start the restore; prints the nonce' },
    nonce: { type: 'string', value: 'NONCE', description: "the restore's nonce: submit an escrow share (or, with --cancel, name the attempt) (argument, STRONGBOX_UNSEAL_SHARE or stdin)" },
    cancel: { type: 'boolean', description: 'cancel the attempt in progress: with its --nonce, or one share (argument, STRONGBOX_UNSEAL_SHARE or stdin)' },
    ...clientOptions,
  },
  positionals: [],
  async run(args, io) {
    if (!args.values['init']) return submit(args, io);
    const r = await clientFrom(args, io).startRestoreHsm();
    return output(args, io, r, (x) => `Nonce: ${x.nonce}\n${x.threshold} escrow shares are needed: strongbox operator restore-hsm --nonce ${x.nonce}`);
  },
} satisfies Command;
