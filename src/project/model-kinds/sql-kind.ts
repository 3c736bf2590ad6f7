/**
 * The SQL model kind: a `.sql` file (optional YAML front matter, then a dbt-style
 * template with `{{ ref() }}`, `{{ source() }}`, `{{ var() }}`), or a YAML model with
 * `sql:`. Its definition hash covers the SQL text; the schema of the query comes from its
 * engine, so the resolve cache serves it only on an in-memory DuckDB (where the schema is
 * a function of the query and its inputs' schemas alone).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { sha256, stableStringify } from "../../expr/canonical.js";
import type { BackendRef, SqlNode } from "../../expr/relation-nodes.js";
import { sqlProbe } from "../../expr/sources.js";
import { Table, contextOf, mergeContexts } from "../../expr/table.js";
import { type FileReader, type ModelReader, type Obj, addValidationErrors, asObj } from "../loading/file-reader.js";
import { positionInString } from "../loading/yaml-locate.js";
import { validateYaml } from "../loading/validate.js";
import { ProjectError, type SourcePos } from "../project-errors.js";
import type { InputUse, ModelSpecBase, SpecPos, YamlPos } from "../project-spec.js";
import { SchemaCache } from "../resolve/schema-cache.js";
import { type ModelFile, type ModelKind, type ResolveEnv, checkModelName, commonConfig, inMemoryDuckDB, jsonable } from "./model-kind.js";
import { type TemplateError, type TemplatePart, type TemplatePos, definedCteNames, inputNames, parseSqlTemplate, renderKeepingVars, renderSqlTemplate, splitFrontMatter, templateText } from "./sql-template.js";
import { hopTo } from "./yaml-steps.js";
import { parseJinjaModel } from "./jinja/jinja-kind.js";
import type { ModelSpec } from "./model-kinds.js";

export interface SqlModelSpec extends ModelSpecBase {
  readonly kind: "sql";
  /** The template of a YAML model's `sql:`; null for a `.sql` file, whose body is read again when the model is resolved. */
  readonly inline: string | null;
  /** Where the SQL body starts: a line of the `.sql` file, or the YAML `sql:` value (errors from the engine point here). */
  readonly body: SourcePos | YamlPos;
}

export const SQL_KIND: ModelKind<SqlModelSpec> = {
  extensions: [".sql"],
  serial: false,
  parse: parseSqlModel,
  resolve: resolveSql,
  // The query runs in the declared profile, else the default one.
  specProfile: (spec, { defaultProfile }) => spec.profile ?? defaultProfile,
  cacheable(spec, { connections, defaultProfile }) {
    const profile = connections.profile(spec.profile ?? defaultProfile);
    return inMemoryDuckDB(profile?.params ?? null, profile?.kind);
  },
};

/** What a `.sql` model file parses to (what the parse cache keeps; the SQL body itself is re-read only to resolve the model). */
interface ParsedSqlFile {
  /** The validated front matter, null without one. */
  readonly config: Obj | null;
  readonly frontMatterLine: number;
  readonly bodyLine: number;
  readonly definitionHash: string;
  readonly inputs: ReadonlyArray<{ readonly kind: "ref" | "source"; readonly name: string; readonly pos: TemplatePos }>;
  readonly errors: ReadonlyArray<TemplateError>;
  /** The body uses more Jinja than ref/source/var: the Jinja kind renders it (on every load). */
  readonly jinja: boolean;
}

function parseSqlText(f: ModelFile, reader: FileReader, text: string): ParsedSqlFile | null {
  const split = splitFrontMatter(text);
  if ("error" in split) {
    reader.problems.add({ file: f.file, line: split.error.pos.line, col: split.error.pos.col }, split.error.message);
    return null;
  }
  let config: Obj | null = null;
  if (split.frontMatter !== null) {
    const { value, errors } = validateYaml("sql-front-matter", split.frontMatter, f.file, { lineOffset: split.frontMatterLine - 1 });
    addValidationErrors(reader.problems, errors);
    if (errors.length > 0) return null;
    config = asObj(value);
  }
  const { parts, errors } = parseSqlTemplate(split.body, split.bodyLine);
  // The fast path: the subset parser reads ref/source/var without an engine. Anything it
  // rejects is Jinja (or a Jinja error, which MiniJinja then reports, once).
  // (For a Jinja file, `definitionHash` identifies the template; the model's own comes from what it renders.)
  if (errors.length > 0) {
    return { config, frontMatterLine: split.frontMatterLine, bodyLine: split.bodyLine, definitionHash: sha256(stableStringify({ sql: split.body })), inputs: [], errors: [], jinja: true };
  }
  return {
    config,
    frontMatterLine: split.frontMatterLine,
    bodyLine: split.bodyLine,
    definitionHash: sha256(stableStringify({ sql: split.body })),
    inputs: parts.flatMap((p) => (p.kind === "ref" || p.kind === "source" ? [{ kind: p.kind, name: p.name, pos: p.pos }] : [])),
    errors,
    jinja: false,
  };
}

function parseSqlModel(f: ModelFile, reader: ModelReader): ModelSpec | null {
  const read = reader.cache.read(f.path, f.file, "sql-model", (text) => parseSqlText(f, reader, text));
  const sql = read.data;
  if (sql === null) return null;
  if (sql.jinja) {
    const body = () => {
      const split = splitFrontMatter(read.text());
      return "error" in split ? "" : split.body;
    };
    return parseJinjaModel(f, reader, { config: sql.config, frontMatterLine: sql.frontMatterLine, bodyLine: sql.bodyLine, templateHash: sql.definitionHash, body });
  }
  for (const e of sql.errors) reader.problems.add({ file: f.file, ...e.pos }, e.message);
  const v = sql.config ?? {};
  const keys: YamlPos | null = sql.config ? { file: f.file, yaml: [], frontMatterLine: sql.frontMatterLine } : null;
  const name = v["name"] === undefined ? f.defaultName : String(v["name"]);
  const at: SpecPos = keys && v["name"] !== undefined ? { ...keys, yaml: ["name"] } : { file: f.file, line: 1, col: 1 };
  checkModelName(reader, name, at);
  const inputs = (kind: "ref" | "source"): InputUse[] => sql.inputs.filter((i) => i.kind === kind).map((i) => ({ name: i.name, at: { file: f.file, ...i.pos } }));
  return {
    name,
    file: f.projectFile,
    ...commonConfig(v),
    at,
    keys: keys ?? null,
    kind: "sql",
    inline: null,
    body: { file: f.file, line: sql.bodyLine, col: 1 },
    refs: inputs("ref"),
    sources: inputs("source"),
    definitionHash: sql.definitionHash,
  };
}

/** The SQL model a YAML file declares with `sql:` (its other keys in `base`). */
export function inlineSqlSpec(base: Omit<SqlModelSpec, "kind" | "inline" | "body" | "refs" | "sources" | "definitionHash">, sql: string, reader: FileReader): SqlModelSpec {
  const body: YamlPos = { file: base.at.file, yaml: ["sql"] };
  const { parts, errors } = parseSqlTemplate(sql);
  for (const e of errors) reader.problems.add(reader.positions.pos({ ...body, inString: e.pos }), e.message);
  const inputs = (kind: "ref" | "source"): InputUse[] =>
    parts.flatMap((p) => (p.kind === kind ? [{ name: p.name, at: { ...body, inString: p.pos } }] : []));
  return { ...base, kind: "sql", inline: sql, body, refs: inputs("ref"), sources: inputs("source"), definitionHash: sha256(stableStringify({ sql })) };
}

/** Where the SQL body starts, as file:line:col. */
function bodyPos(env: ResolveEnv, spec: SqlModelSpec): SourcePos {
  return "yaml" in spec.body ? positionInString(env.positions.origin(spec.body), 1, 1) : spec.body;
}

/** The template: the YAML model's `sql:`, or the `.sql` file's body (read again: the parse cache keeps only what loading needs). */
function templateOf(env: ResolveEnv, spec: SqlModelSpec): ReadonlyArray<TemplatePart> {
  if (spec.inline !== null) return parseSqlTemplate(spec.inline).parts;
  const split = splitFrontMatter(readFileSync(join(env.location.projectDir, spec.file), "utf8"));
  return "error" in split ? [] : parseSqlTemplate(split.body, split.bodyLine).parts;
}

/** The names a SQL model's inputs are visible under (see `inputNames`). */
function sqlInputNames(spec: SqlModelSpec, template: ReadonlyArray<TemplatePart>): { ref(n: string): string; source(n: string): string } {
  return inputNames(spec.refs.map((r) => r.name), spec.sources.map((s) => s.name), definedCteNames(templateText(template)));
}

async function resolveSql(spec: SqlModelSpec, env: ResolveEnv): Promise<Table | null> {
  const profile = env.profile();
  if (profile === null) return null;
  const { vars } = env;
  const backend = env.connections.get(profile);
  const template = templateOf(env, spec);
  const names = sqlInputNames(spec, template);
  const inputs = new Map<string, Table>();
  for (const part of template) {
    if (part.kind === "ref") inputs.set(names.ref(part.name), hopTo(env.input(part), backend));
    else if (part.kind === "source") inputs.set(names.source(part.name), hopTo(env.input(part), backend));
    else if (part.kind === "var" && !part.hasFallback && !(part.name in vars)) {
      env.problems.add(locateTemplate(bodyPos(env, spec), part.pos), `unknown var '${part.name}' (project vars: ${Object.keys(env.projectVars).join(", ") || "none"})`);
      return null;
    }
  }
  const query = normalizeSql(renderSqlTemplate(template, names, vars));
  const usesVars = template.some((p) => p.kind === "var");
  // The template (refs rendered, vars kept) lets `xorq run BUILD -p` change a var's value.
  const varTemplate = usesVars
    ? {
        vars: jsonable(Object.fromEntries(template.flatMap((p) => (p.kind === "var" ? [[p.name, p.name in vars ? vars[p.name] : p.fallback]] : [])))) as SqlNode["vars"],
        template: normalizeSql(renderKeepingVars(template, names)),
      }
    : {};
  return sqlQueryTable(env, { profile, query, inputs, body: bodyPos(env, spec), extra: varTemplate });
}

/**
 * A SQL query over named inputs as a table in `profile`: its schema asked of the engine
 * (through the schema cache on an in-memory DuckDB), a compile error reported at `body`.
 * What every SQL-writing kind resolves to.
 */
export async function sqlQueryTable(
  env: ResolveEnv,
  q: { readonly profile: string; readonly query: string; readonly inputs: ReadonlyMap<string, Table>; readonly body: SourcePos; readonly extra?: Pick<SqlNode, "vars" | "template"> },
): Promise<Table | null> {
  const backend = env.connections.get(q.profile);
  const entries = [...q.inputs.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  const probe = sqlProbe(backend.dialect, q.query, entries.map(([n, t]) => [n, t.schema()] as const));
  let schema;
  try {
    const cacheable = backend.ref.kind === "duckdb" && (backend.ref.params["path"] ?? ":memory:") === ":memory:";
    schema = cacheable
      ? await env.schemas.get(SchemaCache.key({ query: probe, kind: backend.ref.kind }), () => (backend.probeSchema ?? backend.querySchema).call(backend, probe))
      : await backend.querySchema(probe);
  } catch (e) {
    if (e instanceof ProjectError) throw e;
    env.problems.add(q.body, `SQL does not compile in ${q.profile} (${backend.ref.kind}): ${(e as Error).message.split("\n")[0]}`);
    return null;
  }
  const node: SqlNode = {
    kind: "sql",
    query: q.query,
    inputs: entries.map(([n, t]) => [n, t.node] as const),
    backend: backend.ref as BackendRef,
    schema,
    ...(q.extra ?? {}),
  };
  return new Table(node, mergeContexts(contextOf(backend), ...entries.map(([, t]) => t.context)));
}

/** A query as it is hashed and run: trimmed, without a final `;`. */
export function normalizeSql(query: string): string {
  return query.trim().replace(/;\s*$/, "");
}

function locateTemplate(body: SourcePos, pos: { line: number; col: number }): SourcePos {
  return body.line === 1 && body.col === 1 ? { file: body.file, ...pos } : { file: body.file, line: body.line + pos.line - 1, col: pos.line === 1 ? body.col + pos.col - 1 : pos.col };
}
