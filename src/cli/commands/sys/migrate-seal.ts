import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadProviderOptions } from '../../../config.js';
import { parseHex, toHex } from '../../../protocol/hex.js';
import type { SealType } from '../../../providers/types.js';
import { clientOptions, offlineStorageFrom, offlineStorageOptions, output, parseIntegerFlag, requireString, UsageError, type Command, readStdin } from '../../command.js';

const TYPES = ['shamir', 'pkcs11', 'awskms', 'kmip'];

export default {
  path: ['operator', 'migrate-seal'],
  summary: 'Move the root of trust between shamir, pkcs11, awskms and kmip (server, or every node, stopped); shares on stdin, one per line',
  usage: '(--data-dir DIR | --storage postgres://URL) --from TYPE --to TYPE [--shares N --threshold M]',
  options: {
    ...offlineStorageOptions,
    from: { type: 'string', value: 'TYPE', description: 'the current seal: shamir, pkcs11 or awskms; required' },
    to: { type: 'string', value: 'TYPE', description: 'the new seal: shamir, pkcs11 or awskms; required' },
    shares: { type: 'string', value: 'N', description: 'how many new shares to make (unseal shares for shamir, else recovery shares)', default: '5' },
    threshold: { type: 'string', value: 'M', description: 'how many of the new shares are needed', default: '3' },
    json: clientOptions.json,
  },
  positionals: [],
  async run(args, io) {
    const where = offlineStorageFrom(args, io);
    const from = requireString(args, 'from') as SealType;
    const to = requireString(args, 'to') as SealType;
    if (!TYPES.includes(from)) throw new UsageError('--from must be shamir, pkcs11, awskms or kmip');
    if (!TYPES.includes(to)) throw new UsageError('--to must be shamir, pkcs11, awskms or kmip');
    if ('dataDir' in where && !existsSync(join(where.dataDir, 'strongbox.db'))) throw new UsageError(`--data-dir: no Strongbox database in ${where.dataDir}`);
    const newShares = parseIntegerFlag(args, 'shares', 5)!;
    const newThreshold = parseIntegerFlag(args, 'threshold', 3)!;
    const text = io.env['STRONGBOX_UNSEAL_SHARES'] ?? (await readStdin());
    const shares = text.split(/[\s,]+/).filter(Boolean).map((s, i) => parseHex(s, { field: `share ${i + 1}`, minBytes: 2, maxBytes: 64 }));
    if (shares.length === 0) throw new UsageError(`give the ${from === 'shamir' ? 'unseal' : 'recovery'} shares on stdin (one per line) or in STRONGBOX_UNSEAL_SHARES`);
    let providers;
    try {
      providers = { ...loadProviderOptions(from, io.env), ...loadProviderOptions(to, io.env) };
    } catch (err) {
      if (err instanceof ConfigError) throw new UsageError(err.message);
      throw err;
    }
    const { migrateSealOffline } = await import('../../../app.js');
    const r = await migrateSealOffline({ ...where, from, to, providers, shares, newShares, newThreshold });
    const result = { from: r.from, to: r.to, sharesKind: r.sharesKind, shares: r.shares.map(toHex) };
    return output(args, io, result, (x) =>
      [
        `seal migrated from ${x.from} to ${x.to}; no key was re-encrypted.`,
        ...x.shares.map((s, i) => `New ${x.sharesKind} share ${i + 1}: ${s}`),
        x.shares.length > 0 ? 'Hand each new share to its custodian; the old shares no longer apply.' : 'The recovery shares are unchanged.',
        `Start the server with --seal ${x.to}.`,
      ].join('\n'),
    );
  },
} satisfies Command;
