/**
 * DuckDB's own SQL parser, as JSON: `json_serialize_sql()` in a throwaway in-memory
 * database (https://duckdb.org/docs/data/json/sql_to_and_from_json). Parsing only: no
 * table needs to exist, nothing runs.
 */
import { DuckDBBackend } from "../backends/duckdb/duckdb-backend.js";

/** Parses each query; the result per query is DuckDB's JSON (with `error: true` when it does not parse). */
export async function parseSqlQueries(queries: ReadonlyArray<string>): Promise<unknown[]> {
  if (queries.length === 0) return [];
  const duck = new DuckDBBackend({ name: "_xorq_sql_parser" });
  try {
    const con = await duck.connection();
    const out: unknown[] = [];
    for (const query of queries) {
      const reader = await con.runAndReadAll("SELECT json_serialize_sql($1::VARCHAR)", [query]);
      out.push(JSON.parse(String(reader.getRowsJS()[0]![0])));
    }
    return out;
  } finally {
    await duck.close();
  }
}
