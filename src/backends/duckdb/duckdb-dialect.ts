import { isAbsolute, resolve } from "node:path";
import { type ReadFormat, isRemotePath } from "../../expr/relation-nodes.js";
import { Dialect } from "../../compile/dialect.js";

/** DuckDB: https://duckdb.org/docs/sql/introduction */
export class DuckDBDialect extends Dialect {
  readonly name = "duckdb";
  override readonly readsFiles = true;

  protected readonly typeNames = DUCKDB_TYPES;
  protected readonly timestampTypes = { naive: "TIMESTAMP", zoned: "TIMESTAMPTZ" };
  /** Where relative read paths resolve; null: where DuckDB resolves them (plain library use). */
  readonly #fileBase: string | null;

  constructor(fileBase: string | null = null) {
    super();
    this.#fileBase = fileBase;
  }

  override withFileBase(dir: string): DuckDBDialect {
    return new DuckDBDialect(resolve(dir));
  }

  /**
   * A relative path made absolute against the project. DuckDB's `file_search_path` is not
   * enough: DuckDB looks a relative path without a wildcard up in the working directory
   * first (https://duckdb.org/docs/configuration/overview, file_search_path), so a stray
   * file where `xorq` runs would be read instead of the project's. The node keeps the
   * path as written (its hash does not depend on where the project sits); only the SQL
   * sent to this connection holds the absolute one.
   */
  override filePath(path: string): string {
    return this.#fileBase === null || isAbsolute(path) || isRemotePath(path) ? path : resolve(this.#fileBase, path);
  }

  override readFile(format: ReadFormat, path: string, options: Readonly<Record<string, string | number | boolean>>): string {
    const args = [this.stringLiteral(this.filePath(path))];
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
