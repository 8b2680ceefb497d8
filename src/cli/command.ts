/** CLI command shape and shared helpers. One file per command in commands/, listed in index.ts. */
import type { ParseArgsConfig } from 'node:util';
import { readFileSync } from 'node:fs';
import { StrongboxClient, type CancelCredential } from '../sdk/client.js';
import { StrongboxError } from '../protocol/errors.js';
import { parseDuration } from '../protocol/duration.js';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
  /** resolves when the process is asked to stop (SIGTERM/SIGINT); used by `server` */
  stopSignal: Promise<string>;
}

/** One option of a command: what the parser needs (`type`, `multiple`) and what `--help` shows. */
export interface OptionDef {
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  /** what the option means, one line in `--help` */
  readonly description: string;
  /** the value's placeholder in `--help` (string options), e.g. `HEX` or `FILE`; `VALUE` when absent */
  readonly value?: string;
  /**
   * The default `--help` shows ("default: …"). Shown only: the parser applies nothing, so that an absent
   * option still means "not given" to the command, which (or the server) applies the default itself.
   */
  readonly default?: string;
}

export type OptionSpec = Readonly<Record<string, OptionDef>>;

export interface CommandArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export interface Command {
  /** e.g. ['key', 'sign'] */
  path: string[];
  summary: string;
  /** usage after the command path, e.g. '<key> (--digest HEX | --message HEX) [--hash sha256|keccak256]' */
  usage: string;
  options: OptionSpec;
  /** how many positionals are required */
  positionals: string[];
  run(args: CommandArgs, io: CliIo): Promise<number>;
}

/** Exit code for CLI usage errors (bad flags, missing arguments), before any request is made. */
export const USAGE_EXIT_CODE = 2;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const DEFAULT_ADDR = 'http://127.0.0.1:8230';

/** The options of every remote command (--help lists them last, under "Server options"). */
export const clientOptions = {
  addr: { type: 'string', value: 'URL', description: 'the Strongbox server', default: `STRONGBOX_ADDR, else ${DEFAULT_ADDR}` },
  token: { type: 'string', value: 'TOKEN', description: 'bearer token; prefer STRONGBOX_TOKEN (a flag shows in ps and shell history)', default: 'STRONGBOX_TOKEN' },
  json: { type: 'boolean', description: 'print the result as JSON (for scripts) instead of text' },
} as const satisfies OptionSpec;

/** The client for remote commands: --addr/STRONGBOX_ADDR and STRONGBOX_TOKEN (a --token flag is accepted but shows in `ps`). */
export function clientFrom(args: CommandArgs, io: CliIo): StrongboxClient {
  const addr = (args.values['addr'] as string | undefined) ?? io.env['STRONGBOX_ADDR'] ?? DEFAULT_ADDR;
  const token = (args.values['token'] as string | undefined) ?? io.env['STRONGBOX_TOKEN'];
  // Signed requests (RFC 9421, docs/attestation.md): the application key's PKCS#8 PEM file and key id.
  const keyFile = io.env['STRONGBOX_SIGNING_KEY_FILE'];
  const keyId = io.env['STRONGBOX_SIGNING_KEY_ID'];
  if ((keyFile === undefined) !== (keyId === undefined)) throw new UsageError('set both STRONGBOX_SIGNING_KEY_FILE and STRONGBOX_SIGNING_KEY_ID, or neither');
  let signingKey: { keyId: string; privateKey: string } | undefined;
  if (keyFile !== undefined && keyId !== undefined) {
    try {
      signingKey = { keyId, privateKey: readFileSync(keyFile, 'utf8') };
    } catch (err) {
      throw new UsageError(`cannot read STRONGBOX_SIGNING_KEY_FILE ${keyFile}: ${(err as Error).message}`);
    }
  }
  return new StrongboxClient({ addr, ...(token === undefined ? {} : { token }), ...(signingKey === undefined ? {} : { signingKey }) });
}

/** Prints a result: JSON with --json, otherwise `human(result)` lines. */
export function output<T>(args: CommandArgs, io: CliIo, result: T, human: (r: T) => string): number {
  io.stdout(args.values['json'] ? JSON.stringify(result, null, 2) + '\n' : human(result) + '\n');
  return 0;
}

export function table(rows: [string, unknown][]): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k.padEnd(width)}  ${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`)
    .join('\n');
}

export function requireString(args: CommandArgs, name: string): string {
  const v = args.values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

export function optionalString(args: CommandArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function parseIntegerFlag(args: CommandArgs, name: string, fallback?: number): number | undefined {
  const v = args.values[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !/^[0-9]+$/.test(v)) throw new UsageError(`--${name} must be a whole number`);
  return Number(v);
}

/**
 * A TTL or period flag: a number in `unit` or a duration such as "1h30m" / "30d", through the API's
 * parser (protocol/duration.ts); the server checks the bounds. Returns the value in `unit`.
 */
export function parseDurationFlag(args: CommandArgs, name: string, unit: 'seconds' | 'days'): number | undefined {
  const v = args.values[name];
  if (v === undefined) return undefined;
  try {
    return parseDuration(v, { field: `--${name}`, unit, min: 0, max: Number.MAX_SAFE_INTEGER });
  } catch (err) {
    if (err instanceof StrongboxError) throw new UsageError(err.message);
    throw err;
  }
}

/** All of stdin as text ('' when stdin is a terminal): for shares and passphrases, which never go in argv. */
export async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A share from the positional argument, STRONGBOX_UNSEAL_SHARE, or stdin (`-` or nothing given). */
export async function readShare(args: CommandArgs, io: CliIo): Promise<string> {
  let share = args.positionals[0] ?? io.env['STRONGBOX_UNSEAL_SHARE'];
  if (share === undefined || share === '-') share = (await readStdin()).trim();
  if (share === '') throw new UsageError('give a share as argument, in STRONGBOX_UNSEAL_SHARE, or on stdin');
  return share;
}

/** `--cancel`: the attempt's `--nonce`, or else one share (readShare) proves the caller may cancel it. */
export async function cancelCredential(args: CommandArgs, io: CliIo): Promise<CancelCredential> {
  const nonce = optionalString(args, 'nonce');
  return nonce !== undefined ? { nonce } : { share: await readShare(args, io) };
}

/** `--limit N --cursor C` of the list commands, as the SDK's page parameters. */
export const pageOptions = {
  limit: { type: 'string', value: 'N', description: 'how many to list (1-1000)', default: '100' },
  cursor: { type: 'string', value: 'CURSOR', description: 'where to continue: the cursor the previous page printed' },
} as const satisfies OptionSpec;
export function pageFlags(args: CommandArgs): { limit?: number; cursor?: string } {
  const limit = parseIntegerFlag(args, 'limit');
  const cursor = optionalString(args, 'cursor');
  return { ...(limit === undefined ? {} : { limit }), ...(cursor === undefined ? {} : { cursor }) };
}

/** Flags of the offline tools that work on an installation's storage directly (server stopped). */
export const offlineStorageOptions = {
  'data-dir': { type: 'string', value: 'DIR', description: "the installation's SQLite data directory (server stopped)", default: 'STRONGBOX_DATA_DIR' },
  storage: { type: 'string', value: 'postgres://URL', description: 'the PostgreSQL database of the installation instead (every node stopped)', default: 'STRONGBOX_STORAGE' },
} as const satisfies OptionSpec;

/**
 * Exactly one of `--data-dir DIR` (SQLite) or `--storage postgres://…` (PostgreSQL); as for the server,
 * each falls back to STRONGBOX_DATA_DIR / STRONGBOX_STORAGE. Errors name the flag (or variable).
 */
export function offlineStorageFrom(args: CommandArgs, io: CliIo): { dataDir: string } | { storage: string } {
  const pick = (flag: string, variable: string): { value: string; source: string } | undefined => {
    const v = optionalString(args, flag);
    if (v !== undefined) return { value: v, source: `--${flag}` };
    const e = io.env[variable];
    return e === undefined || e === '' ? undefined : { value: e, source: variable };
  };
  const dataDir = pick('data-dir', 'STRONGBOX_DATA_DIR');
  const storage = pick('storage', 'STRONGBOX_STORAGE');
  if (dataDir !== undefined && storage !== undefined) throw new UsageError(`give --data-dir (SQLite) or --storage (PostgreSQL), not both (${dataDir.source} and ${storage.source} are set)`);
  if (storage !== undefined) {
    let valid = /^postgres(ql)?:\/\/\S+$/.test(storage.value);
    try {
      new URL(storage.value);
    } catch {
      valid = false;
    }
    // The value is not echoed: it may hold a password.
    if (!valid) throw new UsageError(`${storage.source} must be a PostgreSQL URL (postgres://USER@HOST:PORT/DATABASE); for SQLite give --data-dir`);
    return { storage: storage.value };
  }
  if (dataDir === undefined) throw new UsageError('--data-dir DIR (SQLite) or --storage postgres://URL (PostgreSQL) is required (or STRONGBOX_DATA_DIR / STRONGBOX_STORAGE)');
  if (dataDir.value === '') throw new UsageError(`${dataDir.source} must not be empty`);
  return { dataDir: dataDir.value };
}
