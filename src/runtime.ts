/**
 * Wires the late-bound services of `Table` (execution, SQL, YAML) to their modules.
 * Kept apart so `src/expr` stays free of engine code.
 */
import * as arrow from "apache-arrow";
import { DuckDBBackend } from "./backends/duckdb/duckdb-backend.js";
import { type Materializer, executeStream, executeToTable } from "./backends/executor.js";
import { cacheMaterializer } from "./cache/cache-materializer.js";
import { compile } from "./compile/compiler.js";
import { dialectFor } from "./backends/engines.js";
import { backendOf } from "./expr/relation-nodes.js";
import { setFileReader } from "./expr/sources.js";
import { type Table, setTableRuntime } from "./expr/table.js";
import { exprToYaml } from "./expr/yaml.js";

let defaultBackend: Promise<DuckDBBackend> | null = null;

/**
 * The engine for expressions made only of in-memory data, and the reader of files for
 * engines that cannot read them: one in-process DuckDB.
 */
function getDefaultBackend(): Promise<DuckDBBackend> {
  defaultBackend ??= Promise.resolve(new DuckDBBackend({ name: "_xorq_default" }));
  return defaultBackend;
}

setFileReader(getDefaultBackend);

/** Caching is built in: a `cache` node is served from its storage or computed and stored. */
const materializers: Materializer[] = [cacheMaterializer];

/** Lets other modules (e.g. caching) replace nodes by stored results during execution. */
export function registerMaterializer(m: Materializer): void {
  if (!materializers.includes(m)) materializers.push(m);
}

function options(table: Table) {
  return { context: table.context, defaultBackend: getDefaultBackend, materializers };
}

setTableRuntime({
  execute: (table) => executeToTable(table.node, options(table)),
  stream: (table) => executeStream(table.node, options(table)),
  toSql: (table, dialect) => compile(table.node, dialectFor(dialect ?? backendOf(table.node)?.kind ?? "duckdb")).sql,
  toYaml: (table) => exprToYaml(table.node),
});

export { arrow };
