/**
 * Shared plumbing for the Wycheproof vector tests: loading a vector file copied into the repo
 * (test/vectors/wycheproof/, Apache-2.0, see LICENSE there), labelling each case with file, tcId,
 * comment and flags (GUIDE.md §8), and resolving `acceptable` results through an explicit per-flag
 * policy table instead of error-message matching.
 */
import { readFileSync } from 'node:fs';
import { fixture } from '../helpers/paths.js';

export type WycheproofResult = 'valid' | 'invalid' | 'acceptable';

export interface WycheproofCase {
  tcId: number;
  comment: string;
  flags: string[];
  result: WycheproofResult;
}

export interface WycheproofFile<G> {
  algorithm: string;
  numberOfTests: number;
  testGroups: G[];
}

export function loadWycheproof<G>(name: string): WycheproofFile<G> {
  return JSON.parse(readFileSync(fixture('vectors', 'wycheproof', name), 'utf8')) as WycheproofFile<G>;
}

export function label(file: string, c: WycheproofCase): string {
  return `${file} tcId ${c.tcId} (${c.comment || 'no comment'}) flags [${c.flags.join(', ')}] result ${c.result}`;
}

/** flag → whether Strongbox accepts an `acceptable` case carrying it. */
export type AcceptablePolicy = Readonly<Record<string, boolean>>;

/**
 * The boolean a verifier must return for a case. `acceptable` cases are resolved through the
 * policy table: every flag must be listed and all listed answers must agree; anything else throws,
 * so a new vector file with unreviewed acceptable cases fails loudly instead of passing by accident.
 */
export function expectedValidity(file: string, c: WycheproofCase, policy: AcceptablePolicy): boolean {
  if (c.result === 'valid') return true;
  if (c.result === 'invalid') return false;
  const answers = new Set<boolean>();
  for (const flag of c.flags) {
    const answer = policy[flag];
    if (answer === undefined) throw new Error(`${label(file, c)}: acceptable case with flag ${flag} that the policy table does not cover`);
    answers.add(answer);
  }
  const [only, ...rest] = [...answers];
  if (only === undefined || rest.length > 0) throw new Error(`${label(file, c)}: acceptable case whose flags give no single policy answer`);
  return only;
}

/**
 * Runs `check` over every case, collecting labelled mismatches so one failing run lists every bad
 * tcId rather than stopping at the first. `check` returns an error description, or undefined.
 */
export function collectFailures<C extends WycheproofCase>(file: string, cases: Iterable<C>, check: (c: C) => string | undefined): { failures: string[]; count: number } {
  const failures: string[] = [];
  let count = 0;
  for (const c of cases) {
    count++;
    let problem: string | undefined;
    try {
      problem = check(c);
    } catch (err) {
      problem = `threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
    }
    if (problem !== undefined) failures.push(`${label(file, c)}: ${problem}`);
  }
  return { failures, count };
}

export function hex(value: string): Uint8Array {
  return new Uint8Array(Buffer.from(value, 'hex'));
}
