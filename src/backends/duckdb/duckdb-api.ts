/**
 * `@duckdb/node-api`, loaded with `require`. The package is CommonJS: imported as ESM,
 * Node lexes every one of its files to find their named exports, which costs a command
 * that opens DuckDB ~0.2 s; `require` skips that (and shares the module with any ESM
 * import of the package).
 */
import { createRequire } from "node:module";
import type * as DuckDBApi from "@duckdb/node-api";

export const duckdbApi = createRequire(import.meta.url)("@duckdb/node-api") as typeof DuckDBApi;
