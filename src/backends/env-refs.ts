/**
 * `${env:VAR}` and `${env:VAR:-default}` references in profile values. The text with
 * the references is what nodes carry, what is hashed and what artifacts hold; the
 * values are read from the environment only when a connection opens, so secrets never
 * reach a file.
 */
const ENV_REF = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export type ParamValue = string | number | boolean;

/** The environment variables a value refers to. */
export function envRefs(value: ParamValue): Array<{ name: string; fallback: string | null }> {
  if (typeof value !== "string") return [];
  return [...value.matchAll(ENV_REF)].map((m) => ({ name: m[1]!, fallback: m[2] ?? null }));
}

/** True when the whole value is environment references (so it is not a literal secret). */
export function isEnvOnly(value: ParamValue): boolean {
  return typeof value === "string" && value.replace(ENV_REF, "").trim() === "" && envRefs(value).length > 0;
}

export class MissingEnvError extends Error {
  override readonly name = "MissingEnvError";
  readonly variables: ReadonlyArray<string>;
  constructor(variables: ReadonlyArray<string>) {
    super(`environment variable${variables.length > 1 ? "s" : ""} ${variables.join(", ")} not set`);
    this.variables = variables;
  }
}

/**
 * Replaces the references of every value with the environment's values; throws one
 * error naming every variable that is missing (and has no default).
 */
export function resolveEnv(
  params: Readonly<Record<string, ParamValue>>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Record<string, ParamValue> {
  const missing = new Set<string>();
  const out: Record<string, ParamValue> = {};
  for (const [key, value] of Object.entries(params)) {
    if (typeof value !== "string") {
      out[key] = value;
      continue;
    }
    out[key] = value.replace(ENV_REF, (_m, name: string, fallback: string | undefined) => {
      const v = env[name];
      if (v !== undefined && v !== "") return v;
      if (fallback !== undefined) return fallback;
      missing.add(name);
      return "";
    });
  }
  if (missing.size > 0) throw new MissingEnvError([...missing].sort());
  return out;
}
