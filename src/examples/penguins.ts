/**
 * The Palmer Penguins table (CC0), shipped inside the package so examples run offline.
 */
import { fileURLToPath } from "node:url";
import { type Backend, canReadFiles } from "../backends/backend.js";
import { databaseTable } from "../expr/sources.js";
import type { Table } from "../expr/table.js";

/** The CSV shipped with the package (data/penguins.csv at the package root). */
export const PENGUINS_CSV = fileURLToPath(new URL("../../data/penguins.csv", import.meta.url));

/**
 * Loads the table into `con` as `penguins` and returns an expression over it. The
 * expression refers to the table by name, so its hash does not depend on where the
 * package is installed.
 */
export async function fetch(con: Backend, tableName = "penguins"): Promise<Table> {
  if (!canReadFiles(con)) throw new Error(`examples.penguins.fetch needs a DuckDB connection, got ${con.ref.kind}`);
  const d = con.dialect;
  await con.run(
    `CREATE OR REPLACE TABLE ${d.quoteIdentifier(tableName)} AS SELECT * FROM ${d.readFile("csv", PENGUINS_CSV, { nullstr: "NA", header: true })}`,
  );
  return databaseTable(con, tableName);
}

export const penguins = { fetch, path: PENGUINS_CSV };
