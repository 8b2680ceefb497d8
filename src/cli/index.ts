/** The CLI: command table, help, argument parsing and error → exit code mapping. */
import { parseArgs } from 'node:util';
import { exitCodeOf, StrongboxError } from '../protocol/errors.js';
import { StrongboxApiError } from '../sdk/client.js';
import { ConfigError } from '../config.js';
import { USAGE_EXIT_CODE, UsageError, type CliIo, type Command } from './command.js';
import keyCreate from './commands/key-create.js';
import keyDataKey from './commands/key-data-key.js';
import keyDecrypt from './commands/key-decrypt.js';
import keyEncrypt from './commands/key-encrypt.js';
import keyImport from './commands/key-import.js';
import keyImportWrapped from './commands/key-import-wrapped.js';
import keyExport from './commands/key-export.js';
import keyExportKeystore from './commands/key-export-keystore.js';
import keyWrappingKey from './commands/key-wrapping-key.js';
import keyList from './commands/key-list.js';
import keyPublicKey from './commands/key-public-key.js';
import keyShow from './commands/key-show.js';
import keySign from './commands/key-sign.js';
import keyVerify from './commands/key-verify.js';
import operatorInit from './commands/operator-init.js';
import operatorSeal from './commands/operator-seal.js';
import operatorStatus from './commands/operator-status.js';
import operatorUnseal from './commands/operator-unseal.js';
import server from './commands/server.js';
import { operatorCold, operatorEscrow, operatorRestoreHsm } from './commands/operator-cold.js';
import operatorMigrateSeal from './commands/operator-migrate-seal.js';
import operatorBackup from './commands/operator-backup.js';
import operatorRestore from './commands/operator-restore.js';
import operatorRotate from './commands/operator-rotate.js';
import operatorRekey from './commands/operator-rekey.js';
import { keyCancelDeletion, keyDelete, keyDisable, keyEnable, keyRotate } from './commands/key-state.js';
import { keyRulesDelete, keyRulesSet, keyRulesShow } from './commands/key-rules.js';
import { approvalApprove, approvalList, approvalReject, approvalShow } from './commands/approval.js';
import keyUpdate from './commands/key-update.js';
import tokenCreate from './commands/token-create.js';
import tokenLookup from './commands/token-lookup.js';
import tokenRenew from './commands/token-renew.js';
import tokenRevoke from './commands/token-revoke.js';
import awsCredentialsCreate from './commands/aws-credentials-create.js';
import awsCredentialsList from './commands/aws-credentials-list.js';
import awsCredentialsRevoke from './commands/aws-credentials-revoke.js';
import policyWrite from './commands/policy-write.js';
import policyRead from './commands/policy-read.js';
import policyList from './commands/policy-list.js';
import policyDelete from './commands/policy-delete.js';
import auditVerify from './commands/audit-verify.js';
import auditExport from './commands/audit-export.js';
import operatorGenerateRoot from './commands/operator-generate-root.js';
import walletCreate from './commands/wallet-create.js';
import walletDerive from './commands/wallet-derive.js';
import walletList from './commands/wallet-list.js';
import walletShow from './commands/wallet-show.js';
import walletXpub from './commands/wallet-xpub.js';

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
