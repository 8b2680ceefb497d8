/** The cold-storage ceremony commands: escrow, cold, restore-hsm (docs/ceremonies.md). */
import { clientFrom, clientOptions, optionalString, output, parseIntegerFlag, UsageError, type Command, type CommandArgs, type CliIo, readStdin } from '../../command.js';

async function submit(args: CommandArgs, io: CliIo): Promise<number> {
  const nonce = optionalString(args, 'nonce');
  if (nonce === undefined) throw new UsageError('give --init, or --nonce with a share');
  let share = args.positionals[0] ?? io.env['STRONGBOX_UNSEAL_SHARE'];
  if (share === undefined || share === '-') share = (await readStdin()).trim();
  if (share === '') throw new UsageError('give a share as argument, in STRONGBOX_UNSEAL_SHARE, or on stdin');
  const r = await clientFrom(args, io).updateCeremony(nonce, share);
  return output(args, io, r, (x) =>
    !x.complete ? `${x.progress} of ${x.threshold} shares given` : x.shares ? [...x.shares.map((s, i) => `Escrow share ${i + 1}: ${s}`), '', 'Hand each escrow share to a different custodian, offline.'].join('\n') : 'restored: a new HSM wrapping key holds the root key and the server is unsealed',
  );
}

export const operatorEscrow = {
  path: ['operator', 'escrow'],
  summary: 'Cold storage 1/3: escrow the root key to N custodians, authorized by M recovery shares',
  usage: '--init --shares N --threshold M | --nonce NONCE [SHARE|-]',
  options: { ...clientOptions, init: { type: 'boolean' }, nonce: { type: 'string' }, shares: { type: 'string' }, threshold: { type: 'string' } },
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
  options: { ...clientOptions, confirm: { type: 'boolean' } },
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
  usage: '--init | --nonce NONCE [SHARE|-]',
  options: { ...clientOptions, init: { type: 'boolean' }, nonce: { type: 'string' } },
  positionals: [],
  async run(args, io) {
    if (!args.values['init']) return submit(args, io);
    const r = await clientFrom(args, io).startRestoreHsm();
    return output(args, io, r, (x) => `Nonce: ${x.nonce}\n${x.threshold} escrow shares are needed: strongbox operator restore-hsm --nonce ${x.nonce}`);
  },
} satisfies Command;
