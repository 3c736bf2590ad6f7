/**
 * The engine of expressions made without a connection (`xo.deferredReadParquet(path)`,
 * `xo.sql(query)`), as in Xorq, whose reads default to its embedded engine: an
 * in-memory DuckDB named `local`, the name of the default profile of `xorq init`'s
 * projects, so a script's expression and the same expression as a model of such a
 * project hash alike. One per `Services` (the default services' for plain library
 * use), so every unconnected read of a program shares one engine and they combine.
 */
import { DuckDBBackend } from "./backends/duckdb/duckdb-backend.js";
import { type Services, defaultServices } from "./services.js";

export const DEFAULT_CONNECTION_NAME = "local";

const connections = new WeakMap<Services, DuckDBBackend>();

/** The default engine of `services` (made on first use; DuckDB opens only when it runs something). */
export function defaultConnection(services: Services = defaultServices()): DuckDBBackend {
  let con = connections.get(services);
  if (con === undefined) {
    con = new DuckDBBackend({ name: DEFAULT_CONNECTION_NAME });
    connections.set(services, con);
  }
  return con;
}
