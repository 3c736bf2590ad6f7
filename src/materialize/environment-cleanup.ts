/**
 * Dropping what environments no longer need: `xorq env rm E` drops E's views and state
 * rows (its physical relations stay, prod or another environment may read them), and
 * `xorq env gc` drops the physical relations no environment's view reads, directly or
 * through a physical view over them, with the staging tables killed runs left behind.
 *
 * ```ts
 * const engines = await openEngineStates(project, planMaterializations(project, "prod"));
 * await removeEnvironment(project, engines, "ci");                 // [{ name: "orders", view: "marts__ci.orders" }]
 * await collectGarbage(project, engines, { olderThanMs: 7 * 86_400_000, dryRun: true });
 * ```
 */
import type { Backend } from "../backends/backend.js";
import type { MaterializationDdl } from "../backends/materialization-ddl.js";
import type { Project } from "../project/project.js";
import { physicalRelations, viewDefinitions } from "./engine-state.js";
import type { EngineStates } from "./environments.js";
import { runTogether } from "./materialize-model.js";
import { PHYSICAL_SCHEMA, RELATION_RECORDS, stateTable } from "./relation-names.js";

export interface RemovedView {
  readonly name: string;
  readonly view: string;
}

/** Drops every view of `env` in every engine, with its state rows, and then the schemas of those views left empty. */
export async function removeEnvironment(project: Project, engines: EngineStates, env: string): Promise<RemovedView[]> {
  const out: RemovedView[] = [];
  for (const [profile, { state, lock }] of engines) {
    const backend = project.connections.get(profile);
    const { ddl } = state;
    const schemas = new Set<string>();
    for (const row of state.rows().filter((r) => r.env === env)) {
      const [schema, name] = splitView(row.view);
      await lock.acquire();
      try {
        await runTogether(backend, ddl, [ddl.dropView({ schema, name }), ddl.deleteState(stateTable(), env, row.model)]);
        state.forget(env, row.model);
      } finally {
        lock.release();
      }
      schemas.add(schema);
      out.push({ name: row.model, view: row.view });
    }
    for (const schema of schemas) await dropSchemaIfEmpty(backend, state.ddl, schema);
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

export interface CollectedRelation {
  readonly profile: string;
  /** The relation's name in the physical schema. */
  readonly relation: string;
  readonly kind: "view" | "table";
  /** When it was created (null: not recorded, as for a killed run's staging table). */
  readonly createdAt: string | null;
}

export interface GcOptions {
  /** Keep relations created less than this long ago (0: drop every unused one). */
  readonly olderThanMs: number;
  /** List what would be dropped, drop nothing. */
  readonly dryRun: boolean;
  /** Now, for the age (default: the clock). */
  readonly now?: number;
}

/**
 * The physical relations no environment uses, dropped (unless `dryRun`): not read by an
 * environment's view, nor by a physical view one reads (a view over an upstream
 * model's table needs that table), and created at least `olderThanMs` ago. A relation
 * without a record of its creation (a staging table of a killed run, or one made before
 * records were kept) counts as old.
 */
export async function collectGarbage(project: Project, engines: EngineStates, options: GcOptions): Promise<CollectedRelation[]> {
  const now = options.now ?? Date.now();
  const out: CollectedRelation[] = [];
  for (const [profile, { state }] of engines) {
    const backend = project.connections.get(profile);
    const { ddl } = state;
    const relations = state.relations();
    const definitions = [...relations.values()].includes("view") ? await viewDefinitions(backend, ddl, PHYSICAL_SCHEMA) : new Map<string, string>();
    const used = new Set<string>();
    const use = (name: string) => {
      if (used.has(name)) return;
      used.add(name);
      const sql = definitions.get(name);
      if (sql === undefined) return;
      for (const other of relations.keys()) if (other !== name && sql.includes(other)) use(other);
    };
    for (const row of state.rows()) use(row.relation);
    const unused = [...relations.entries()].filter(([name]) => !used.has(name)).sort(([a], [b]) => (a < b ? -1 : 1));
    // Views first: a table is dropped only after the views over it.
    unused.sort(([, a], [, b]) => (a === b ? 0 : a === "view" ? -1 : 1));
    for (const [relation, kind] of unused) {
      const createdAt = state.createdAt(relation);
      if (createdAt !== null && now - Date.parse(createdAt) < options.olderThanMs) continue;
      out.push({ profile, relation, kind, createdAt });
      if (options.dryRun) continue;
      const name = { schema: PHYSICAL_SCHEMA, name: relation };
      await backend.run(kind === "view" ? ddl.dropView(name) : ddl.dropTable(name));
      if (createdAt !== null) await backend.run(ddl.deleteState(stateTable(), RELATION_RECORDS, relation));
      state.dropRelation(relation);
    }
  }
  return out;
}

/** `<schema>.<name>` as the state table writes a view. */
function splitView(view: string): [string, string] {
  const dot = view.indexOf(".");
  return [view.slice(0, dot), view.slice(dot + 1)];
}

/** Drops a schema that holds no table or view now (RESTRICT: one still holding anything else, a function or a sequence, stays as it is). */
async function dropSchemaIfEmpty(backend: Backend, ddl: MaterializationDdl, schema: string): Promise<void> {
  if ((await physicalRelations(backend, ddl, schema)).size > 0) return;
  await backend.run(ddl.dropSchema(schema)).catch(() => undefined);
}
