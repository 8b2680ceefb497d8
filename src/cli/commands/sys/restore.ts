import { readFileSync } from 'node:fs';
import { ConfigError, loadProviderOptions } from '../../../config.js';
import { parseHex } from '../../../protocol/hex.js';
import type { SealType } from '../../../providers/types.js';
import { clientOptions, offlineStorageFrom, offlineStorageOptions, optionalString, output, requireString, UsageError, type Command, readStdin } from '../../command.js';

export default {
  path: ['operator', 'restore'],
  summary: 'Restore a backup into an empty data directory or an empty PostgreSQL database (offline); Shamir shares are read from stdin, one per line',
  usage: '--in FILE (--data-dir DIR | --storage postgres://URL) [--seal shamir|pkcs11|awskms|kmip]',
  options: {
    in: { type: 'string', value: 'FILE', description: 'the backup file (operator backup --out); required' },
    ...offlineStorageOptions,
    seal: { type: 'string', value: 'shamir|pkcs11|awskms|kmip', description: "the backup's seal; pkcs11, awskms and kmip read their settings from the environment", default: 'shamir' },
    json: clientOptions.json,
  },
  positionals: [],
  async run(args, io) {
    const file = requireString(args, 'in');
    const where = offlineStorageFrom(args, io);
    const seal = (optionalString(args, 'seal') ?? 'shamir') as SealType;
    if (!['shamir', 'pkcs11', 'awskms', 'kmip'].includes(seal)) throw new UsageError('--seal must be shamir, pkcs11, awskms or kmip');
    let backup: Uint8Array;
    try {
      backup = new Uint8Array(readFileSync(file));
    } catch (err) {
      throw new UsageError(`--in: cannot read ${file} (${(err as NodeJS.ErrnoException).code})`);
    }
    let shares: Uint8Array[] = [];
    if (seal === 'shamir') {
      const text = io.env['STRONGBOX_UNSEAL_SHARES'] ?? (await readStdin());
      shares = text.split(/[\s,]+/).filter(Boolean).map((s, i) => parseHex(s, { field: `share ${i + 1}`, minBytes: 2, maxBytes: 64 }));
      if (shares.length === 0) throw new UsageError('give the unseal shares on stdin (one per line) or in STRONGBOX_UNSEAL_SHARES');
    }
    let providers;
    try {
      providers = loadProviderOptions(seal, io.env);
    } catch (err) {
      if (err instanceof ConfigError) throw new UsageError(err.message);
      throw err;
    }
    const { restoreFromBackup } = await import('../../../app.js');
    const result = await restoreFromBackup({ ...where, backup, seal, providers, shares });
    const postgres = 'storage' in where;
    return output(
      args,
      io,
      { ...(postgres ? { storage: result.target } : { dataDir: result.target }), createdAt: result.header.createdAt, keys: result.keys, schemaVersion: result.schemaVersion },
      (r) =>
        `restored the backup of ${r.createdAt} into ${result.target}; ${postgres ? 'start the nodes on it (--storage) and unseal each' : 'start the server on it and unseal'} with the same shares (or HSM/KMS key)`,
    );
  },
} satisfies Command;
