/** `threshold create`: a t-of-n FROST key by distributed key generation, coordinated by the server called. */
import { clientFrom, clientOptions, optionalString, output, requireString, table, UsageError, type Command } from '../../command.js';
import type { ThresholdKeyType } from '../../../protocol/types.js';

export default {
  path: ['threshold', 'create'],
  summary: 'Create a t-of-n threshold key by DKG among this server and its peers',
  usage: '--type frost-ed25519|frost-secp256k1-tr --threshold T --participants ID,ID,... [--name NAME]',
  options: {
    type: { type: 'string', value: 'TYPE', description: 'frost-ed25519 (Solana) or frost-secp256k1-tr (Bitcoin Taproot key path); required' },
    threshold: { type: 'string', value: 'T', description: 'how many participants must sign (2 to the number of participants); required' },
    participants: { type: 'string', value: 'IDS', description: 'comma-separated peer ids, this server included; required' },
    name: { type: 'string', value: 'NAME', description: 'a unique name, the same on every participant', default: 'none' },
    ...clientOptions,
  },
  positionals: [],
  async run(args, io) {
    const threshold = Number(requireString(args, 'threshold'));
    if (!Number.isInteger(threshold)) throw new UsageError('--threshold must be an integer');
    const participants = requireString(args, 'participants').split(',').map((p) => p.trim()).filter((p) => p !== '');
    const name = optionalString(args, 'name');
    const result = await clientFrom(args, io).createThresholdKey({ type: requireString(args, 'type') as ThresholdKeyType, threshold, participants, ...(name === undefined ? {} : { name }) });
    return output(args, io, result, (r) =>
      table([
        ['id', r.key.id],
        ['name', r.key.name ?? undefined],
        ['type', r.key.type],
        ['threshold', `${r.threshold} of ${r.participants.length}`],
        ['participants', r.participants.map((p) => p.peer).join(', ')],
        ['public key', r.key.publicKey],
        ['verifying key', r.verifyingKey],
      ]),
    );
  },
} satisfies Command;
