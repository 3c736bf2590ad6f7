/**
 * Materializes one model in its engine: finds its key (its expression's hash plus its
 * sources' change signals, as a `modification_time` cache key), reuses the physical
 * relation of that key when the engine has one, else computes the model over its
 * upstream models' relations into a staging table and renames it into place; then
 * points the environment's view at the relation and records that in the state table.
 * A failure before the last step leaves the environment's previous view as it was.
 */
import { randomBytes } from "node:crypto";
import type { Backend } from "../backends/backend.js";
import type { ExecutionRun } from "../backends/executor.js";
import type { MaterializationDdl, QualifiedName } from "../backends/materialization-ddl.js";
import { cacheKeyOf } from "../cache/cache-key.js";
import { sha256, stableStringify } from "../expr/canonical.js";
import type { CacheNode, DatabaseTableNode, RelationNode } from "../expr/relation-nodes.js";
import type { Semaphore } from "../util/semaphore.js";
import { type EngineState, countOf, physicalRelations } from "./engine-state.js";
import { type MaterializedModel, viewOf } from "./materialize-plan.js";
import { overRelations } from "./physical-inputs.js";
import { PHYSICAL_SCHEMA, RELATION_RECORDS, physicalName, stagingName, stateTable } from "./relation-names.js";

export interface MaterializeRequest {
  readonly model: MaterializedModel;
  /** The model's expression (its ancestors inlined, as resolved). */
  readonly root: RelationNode;
  /** Its materialized ancestors' relations, by their expression's hash. */
  readonly upstream: ReadonlyMap<string, DatabaseTableNode>;
  readonly env: string;
  /** Compute it again even when its key has a relation. */
  readonly fullRefresh: boolean;
  readonly state: EngineState;
  /** Held while an environment view and its state row change (one writer per engine at a time). */
  readonly stateLock: Semaphore;
}

export interface MaterializeResult {
  readonly status: "created" | "reused";
  readonly rows: number | null;
  /** The environment view, `<schema>.<name>`. */
  readonly view: string;
  /** The physical relation's name (in `xorq_physical`). */
  readonly relation: string;
}

/** The physical relation's key of a model: its `modification_time` key, and how it is materialized (a view and a table never share a name). */
export async function physicalKey(req: Pick<MaterializeRequest, "model" | "root">, run: ExecutionRun): Promise<string> {
  const keyed: CacheNode = { kind: "cache", input: req.root, policy: { strategy: "modification_time", storage: "source", ttl: null, options: {} }, schema: req.root.schema };
  const { key } = await cacheKeyOf(keyed, run);
  return sha256(stableStringify({ key, materialized: req.model.materialized }));
}

/** Runs in `run` (whose context holds the connection the model lands in). */
export async function materializeModel(req: MaterializeRequest, run: ExecutionRun): Promise<MaterializeResult> {
  const { model, state, env } = req;
  const { ddl } = model;
  const backend = await run.backendFor(model.backend);
  const key = await physicalKey(req, run);
  const physical = physicalName(model.schema, model.alias, key, ddl.identifierLimit);
  let status: MaterializeResult["status"] = "reused";
  let rows: number | null = state.rowsOf(physical.name);
  const fresh = !state.hasRelation(physical.name);
  if (fresh || (req.fullRefresh && model.materialized === "table")) {
    const sql = await run.prepareSegment(overRelations(req.root, req.upstream), backend);
    if (model.materialized === "view") await createView(backend, req, physical, sql);
    else await createTable(backend, req, physical, key, sql, !fresh);
    state.addRelation(physical.name, model.materialized === "view" ? "view" : "table");
    // Counted once, when created (a view's count runs its query): a reused relation reports the recorded count.
    rows = await countOf(backend, `SELECT count(*) AS n FROM ${ddl.qualified(physical)}`);
    await recordRelation(backend, { model, state, stateLock: req.stateLock }, { relation: physical.name, key, rows });
    status = "created";
  }
  // A no-op run changes nothing in the engine: the view already reads this relation.
  const current = state.row(env, model.name);
  const view = status === "reused" && !req.fullRefresh && current?.relation === physical.name
    ? current.view
    : await pointEnvironment(backend, { model, state, stateLock: req.stateLock }, env, { relation: physical.name, key, rows });
  return { status, rows, view, relation: physical.name };
}

/** A relation an environment's view of a model is pointed at. */
export interface PhysicalRelation {
  readonly relation: string;
  readonly key: string;
  readonly rows: number | null;
}

/**
 * Points an environment's view of a model at a physical relation and records it in the
 * engine's state table (together, where the engine's DDL is transactional); returns the
 * view as `<schema>.<name>`. What `xorq run` does last for each model.
 */
export async function pointEnvironment(backend: Backend, target: Pick<MaterializeRequest, "model" | "state" | "stateLock">, env: string, relation: PhysicalRelation): Promise<string> {
  const [view] = await pointEnvironmentViews(backend, target.state, target.stateLock, env, [{ model: target.model, relation }]);
  return view!;
}

/**
 * Points an environment's views of several models of one engine, in one transaction
 * (where the engine's DDL is transactional): all that `xorq env promote` does, so
 * promoting a thousand models is one commit rather than a thousand.
 */
export async function pointEnvironmentViews(
  backend: Backend,
  state: EngineState,
  lock: Semaphore,
  env: string,
  targets: ReadonlyArray<{ readonly model: MaterializedModel; readonly relation: PhysicalRelation }>,
): Promise<string[]> {
  const { ddl } = state;
  const updatedAt = new Date().toISOString();
  const planned = targets.map(({ model, relation }) => {
    const view = viewOf(model, env);
    const row = { env, model: model.name, view: `${view.schema}.${view.name}`, relation: relation.relation, key: relation.key, rows: relation.rows, materialized: model.materialized, updatedAt };
    return { view, row, statements: [...ddl.pointView(view, { schema: PHYSICAL_SCHEMA, name: relation.relation }), ...ddl.writeState(stateTable(), row)] };
  });
  await lock.acquire();
  try {
    for (const schema of new Set(planned.map((p) => p.view.schema))) await backend.run(ddl.createSchema(schema));
    await runTogether(backend, ddl, planned.flatMap((p) => p.statements));
    for (const p of planned) state.record(p.row);
    return planned.map((p) => p.row.view);
  } finally {
    lock.release();
  }
}

/** Records a relation just created (its row count and creation time, which `env gc --older-than` reads) in the state table. */
async function recordRelation(backend: Backend, target: Pick<MaterializeRequest, "model" | "state" | "stateLock">, relation: PhysicalRelation): Promise<void> {
  const { model, state } = target;
  const row = { env: RELATION_RECORDS, model: relation.relation, view: "", relation: relation.relation, key: relation.key, rows: relation.rows, materialized: model.materialized, updatedAt: new Date().toISOString() };
  await target.stateLock.acquire();
  try {
    await runTogether(backend, model.ddl, model.ddl.writeState(stateTable(), row));
    state.record(row);
  } finally {
    target.stateLock.release();
  }
}

async function createView(backend: Backend, req: MaterializeRequest, physical: QualifiedName, sql: string): Promise<void> {
  await orLostRace(backend, req, physical, () => backend.run(req.model.ddl.createViewAs(physical, sql)));
}

/**
 * Writes the rows under a staging name, then renames it into place: a relation under a
 * physical name is always complete. Two runs writing one key: the second rename fails
 * because the name exists, and that run keeps the first one's relation. With
 * `--full-refresh` over an existing relation, its rows are replaced in one transaction
 * (the views over it keep reading it).
 */
async function createTable(backend: Backend, req: MaterializeRequest, physical: QualifiedName, key: string, sql: string, replace: boolean): Promise<void> {
  const { ddl } = req.model;
  const staging = stagingName(key, randomBytes(4).toString("hex"));
  try {
    await backend.run(ddl.createTableAs(staging, sql));
    if (replace) await runTogether(backend, ddl, ddl.replaceRows(physical, staging));
    else await orLostRace(backend, req, physical, () => backend.run(ddl.renameTable(staging, physical.name)));
  } finally {
    await backend.run(ddl.dropTable(staging)).catch(() => undefined);
  }
}

async function orLostRace(backend: Backend, req: MaterializeRequest, physical: QualifiedName, create: () => Promise<void>): Promise<void> {
  try {
    await create();
  } catch (e) {
    if ((await physicalRelations(backend, req.model.ddl)).has(physical.name)) return;
    throw e;
  }
}

/** Statements that take effect together where the engine's DDL is transactional (rolled back on a failure). */
export async function runTogether(backend: Backend, ddl: MaterializationDdl, statements: ReadonlyArray<string>): Promise<void> {
  try {
    for (const s of ddl.atomically(statements)) await backend.run(s);
  } catch (e) {
    if (ddl.transactionalDdl) await backend.run("ROLLBACK").catch(() => undefined);
    throw e;
  }
}
