/**
 * dbt's `profiles.yml` (one profile with `target:` and `outputs:`) as xorq's
 * profiles.yaml: one xorq profile per output, named like it, the `target:` output as
 * `default_profile`. Secrets stay in the environment: a secret written literally is
 * refused (the message says which variable to set), as profiles.yaml never holds one.
 */
import { ENGINES, isBackendKind } from "../backends/engines.js";
import type { ReportItem } from "./import-report.js";
import { envVarsToXorq } from "./dbt-jinja-strings.js";

type Scalar = string | number | boolean;
type Obj = Readonly<Record<string, unknown>>;

/** A dbt project the import refuses (nothing is written); exit code 2. */
export class DbtImportError extends Error {
  override readonly name = "DbtImportError";
  readonly exitCode = 2;
}

/** dbt's key → xorq's key, per adapter (`pass` is dbt-postgres's alias of `password`). */
const KEYS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  duckdb: { path: "path" },
  postgres: { host: "host", port: "port", user: "user", password: "password", pass: "password", dbname: "database", database: "database" },
  snowflake: { account: "account", user: "user", password: "password", warehouse: "warehouse", database: "database", schema: "schema", role: "role", authenticator: "authenticator", private_key_path: "privateKeyPath" },
  bigquery: { project: "project_id", dataset: "dataset", schema: "dataset", location: "location", keyfile: "key_file" },
  databricks: { host: "host", http_path: "http_path", token: "token", catalog: "catalog", schema: "schema" },
};
/** Keys every adapter has that xorq takes from elsewhere (threads: `--threads`; type: `kind`). */
const IGNORED = new Set(["type", "threads"]);
/** A schema xorq reads from the model's `schema:` instead (postgres/duckdb outputs name one). */
const SCHEMA_ELSEWHERE = new Set(["schema"]);

export interface ConvertedProfiles {
  readonly profiles: Readonly<Record<string, Readonly<Record<string, Scalar>>>>;
  readonly defaultProfile: string;
  /** The target output's `schema:`, when xorq keeps it as the project's default schema. */
  readonly schema: string | null;
  readonly report: ReadonlyArray<ReportItem>;
}

/**
 * The offline default when a dbt project comes without profiles.yml (the tutorial shops):
 * a DuckDB file named after the project, as dbt-duckdb's tutorials use, so the tables a
 * run materializes are there for `xorq show` afterwards.
 */
export function localProfiles(projectName: string): ConvertedProfiles {
  return { profiles: { local: { kind: "duckdb", path: `${projectName}.duckdb` } }, defaultProfile: "local", schema: null, report: [] };
}

/**
 * @example convertProfiles(parsedYaml, "jaffle_shop", "profiles.yml")
 *   // { profiles: { dev: { kind: "duckdb", path: "jaffle.duckdb" } }, defaultProfile: "dev", … }
 */
export function convertProfiles(doc: Obj, profileName: string, file: string): ConvertedProfiles {
  const profile = doc[profileName] as Obj | undefined;
  if (!profile || typeof profile !== "object") {
    throw new DbtImportError(`${file} has no profile '${profileName}' (dbt_project.yml's profile:); profiles there: ${Object.keys(doc).join(", ") || "none"}`);
  }
  const outputs = (profile["outputs"] ?? {}) as Obj;
  const report: ReportItem[] = [];
  const profiles: Record<string, Record<string, Scalar>> = {};
  for (const [name, raw] of Object.entries(outputs)) {
    const out = raw as Obj;
    const kind = String(out["type"]);
    if (!isBackendKind(kind)) {
      report.push({ kind: "profiles", file, what: `output '${name}' is a ${kind} target; xorq's engines are ${Object.keys(ENGINES).join(", ")}` });
      continue;
    }
    profiles[name] = convertOutput(kind, name, out, file, report);
  }
  const target = String(profile["target"] ?? Object.keys(profiles)[0] ?? "");
  if (!(target in profiles)) throw new DbtImportError(`${file}: profile '${profileName}' has no output xorq can run for its target '${target}'`);
  const targetSchema = (outputs[target] as Obj)["schema"];
  const schema = KEYS[String((outputs[target] as Obj)["type"])]!["schema"] === undefined && typeof targetSchema === "string" ? targetSchema : null;
  return { profiles, defaultProfile: target, schema, report };
}

function convertOutput(kind: keyof typeof ENGINES, name: string, out: Obj, file: string, report: ReportItem[]): Record<string, Scalar> {
  const keys = KEYS[kind]!;
  const secrets: ReadonlyArray<string> = ENGINES[kind].secrets;
  const params: Record<string, Scalar> = { kind };
  for (const [key, value] of Object.entries(out)) {
    if (IGNORED.has(key) || (SCHEMA_ELSEWHERE.has(key) && keys[key] === undefined)) continue;
    const to = keys[key];
    if (to === undefined || (typeof value === "object" && value !== null)) {
      report.push({ kind: "profiles", file, what: `output '${name}': '${key}' has no xorq equivalent for ${kind}` });
      continue;
    }
    const text = typeof value === "string" ? envVarsToXorq(value) : (value as Scalar);
    if (text === null) {
      report.push({ kind: "profiles", file, what: `output '${name}': '${key}' holds Jinja other than env_var(); set it in profiles.yaml` });
      continue;
    }
    if (secrets.includes(to) && !(typeof text === "string" && /^\$\{env:[^}]+\}$/.test(text))) {
      const variable = `DBT_${name}_${key}`.toUpperCase().replace(/[^A-Z0-9_]/g, "_");
      throw new DbtImportError(
        `${file}: output '${name}' writes its ${key} literally; xorq keeps secrets in the environment: ` +
          `write ${key}: "{{ env_var('${variable}') }}" in ${file}, set ${variable}, and import again`,
      );
    }
    params[to] = text;
  }
  return params;
}
