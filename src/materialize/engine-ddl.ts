/**
 * Each engine's materialization SQL, by kind: one line per engine, and a kind without
 * one does not compile (`satisfies`), so `xorq run` can materialize in every engine the
 * registry (`src/backends/engines.ts`) knows.
 */
import type { BackendKind } from "../backends/engines.js";
import type { MaterializationDdl } from "../backends/materialization-ddl.js";
import { bigqueryMaterialization } from "../backends/bigquery/bigquery-materialization.js";
import { databricksMaterialization } from "../backends/databricks/databricks-materialization.js";
import { duckdbMaterialization } from "../backends/duckdb/duckdb-materialization.js";
import { postgresMaterialization } from "../backends/postgres/postgres-materialization.js";
import { snowflakeMaterialization } from "../backends/snowflake/snowflake-materialization.js";

const DDL = {
  duckdb: duckdbMaterialization,
  postgres: postgresMaterialization,
  snowflake: snowflakeMaterialization,
  bigquery: bigqueryMaterialization,
  databricks: databricksMaterialization,
} satisfies Record<BackendKind, MaterializationDdl>;

export function ddlFor(kind: BackendKind): MaterializationDdl {
  return DDL[kind];
}
