import type { BackendKind } from "../../expr/relation-nodes.js";
import type { Dialect } from "../dialect.js";
import { BigQueryDialect } from "./bigquery-dialect.js";
import { DuckDBDialect } from "./duckdb-dialect.js";
import { PostgresDialect } from "./postgres-dialect.js";
import { SnowflakeDialect } from "./snowflake-dialect.js";

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
