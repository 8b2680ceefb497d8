import { readFileSync } from 'node:fs';
import { clientFrom, clientOptions, output, requireString, UsageError, type Command } from '../../command.js';

export default {
  path: ['policy', 'write'],
  summary: 'Create or replace a policy from a JSON file ({"statements": [...]})',
  usage: '<name> --file FILE',
  options: {
    file: { type: 'string', value: 'FILE', description: 'the policy document, JSON {"statements": [...]} (docs/policies.md); required' },
    ...clientOptions,
  },
  positionals: ['name'],
  async run(args, io) {
    const file = requireString(args, 'file');
    let doc: { statements: unknown[] };
    try {
      doc = JSON.parse(readFileSync(file, 'utf8')) as { statements: unknown[] };
    } catch (err) {
      throw new UsageError(`--file: ${file} is not readable JSON (${(err as Error).message})`);
    }
    return output(args, io, await clientFrom(args, io).putPolicy(args.positionals[0]!, doc), (p) => `wrote policy ${p.name} (${p.statements.length} statements)`);
  },
} satisfies Command;
