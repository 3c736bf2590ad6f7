/**
 * Errors raised while an expression is built. They name the column or operation at
 * fault and what would have been valid, so a user can fix the call without a debugger.
 */
export class ExpressionError extends Error {
  override readonly name = "ExpressionError";
}

/** Levenshtein distance, for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** The closest candidate to `name`, if one is close enough to be a likely typo. */
export function closestMatch(name: string, candidates: Iterable<string>): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== null && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : null;
}

export function unknownColumnError(name: string, available: ReadonlyArray<string>, where: string): ExpressionError {
  const hint = closestMatch(name, available);
  return new ExpressionError(
    `column '${name}' not found in ${where}${hint ? ` (did you mean '${hint}'?)` : ""}; ` +
      `available columns: ${available.join(", ") || "(none)"}`,
  );
}
