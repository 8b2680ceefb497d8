/** The CLI: command table, help, argument parsing and error → exit code mapping. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { exitCodeOf, StrongboxError } from '../protocol/errors.js';
import { StrongboxApiError } from '../sdk/client.js';
import { ConfigError } from '../config.js';
import { USAGE_EXIT_CODE, UsageError, type CliIo, type Command, type CommandArgs, type OptionSpec } from './command.js';
import keyCreate from './commands/keys/create.js';
import thresholdCreate from './commands/threshold/create.js';
import { bitcoinMusig2Nonce, bitcoinMusig2Sign } from './commands/bitcoin/musig2.js';
import { thresholdPeersSet, thresholdPeersShow } from './commands/threshold/peers.js';
import keyDataKey from './commands/symmetric/data-key.js';
import keyDecrypt from './commands/symmetric/decrypt.js';
import keyEncrypt from './commands/symmetric/encrypt.js';
import keyImport from './commands/keys/import.js';
import keyImportWrapped from './commands/keys/import-wrapped.js';
import keyExport from './commands/keys/export.js';
import keyExportKeystore from './commands/keys/export-keystore.js';
import keyWrappingKey from './commands/keys/wrapping-key.js';
import keyList from './commands/keys/list.js';
import keyPublicKey from './commands/keys/public-key.js';
import { keyCertificateDelete, keyCertificateGet, keyCertificateSet } from './commands/keys/certificate.js';
import keyShow from './commands/keys/show.js';
import keySign from './commands/keys/sign.js';
import keySignBatch from './commands/keys/sign-batch.js';
import keyVerify from './commands/keys/verify.js';
import operatorInit from './commands/sys/init.js';
import operatorSeal from './commands/sys/seal.js';
import operatorStatus from './commands/sys/status.js';
import operatorUnseal from './commands/sys/unseal.js';
import server from './commands/sys/server.js';
import pkcs11Bridge from './commands/sys/pkcs11-bridge.js';
import { operatorCold, operatorEscrow, operatorRestoreHsm } from './commands/sys/cold.js';
import operatorMigrateSeal from './commands/sys/migrate-seal.js';
import operatorBackup from './commands/sys/backup.js';
import operatorRestore from './commands/sys/restore.js';
import operatorRotate from './commands/sys/rotate.js';
import operatorRekey from './commands/sys/rekey.js';
import { keyCancelDeletion, keyDelete, keyDisable, keyEnable, keyRotate } from './commands/keys/state.js';
import { keyRulesDelete, keyRulesSet, keyRulesShow } from './commands/approvals/key-rules.js';
import { approvalApprove, approvalList, approvalReject, approvalShow } from './commands/approvals/approval.js';
import keyUpdate from './commands/keys/update.js';
import tokenCreate from './commands/access/token-create.js';
import tokenLookup from './commands/access/token-lookup.js';
import tokenRenew from './commands/access/token-renew.js';
import tokenRevoke from './commands/access/token-revoke.js';
import awsCredentialsCreate from './commands/access/aws-credentials-create.js';
import awsCredentialsList from './commands/access/aws-credentials-list.js';
import awsCredentialsRevoke from './commands/access/aws-credentials-revoke.js';
import appKeyRegister from './commands/access/app-key-register.js';
import appKeyList from './commands/access/app-key-list.js';
import appKeyRevoke from './commands/access/app-key-revoke.js';
import policyWrite from './commands/access/policy-write.js';
import policyRead from './commands/access/policy-read.js';
import policyList from './commands/access/policy-list.js';
import policyDelete from './commands/access/policy-delete.js';
import auditVerify from './commands/audit/verify.js';
import auditExport from './commands/audit/export.js';
import verifyInstall from './commands/sys/verify-install.js';
import { releaseManifest, releaseSign } from './commands/sys/release.js';
import operatorGenerateRoot from './commands/sys/generate-root.js';
import walletCreate from './commands/wallets/create.js';
import walletDerive from './commands/wallets/derive.js';
import walletList from './commands/wallets/list.js';
import walletShow from './commands/wallets/show.js';
import walletXpub from './commands/wallets/xpub.js';
import walletMultisig from './commands/wallets/multisig.js';
import { commandGroups, commandHelp, groupHelp, helpText, nextWords, usageLine } from './help.js';
import { closest } from './suggest.js';

export const commands: readonly Command[] = [
  server,
  pkcs11Bridge,
  operatorInit,
  operatorUnseal,
  operatorSeal,
  operatorStatus,
  operatorGenerateRoot,
  operatorRotate,
  operatorRekey,
  operatorBackup,
  operatorRestore,
  operatorMigrateSeal,
  operatorEscrow,
  operatorCold,
  operatorRestoreHsm,
  keyCreate,
  keyList,
  keyShow,
  keyPublicKey,
  keyCertificateSet,
  keyCertificateGet,
  keyCertificateDelete,
  keySign,
  keySignBatch,
  keyVerify,
  keyImport,
  keyWrappingKey,
  keyImportWrapped,
  keyExport,
  keyExportKeystore,
  keyEncrypt,
  keyDecrypt,
  keyDataKey,
  keyUpdate,
  keyDisable,
  keyRulesSet,
  keyRulesShow,
  keyRulesDelete,
  approvalList,
  approvalShow,
  approvalApprove,
  approvalReject,
  keyEnable,
  keyDelete,
  keyCancelDeletion,
  keyRotate,
  walletCreate,
  walletList,
  walletShow,
  walletDerive,
  walletXpub,
  walletMultisig,
  bitcoinMusig2Nonce,
  bitcoinMusig2Sign,
  thresholdCreate,
  thresholdPeersShow,
  thresholdPeersSet,
  tokenCreate,
  tokenLookup,
  tokenRenew,
  tokenRevoke,
  awsCredentialsCreate,
  awsCredentialsList,
  awsCredentialsRevoke,
  appKeyRegister,
  appKeyList,
  appKeyRevoke,
  policyWrite,
  policyRead,
  policyList,
  policyDelete,
  auditVerify,
  auditExport,
  verifyInstall,
  releaseManifest,
  releaseSign,
];

function unknownCommand(argv: readonly string[]): string {
  // The longest group the arguments name ('key', 'key rules'), and the word after it that is no command.
  let group: string[] = [];
  while (group.length < argv.length && groups.has([...group, argv[group.length]!].join(' '))) group = [...group, argv[group.length]!];
  const typed = argv[group.length] ?? '';
  const guess = closest(typed, nextWords(commands, group));
  const named = [...group, typed].join(' ').trim();
  return `error: unknown command "${named}"${guess === undefined ? '' : `; did you mean "${[...group, guess].join(' ')}"?`}\n\n${group.length > 0 ? groupHelp(commands, group) : helpText(commands)}\n`;
}

const groups = commandGroups(commands);
const isHelp = (arg: string | undefined) => arg === '--help' || arg === '-h' || arg === 'help';

/** The error for an option the command does not have, with the nearest one it does have. */
function unknownOption(raw: string, options: OptionSpec): string {
  const names = [...Object.keys(options), 'help'];
  // '-json' is parsed as the short options -j -s -o -n: suggest the long option it spells.
  const typed = raw.replace(/^--?/, '').split('=')[0]!;
  const guess = Object.hasOwn(options, typed) ? typed : closest(typed, names);
  if (guess !== undefined) return `unknown option ${raw.split('=')[0]}; did you mean --${guess}?`;
  return `unknown option ${raw.split('=')[0]}` + (raw.startsWith('--') ? '' : ` (an argument that starts with '-' goes after --, e.g. -- ${raw})`);
}

/** Parses a command's arguments, refusing unknown options by name before the parser's own checks. */
export function parseCommandArgs(command: Command, rest: readonly string[]): CommandArgs {
  const args = joinDashValues(rest, command.options);
  const config = Object.fromEntries(Object.entries(command.options).map(([name, o]) => [name, { type: o.type, ...(o.multiple ? { multiple: true } : {}) }])) as ParseArgsOptionsConfig;
  // A lenient pass first, for its tokens: strict parseArgs would name an unknown option with advice
  // about positionals (and an unbalanced quote) instead of the option that was probably meant.
  const { tokens } = parseArgs({ args, options: config, allowPositionals: true, strict: false, tokens: true });
  for (const t of tokens) {
    if (t.kind === 'option' && !Object.hasOwn(command.options, t.name)) throw new UsageError(unknownOption(t.rawName.startsWith('--') ? t.rawName : args[t.index]!, command.options));
  }
  const { values, positionals } = parseArgs({ args, options: config, allowPositionals: true, strict: true });
  return { values: values as Record<string, string | boolean | undefined>, positionals };
}

/** The token the command will send, and where it came from (for the hint when the server refuses it). */
function tokenSource(command: Command, values: CommandArgs['values'] | undefined, env: CliIo['env']): string | undefined {
  if (!Object.hasOwn(command.options, 'token')) return undefined;
  if (typeof values?.['token'] === 'string') return '--token';
  return env['STRONGBOX_TOKEN'] === undefined ? undefined : 'STRONGBOX_TOKEN';
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  if (argv.length === 0 || isHelp(argv[0])) {
    io.stdout(helpText(commands) + '\n');
    return argv.length === 0 ? USAGE_EXIT_CODE : 0;
  }
  if (argv[0] === '--version') {
    const { VERSION } = await import('../version.js');
    io.stdout(VERSION + '\n');
    return 0;
  }
  const command = commands.find((c) => c.path.every((p, i) => argv[i] === p));
  if (command === undefined) {
    // A group's help page: `strongbox key`, `strongbox key --help`, `strongbox key rules -h`.
    for (let n = argv.length; n > 0; n--) {
      const group = argv.slice(0, n);
      if (!groups.has(group.join(' '))) continue;
      if (n === argv.length || (n === argv.length - 1 && isHelp(argv[n]))) {
        io.stdout(groupHelp(commands, group) + '\n');
        return n === argv.length ? USAGE_EXIT_CODE : 0;
      }
      break;
    }
    io.stderr(unknownCommand(argv));
    return USAGE_EXIT_CODE;
  }
  const rest = argv.slice(command.path.length);
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(commandHelp(command));
    return 0;
  }
  let values: CommandArgs['values'] | undefined;
  try {
    const parsed = parseCommandArgs(command, rest);
    values = parsed.values;
    const { positionals } = parsed;
    if (positionals.length < command.positionals.length) throw new UsageError(`missing <${command.positionals[positionals.length]}>`);
    if (positionals.length > Math.max(command.positionals.length, ['unseal', 'generate-root', 'lookup', 'rekey', 'escrow', 'restore-hsm'].includes(command.path[1]!) ? 1 : 0)) throw new UsageError(`unexpected argument "${positionals.at(-1)}"`);
    return await command.run(parsed, io);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`error: ${(err as Error).message}\n${usageLine(command)}\nRun 'strongbox ${command.path.join(' ')} --help' for its options.\n`);
      return USAGE_EXIT_CODE;
    }
    if (err instanceof ConfigError) {
      io.stderr(`error: ${err.message}\n`);
      return exitCodeOf('INVALID_ARGUMENT');
    }
    if (err instanceof StrongboxApiError) {
      io.stderr(`error: ${err.code}: ${apiErrorMessage(err, command, values, io.env)}${err.requestId ? ` (request id ${err.requestId})` : ''}\n`);
      return err.code === 'NETWORK_ERROR' ? exitCodeOf('SHUTTING_DOWN') : exitCodeOf(err.code);
    }
    if (err instanceof StrongboxError) {
      io.stderr(`error: ${err.code}: ${err.message}\n`);
      return exitCodeOf(err.code);
    }
    io.stderr(`error: ${(err as Error).message}\n`);
    return exitCodeOf('INTERNAL');
  }
}

/**
 * The server's message, except for a refused token: the server says what to send ("send Authorization:
 * Bearer <token>"), the CLI says where to put it.
 */
function apiErrorMessage(err: StrongboxApiError, command: Command, values: CommandArgs['values'] | undefined, env: CliIo['env']): string {
  if (err.code !== 'UNAUTHENTICATED') return err.message;
  const source = tokenSource(command, values, env);
  if (source === undefined) return `no token given: set STRONGBOX_TOKEN${Object.hasOwn(command.options, 'token') ? ' (or pass --token TOKEN; other users can see a flag in ps)' : ''}`;
  return `${err.message} (the token from ${source})`;
}

/**
 * `--name VALUE` → `--name=VALUE` for a string option whose value starts with `-` (a base64url OTP or
 * token, a negative number): parseArgs refuses those as ambiguous, and one value in 64 of a random
 * base64url string starts with `-`. A following token that is itself one of the command's options is
 * left alone, so a forgotten value still fails as a missing one.
 */
export function joinDashValues(args: readonly string[], options: Readonly<Record<string, { readonly type: 'string' | 'boolean' }>>): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = args[i + 1];
    const name = a.startsWith('--') && !a.includes('=') ? a.slice(2) : undefined;
    const isOption = (t: string) => t.startsWith('--') && Object.hasOwn(options, t.slice(2).split('=')[0]!);
    if (name !== undefined && Object.hasOwn(options, name) && options[name]!.type === 'string' && next !== undefined && next.startsWith('-') && next !== '-' && !isOption(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;
