/**
 * The engines this build of xorq knows: one line per engine. Adding an engine is a
 * folder under `src/backends/` with its `EngineDefinition`, plus its line here.
 */
import type { Dialect } from "../compile/dialect.js";
import { bigqueryEngine } from "./bigquery/bigquery-engine.js";
import { databricksEngine } from "./databricks/databricks-engine.js";
import { duckdbEngine } from "./duckdb/duckdb-engine.js";
import type { EngineDefinition } from "./engine.js";
import { postgresEngine } from "./postgres/postgres-engine.js";
import { snowflakeEngine } from "./snowflake/snowflake-engine.js";

export const ENGINES = {
  duckdb: duckdbEngine,
  postgres: postgresEngine,
  snowflake: snowflakeEngine,
  bigquery: bigqueryEngine,
  databricks: databricksEngine,
} satisfies Record<string, EngineDefinition>;

/** The engine kinds, from the registry (nodes carry one in their `BackendRef`). */
export type BackendKind = keyof typeof ENGINES;

/** The kinds this build of the tool can open, sorted. */
export function availableKinds(): string[] {
  return Object.keys(ENGINES).sort();
}

export function isBackendKind(kind: string): kind is BackendKind {
  return Object.hasOwn(ENGINES, kind);
}

/** The engine of a kind, or null when there is none of that name. */
export function engineFor(kind: string): EngineDefinition | null {
  return isBackendKind(kind) ? ENGINES[kind] : null;
}

export function dialectFor(kind: string): Dialect {
  const engine = engineFor(kind);
  if (!engine) throw new Error(`unknown SQL dialect '${kind}'; known: ${Object.keys(ENGINES).join(", ")}`);
  return engine.dialect;
}
