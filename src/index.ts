/**
 * xorq: deferred, content-hashed, multi-engine expressions.
 *
 * ```ts
 * import * as xo from "xorq";
 * const con = xo.connect();
 * const sales = await xo.deferredReadParquet("sales.parquet", con);
 * const expr = sales.filter(xo._.amount.gt(100)).groupBy("region").agg({ total: xo._.amount.sum() });
 * expr.schema(); expr.toSql(); expr.hash();
 * const table = await expr.execute();   // an apache-arrow Table
 * ```
 */
import type { Backend } from "./backends/backend.js";
import { DuckDBBackend, type DuckDBOptions } from "./backends/duckdb/duckdb-backend.js";
import { type ReadOptions, deferredRead, sqlQuery } from "./expr/sources.js";
import type { Table } from "./expr/table.js";
import { iris } from "./examples/iris.js";
import { penguins } from "./examples/penguins.js";
import { defaultConnection } from "./default-connection.js";

export { _ } from "./expr/deferred.js";
export type { Underscore } from "./expr/deferred.js";
export {
  Value, col, lit, cases, ifElse, coalesce, rowNumber, rank, denseRank, desc, asc, date,
  timestampLit as timestamp,
} from "./expr/value.js";
export type { ValueLike, SortLike, WindowSpec, Literal } from "./expr/value.js";
export { Table, GroupedTable } from "./expr/table.js";
export type { JoinOn, JoinOptions, SelectItem, ExprContext, CachePolicyLike } from "./expr/table.js";
export { memtable } from "./expr/memtable.js";
export type { MemtableData, MemtableOptions } from "./expr/memtable.js";
export { ExpressionError } from "./expr/errors.js";
export type { DataType, Field, Schema } from "./expr/data-type.js";
export type * from "./expr/relation-nodes.js";
export type * from "./expr/value-nodes.js";
export { exprToYaml, exprFromYaml } from "./expr/yaml.js";
export { toGraph, fromGraph, nodeHash } from "./expr/canonical.js";
export { compile } from "./compile/compiler.js";
export { Dialect, UnsupportedError } from "./compile/dialect.js";
export { ENGINES, availableKinds, dialectFor } from "./backends/engines.js";
export type { BackendKind } from "./backends/engines.js";
export type { EngineDefinition } from "./backends/engine.js";
export { DuckDBDialect } from "./backends/duckdb/duckdb-dialect.js";
export { PostgresDialect } from "./backends/postgres/postgres-dialect.js";
export { SnowflakeDialect } from "./backends/snowflake/snowflake-dialect.js";
export { BigQueryDialect } from "./backends/bigquery/bigquery-dialect.js";
export { DatabricksDialect } from "./backends/databricks/databricks-dialect.js";
export { DuckDBBackend } from "./backends/duckdb/duckdb-backend.js";
export type { DuckDBOptions } from "./backends/duckdb/duckdb-backend.js";
export type { Backend } from "./backends/backend.js";
export { ExecutionError } from "./backends/executor.js";
export type { ChangeSignal } from "./backends/backend.js";
export {
  CacheSpec, SourceCache, SourceSnapshotCache, ParquetCache, ParquetSnapshotCache, ParquetTTLSnapshotCache, GCSCache,
  CacheConfigError, parseTtl,
} from "./cache/cache-policies.js";
export type { CacheSpecOptions, SourceKwargs, ParquetKwargs, ParquetTTLKwargs, GCSKwargs } from "./cache/cache-policies.js";
export { cachePolicyFromYaml } from "./cache/cache-yaml.js";
export type { CacheEvent, CacheListener } from "./cache/cache-events.js";
export { cacheRoot } from "./cache/cache-dirs.js";
export { Services, defaultServices } from "./services.js";
export type { ExecutionScope } from "./services.js";
export { listCache, clearCache, pruneCache } from "./cache/cache-entries.js";
export type { CacheEntry, CacheListing, PruneResult } from "./cache/cache-entries.js";
export { model } from "./project/model-kinds/model-definition.js";
export type { ModelConfig, ModelContext, ModelDefinition, CacheConfig } from "./project/model-kinds/model-definition.js";
export { PostgresBackend, type PostgresOptions, postgres } from "./backends/postgres/postgres-backend.js";
export { SnowflakeBackend, type SnowflakeOptions, snowflake } from "./backends/snowflake/snowflake-backend.js";
export { BigQueryBackend, type BigQueryOptions, bigquery } from "./backends/bigquery/bigquery-backend.js";
export { DatabricksBackend, type DatabricksOptions, databricks } from "./backends/databricks/databricks-backend.js";
export { columnLineage } from "./lineage/column-lineage.js";
export type { LineageOptions } from "./lineage/column-lineage.js";
export { renderLineageText, lineageToJson } from "./lineage/lineage-render.js";
export type { LineageJson, LineageJsonNode, LineageJsonRef } from "./lineage/lineage-render.js";
export type { ColumnLineage, LineageNode } from "./lineage/lineage-node.js";
export { Catalog } from "./catalog/catalog.js";
export type { CatalogEntry, AliasInfo, AliasLogRecord, CommitInfo, AddOptions, AddResult } from "./catalog/catalog.js";
export { CatalogExpr } from "./catalog/catalog-exprs.js";
export type { GetOptions, AddExprOptions } from "./catalog/catalog-exprs.js";
export type { SearchQuery, SearchHit } from "./catalog/catalog-search.js";
export type { PullResult, PushResult, AliasConflict } from "./catalog/catalog-sync.js";
export { CatalogError } from "./catalog/catalog-error.js";
export { catalogLookup, storeResult, loadResult, sharedResult } from "./catalog/catalog-results.js";
export type { SharedResult, SharedResultOptions, StoreOptions } from "./catalog/catalog-results.js";
export { resolveTarget, catalogDir } from "./catalog/target-resolver.js";
export { build } from "./script-build.js";
export type { BuildExprOptions } from "./script-build.js";
export { defaultConnection } from "./default-connection.js";

let inMemoryCount = 0;

/**
 * Opens an embedded DuckDB (in memory unless `path` is given). In-memory connections
 * are named "duckdb", then "duckdb_2", ... in the order a program opens them; pass
 * `name` to choose (the name is part of every hash of an expression over it).
 */
export function connect(options: DuckDBOptions = {}): DuckDBBackend {
  let name = options.name;
  if (!name) {
    if (!options.path || options.path === ":memory:") name = ++inMemoryCount === 1 ? "duckdb" : `duckdb_${inMemoryCount}`;
    else name = `duckdb:${options.path}`;
  }
  return new DuckDBBackend({ ...options, name });
}

export const duckdb = { connect };

/** A parquet file, read lazily by `con` (default: the embedded DuckDB of unconnected expressions, see `defaultConnection`). */
export function deferredReadParquet(path: string, con: Backend = defaultConnection(), options: ReadOptions = {}): Promise<Table> {
  return deferredRead(con, "parquet", path, options);
}

/** A CSV file, read lazily by `con` (default as for `deferredReadParquet`); types are sniffed from the file. */
export function deferredReadCsv(path: string, con: Backend = defaultConnection(), options: ReadOptions = {}): Promise<Table> {
  return deferredRead(con, "csv", path, options);
}

/**
 * A SQL query in `con`, over other expressions visible to it by name. Without a
 * connection (`sql(query, inputs)`), the query runs in the default embedded DuckDB.
 */
export function sql(con: Backend, query: string, inputs?: Readonly<Record<string, Table>>): Promise<Table>;
export function sql(query: string, inputs?: Readonly<Record<string, Table>>): Promise<Table>;
export function sql(
  first: Backend | string,
  second?: string | Readonly<Record<string, Table>>,
  third: Readonly<Record<string, Table>> = {},
): Promise<Table> {
  if (typeof first === "string") return sqlQuery(defaultConnection(), first, (second ?? {}) as Readonly<Record<string, Table>>);
  return sqlQuery(first, second as string, third);
}

/** Example tables shipped with the package (as in Xorq's `xo.examples`), offline: `await xo.examples.iris.fetch()`. */
export const examples = { penguins, iris };
export type { ExampleTable } from "./examples/example-table.js";
