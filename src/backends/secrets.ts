/**
 * Keeping secrets out of expressions and messages. Connection parameters travel inside
 * expressions (hashed, written into artifacts), so secrets stay `${env:VAR}` references
 * there (resolved by `backends/env-refs.ts` when a connection opens), and driver errors
 * are scrubbed before they reach the user.
 */

/** The reference text for an environment variable: `envRef("PGPASSWORD", "")` is `${env:PGPASSWORD:-}`. */
export function envRef(name: string, fallback?: string): string {
  return fallback === undefined ? `\${env:${name}}` : `\${env:${name}:-${fallback}}`;
}

/**
 * Removes secret values from a message (a driver's error may echo its configuration).
 * Values shorter than 3 characters are left alone: masking "a" would garble the
 * message without protecting anything.
 */
export function redact(message: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = message;
  for (const s of secrets) if (s && s.length >= 3) out = out.replaceAll(s, "***");
  return out;
}
