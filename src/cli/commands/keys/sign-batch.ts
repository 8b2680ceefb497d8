/**
 * `key sign-batch`: signs the digests (or, with --messages, the messages) of a file or stdin, one 0x-hex
 * value per line, through the batch form of POST /v1/keys/{id}/sign — up to MAX_BATCH_ITEMS per request.
 * Prints one line per input line, in order: the signature, or `error <CODE> <field>: <detail>`; exits 0
 * only when every item was signed, else with the exit code of the first refused item's error.
 */
import { readFileSync } from 'node:fs';
import { clientFrom, clientOptions, optionalString, readStdin, UsageError, type Command } from '../../command.js';
import { exitCodeOf, isErrorCode } from '../../../protocol/errors.js';
import { isBatchError, MAX_BATCH_ITEMS, type BatchItemResult, type SignParams } from '../../../sdk/client.js';
import type { SignResponse } from '../../../protocol/types.js';
import { payloadFrom, payloadOptions } from './sign.js';

const { digest: _digest, message: _message, ...itemOptions } = payloadOptions;

export default {
  path: ['key', 'sign-batch'],
  summary: 'Sign many digests (or messages) with a key: one 0x-hex value per line, from a file or stdin',
  usage: '<key> [--file FILE|-] [--messages] [--hash sha256|keccak256|sha384|sha512] [--encoding der|raw|recoverable] [--padding pss|pkcs1]',
  options: {
    file: { type: 'string', value: 'FILE', description: 'the values, one 0x-hex per line (blank lines skipped); - for stdin', default: '-' },
    messages: { type: 'boolean', description: 'the lines are messages (hashed with --hash, or signed as is by ed25519), not digests' },
    ...itemOptions,
    ...clientOptions,
  },
  positionals: ['key'],
  async run(args, io) {
    const file = optionalString(args, 'file') ?? '-';
    const text = file === '-' ? await readStdin() : readFileSync(file, 'utf8');
    const values = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
    if (values.length === 0) throw new UsageError(`no values in ${file === '-' ? 'stdin' : file}: give one 0x-hex digest per line`);
    const common = payloadFrom(args);
    const field = args.values['messages'] ? 'message' : 'digest';
    const client = clientFrom(args, io);
    const results: BatchItemResult<SignResponse>[] = [];
    for (let at = 0; at < values.length; at += MAX_BATCH_ITEMS) {
      const items: SignParams[] = values.slice(at, at + MAX_BATCH_ITEMS).map((value) => ({ ...common, [field]: value }));
      const res = await client.signBatch(args.positionals[0]!, items);
      results.push(...res.results);
    }
    const firstError = results.find(isBatchError);
    if (args.values['json']) io.stdout(JSON.stringify(results, null, 2) + '\n');
    else {
      const lines = results.map((r, i) => {
        if (!isBatchError(r)) return r.recoveryId === undefined ? r.signature : `${r.signature} ${r.recoveryId}`;
        // Fields are renumbered to the line (the server numbers items within each request of at most MAX_BATCH_ITEMS).
        const f = r.error.field?.replace(/^batch\.\d+/, `line.${i + 1}`) ?? `line.${i + 1}`;
        return `error ${r.error.code} ${f}: ${r.error.detail}`;
      });
      io.stdout(lines.join('\n') + '\n');
    }
    if (firstError === undefined) return 0;
    const code = firstError.error.code;
    return isErrorCode(code) ? exitCodeOf(code) : exitCodeOf('INTERNAL');
  },
} satisfies Command;
