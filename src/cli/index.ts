/** The CLI: command table, help, argument parsing and error → exit code mapping. */
import { parseArgs } from 'node:util';
import { exitCodeOf, StrongboxError } from '../protocol/errors.js';
import { StrongboxApiError } from '../sdk/client.js';
import { ConfigError } from '../config.js';
import { USAGE_EXIT_CODE, UsageError, type CliIo, type Command } from './command.js';
import keyCreate from './commands/keys/create.js';
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
import keyShow from './commands/keys/show.js';
import keySign from './commands/keys/sign.js';
import keyVerify from './commands/keys/verify.js';
import operatorInit from './commands/sys/init.js';
import operatorSeal from './commands/sys/seal.js';
import operatorStatus from './commands/sys/status.js';
import operatorUnseal from './commands/sys/unseal.js';
import server from './commands/sys/server.js';
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
import policyWrite from './commands/access/policy-write.js';
import policyRead from './commands/access/policy-read.js';
import policyList from './commands/access/policy-list.js';
import policyDelete from './commands/access/policy-delete.js';
import auditVerify from './commands/audit/verify.js';
import auditExport from './commands/audit/export.js';
import operatorGenerateRoot from './commands/sys/generate-root.js';
import walletCreate from './commands/wallets/create.js';
import walletDerive from './commands/wallets/derive.js';
import walletList from './commands/wallets/list.js';
import walletShow from './commands/wallets/show.js';
import walletXpub from './commands/wallets/xpub.js';

export const commands: readonly Command[] = [
  server,
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
  keySign,
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
  tokenCreate,
  tokenLookup,
  tokenRenew,
  tokenRevoke,
  awsCredentialsCreate,
  awsCredentialsList,
  awsCredentialsRevoke,
  policyWrite,
  policyRead,
  policyList,
  policyDelete,
  auditVerify,
  auditExport,
];

export function helpText(): string {
  const width = Math.max(...commands.map((c) => c.path.join(' ').length));
  return [
    'Usage: strongbox <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.path.join(' ').padEnd(width)}  ${c.summary}`),
    '',
    'Remote commands read STRONGBOX_ADDR (default http://127.0.0.1:8230) and STRONGBOX_TOKEN,',
    'print human-readable output, or JSON with --json. Exit codes: docs/errors.md.',
    "Run 'strongbox <command> --help' for a command's options.",
  ].join('\n');
}

function commandHelp(c: Command): string {
  return `Usage: strongbox ${c.path.join(' ')} ${c.usage}`.trimEnd() + `\n\n${c.summary}\n`;
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout(helpText() + '\n');
    return argv.length === 0 ? USAGE_EXIT_CODE : 0;
  }
  if (argv[0] === '--version') {
    const { VERSION } = await import('../version.js');
    io.stdout(VERSION + '\n');
    return 0;
  }
  const command = commands.find((c) => c.path.every((p, i) => argv[i] === p));
  if (command === undefined) {
    io.stderr(`error: unknown command "${argv.slice(0, 2).join(' ')}"\n\n${helpText()}\n`);
    return USAGE_EXIT_CODE;
  }
  const rest = argv.slice(command.path.length);
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(commandHelp(command));
    return 0;
  }
  try {
    const { values, positionals } = parseArgs({ args: joinDashValues(rest, command.options), options: command.options, allowPositionals: true, strict: true });
    if (positionals.length < command.positionals.length) throw new UsageError(`missing <${command.positionals[positionals.length]}>`);
    if (positionals.length > Math.max(command.positionals.length, ['unseal', 'generate-root', 'lookup', 'rekey', 'escrow', 'restore-hsm'].includes(command.path[1]!) ? 1 : 0)) throw new UsageError(`unexpected argument "${positionals.at(-1)}"`);
    return await command.run({ values: values as Record<string, string | boolean | undefined>, positionals }, io);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`error: ${(err as Error).message}\n${commandHelp(command)}`);
      return USAGE_EXIT_CODE;
    }
    if (err instanceof ConfigError) {
      io.stderr(`error: ${err.message}\n`);
      return exitCodeOf('INVALID_ARGUMENT');
    }
    if (err instanceof StrongboxApiError) {
      io.stderr(`error: ${err.code}: ${err.message}${err.requestId ? ` (request id ${err.requestId})` : ''}\n`);
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
 * `--name VALUE` → `--name=VALUE` for a string option whose value starts with `-` (a base64url OTP or
 * token, a negative number): parseArgs refuses those as ambiguous, and one value in 64 of a random
 * base64url string starts with `-`. A following token that is itself one of the command's options is
 * left alone, so a forgotten value still fails as a missing one.
 */
export function joinDashValues(args: readonly string[], options: Command['options']): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = args[i + 1];
    const name = a.startsWith('--') && !a.includes('=') ? a.slice(2) : undefined;
    const isOption = (t: string) => t.startsWith('--') && Object.hasOwn(options, t.slice(2).split('=')[0]!);
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && next.startsWith('-') && next !== '-' && !isOption(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}
