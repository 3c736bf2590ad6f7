/**
 * dbt writes the environment into YAML values as Jinja (`"{{ env_var('PGHOST') }}"`);
 * xorq's profiles.yaml writes it as `${env:PGHOST}`, read when a connection opens.
 */

const ENV_VAR = /\{\{-?\s*env_var\(\s*(['"])([A-Za-z_][A-Za-z0-9_]*)\1\s*(?:,\s*(['"]?)([^'"}]*?)\3\s*)?\)\s*(?:\|\s*(?:int|as_number|as_text)\s*)?-?\}\}/g;

/**
 * The value with each `{{ env_var('X') }}` / `{{ env_var('X', 'd') }}` as `${env:X}` /
 * `${env:X:-d}`; null when other Jinja remains (it cannot be evaluated at import).
 */
export function envVarsToXorq(value: string): string | null {
  const out = value.replace(ENV_VAR, (_m, _q, name: string, _q2, dflt: string | undefined) => (dflt === undefined ? `\${env:${name}}` : `\${env:${name}:-${dflt}}`));
  return /\{\{|\{%/.test(out) ? null : out;
}
