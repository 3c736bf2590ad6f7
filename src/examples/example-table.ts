/**
 * An example table that ships with the package (a CSV under `data/`), so examples run
 * offline: `fetch(con)` loads it into a DuckDB as a table and returns an expression over
 * that table (by name, so its hash does not depend on where the package is installed).
 */
import { fileURLToPath } from "node:url";
import { type Backend, canReadFiles } from "../backends/backend.js";
import { defaultConnection } from "../default-connection.js";
import type { ReadOptions } from "../expr/sources.js";
import { databaseTable } from "../expr/sources.js";
import type { Table } from "../expr/table.js";

export interface ExampleTable {
  /** The CSV shipped with the package. */
  readonly path: string;
  /** Loads the table into `con` (default: the default embedded DuckDB) and returns an expression over it. */
  fetch(con?: Backend, tableName?: string): Promise<Table>;
}

/** The example `name`, read from `data/<file>` with DuckDB's CSV `options`. */
export function exampleTable(name: string, file: string, options: ReadOptions = {}): ExampleTable {
  const path = fileURLToPath(new URL(`../../data/${file}`, import.meta.url));
  const fetch = async (con: Backend = defaultConnection(), tableName = name): Promise<Table> => {
    if (!canReadFiles(con)) throw new Error(`examples.${name}.fetch needs a DuckDB connection, got ${con.ref.kind}`);
    const d = con.dialect;
    await con.run(`CREATE OR REPLACE TABLE ${d.quoteIdentifier(tableName)} AS SELECT * FROM ${d.readFile("csv", path, { header: true, ...options })}`);
    return databaseTable(con, tableName);
  };
  return { path, fetch };
}
