/**
 * What one engine holds of the project's materializations, read once per run: the
 * names of its physical relations and the rows of its state table (which relation each
 * environment's view of each model points at). The engine is the only place this lives,
 * so two people or a CI job sharing a warehouse see the same environments.
 */
import type { Backend } from "../backends/backend.js";
import { type EnvironmentRow, type MaterializationDdl, STATE_COLUMNS } from "../backends/materialization-ddl.js";
import type { Schema } from "../expr/data-type.js";
import { PHYSICAL_SCHEMA, RELATION_RECORDS, STATE_TABLE, stateTable } from "./relation-names.js";

export class EngineState {
  readonly ddl: MaterializationDdl;
  /** Each physical relation, and whether it is a view. */
  readonly #relations: Map<string, RelationKind>;
  readonly #rows: Map<string, EnvironmentRow>;

  private constructor(ddl: MaterializationDdl, relations: Map<string, RelationKind>, rows: ReadonlyArray<EnvironmentRow>) {
    this.ddl = ddl;
    this.#relations = relations;
    this.#rows = new Map(rows.map((r) => [rowKey(r.env, r.model), r]));
  }

  /** Creates the physical schema and the state table when missing, then reads both: three metadata queries per engine and run. */
  static async load(backend: Backend, ddl: MaterializationDdl): Promise<EngineState> {
    const ensure = async () => {
      await backend.run(ddl.createSchema(PHYSICAL_SCHEMA));
      await backend.run(ddl.createStateTable(stateTable()));
    };
    // Two first runs at once: PostgreSQL's IF NOT EXISTS can still fail on the other's
    // concurrent create (a unique violation in its catalog); the second try finds it made.
    await ensure().catch(ensure);
    const relations = await physicalRelations(backend, ddl);
    const schema: Schema = STATE_COLUMNS.map(([name, type]) => ({ name, type }));
    const rows = (await rowsOf(backend, ddl.readState(stateTable()), schema)).map(
      (r): EnvironmentRow => ({
        env: String(r["env"]),
        model: String(r["model"]),
        view: String(r["view_name"]),
        relation: String(r["relation"]),
        key: String(r["relation_key"]),
        materialized: String(r["materialized"]),
        rows: r["row_count"] === null || r["row_count"] === undefined ? null : Number(r["row_count"]),
        updatedAt: String(r["updated_at"]),
      }),
    );
    return new EngineState(ddl, relations, rows);
  }

  hasRelation(name: string): boolean {
    return this.#relations.has(name);
  }

  addRelation(name: string, kind: RelationKind): void {
    this.#relations.set(name, kind);
  }

  dropRelation(name: string): void {
    this.#relations.delete(name);
    this.#rows.delete(rowKey(RELATION_RECORDS, name));
  }

  /** The physical relations, by name, and whether each is a view or a table. */
  relations(): ReadonlyMap<string, RelationKind> {
    return this.#relations;
  }

  /** When a relation was created (ISO 8601), if its record says. */
  createdAt(relation: string): string | null {
    return this.#rows.get(rowKey(RELATION_RECORDS, relation))?.updatedAt ?? null;
  }

  /** What an environment's view of a model points at, if it has one. */
  row(env: string, model: string): EnvironmentRow | undefined {
    return this.#rows.get(rowKey(env, model));
  }

  record(row: EnvironmentRow): void {
    this.#rows.set(rowKey(row.env, row.model), row);
  }

  forget(env: string, model: string): void {
    this.#rows.delete(rowKey(env, model));
  }

  /** The row count recorded for a relation by whichever environment created it (null: none recorded). */
  rowsOf(relation: string): number | null {
    for (const r of this.#rows.values()) if (r.relation === relation && r.rows !== null) return r.rows;
    return null;
  }

  /** Every environment's row (not the relations' records), sorted by environment then model. */
  rows(): EnvironmentRow[] {
    return [...this.#rows.values()].filter((r) => r.env !== RELATION_RECORDS).sort((a, b) => (a.env === b.env ? (a.model < b.model ? -1 : 1) : a.env < b.env ? -1 : 1));
  }
}

export type RelationKind = "view" | "table";

/** The relations a schema holds now, and whether each is a view (the state table is not a physical relation). */
export async function physicalRelations(backend: Backend, ddl: MaterializationDdl, schema = PHYSICAL_SCHEMA): Promise<Map<string, RelationKind>> {
  const listed = await rowsOf(backend, ddl.listRelations(schema), [{ name: "table_name", type: "string" }, { name: "table_type", type: "string" }]);
  const names = new Map(listed.map((r): [string, RelationKind] => [String(r["table_name"]), String(r["table_type"]).toUpperCase() === "VIEW" ? "view" : "table"]));
  if (schema === PHYSICAL_SCHEMA) names.delete(STATE_TABLE);
  return names;
}

/** The SQL of a schema's views, by name. */
export async function viewDefinitions(backend: Backend, ddl: MaterializationDdl, schema: string): Promise<Map<string, string>> {
  const listed = await rowsOf(backend, ddl.listViewDefinitions(schema), [{ name: "table_name", type: "string" }, { name: "view_definition", type: "string" }]);
  return new Map(listed.map((r) => [String(r["table_name"]), String(r["view_definition"] ?? "")]));
}

/** The number a one-row, one-column query returns. */
export async function countOf(backend: Backend, sql: string): Promise<number> {
  const [row] = await rowsOf(backend, sql, [{ name: "n", type: "int64" }]);
  return Number(row?.["n"] ?? 0);
}

function rowKey(env: string, model: string): string {
  return `${env}\u0000${model}`;
}

async function rowsOf(backend: Backend, sql: string, schema: Schema): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  for await (const batch of backend.stream(sql, schema)) {
    for (let i = 0; i < batch.numRows; i++) {
      const row: Record<string, unknown> = {};
      for (const f of schema) row[f.name] = batch.getChild(f.name)?.get(i) ?? null;
      out.push(row);
    }
  }
  return out;
}
