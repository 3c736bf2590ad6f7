/** Queries a DuckDB database file with a plain DuckDB client, as a user's notebook would; closed again so the next `xorq` process can open it. */
import { DuckDBInstance } from "@duckdb/node-api";

export async function queryDuckDBFile(path: string, sql: string): Promise<Array<Record<string, unknown>>> {
  const instance = await DuckDBInstance.create(path);
  try {
    const con = await instance.connect();
    const rows = (await con.runAndReadAll(sql)).getRowObjectsJS();
    con.closeSync();
    // Integers as numbers: the tests compare small counts and sums.
    return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === "bigint" ? Number(v) : v])));
  } finally {
    instance.closeSync();
  }
}
