/**
 * Turns model specs into expressions, in DAG order: sources become reads or tables,
 * YAML steps become Table calls, SQL models become `sql` nodes over their refs, and
 * TypeScript models run their build function. A `ref` embeds the upstream expression,
 * so a model's hash covers everything it reads.
 *
 * Engines are only asked for what they alone know (a file's or a query's schema), and
 * those answers are cached (`schema-cache.ts`).
 */
import { stat } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { canReadFiles } from "../backends/backend.js";
import { nodeHash, sha256, stableStringify } from "../expr/canonical.js";
import type { Schema } from "../expr/data-type.js";
import { ExpressionError } from "../expr/errors.js";
import { type BackendRef, type RelationNode, type SqlNode, backendOf, relationInputs } from "../expr/relation-nodes.js";
import { databaseTable, deferredRead, sqlProbe } from "../expr/sources.js";
import { type ExprContext, Table, contextOf, mergeContexts } from "../expr/table.js";
import { CacheConfigError } from "../cache/cache-policies.js";
import { cachePolicyFromYaml } from "../cache/cache-yaml.js";
import type { CachePolicyLike } from "../expr/table.js";
import { type Connections, profileRef } from "../backends/connections.js";
import { ExpressionSourceError } from "./expression-source.js";
import type { CacheConfig, ModelContext } from "./model-definition.js";
import { ProblemList, ProjectError, type SourcePos, positionOf } from "./project-errors.js";
import type { ProjectGraph } from "./project-graph.js";
import { errorPosition } from "./project-loader.js";
import type { ModelSpec, ProjectConfig, ProjectLocation, SqlModelSpec, TsModelSpec, YamlStepsModelSpec } from "./project-spec.js";
import { trackVars, varLiteral } from "./project-vars.js";
import { Semaphore } from "../util/semaphore.js";
import type { ResolveCache } from "./resolve-cache.js";
import { SchemaCache } from "./schema-cache.js";
import { renderKeepingVars, renderSqlTemplate } from "./sql-template.js";
import { StepError, type StepEnv, applySteps, hopTo } from "./yaml-steps.js";

export interface ResolvedSource {
  readonly name: string;
  readonly table: Table;
  readonly hash: string;
}

export interface ResolvedModel {
  readonly spec: ModelSpec;
  readonly table: Table;
  /**
   * The expression's full content hash; its first 12 digits name the build artifact.
   * It is the model's hash: it embeds its inputs' expressions (an upstream edit changes
   * it), its engine (profile parameters, unresolved) and its cache policy (a `cache`
   * node: where and how results are kept changes what runs). Tags and description are
   * not part of it: they change no result, so editing them rebuilds nothing.
   */
  readonly hash: string;
  /** The engine the model runs in (declared, else its expression's, else the default). */
  readonly profile: string;
  /** The vars the model read, with their values. */
  readonly vars: Readonly<Record<string, unknown>>;
  /** The model's own definition plus the values of the vars it reads (not its inputs). */
  readonly definitionHash: string;
  /** Settings that change what runs but are not the definition: profile and cache policy. */
  readonly configHash: string;
  /** The result's columns (the expression's schema, known without rebuilding it). */
  readonly schema: Schema;
}

interface ResolveContext {
  readonly location: ProjectLocation;
  readonly config: ProjectConfig;
  readonly vars: Readonly<Record<string, unknown>>;
  readonly graph: ProjectGraph;
  readonly connections: Connections;
  readonly schemas: SchemaCache;
  readonly resolved: ResolveCache;
  readonly problems: ProblemList;
  readonly sources: Map<string, ResolvedSource>;
  readonly models: Map<string, ResolvedModel>;
}

export async function resolveProject(
  location: ProjectLocation,
  config: ProjectConfig,
  vars: Readonly<Record<string, unknown>>,
  graph: ProjectGraph,
  connections: Connections,
  schemas: SchemaCache,
  resolved: ResolveCache,
  problems: ProblemList,
): Promise<{ sources: Map<string, ResolvedSource>; models: Map<string, ResolvedModel> }> {
  const ctx: ResolveContext = { location, config, vars, graph, connections, schemas, resolved, problems, sources: new Map(), models: new Map() };
  // Sources are independent: their schemas are asked for concurrently.
  await Promise.all([...graph.sources.values()].map((s) => resolveSource(ctx, s.name)));
  // Models the resolve cache serves are taken in one synchronous pass; the others are
  // resolved as soon as their inputs are, several at a time: a SQL model waits on its
  // engine to learn its schema, and independent models can wait together.
  const pending = new Map<string, Promise<void>>();
  let tsChain: Promise<void> = Promise.resolve();
  const slots = new Semaphore(RESOLVE_CONCURRENCY);
  for (const name of graph.order) {
    const spec = graph.models.get(name)!;
    const parents = graph.parents.get(name)!;
    if (parents.every((p) => !pending.has(p))) {
      if (!inputsReady(ctx, name)) continue; // the input's own problem is reported; this model is not checked further
      const reused = reuseModel(ctx, spec);
      if (reused) {
        ctx.models.set(name, reused);
        continue;
      }
    }
    const inputs = Promise.all(parents.map((p) => pending.get(p)));
    // TS models run one at a time in DAG order: a model may open connections, whose
    // default names (duckdb, duckdb_2, ...) follow the order they open in and are hashed.
    const task = spec.kind === "ts"
      ? (tsChain = Promise.all([inputs, tsChain]).then(() => resolveOne(ctx, spec, slots)))
      : inputs.then(() => resolveOne(ctx, spec, slots));
    pending.set(name, task);
  }
  await Promise.all(pending.values());
  return { sources: ctx.sources, models: ctx.models };
}

/** How many models are resolved at once (each SQL model waits on its engine for its schema). */
const RESOLVE_CONCURRENCY = 4;

/** Whether every input of a model resolved (else its own problem is already reported). */
function inputsReady(ctx: ResolveContext, name: string): boolean {
  const { graph } = ctx;
  return !graph.broken.has(name) && graph.parents.get(name)!.every((p) => ctx.models.has(p)) && graph.sourcesOf.get(name)!.every((s) => ctx.sources.has(s));
}

/** Resolves one model whose inputs are settled: from the resolve cache if its key is unchanged, else afresh. Never throws. */
async function resolveOne(ctx: ResolveContext, spec: ModelSpec, slots: Semaphore): Promise<void> {
  if (!inputsReady(ctx, spec.name)) return;
  const reused = reuseModel(ctx, spec);
  if (reused) {
    ctx.models.set(spec.name, reused);
    return;
  }
  await slots.acquire();
  try {
    const model = await resolveModel(ctx, spec);
    if (model) {
      ctx.models.set(spec.name, model);
      rememberModel(ctx, spec, model);
    }
  } catch (e) {
    report(ctx, e, spec.locate());
  } finally {
    slots.release();
  }
}

/** Records an error as a problem: at its own position if it has one, else at `fallback`. */
function report(ctx: ResolveContext, e: unknown, fallback: SourcePos): void {
  if (e instanceof ProjectError) {
    for (const p of e.problems) ctx.problems.add(p, p.message);
    return;
  }
  const pos = positionOf(e);
  const message = e instanceof ExpressionSourceError ? e.message.slice(e.message.indexOf(": ") + 2) : (e as Error).message;
  if (pos && pos.file !== undefined) ctx.problems.add({ file: pos.file, line: pos.line, col: pos.col }, message);
  else ctx.problems.add(fallback, message);
}

function profileOf(ctx: ResolveContext, name: string | null, at: () => SourcePos): string | null {
  const profile = name ?? ctx.config.defaultProfile;
  if (ctx.connections.has(profile)) return profile;
  if (name !== null) ctx.problems.add(at(), `unknown profile '${name}' (profiles: ${ctx.connections.profiles.map((p) => p.name).join(", ")})`);
  return null;
}

async function resolveSource(ctx: ResolveContext, name: string): Promise<void> {
  const s = ctx.graph.sources.get(name)!;
  const profile = profileOf(ctx, s.profile, () => s.locateKey("profile"));
  if (!profile) return;
  const backend = ctx.connections.get(profile);
  try {
    let table: Table;
    if (s.read) {
      const { format, path, options } = s.read;
      const abs = isAbsolute(path) ? path : resolve(ctx.location.projectDir, path);
      const isGlob = /[*?[]/.test(path);
      let st = null;
      if (!isGlob) {
        try {
          st = await stat(abs);
        } catch {
          ctx.problems.add(s.locateKey(`read_${format}`), `source '${name}': file not found: ${path} (paths are relative to xorq_project/)`);
          return;
        }
      }
      if (st && canReadFiles(backend)) {
        const key = SchemaCache.key({ read: format, path, options, size: st.size, mtime: st.mtimeMs, ino: st.ino });
        const schema = await ctx.schemas.get(key, async () => (await deferredRead(backend, format, path, options)).schema());
        table = new Table({ kind: "read", format, path, options, backend: backend.ref, schema }, contextOf(backend));
      } else {
        table = await deferredRead(backend, format, path, options);
      }
    } else if (s.table) {
      table = await databaseTable(backend, s.table);
    } else {
      ctx.problems.add(s.locate(), `source '${name}' needs read_parquet, read_csv or table`);
      return;
    }
    ctx.sources.set(name, { name, table, hash: table.hash() });
  } catch (e) {
    report(ctx, e, s.locate());
  }
}

async function resolveModel(ctx: ResolveContext, spec: ModelSpec): Promise<ResolvedModel | null> {
  const declared = spec.profile === null ? null : profileOf(ctx, spec.profile, () => spec.locateKey(["profile"]));
  if (spec.profile !== null && declared === null) return null;
  const tracked = trackVars(ctx.vars);
  let table: Table | null;
  switch (spec.kind) {
    case "yaml":
      table = resolveSteps(ctx, spec, declared, tracked.vars);
      break;
    case "sql":
      table = await resolveSql(ctx, spec, declared ?? profileOf(ctx, null, spec.locate), tracked.vars);
      break;
    case "ts":
      table = await resolveTs(ctx, spec, declared ?? profileOf(ctx, null, spec.locate), tracked.vars);
      break;
  }
  if (!table) return null;
  if (spec.cache) {
    try {
      table = table.cache(cachePolicy(ctx, spec.cache));
    } catch (e) {
      const field = e instanceof CacheConfigError && e.field ? ["cache", e.field] : ["cache"];
      ctx.problems.add(spec.locateKey(field), `cache: ${(e as Error).message}`);
      return null;
    }
  }
  const used = Object.fromEntries([...tracked.used].sort().map((n) => [n, ctx.vars[n]]));
  return {
    spec,
    table,
    hash: table.hash(),
    profile: declared ?? backendOf(table.node)?.name ?? ctx.config.defaultProfile,
    vars: used,
    definitionHash: definitionHash(spec, used),
    configHash: configHash(spec),
    schema: table.schema(),
  };
}

function definitionHash(spec: ModelSpec, usedVars: Readonly<Record<string, unknown>>): string {
  return sha256(stableStringify({ definition: spec.definitionHash, vars: jsonable(usedVars) }));
}

function configHash(spec: ModelSpec): string {
  return sha256(stableStringify({ profile: spec.profile, cache: spec.cache ?? null }));
}

/**
 * The resolve cache's key of a model: everything its expression is a function of (see
 * resolve-cache.ts), or null when an input is missing. `varNames`: the vars it read.
 */
function modelKey(ctx: ResolveContext, spec: ModelSpec, varNames: ReadonlyArray<string>): string | null {
  // Plain concatenation (one key per model per load: 10,000 of them must stay cheap);
  // every part is a hash, a name or JSON, separated so no two keys can run together.
  let key = `${spec.kind}|${spec.definitionHash}|${spec.profile ?? ""}|${spec.cache === null ? "" : JSON.stringify(spec.cache)}|`;
  for (const r of spec.refs) {
    const m = ctx.models.get(r.name);
    if (!m) return null;
    key += `r:${r.name}=${m.hash},`;
  }
  for (const r of spec.sources) {
    const s = ctx.sources.get(r.name);
    if (!s) return null;
    key += `s:${r.name}=${s.hash},`;
  }
  if (varNames.length > 0) key += `|${stableStringify(varNames.map((n) => [n, ctx.vars[n] ?? null]))}`;
  return key;
}

/**
 * Whether a model may be served by the resolve cache (see resolve-cache.ts): YAML steps
 * and TS models always may (what they read besides their inputs is checked on their
 * nodes, `rememberModel`), SQL models when their engine is an in-memory DuckDB.
 */
function cacheable(ctx: ResolveContext, spec: ModelSpec): boolean {
  if (spec.kind !== "sql") return true;
  const profile = ctx.connections.profile(spec.profile ?? ctx.config.defaultProfile);
  return inMemoryDuckDB(profile?.params ?? null, profile?.kind);
}

function inMemoryDuckDB(params: Readonly<Record<string, unknown>> | null, kind: string | undefined): boolean {
  return kind === "duckdb" && (params?.["path"] ?? ":memory:") === ":memory:";
}

/**
 * Whether a freshly resolved expression is a function of the model's key: its own nodes
 * (those below its inputs) read no database table or file of their own and run no SQL
 * outside an in-memory DuckDB, whose schemas could change without the key changing.
 */
function ownNodesAreKeyed(root: RelationNode, boundary: ReadonlySet<string>): boolean {
  const seen = new Set<RelationNode>();
  const visit = (n: RelationNode): boolean => {
    if (seen.has(n) || boundary.has(nodeHash(n))) return true;
    seen.add(n);
    if (n.kind === "table" || n.kind === "read") return false;
    if (n.kind === "sql" && !inMemoryDuckDB(n.backend.params, n.backend.kind)) return false;
    return relationInputs(n).every(visit);
  };
  return visit(root);
}

/** The model from the resolve cache when its key is unchanged; its expression is rebuilt only on demand. */
function reuseModel(ctx: ResolveContext, spec: ModelSpec): ResolvedModel | null {
  if (!cacheable(ctx, spec)) return null;
  const varNames = ctx.resolved.varNamesOf(spec.name);
  const key = varNames && modelKey(ctx, spec, varNames);
  const facts = key ? ctx.resolved.lookup(spec.name, key) : null;
  if (!facts) return null;
  let table: Table | null = null;
  return {
    spec,
    hash: facts.hash,
    profile: facts.profile,
    vars: Object.fromEntries(facts.varNames.map((n) => [n, ctx.vars[n]])),
    schema: facts.schema,
    definitionHash: facts.definitionHash,
    configHash: facts.configHash,
    get table() {
      if (!table) {
        const boundary = new Map<string, RelationNode>();
        for (const n of inputNodes(ctx, spec)) boundary.set(nodeHash(n), n);
        table = new Table(ctx.resolved.restore(spec.name, boundary), projectContext(ctx));
      }
      return table;
    },
  };
}

/** The root nodes of a model's inputs (what its resolve-cache entry does not hold). */
function inputNodes(ctx: ResolveContext, spec: ModelSpec): RelationNode[] {
  return [
    ...spec.refs.map((r) => ctx.models.get(r.name)!.table.node),
    ...spec.sources.map((r) => ctx.sources.get(r.name)!.table.node),
  ];
}

/** Every profile's connection, as the context of expressions rebuilt from the resolve cache. */
function projectContext(ctx: ResolveContext): ExprContext {
  let context = projectContexts.get(ctx);
  if (!context) {
    context = { backends: new Map(ctx.connections.profiles.map((p) => [p.name, ctx.connections.get(p.name)] as const)), memtables: new Map() };
    projectContexts.set(ctx, context);
  }
  return context;
}

const projectContexts = new WeakMap<ResolveContext, ExprContext>();

/** Keeps a freshly resolved model in the resolve cache when its expression is a function of its key. */
function rememberModel(ctx: ResolveContext, spec: ModelSpec, model: ResolvedModel): void {
  if (!cacheable(ctx, spec)) return;
  const { context } = model.table;
  // An expression holding data or a connection of its own cannot be rebuilt from nodes and profiles.
  if (context.memtables.size > 0) return;
  for (const [name, backend] of context.backends) if (!ctx.connections.has(name) || ctx.connections.get(name) !== backend) return;
  const varNames = Object.keys(model.vars);
  const key = modelKey(ctx, spec, varNames);
  if (!key) return;
  const boundary = new Set(inputNodes(ctx, spec).map(nodeHash));
  if (!ownNodesAreKeyed(model.table.node, boundary)) return;
  ctx.resolved.remember(spec.name, key, model.table.node, { profile: model.profile, varNames, definitionHash: model.definitionHash, configHash: model.configHash }, boundary);
}

function jsonable(v: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x))) as Record<string, unknown>;
}

/** A `cache:` setting as a policy (`true`: the project's default; `profile:` names the engine of source storage). */
function cachePolicy(ctx: ResolveContext, config: CacheConfig): CachePolicyLike {
  const profiles = new Map(ctx.connections.profiles.map((p) => [p.name, profileRef(p)] as const));
  const policy = cachePolicyFromYaml(config, Object.keys(ctx.config.cache).length > 0 ? ctx.config.cache : undefined, { profiles });
  if (!policy) throw new CacheConfigError("cache: expected true or a mapping");
  return policy;
}

function inputTable(ctx: ResolveContext, ref: { kind: "ref" | "source"; name: string }): Table {
  const t = ref.kind === "ref" ? ctx.models.get(ref.name)?.table : ctx.sources.get(ref.name)?.table;
  if (!t) throw new ExpressionError(`${ref.kind}('${ref.name}') is not available`);
  return t;
}

function resolveSteps(ctx: ResolveContext, spec: YamlStepsModelSpec, profile: string | null, vars: Readonly<Record<string, unknown>>): Table | null {
  const attempt = (origin: StepEnv["origin"]): Table => {
    let start = inputTable(ctx, spec.from);
    if (profile !== null) start = hopTo(start, ctx.connections.get(profile));
    const env: StepEnv = {
      vars,
      origin,
      input: (r) => inputTable(ctx, r),
      backend: (name, path) => {
        if (!ctx.connections.has(name)) throw new StepError(path, `unknown profile '${name}' (profiles: ${ctx.connections.profiles.map((p) => p.name).join(", ")})`);
        return ctx.connections.get(name);
      },
      cache: (config, path) => {
        try {
          return cachePolicy(ctx, config);
        } catch (e) {
          throw new StepError(e instanceof CacheConfigError && e.field ? [...path, e.field] : path, (e as Error).message);
        }
      },
    };
    return applySteps(start, spec.steps, env);
  };
  const file = spec.locate().file;
  try {
    // Positions of expression strings cost a second YAML parse: only an error pays for them.
    return attempt(() => ({ file }));
  } catch {
    try {
      attempt((path) => spec.originOf(path));
      ctx.problems.add(spec.locate(), "model failed to build, then succeeded when built again (please report this)");
    } catch (e) {
      if (e instanceof StepError) ctx.problems.add(spec.locateKey(e.path), e.message);
      else report(ctx, e, spec.locate());
    }
    return null;
  }
}

/** The name an input is visible under in a SQL model: its own, unless a source and a model share it. */
function sqlInputNames(spec: SqlModelSpec): { ref(n: string): string; source(n: string): string } {
  const refs = new Set(spec.refs.map((r) => r.name));
  return { ref: (n) => n, source: (n) => (refs.has(n) ? `source__${n}` : n) };
}

async function resolveSql(ctx: ResolveContext, spec: SqlModelSpec, profile: string | null, vars: Readonly<Record<string, unknown>>): Promise<Table | null> {
  if (profile === null) return null;
  const backend = ctx.connections.get(profile);
  const names = sqlInputNames(spec);
  const inputs = new Map<string, Table>();
  for (const part of spec.template) {
    if (part.kind === "ref") inputs.set(names.ref(part.name), hopTo(inputTable(ctx, part), backend));
    else if (part.kind === "source") inputs.set(names.source(part.name), hopTo(inputTable(ctx, part), backend));
    else if (part.kind === "var" && !part.hasFallback && !(part.name in vars)) {
      ctx.problems.add(locateTemplate(spec, part.pos), `unknown var '${part.name}' (project vars: ${Object.keys(ctx.vars).join(", ") || "none"})`);
      return null;
    }
  }
  const query = normalize(renderSqlTemplate(spec.template, names, vars));
  const entries = [...inputs.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  const probe = sqlProbe(backend.dialect, query, entries.map(([n, t]) => [n, t.schema()] as const));
  let schema;
  try {
    const cacheable = backend.ref.kind === "duckdb" && (backend.ref.params["path"] ?? ":memory:") === ":memory:";
    schema = cacheable
      ? await ctx.schemas.get(SchemaCache.key({ query: probe, kind: backend.ref.kind }), () => (backend.probeSchema ?? backend.querySchema).call(backend, probe))
      : await backend.querySchema(probe);
  } catch (e) {
    if (e instanceof ProjectError) throw e;
    ctx.problems.add(spec.bodyPos(), `SQL does not compile in ${profile} (${backend.ref.kind}): ${(e as Error).message.split("\n")[0]}`);
    return null;
  }
  const usesVars = spec.template.some((p) => p.kind === "var");
  const node: SqlNode = {
    kind: "sql",
    query,
    inputs: entries.map(([n, t]) => [n, t.node] as const),
    backend: backend.ref as BackendRef,
    schema,
    // The template (refs rendered, vars kept) lets `xorq run BUILD -p` change a var's value.
    ...(usesVars
      ? {
          vars: jsonable(Object.fromEntries(spec.template.flatMap((p) => (p.kind === "var" ? [[p.name, p.name in vars ? vars[p.name] : p.fallback]] : [])))) as SqlNode["vars"],
          template: normalize(renderKeepingVars(spec.template, names)),
        }
      : {}),
  };
  return new Table(node, mergeContexts(contextOf(backend), ...entries.map(([, t]) => t.context)));
}

function normalize(query: string): string {
  return query.trim().replace(/;\s*$/, "");
}

function locateTemplate(spec: SqlModelSpec, pos: { line: number; col: number }): SourcePos {
  const body = spec.bodyPos();
  return body.line === 1 && body.col === 1 ? { file: body.file, ...pos } : { file: body.file, line: body.line + pos.line - 1, col: pos.line === 1 ? body.col + pos.col - 1 : pos.col };
}

function isTable(x: unknown): x is Table {
  return !!x && typeof x === "object" && "node" in x && "context" in x && typeof (x as Table).hash === "function";
}

async function resolveTs(ctx: ResolveContext, spec: TsModelSpec, profile: string | null, vars: Readonly<Record<string, unknown>>): Promise<Table | null> {
  if (profile === null) return null;
  const declared = new Set(spec.refs.map((r) => r.name));
  const declaredSources = new Set(spec.sources.map((r) => r.name));
  const backend = ctx.connections.get(profile);
  const modelCtx: ModelContext = {
    ref(name) {
      if (!declared.has(name)) {
        throw new ExpressionError(`ref('${name}') must be written literally (ref("${name}")) so the project knows the model's inputs before running it`);
      }
      return inputTable(ctx, { kind: "ref", name });
    },
    source(name) {
      if (!declaredSources.has(name)) {
        throw new ExpressionError(`source('${name}') must be written literally (source("${name}")) so the project knows the model's inputs before running it`);
      }
      return inputTable(ctx, { kind: "source", name });
    },
    var(name) {
      if (!Object.prototype.hasOwnProperty.call(vars, name)) {
        throw new ExpressionError(`unknown var '${name}' (project vars: ${Object.keys(ctx.vars).join(", ") || "none"})`);
      }
      return varLiteral(name, vars[name]);
    },
    vars,
    async sql(query, inputs = {}) {
      const entries = Object.entries(inputs).sort(([a], [b]) => (a < b ? -1 : 1)).map(([n, t]) => [n, hopTo(t, backend)] as const);
      const trimmed = normalize(query);
      const schema = await backend.querySchema(sqlProbe(backend.dialect, trimmed, entries.map(([n, t]) => [n, t.schema()] as const)));
      return new Table(
        { kind: "sql", query: trimmed, inputs: entries.map(([n, t]) => [n, t.node] as const), backend: backend.ref, schema },
        mergeContexts(contextOf(backend), ...entries.map(([, t]) => t.context)),
      );
    },
  };
  const path = resolve(ctx.location.projectDir, spec.file);
  try {
    const result = await (await spec.definition()).build(modelCtx);
    if (!isTable(result)) {
      ctx.problems.add(spec.locate(), `the model function must return a table expression, got ${result === null ? "null" : typeof result}`);
      return null;
    }
    return result;
  } catch (e) {
    if (e instanceof ProjectError) throw e;
    ctx.problems.add(errorPosition(e, { path, file: spec.locate().file }), (e as Error).message);
    return null;
  }
}
