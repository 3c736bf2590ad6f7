/**
 * `xorq run` in a project: runs the selected models in DAG order, independent ones in
 * parallel (up to `threads`), and records `target/run_results.json`.
 *
 * Each model runs on connections of its own: a DuckDB profile gets a fork (same
 * database, own temp tables), so parallel models never share a statement stream;
 * engines without forks are used by one model at a time.
 *
 * Every model runs through the one `Services` of the caller, and each run hears its own
 * cache events: a model's status (computed or cached) is what happened at its root.
 *
 * A materialized model (`materialize.plan`) is left in its engine instead
 * (`src/materialize/`): reused when its key has a physical relation, else created from
 * its upstream models' relations; its status is then created or reused.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import * as arrow from "apache-arrow";
import { toArrowSchema } from "../backends/arrow-types.js";
import type { Backend } from "../backends/backend.js";
import type { Catalog } from "../catalog/catalog.js";
import { type SharedResult, sharedResult } from "../catalog/catalog-results.js";
import type { CacheEvent } from "../cache/cache-events.js";
import { nodeHash, shortHash, shortHashOf } from "../expr/canonical.js";
import { Table } from "../expr/table.js";
import { countStar } from "../expr/value.js";
import type { Project } from "../project/project.js";
import { jsonText, writeFileAtomic } from "../util/atomic-write.js";
import { writeBatches } from "../artifacts/data-files.js";
import { exprFacts } from "../artifacts/expr-facts.js";
import type { ModelFinished, ModelListener } from "./model-events.js";
import { targetDir } from "../artifacts/manifest.js";
import { toolVersion } from "../util/tool-version.js";
import { type ExecutionScope, type Services, defaultServices } from "../services.js";
import type { DatabaseTableNode } from "../expr/relation-nodes.js";
import { type EngineStates, openEngineStates } from "../materialize/environments.js";
import { type MaterializePlan, upstreamRelations } from "../materialize/materialize-plan.js";
import { materializeModel, physicalKey } from "../materialize/materialize-model.js";
import { PROD, physicalName } from "../materialize/relation-names.js";

export interface RunOptions {
  /** Models run at once (default 4). */
  readonly threads?: number;
  /** Write each model's rows to `<dir>/<model>.parquet`. */
  readonly outputDir?: string;
  readonly onEvent?: ModelListener;
  /**
   * The catalog as shared memory: a model whose entry holds a stored result is served
   * from it (status cached); a model whose entry has none stores what it computed.
   */
  readonly catalog?: Catalog;
  /** With `catalog`: serve stored results only; a model whose result is missing or stale fails instead of computing. */
  readonly offline?: boolean;
  /** What runs the models (default: the default services). */
  readonly services?: Services;
  /** Materialized models are left in their engines, in `plan.env`; `fullRefresh` computes them even when their key has a relation. */
  readonly materialize?: { readonly plan: MaterializePlan; readonly fullRefresh: boolean };
  /** After the first failure, start no other model (they are reported skipped). */
  readonly failFast?: boolean;
  /**
   * Called after a model ran without error (`xorq run` runs its tests here): a message
   * marks the model failed with it, so its descendants are skipped.
   */
  readonly check?: (name: string) => Promise<string | null>;
}

/** What the materialized models of one run share: each engine's state, and the relations found or made so far. */
interface MaterializeRun {
  readonly plan: MaterializePlan;
  readonly fullRefresh: boolean;
  readonly engines: EngineStates;
  /** Each materialized model's relation once known (null: it has none, and is read inlined). */
  readonly relations: Map<string, Promise<string | null>>;
}

/** One model's run: what reporters are told, and what happened at each cache node of its expression. */
export interface ModelRun {
  readonly result: ModelFinished;
  readonly cacheEvents: ReadonlyArray<CacheEvent>;
}

/** One-at-a-time use of a shared connection. */
class Mutex {
  #tail: Promise<void> = Promise.resolve();
  lock(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((r) => (release = r));
    const ready = this.#tail.then(() => release);
    this.#tail = this.#tail.then(() => next);
    return ready;
  }
}

export async function runModels(project: Project, names: ReadonlyArray<string>, options: RunOptions = {}): Promise<ModelRun[]> {
  const threads = Math.max(1, options.threads ?? 4);
  const services = options.services ?? defaultServices();
  if (options.outputDir) await mkdir(options.outputDir, { recursive: true });
  const selected = new Set(names);
  const parentsIn = (n: string) => (project.graph.parents.get(n) ?? []).filter((p) => selected.has(p));
  const childrenIn = (n: string) => (project.graph.children.get(n) ?? []).filter((c) => selected.has(c));
  const mutexes = new Map<string, Mutex>();
  const results = new Map<string, ModelRun>();
  const waiting = new Map(names.map((n) => [n, parentsIn(n).length]));
  const queue = names.filter((n) => waiting.get(n) === 0);
  let active = 0;
  let failure: string | null = null;
  const materializing = options.materialize ? await openEngines(project, options.materialize) : null;

  await new Promise<void>((done, fail) => {
    const finish = (r: ModelRun) => {
      if (r.result.status === "error") failure ??= r.result.name;
      results.set(r.result.name, r);
      options.onEvent?.(r.result);
      for (const c of childrenIn(r.result.name)) {
        const left = waiting.get(c)! - 1;
        waiting.set(c, left);
        if (left === 0) queue.push(c);
      }
    };
    const pump = () => {
      while (active < threads && queue.length > 0) {
        const name = queue.shift()!;
        const hash = shortHashOf(project.models.get(name)!.hash);
        const failed = parentsIn(name).find((p) => ["error", "skipped"].includes(results.get(p)!.result.status));
        if (failed) {
          finish({ result: { event: "model_finished", name, hash, status: "skipped", ms: 0, message: `input '${failed}' did not run` }, cacheEvents: [] });
          continue;
        }
        if (options.failFast && failure !== null) {
          finish({ result: { event: "model_finished", name, hash, status: "skipped", ms: 0, message: `--fail-fast: '${failure}' failed` }, cacheEvents: [] });
          continue;
        }
        active++;
        options.onEvent?.({ event: "model_started", name, hash });
        runOne(project, name, mutexes, services, options, materializing, selected).then((r) => checked(r, options)).then((r) => {
          active--;
          finish(r);
          pump();
        }, fail);
      }
      if (active === 0 && queue.length === 0) done();
    };
    pump();
  });
  return names.map((n) => results.get(n)!);
}

/** The model's run, failed when `options.check` finds a problem with what it produced. */
async function checked(r: ModelRun, options: RunOptions): Promise<ModelRun> {
  if (!options.check || r.result.status === "error") return r;
  const problem = await options.check(r.result.name);
  return problem === null ? r : { ...r, result: { ...r.result, status: "error", message: problem } };
}

/** Reads the state of every engine a materialized model lands in (before any model runs). */
async function openEngines(project: Project, options: NonNullable<RunOptions["materialize"]>): Promise<MaterializeRun> {
  return { plan: options.plan, fullRefresh: options.fullRefresh, engines: await openEngineStates(project, options.plan), relations: new Map() };
}

/**
 * The relation an unselected materialized model is read from: the one of its current
 * key, else the environment's, else prod's; null when none exists (then it is computed
 * inlined in the models that read it).
 */
function deferredRelation(project: Project, run: MaterializeRun, name: string, services: Services, scope: ExecutionScope): Promise<string | null> {
  let found = run.relations.get(name);
  if (!found) {
    const model = run.plan.models.get(name)!;
    const { state } = run.engines.get(model.profile)!;
    const m = project.models.get(name)!;
    const table = new Table(m.table.node, { backends: new Map(project.connections.profiles.map((p) => [p.name, project.connections.get(p.name)] as const)), memtables: m.table.context.memtables });
    found = services.withRun(table, scope, async (r) => {
      const current = physicalName(model.schema, model.alias, await physicalKey({ model, root: m.table.node }, r), model.ddl.identifierLimit).name;
      if (state.hasRelation(current)) return current;
      const named = [state.row(run.plan.env, name), state.row(PROD, name)].find((row) => row && state.hasRelation(row.relation));
      return named?.relation ?? null;
    });
    run.relations.set(name, found);
  }
  return found;
}

/** The relations a model reads instead of its materialized ancestors' expressions. */
async function upstreamOf(project: Project, run: MaterializeRun, name: string, selected: ReadonlySet<string>, services: Services, scope: ExecutionScope): Promise<Map<string, DatabaseTableNode>> {
  const known = new Map<string, string | null>();
  const todo = [...(project.graph.parents.get(name) ?? [])];
  while (todo.length > 0) {
    const a = todo.pop()!;
    if (known.has(a)) continue;
    const relation = run.plan.models.has(a) ? await (selected.has(a) ? run.relations.get(a) ?? null : deferredRelation(project, run, a, services, scope)) : null;
    known.set(a, relation);
    if (relation === null) todo.push(...(project.graph.parents.get(a) ?? []));
  }
  return upstreamRelations(project, run.plan.models, name, (a) => known.get(a) ?? null);
}

async function runOne(
  project: Project,
  name: string,
  mutexes: Map<string, Mutex>,
  services: Services,
  options: RunOptions,
  materializing: MaterializeRun | null,
  selected: ReadonlySet<string>,
): Promise<ModelRun> {
  const { outputDir, catalog } = options;
  const cacheEvents: CacheEvent[] = [];
  const done = (result: ModelFinished): ModelRun => ({ result, cacheEvents });
  const m = project.models.get(name)!;
  const root = m.table.node;
  const hash = shortHash(root);
  const start = performance.now();
  let shared: SharedResult | null = null;
  if (catalog) {
    try {
      shared = await sharedResult(catalog, m.table, { services, baseDir: project.location.projectDir, offline: options.offline ?? false });
      const { stored } = shared;
      if (stored) {
        if (outputDir) await writeBatches(stored.batches, root.schema, join(outputDir, `${name}.parquet`), "parquet", services);
        return done({ event: "model_finished", name, hash, status: "cached", ms: performance.now() - start, rows: stored.numRows, message: "result from the catalog" });
      }
    } catch (e) {
      return done({ event: "model_finished", name, hash, status: "error", ms: performance.now() - start, message: (e as Error).message });
    }
  }
  const facts = exprFacts(root);
  const profiles = [...new Set([...facts.backends.map((b) => b.name), ...facts.cacheProfiles])].filter((p) => project.connections.has(p)).sort();
  const forks: Backend[] = [];
  const releases: Array<() => void> = [];
  const backends = new Map<string, Backend>();
  for (const p of profiles) {
    const fork = project.connections.fork(p);
    if (fork) {
      forks.push(fork);
      backends.set(p, fork);
    } else {
      // Sorted acquisition: two models never wait for each other's locks.
      let mutex = mutexes.get(p);
      if (!mutex) mutexes.set(p, (mutex = new Mutex()));
      releases.push(await mutex.lock());
      backends.set(p, project.connections.get(p));
    }
  }
  const scope: ExecutionScope = { baseDir: project.location.projectDir, onCacheEvent: (e) => cacheEvents.push(e) };
  try {
    const table = new Table(root, { backends, memtables: m.table.context.memtables });
    const planned = materializing?.plan.models.get(name);
    if (materializing && planned) {
      const { state, lock } = materializing.engines.get(planned.profile)!;
      const relation = (async () => {
        const upstream = await upstreamOf(project, materializing, name, selected, services, scope);
        return services.withRun(table, scope, (run) =>
          materializeModel({ model: planned, root, upstream, env: materializing.plan.env, fullRefresh: materializing.fullRefresh, state, stateLock: lock }, run),
        );
      })();
      materializing.relations.set(name, relation.then((r) => r.relation, () => null));
      const r = await relation;
      return done({ event: "model_finished", name, hash, status: r.status, ms: performance.now() - start, ...(r.rows === null ? {} : { rows: r.rows }), relation: r.view });
    }
    // An entry of the catalog without a result keeps the batches to store them.
    const kept: arrow.RecordBatch[] | null = shared?.entry ? [] : null;
    const batches = () => (kept ? keeping(services.stream(table, scope), kept) : services.stream(table, scope));
    let rows = 0;
    if (outputDir) {
      rows = await writeBatches(batches(), root.schema, join(outputDir, `${name}.parquet`), "parquet", services);
    } else if (root.kind === "cache" && !kept) {
      // A cached model's rows are stored (or stored now): counting them reads the entry's
      // metadata, not its data, so a no-op run of cached models reads no results.
      const counted = await services.execute(table.agg({ rows: countStar() }), scope);
      rows = Number(counted.getChildAt(0)?.get(0) ?? 0);
    } else {
      for await (const b of batches()) rows += b.numRows;
    }
    if (shared && kept) await shared.store(kept.length > 0 ? new arrow.Table(kept) : new arrow.Table(toArrowSchema(root.schema)));
    const recomputed = shared && shared.stale.length > 0 ? `inputs changed (${shared.stale.join(", ")}), ` : "";
    const stored = kept ? { message: `${recomputed}result stored in the catalog` } : {};
    const rootHash = nodeHash(root);
    const status = cacheEvents.find((e) => e.nodeHash === rootHash)?.status === "cached" ? "cached" : "computed";
    return done({ event: "model_finished", name, hash, status, ms: performance.now() - start, rows, ...stored });
  } catch (e) {
    return done({ event: "model_finished", name, hash, status: "error", ms: performance.now() - start, message: (e as Error).message });
  } finally {
    for (const r of releases) r();
    await project.connections.closeForks(forks);
  }
}

async function* keeping(batches: AsyncIterable<arrow.RecordBatch>, into: arrow.RecordBatch[]): AsyncGenerator<arrow.RecordBatch> {
  for await (const b of batches) {
    into.push(b);
    yield b;
  }
}

/** Writes `target/run_results.json`: status, rows and time per model (and the environment, when models were materialized). */
export async function writeRunResults(project: Project, results: ReadonlyArray<ModelFinished>, elapsedMs: number, env: string | null = null): Promise<void> {
  await writeFileAtomic(
    join(targetDir(project), "run_results.json"),
    jsonText({
      tool_version: toolVersion(),
      project: project.config.name,
      elapsed_ms: Math.round(elapsedMs),
      ...(env === null ? {} : { env }),
      results: results.map((r) => ({
        name: r.name,
        hash: r.hash,
        status: r.status,
        rows: r.rows ?? null,
        ...(r.relation ? { relation: r.relation } : {}),
        ms: Math.round(r.ms),
        ...(r.message ? { message: r.message } : {}),
      })),
    }),
  );
}
