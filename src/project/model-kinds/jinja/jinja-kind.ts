/**
 * The Jinja SQL model kind: a `.sql` model using more of Jinja than `{{ ref() }}`,
 * `{{ source() }}` and `{{ var() }}` (which the SQL kind reads without an engine): `{% set
 * %}`, `{% for %}`, `{# #}`, macros, dbt's context (dbt-context.ts). The SQL kind hands
 * such files here (`parseJinjaModel`), so this kind claims no file ending of its own.
 *
 * The model is rendered at load time, as dbt parses: that is how its refs and sources are
 * known before anything resolves. Its definition hash covers the rendered SQL, so editing
 * a macro changes exactly the models whose SQL the edit changes, and a var or environment
 * variable the template reads is in the hash through what it rendered. Rendering happens
 * on every load (the parse cache keeps the file's front matter only): the SQL depends on
 * the macro files, vars and environment too.
 */
import { sha256, stableStringify } from "../../../expr/canonical.js";
import type { Table } from "../../../expr/table.js";
import type { ModelReader, Obj } from "../../loading/file-reader.js";
import type { SourcePos } from "../../project-errors.js";
import type { InputUse, ModelSpecBase, SpecPos, YamlPos } from "../../project-spec.js";
import { type ModelFile, type ModelKind, type ResolveEnv, checkMaterialization, checkModelName, commonConfig, inMemoryDuckDB } from "../model-kind.js";
import { normalizeSql, sqlQueryTable } from "../sql-kind.js";
import { definedCteNames, inputNames } from "../sql-template.js";
import { hopTo } from "../yaml-steps.js";
import { positionOf } from "./jinja-project.js";

export interface JinjaModelSpec extends ModelSpecBase {
  readonly kind: "jinja";
  /** The rendered SQL, each input under the name it is visible by (`inputs`). */
  readonly query: string;
  readonly inputs: ReadonlyArray<{ readonly kind: "ref" | "source"; readonly name: string; readonly visible: string }>;
  /** Where the SQL body starts (engine errors point here). */
  readonly body: SourcePos;
  /**
   * `config(...)` keys the project does not act on (yet): materialized, schema, alias,
   * unique_key, …, kept as the model's metadata.
   */
  readonly meta: Readonly<Record<string, unknown>>;
  /** The vars the render read, with the values it read. */
  readonly vars: Readonly<Record<string, unknown>>;
  /** The environment variables the render read (null: unset). */
  readonly envVars: Readonly<Record<string, string | null>>;
  /** What `log()` was given while rendering. */
  readonly logs: ReadonlyArray<string>;
}

export const JINJA_KIND: ModelKind<JinjaModelSpec> = {
  // No file ending of its own: `.sql` files reach this kind through the SQL kind, which
  // hands it those that need Jinja (`parseJinjaModel`), so the loader never calls `parse`.
  extensions: [],
  serial: false,
  parse: () => null,
  resolve: resolveJinja,
  specProfile: (spec, { defaultProfile }) => spec.profile ?? defaultProfile,
  cacheable(spec, { connections, defaultProfile }) {
    const profile = connections.profile(spec.profile ?? defaultProfile);
    return inMemoryDuckDB(profile?.params ?? null, profile?.kind);
  },
};

/** Keys of `config()` that every kind declares (front matter's keys). */
const COMMON_KEYS = new Set(["name", "description", "tags", "profile", "cache", "materialized", "schema", "alias", "enabled"]);

/** A `.sql` file the SQL kind found Jinja in: its validated front matter and its body. */
export interface JinjaSqlFile {
  readonly config: Obj | null;
  readonly frontMatterLine: number;
  readonly bodyLine: number;
  /** Content hash of the template (front matter and body). */
  readonly templateHash: string;
  /** The body (read only to render). */
  readonly body: () => string;
}

/**
 * The model a Jinja `.sql` file declares. What it renders is kept in the parse cache
 * (under the file's name plus `#rendered`), keyed by everything a render reads: the
 * template, the macro files, docs blocks, vars and profiles (`JinjaProject.fingerprint`);
 * the environment variables it read are compared on every load. An unchanged project then
 * renders nothing, and a macro edit renders every Jinja model again, once.
 */
export function parseJinjaModel(f: ModelFile, reader: ModelReader, sql: JinjaSqlFile): JinjaModelSpec | null {
  const front = sql.config ?? {};
  const keys: YamlPos | null = sql.config ? { file: f.file, yaml: [], frontMatterLine: sql.frontMatterLine } : null;
  const name = front["name"] === undefined ? f.defaultName : String(front["name"]);
  const at: SpecPos = keys && front["name"] !== undefined ? { ...keys, yaml: ["name"] } : { file: f.file, line: 1, col: 1 };
  checkModelName(reader, name, at);
  const render = () => renderModel(f, reader, sql, { name, at, keys });
  const kind = `jinja-model:${reader.jinja.fingerprint}:${sql.templateHash}`;
  const cached = reader.cache.read(f.path, `${f.file}#rendered`, kind, render).data;
  const spec = cached && reader.jinja.envChanged(cached.envVars) ? render() : cached;
  // Checked on every load, outside the cache (which keeps only what parsed without problems):
  // `config()`'s values reach no JSON Schema.
  if (spec) checkMaterialization(reader, spec.materialization, at);
  return spec;
}

function renderModel(f: ModelFile, reader: ModelReader, sql: JinjaSqlFile, model: { name: string; at: SpecPos; keys: YamlPos | null }): JinjaModelSpec | null {
  const front = sql.config ?? {};
  const body = sql.body();
  const render = (profile: string) => reader.jinja.render({ name: model.name, file: f.file, body, bodyLine: sql.bodyLine, profile });
  const declared = front["profile"] === undefined ? null : String(front["profile"]);
  let profile = declared ?? reader.jinja.defaultProfile;
  let out = render(profile);
  // `config(profile=…)` picks the engine the model renders for: render again for it.
  if (out && "text" in out && typeof out.record.config["profile"] === "string" && out.record.config["profile"] !== profile) {
    profile = out.record.config["profile"];
    out = render(profile);
  }
  if (out === null) return null;
  if ("error" in out) {
    reader.problems.add(out.error.pos, out.error.message);
    return null;
  }
  const { record } = out;
  // dbt's `config(enabled=false)`: the file declares no model.
  if (record.config["enabled"] === false) return null;
  const config: Obj = { ...front, ...record.config };
  const ctes = definedCteNames(out.text);
  const of = (kind: "ref" | "source") => record.inputs.filter((i) => i.kind === kind).map((i) => i.name);
  const names = inputNames(of("ref"), of("source"), ctes);
  const inputs = record.inputs.map((i) => ({ kind: i.kind, name: i.name, visible: i.kind === "ref" ? names.ref(i.name) : names.source(i.name) }));
  let query = out.text;
  record.inputs.forEach((i, n) => (query = query.replaceAll(i.token, inputs[n]!.visible)));
  query = normalizeSql(query);
  const use = (kind: "ref" | "source"): InputUse[] =>
    record.inputs.filter((i) => i.kind === kind).map((i) => {
      const pos = positionOf(body, i.call);
      return { name: i.name, at: pos ? { file: f.file, line: sql.bodyLine + pos.line - 1, col: pos.col } : { file: f.file, line: sql.bodyLine, col: 1 } };
    });
  return {
    name: model.name,
    file: f.projectFile,
    ...commonConfig(config),
    at: model.at,
    keys: model.keys,
    kind: "jinja",
    query,
    inputs,
    body: { file: f.file, line: sql.bodyLine, col: 1 },
    meta: Object.fromEntries(Object.entries(record.config).filter(([k]) => !COMMON_KEYS.has(k))),
    vars: record.vars,
    envVars: record.envVars,
    logs: record.logs,
    refs: use("ref"),
    sources: use("source"),
    definitionHash: sha256(stableStringify({ jinja: query })),
  };
}

async function resolveJinja(spec: JinjaModelSpec, env: ResolveEnv): Promise<Table | null> {
  const profile = env.profile();
  if (profile === null) return null;
  // Read through `env.vars`, so the resolve cache's key holds them; a value other than the
  // one rendered means the spec was loaded with other vars than it is resolved with.
  for (const [n, v] of Object.entries(spec.vars)) {
    if (stableStringify(env.vars[n] ?? null) !== stableStringify(v ?? null)) {
      env.problems.add(spec.body, `var '${n}' is ${stableStringify(env.vars[n] ?? null)} but the model was rendered with ${stableStringify(v ?? null)}: load the project with the vars it runs with`);
      return null;
    }
  }
  const backend = env.connections.get(profile);
  const inputs = new Map<string, Table>();
  for (const i of spec.inputs) inputs.set(i.visible, hopTo(env.input(i), backend));
  return sqlQueryTable(env, { profile, query: spec.query, inputs, body: spec.body });
}
