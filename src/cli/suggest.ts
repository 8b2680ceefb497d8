/**
 * "Did you mean …?" for mistyped commands and options: the closest candidate by optimal string
 * alignment distance (Levenshtein plus adjacent transpositions, so `--hsah` finds `--hash` in one edit).
 */

/** Edits (insert, delete, substitute, swap two adjacent characters) that turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The candidate `typed` most likely meant: the nearest within 1 edit (names up to 4 characters) or 2
 * edits (longer), the first of equals in `candidates` order; failing that, the only candidate `typed`
 * is a prefix of (3 characters at least: `--wrapping-key` for `--wrapping-key-file`). Else undefined.
 */
export function closest(typed: string, candidates: readonly string[]): string | undefined {
  const limit = typed.length <= 4 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const c of candidates) {
    const distance = editDistance(typed, c);
    if (distance < bestDistance) {
      best = c;
      bestDistance = distance;
    }
  }
  if (best !== undefined) return best;
  const prefixed = typed.length >= 3 ? candidates.filter((c) => c.startsWith(typed)) : [];
  return prefixed.length === 1 ? prefixed[0] : undefined;
}
