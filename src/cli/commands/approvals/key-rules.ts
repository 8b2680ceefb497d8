/** `key rules set|show|delete`: a key's transaction rules (docs/policies.md, "Transaction rules"). */
import { readFileSync } from 'node:fs';
import type { TransactionRulesDocument, TransactionRulesResponse } from '../../../sdk/client.js';
import { clientFrom, clientOptions, output, requireString, table, UsageError, type Command } from '../../command.js';

const rulesTable = (r: TransactionRulesResponse): string => table([['key', r.keyId], ['updated', r.updatedAt], ['rules', JSON.stringify(r.rules, null, 2)]]);

export const keyRulesSet = {
  path: ['key', 'rules', 'set'],
  summary: 'Set (replace) the transaction rules of a key from a JSON file',
  usage: '<key> --file FILE',
  options: {
    file: { type: 'string', value: 'FILE', description: 'the rules document, JSON (docs/policies.md, "Transaction rules"); required' },
    ...clientOptions,
  },
  positionals: ['key'],
  async run(args, io) {
    const file = requireString(args, 'file');
    let doc: TransactionRulesDocument;
    try {
      doc = JSON.parse(readFileSync(file, 'utf8')) as TransactionRulesDocument;
    } catch (err) {
      throw new UsageError(`--file: ${file} is not readable JSON (${(err as Error).message})`);
    }
    return output(args, io, await clientFrom(args, io).putTransactionRules(args.positionals[0]!, doc), rulesTable);
  },
} satisfies Command;

export const keyRulesShow = {
  path: ['key', 'rules', 'show'],
  summary: 'Show the transaction rules of a key',
  usage: '<key>',
  options: { ...clientOptions },
  positionals: ['key'],
  async run(args, io) {
    return output(args, io, await clientFrom(args, io).getTransactionRules(args.positionals[0]!), rulesTable);
  },
} satisfies Command;

export const keyRulesDelete = {
  path: ['key', 'rules', 'delete'],
  summary: 'Remove the transaction rules of a key (it then signs as a key without rules)',
  usage: '<key>',
  options: { ...clientOptions },
  positionals: ['key'],
  async run(args, io) {
    return output(args, io, await clientFrom(args, io).deleteTransactionRules(args.positionals[0]!), (r) => `deleted the transaction rules of key ${r.keyId}`);
  },
} satisfies Command;
