/**
 * BigQuery's change signal for a table, for the BigQuery backend's `changeSignal` to
 * run: `last_modified_time` (and `creation_time`, `row_count`, `size_bytes`) from the
 * dataset's `__TABLES__` meta-table, a metadata read that scans no table data.
 *
 * When it can miss or delay a change: rows streamed with the legacy streaming API
 * (`tabledata.insertAll`) sit in the streaming buffer and are not reflected in
 * `last_modified_time` until BigQuery commits them to storage (usually minutes);
 * load jobs, DML and Storage Write API commits update it at once. A view's
 * `last_modified_time` only follows its definition: views get no signal here (`null`),
 * and the backend signs the tables the view reads (a dry run's `referencedTables`).
 */
import type { ChangeSignal } from "../backend.js";
import type { Dialect } from "../../compile/dialect.js";

/** `__TABLES__` type codes. */
const TABLE = 1;
const VIEW = 2;

/**
 * The query for `table` ("dataset.table" or "project.dataset.table"; a bare name takes
 * `defaultDataset`, as the backend's queries do).
 */
export function bigqueryChangeSignalSql(dialect: Dialect, table: string, defaultDataset?: string): string {
  const parts = table.split(".");
  if (parts.length === 1) {
    if (!defaultDataset) throw new Error(`'${table}' needs a dataset (dataset.table) or a default dataset`);
    parts.unshift(...defaultDataset.split("."));
  }
  if (parts.length < 2 || parts.length > 3) throw new Error(`'${table}' is not a BigQuery table name ([project.]dataset.table)`);
  const name = parts.pop()!;
  const meta = [...parts, "__TABLES__"].map((p) => dialect.quoteIdentifier(p)).join(".");
  return [
    "SELECT CAST(last_modified_time AS STRING) AS last_modified_time, CAST(creation_time AS STRING) AS creation_time,",
    "       CAST(row_count AS STRING) AS row_count, CAST(size_bytes AS STRING) AS size_bytes, type",
    `  FROM ${meta}`,
    ` WHERE table_id = ${dialect.stringLiteral(name)}`,
  ].join("\n");
}

export interface BigQuerySignalRow {
  readonly last_modified_time: string;
  readonly creation_time: string;
  readonly row_count: string | null;
  readonly size_bytes: string | null;
  readonly type: number;
}

/** The signal; null for a view (sign the tables it reads instead). */
export function bigqueryChangeSignal(table: string, row: BigQuerySignalRow | undefined): ChangeSignal | null {
  if (!row) throw new Error(`table '${table}' not found`);
  if (Number(row.type) === VIEW) return null;
  if (Number(row.type) !== TABLE) {
    throw new Error(`'${table}' is not a base table (__TABLES__ type ${row.type}, e.g. external): BigQuery cannot tell when its data changes; use a snapshot cache`);
  }
  return {
    kind: "bigquery_last_modified",
    last_modified_time: row.last_modified_time,
    creation_time: row.creation_time,
    row_count: row.row_count,
    size_bytes: row.size_bytes,
  };
}
