import type { ReadFormat } from "../../expr/relation-nodes.js";
import { Dialect } from "../../compile/dialect.js";

/** DuckDB: https://duckdb.org/docs/sql/introduction */
export class DuckDBDialect extends Dialect {
  readonly name = "duckdb";
  override readonly readsFiles = true;

  protected readonly typeNames = DUCKDB_TYPES;
  protected readonly timestampTypes = { naive: "TIMESTAMP", zoned: "TIMESTAMPTZ" };

  override readFile(format: ReadFormat, path: string, options: Readonly<Record<string, string | number | boolean>>): string {
    const args = [this.stringLiteral(path)];
    for (const key of Object.keys(options).sort()) {
      const v = options[key]!;
      args.push(`${key} = ${typeof v === "string" ? this.stringLiteral(v) : String(v)}`);
    }
    return `${format === "parquet" ? "read_parquet" : "read_csv"}(${args.join(", ")})`;
  }
}

const DUCKDB_TYPES = {
  null: "INTEGER", boolean: "BOOLEAN", int8: "TINYINT", int16: "SMALLINT", int32: "INTEGER", int64: "BIGINT",
  uint8: "UTINYINT", uint16: "USMALLINT", uint32: "UINTEGER", uint64: "UBIGINT", float32: "FLOAT", float64: "DOUBLE",
  string: "VARCHAR", binary: "BLOB", date: "DATE", time: "TIME", interval: "INTERVAL", uuid: "UUID", json: "JSON",
} as const;
