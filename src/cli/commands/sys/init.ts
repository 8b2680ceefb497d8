import { clientFrom, clientOptions, output, parseIntegerFlag, type Command } from '../../command.js';

export default {
  path: ['operator', 'init'],
  summary: 'Initialize a new Strongbox: prints the unseal shares and the root token once',
  usage: '[--shares N] [--threshold M]',
  options: {
    shares: { type: 'string', value: 'N', description: 'how many unseal (or recovery) shares to make (1-16)', default: '5' },
    threshold: { type: 'string', value: 'M', description: 'how many shares unseal it (1-N)', default: '3' },
    ...clientOptions,
  },
  positionals: [],
  async run(args, io) {
    const shares = parseIntegerFlag(args, 'shares', 5)!;
    const threshold = parseIntegerFlag(args, 'threshold', 3)!;
    const result = await clientFrom(args, io).init({ shares, threshold });
    return output(args, io, result, (r) =>
      [
        ...r.shares.map((s, i) => `${r.sharesKind === 'recovery' ? 'Recovery' : 'Unseal'} share ${i + 1}: ${s}`),
        `Root token: ${r.rootToken}`,
        '',
        r.sharesKind === 'recovery'
          ? `Strongbox is initialized and unsealed through its HSM/KMS. Give each recovery share to a different custodian; any ${r.threshold} of ${r.shares.length} authorize generate-root and seal migration (they decrypt nothing).`
          : `Strongbox is initialized and sealed. Give each share to a different custodian; any ${r.threshold} of ${r.shares.length} unseal it.`,
        'These values are shown once and never stored in plaintext: record them now.',
      ].join('\n'),
    );
  },
} satisfies Command;
