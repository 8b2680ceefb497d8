import { clientFrom, clientOptions, output, table, type Command } from '../../command.js';

export default {
  path: ['operator', 'rotate'],
  summary: 'Add a keyring term and re-wrap every record under it (--status shows the re-wrap progress)',
  usage: '[--status]',
  options: {
    status: { type: 'boolean', description: 'show the progress of the re-wrap instead of rotating' },
    ...clientOptions,
  },
  positionals: [],
  async run(args, io) {
    const client = clientFrom(args, io);
    if (!args.values['status']) {
      const r = await client.rotateKeyring();
      return output(args, io, r, (x) => `keyring term ${x.activeTerm} is active (${x.terms} terms); records are being re-wrapped in the background (strongbox operator rotate --status)`);
    }
    const s = await client.rotationStatus();
    return output(args, io, s, (x) =>
      table([['Keyring term', x.keyringTerm ?? '-'], ['Re-wrap', x.running ? 'running' : x.error ? `stopped: ${x.error}` : 'done'], ['Scanned', x.scanned], ['Re-wrapped', x.rewrapped], ['Started', x.startedAt ?? '-'], ['Finished', x.finishedAt ?? '-']]),
    );
  },
} satisfies Command;
