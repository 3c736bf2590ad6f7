/**
 * Snowflake's change signal for a table or view, for the Snowflake backend's
 * `changeSignal` to run (one metadata query, no warehouse scan):
 *
 * * `LAST_ALTERED` from `INFORMATION_SCHEMA.TABLES`: "last altered by a DML, DDL, or
 *   background metadata operation", and `CREATED` (a re-created table);
 * * `SYSTEM$LAST_CHANGE_COMMIT_TIME(name)`: a token that increases with every DML on
 *   the table, or on any table a view reads
 *   (https://docs.snowflake.com/en/sql-reference/functions/system_last_change_commit_time).
 *
 * When it can miss a change: Snowflake documents neither as missing a DML. A view's
 * `LAST_ALTERED` only follows its definition, which is why the commit token is there.
 * Background operations (reclustering) change `LAST_ALTERED` without changing the data:
 * a needless recompute, never a stale result.
 */
import type { ChangeSignal } from "../backend.js";
import type { Dialect } from "../../compile/dialect.js";

/** The query for `table` ("table", "schema.table" or "database.schema.table", case as stored). */
export function snowflakeChangeSignalSql(dialect: Dialect, table: string): string {
  const parts = table.split(".");
  if (parts.length > 3) throw new Error(`'${table}' is not a Snowflake table name (database.schema.table at most)`);
  const name = parts.at(-1)!;
  const schema = parts.length >= 2 ? dialect.stringLiteral(parts.at(-2)!) : "CURRENT_SCHEMA()";
  const infoSchema = parts.length === 3 ? `${dialect.quoteIdentifier(parts[0]!)}.INFORMATION_SCHEMA.TABLES` : "INFORMATION_SCHEMA.TABLES";
  const ts = (col: string) => `TO_VARCHAR(t.${col}, 'YYYY-MM-DD"T"HH24:MI:SS.FF9TZH:TZM')`;
  return [
    `SELECT ${ts("LAST_ALTERED")} AS LAST_ALTERED, ${ts("CREATED")} AS CREATED, t.TABLE_TYPE AS TABLE_TYPE,`,
    `       TO_VARCHAR(SYSTEM$LAST_CHANGE_COMMIT_TIME(${dialect.stringLiteral(dialect.tableName(table))})) AS CHANGE_TOKEN`,
    `  FROM ${infoSchema} t`,
    ` WHERE t.TABLE_SCHEMA = ${schema} AND t.TABLE_NAME = ${dialect.stringLiteral(name)}`,
  ].join("\n");
}

export interface SnowflakeSignalRow {
  readonly LAST_ALTERED: string;
  readonly CREATED: string;
  readonly TABLE_TYPE: string;
  readonly CHANGE_TOKEN: string;
}

export function snowflakeChangeSignal(table: string, row: SnowflakeSignalRow | undefined): ChangeSignal {
  if (!row) throw new Error(`table '${table}' not found`);
  if (row.TABLE_TYPE === "EXTERNAL TABLE") {
    throw new Error(`'${table}' is an external table: Snowflake cannot tell when its files change; use a snapshot cache`);
  }
  return { kind: "snowflake_last_altered", last_altered: row.LAST_ALTERED, created: row.CREATED, change_token: row.CHANGE_TOKEN };
}
