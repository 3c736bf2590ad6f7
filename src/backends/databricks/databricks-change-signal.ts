/**
 * Databricks' change signal for a table, for the backend's `changeSignal` to run (no
 * scan of the data):
 *
 * * a Delta table: its latest version from `DESCRIBE HISTORY <t> LIMIT 1`. Every write
 *   (INSERT, MERGE, UPDATE, DELETE, OPTIMIZE, a CREATE OR REPLACE) commits a new
 *   version, so a change of rows always changes it; OPTIMIZE and VACUUM-like
 *   maintenance commit versions without changing rows: a needless recompute, never a
 *   stale result. https://docs.databricks.com/en/delta/history.html
 * * anything else DESCRIBE HISTORY refuses (a table of another format): its
 *   `last_altered` from `information_schema.tables`, which follows DDL and the writes
 *   Databricks itself performs; files changed behind the catalog's back go unseen.
 *   A view has no signal of its own: `null`, and the cache signs the tables it reads.
 */
import type { ChangeSignal } from "../backend.js";
import type { Dialect } from "../../compile/dialect.js";

export function databricksHistorySql(dialect: Dialect, table: string): string {
  return `DESCRIBE HISTORY ${dialect.tableName(table)} LIMIT 1`;
}

/** The latest-commit row of DESCRIBE HISTORY (the columns the signal uses). */
export interface DatabricksHistoryRow {
  readonly version: number | string | bigint;
  readonly timestamp: string | Date;
}

export function databricksHistorySignal(table: string, row: DatabricksHistoryRow | undefined): ChangeSignal {
  if (!row) throw new Error(`table '${table}' has no Delta history`);
  const committed = row.timestamp instanceof Date ? row.timestamp.toISOString() : String(row.timestamp);
  return { kind: "databricks_delta_version", version: String(row.version), committed };
}

/** The fallback query for `table` ("table", "schema.table" or "catalog.schema.table"). */
export function databricksLastAlteredSql(dialect: Dialect, table: string): string {
  const parts = table.split(".");
  if (parts.length > 3) throw new Error(`'${table}' is not a Databricks table name (catalog.schema.table at most)`);
  const infoSchema = parts.length === 3 ? `${dialect.quoteIdentifier(parts[0]!)}.information_schema.tables` : "information_schema.tables";
  // Unity Catalog stores names in lower case.
  const schema = parts.length >= 2 ? dialect.stringLiteral(parts.at(-2)!.toLowerCase()) : "current_schema()";
  return [
    `SELECT table_type, DATE_FORMAT(last_altered, 'yyyy-MM-dd HH:mm:ss.SSSSSS') AS last_altered`,
    `  FROM ${infoSchema}`,
    ` WHERE table_schema = ${schema} AND table_name = ${dialect.stringLiteral(parts.at(-1)!.toLowerCase())}`,
  ].join("\n");
}

export interface DatabricksTableRow {
  readonly table_type: string;
  readonly last_altered: string | null;
}

export function databricksLastAlteredSignal(table: string, row: DatabricksTableRow | undefined): ChangeSignal | null {
  if (!row) throw new Error(`table '${table}' not found`);
  if (row.table_type === "VIEW" || row.table_type === "MATERIALIZED_VIEW") return null;
  if (!row.last_altered) throw new Error(`Databricks reports no last-modified time for '${table}'; use a snapshot cache`);
  return { kind: "databricks_last_altered", last_altered: row.last_altered };
}
