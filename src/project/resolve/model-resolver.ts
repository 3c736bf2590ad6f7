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
import { canReadFiles } from "../../backends/backend.js";
import { nodeHash, sha256, stableStringify } from "../../expr/canonical.js";
import type { Schema } from "../../expr/data-type.js";
import { ExpressionError } from "../../expr/errors.js";
import { type RelationNode, backendOf, relationInputs } from "../../expr/relation-nodes.js";
import { databaseTable, deferredRead } from "../../expr/sources.js";
import { type ExprContext, Table, contextOf } from "../../expr/table.js";
import { CacheConfigError } from "../../cache/cache-policies.js";
import { cachePolicyFromYaml } from "../../cache/cache-yaml.js";
import type { CachePolicyLike } from "../../expr/table.js";
import { type Connections, profileRef } from "../../backends/connections.js";
import { ExpressionSourceError } from "../expression-language/expression-source.js";
import type { SpecPositions } from "../loading/spec-positions.js";
import type { CacheConfig } from "../model-kinds/model-definition.js";
import { type ResolveEnv, inMemoryDuckDB, jsonable } from "../model-kinds/model-kind.js";
import { kindOf } from "../model-kinds/model-kinds.js";
import { ProblemList, ProjectError, type SourcePos, positionOf } from "../project-errors.js";
import type { ProjectGraph } from "../graph/project-graph.js";
import { type ModelSpec, type ProjectConfig, type ProjectLocation, type SpecPos, keyPos } from "../project-spec.js";
import { trackVars } from "../project-vars.js";
import { Semaphore } from "../../util/semaphore.js";
import type { ResolveCache } from "./resolve-cache.js";
import { SchemaCache } from "./schema-cache.js";

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

/** What resolving is given: the spec's graph, the engines, target/'s caches and where problems go. */
export interface ResolveInputs {
  readonly location: ProjectLocation;
  readonly config: ProjectConfig;
  readonly vars: Readonly<Record<string, unknown>>;
  readonly graph: ProjectGraph;
  readonly connections: Connections;
  readonly schemas: SchemaCache;
  readonly resolved: ResolveCache;
  readonly problems: ProblemList;
  readonly positions: SpecPositions;
}

interface ResolveContext extends ResolveInputs {
  readonly sources: Map<string, ResolvedSource>;
  readonly models: Map<string, ResolvedModel>;
}

/**
 * Resolves the models `only` names and their ancestors (every model when `only` is
 * null), in DAG order, and the sources they read. Never throws for a problem in the
 * project: problems are collected in `problems`.
 */
export async function resolveProject(
  inputs: ResolveInputs,
  only: ReadonlyArray<string> | null,
): Promise<{ sources: Map<string, ResolvedSource>; models: Map<string, ResolvedModel>; order: ReadonlyArray<string> }> {
  const ctx: ResolveContext = { ...inputs, sources: new Map(), models: new Map() };
  const { graph } = inputs;
  const order = only === null ? graph.order : closureOrder(graph, only);
  const sourceNames = only === null ? [...graph.sources.keys()] : [...new Set(order.flatMap((n) => graph.sourcesOf.get(n) ?? []))];
  // Sources are independent: their schemas are asked for concurrently.
  await Promise.all(sourceNames.map((s) => resolveSource(ctx, s)));
  // Models the resolve cache serves are taken in one synchronous pass; the others are
  // resolved as soon as their inputs are, several at a time: a SQL model waits on its
  // engine to learn its schema, and independent models can wait together.
  const pending = new Map<string, Promise<void>>();
  let tsChain: Promise<void> = Promise.resolve();
  const slots = new Semaphore(RESOLVE_CONCURRENCY);
  for (const name of order) {
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
    const task = kindOf(spec).serial
      ? (tsChain = Promise.all([inputs, tsChain]).then(() => resolveOne(ctx, spec, slots)))
      : inputs.then(() => resolveOne(ctx, spec, slots));
    pending.set(name, task);
  }
  await Promise.all(pending.values());
  return { sources: ctx.sources, models: ctx.models, order };
}

/** `names` and all their ancestors, in the graph's dependency order. */
export function closureOrder(graph: ProjectGraph, names: ReadonlyArray<string>): string[] {
  const wanted = new Set<string>();
  const todo = [...names];
  while (todo.length > 0) {
    const n = todo.pop()!;
    if (wanted.has(n)) continue;
    wanted.add(n);
    for (const p of graph.parents.get(n) ?? []) todo.push(p);
  }
  return graph.order.filter((n) => wanted.has(n));
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
    report(ctx, e, ctx.positions.pos(spec.at));
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

function profileOf(ctx: ResolveContext, name: string | null, at: SpecPos): string | null {
  const profile = name ?? ctx.config.defaultProfile;
  if (ctx.connections.has(profile)) return profile;
  if (name !== null) ctx.problems.add(ctx.positions.pos(at), `unknown profile '${name}' (profiles: ${ctx.connections.profiles.map((p) => p.name).join(", ")})`);
  return null;
}

async function resolveSource(ctx: ResolveContext, name: string): Promise<void> {
  const s = ctx.graph.sources.get(name)!;
  const profile = profileOf(ctx, s.profile, keyPos(s, ["profile"]));
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
          ctx.problems.add(ctx.positions.pos(keyPos(s, [`read_${format}`])), `source '${name}': file not found: ${path} (paths are relative to xorq_project/)`);
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
    } else if (s.catalog) {
      // Imported here: a project without catalog sources loads nothing of the catalog.
      const { catalogSourceTable } = await import("../../catalog/catalog-source.js");
      table = await catalogSourceTable(s.catalog, ctx.location, ctx.connections);
    } else {
      ctx.problems.add(ctx.positions.pos(s.at), `source '${name}' needs read_parquet, read_csv, table or catalog`);
      return;
    }
    ctx.sources.set(name, { name, table, hash: table.hash() });
  } catch (e) {
    report(ctx, e, ctx.positions.pos(s.at));
  }
}

async function resolveModel(ctx: ResolveContext, spec: ModelSpec): Promise<ResolvedModel | null> {
  const declared = spec.profile === null ? null : profileOf(ctx, spec.profile, keyPos(spec, ["profile"]));
  if (spec.profile !== null && declared === null) return null;
  const tracked = trackVars(ctx.vars);
  const env: ResolveEnv = {
    location: ctx.location,
    projectVars: ctx.vars,
    vars: tracked.vars,
    connections: ctx.connections,
    schemas: ctx.schemas,
    problems: ctx.problems,
    positions: ctx.positions,
    declaredProfile: declared,
    profile: () => declared ?? profileOf(ctx, null, spec.at),
    input: (ref) => inputTable(ctx, ref),
    cachePolicy: (config) => cachePolicy(ctx, config),
    report: (e, fallback) => report(ctx, e, fallback),
  };
  let table = await kindOf(spec).resolve(spec, env);
  if (!table) return null;
  if (spec.cache) {
    try {
      table = table.cache(cachePolicy(ctx, spec.cache));
    } catch (e) {
      const field = e instanceof CacheConfigError && e.field ? ["cache", e.field] : ["cache"];
      ctx.problems.add(ctx.positions.pos(keyPos(spec, field)), `cache: ${(e as Error).message}`);
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
 * Whether a model may be served by the resolve cache (see resolve-cache.ts): its kind
 * says (`ModelKind.cacheable`); what a model reads besides its inputs is checked on its
 * nodes when it is remembered (`rememberModel`).
 */
function cacheable(ctx: ResolveContext, spec: ModelSpec): boolean {
  return kindOf(spec).cacheable(spec, { connections: ctx.connections, defaultProfile: ctx.config.defaultProfile });
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
