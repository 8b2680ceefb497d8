/**
 * The CLI's help pages: the top level (pinned by test/e2e/__snapshots__/help.txt), one page per command
 * group (`strongbox key --help`: its commands, one line each), and one per command (its usage line,
 * summary, and every option with its meaning and default).
 */
import { clientOptions, type Command, type OptionDef } from './command.js';

export function helpText(commands: readonly Command[]): string {
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

/** Every command group: the proper prefixes of command paths (`key`, `key rules`, `operator`, …). */
export function commandGroups(commands: readonly Command[]): Set<string> {
  const groups = new Set<string>();
  for (const c of commands) for (let n = 1; n < c.path.length; n++) groups.add(c.path.slice(0, n).join(' '));
  return groups;
}

/** The words that may follow `prefix` (a group's commands and subgroups), in command-table order. */
export function nextWords(commands: readonly Command[], prefix: readonly string[]): string[] {
  const words: string[] = [];
  for (const c of commands) {
    if (c.path.length > prefix.length && prefix.every((p, i) => c.path[i] === p) && !words.includes(c.path[prefix.length]!)) words.push(c.path[prefix.length]!);
  }
  return words;
}

export function groupHelp(commands: readonly Command[], group: readonly string[]): string {
  const name = group.join(' ');
  const members = commands.filter((c) => group.every((p, i) => c.path[i] === p) && c.path.length > group.length);
  const width = Math.max(...members.map((c) => c.path.join(' ').length));
  return [
    `Usage: strongbox ${name} <command> [options]`,
    '',
    'Commands:',
    ...members.map((c) => `  ${c.path.join(' ').padEnd(width)}  ${c.summary}`),
    '',
    `Run 'strongbox ${name} <command> --help' for a command's options.`,
  ].join('\n');
}

export function usageLine(c: Command): string {
  return `Usage: strongbox ${c.path.join(' ')} ${c.usage}`.trimEnd();
}

function optionLeft(name: string, o: OptionDef): string {
  return `--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}${o.multiple ? ' ...' : ''}`;
}

function optionRight(o: OptionDef): string {
  return o.default === undefined ? o.description : `${o.description} [default: ${o.default}]`;
}

/** Longer left columns put their description on the next line, so one long flag does not push every line right. */
const MAX_LEFT = 30;

function optionLines(rows: [string, string][], width: number): string[] {
  return rows.map(([left, right]) => (left.length > width ? `  ${left}\n  ${' '.repeat(width)}  ${right}` : `  ${left.padEnd(width)}  ${right}`));
}

export function commandHelp(c: Command): string {
  const own: [string, string][] = [];
  const common: [string, string][] = [];
  for (const [name, o] of Object.entries(c.options)) {
    const shared = Object.hasOwn(clientOptions, name) && clientOptions[name as keyof typeof clientOptions] === o;
    (shared ? common : own).push([optionLeft(name, o), optionRight(o)]);
  }
  // --help goes with the shared options, or closes the command's own list when there are none.
  (common.length > 0 ? common : own).push(['-h, --help', 'show this help']);
  const width = Math.min(MAX_LEFT, Math.max(...[...own, ...common].map(([left]) => left.length)));
  return [
    usageLine(c),
    '',
    c.summary,
    ...(own.length > 0 ? ['', 'Options:', ...optionLines(own, width)] : []),
    ...(common.length > 0 ? ['', 'Common options:', ...optionLines(common, width)] : []),
  ].join('\n') + '\n';
}
