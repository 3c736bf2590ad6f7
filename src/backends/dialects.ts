import type { BackendKind } from "../expr/relation-nodes.js";
import type { Dialect } from "../compile/dialect.js";
import { BigQueryDialect } from "./bigquery/bigquery-dialect.js";
import { DuckDBDialect } from "./duckdb/duckdb-dialect.js";
import { PostgresDialect } from "./postgres/postgres-dialect.js";
import { SnowflakeDialect } from "./snowflake/snowflake-dialect.js";

const DIALECTS: Record<BackendKind, Dialect> = {
  duckdb: new DuckDBDialect(),
  postgres: new PostgresDialect(),
  snowflake: new SnowflakeDialect(),
  bigquery: new BigQueryDialect(),
};

export function dialectFor(kind: string): Dialect {
  const d = DIALECTS[kind as BackendKind];
  if (!d) throw new Error(`unknown SQL dialect '${kind}'; known: ${Object.keys(DIALECTS).join(", ")}`);
  return d;
}

export { BigQueryDialect, DuckDBDialect, PostgresDialect, SnowflakeDialect };
