/**
 * Databricks result types and values -> ours, and Arrow -> the SQL that loads rows
 * into Databricks. Pure functions: the offline tests run them on rows shaped as
 * `@databricks/sql` returns them (one object per row, keyed by column name).
 *
 * The driver turns BIGINT and DECIMAL values into JS numbers (losing digits past 2^53)
 * and leaves timestamps in a form that depends on the result format, so `streamSql`
 * has the warehouse send those columns as text in one fixed format, and `databricksValue`
 * reads that text exactly.
 */
import type * as arrow from "apache-arrow";
import { type DataType, type Field, type Schema, decimal, isDecimal, isInteger, isTimestamp } from "../../expr/data-type.js";
import type { Dialect } from "../../compile/dialect.js";
import type { LiteralNode } from "../../expr/value-nodes.js";
import { type PortableValue, cellReader } from "../arrow-values.js";

/** A row of `DESCRIBE QUERY` / `DESCRIBE TABLE`: one per column. */
export interface DescribeRow {
  readonly col_name: string;
  readonly data_type: string;
  readonly comment?: string | null;
}

/**
 * Our type for a Spark type name as DESCRIBE spells it ("bigint", "decimal(12,2)",
 * "timestamp_ntz", "array<int>"). Nested types travel as JSON text.
 * https://docs.databricks.com/en/sql/language-manual/sql-ref-datatypes.html
 */
export function fromDatabricksType(typeName: string): DataType {
  const t = typeName.trim().toLowerCase();
  const dec = /^decimal\((\d+),\s*(\d+)\)$/.exec(t);
  if (dec) return decimal(Number(dec[1]), Number(dec[2]));
  if (t === "decimal") return decimal(10, 0); // Spark's default precision and scale
  if (/^(array|map|struct)</.test(t) || t === "variant") return "json";
  if (/^(varchar|char)\(\d+\)$/.test(t)) return "string";
  if (t.startsWith("interval")) return "string";
  return SPARK_TYPES[t] ?? "string";
}

const SPARK_TYPES: Readonly<Record<string, DataType>> = {
  boolean: "boolean", tinyint: "int8", byte: "int8", smallint: "int16", short: "int16", int: "int32", integer: "int32",
  bigint: "int64", long: "int64", float: "float32", real: "float32", double: "float64", string: "string", binary: "binary",
  date: "date", timestamp: "timestamp('UTC')", timestamp_ltz: "timestamp('UTC')", timestamp_ntz: "timestamp", void: "null",
};

/** Columns of a DESCRIBE result, in order (DESCRIBE TABLE adds partition sections after a blank or '#' row). */
export function describedSchema(rows: ReadonlyArray<DescribeRow>): Schema {
  const out: Array<{ name: string; type: DataType }> = [];
  for (const row of rows) {
    if (!row.col_name || row.col_name.startsWith("#")) break;
    out.push({ name: row.col_name, type: fromDatabricksType(row.data_type) });
  }
  return out;
}

/** The query whose columns arrive as `databricksValue` reads them: exact text for the types the driver would round. */
export function streamSql(dialect: Dialect, sql: string, schema: Schema): string {
  if (!schema.some((f) => needsText(f.type))) return sql;
  const columns = schema.map((f) => {
    const c = dialect.quoteIdentifier(f.name);
    return needsText(f.type) ? `${wireColumn(c, f.type)} AS ${c}` : c;
  });
  return `SELECT ${columns.join(", ")} FROM (\n${sql}\n) AS _xorq_q`;
}

function needsText(type: DataType): boolean {
  return type === "int64" || type === "uint64" || isDecimal(type) || isTimestamp(type) || type === "date" || type === "binary";
}

function wireColumn(column: string, type: DataType): string {
  // The session time zone is UTC (databricks-backend.ts), so an instant renders as UTC.
  if (isTimestamp(type)) return `DATE_FORMAT(${column}, 'yyyy-MM-dd HH:mm:ss.SSSSSS')`;
  if (type === "binary") return `HEX(${column})`;
  return `CAST(${column} AS STRING)`;
}

/** A value of a `streamSql` row -> what `ColumnBuilder` takes for our type. */
export function databricksValue(raw: unknown, field: Field): unknown {
  if (raw === null || raw === undefined) return null;
  const { type } = field;
  if (type === "binary") return Buffer.from(String(raw), "hex");
  if (type === "int64" || type === "uint64") return BigInt(String(raw));
  if (isInteger(type)) return Number(raw);
  if (type === "json") return typeof raw === "string" ? raw : JSON.stringify(raw);
  if (type === "boolean") return raw === true || raw === "true";
  return raw;
}

/** A `SHOW TABLES` row. */
export interface ShowTablesRow {
  readonly tableName: string;
  readonly isTemporary?: boolean;
}

/**
 * The statements that load rows into `name`: the rows go into a staging table, which
 * then replaces the target in one Delta commit (`CREATE OR REPLACE TABLE … AS SELECT`),
 * so readers never see a partial table and the target's history gets one new version.
 * Databricks SQL has no temporary tables: a temporary one is a plain table the backend
 * drops when it closes, loaded directly.
 */
export function ingestStatements(dialect: Dialect, name: string, schema: Schema, temporary: boolean): {
  readonly create: string;
  readonly insertInto: string;
  readonly finish: ReadonlyArray<string>;
  readonly cleanup: string | null;
} {
  const q = (n: string) => dialect.quoteIdentifier(n);
  const target = dialect.tableName(name);
  const loading = temporary ? target : dialect.tableName(`${name}__xorq_load`);
  const columns = schema.map((f) => `${q(f.name)} ${dialect.typeName(f.type)}`);
  return {
    create: `CREATE OR REPLACE TABLE ${loading} (${columns.join(", ")}) USING DELTA`,
    insertInto: `INSERT INTO ${loading} (${schema.map((f) => q(f.name)).join(", ")}) VALUES`,
    finish: temporary ? [] : [`CREATE OR REPLACE TABLE ${target} USING DELTA AS SELECT * FROM ${loading}`, `DROP TABLE ${loading}`],
    cleanup: temporary ? null : `DROP TABLE IF EXISTS ${loading}`,
  };
}

/** Rows of one INSERT statement: well under the warehouse's statement size limit for typical rows. */
export const INSERT_ROWS = 1000;

/**
 * A batch as `VALUES` row lists of SQL literals, at most `rowsPerStatement` rows each
 * (one INSERT per list). Values come exact from Arrow (`cellReader`), never through a
 * JS float for 64-bit integers, decimals or timestamps.
 */
export function valuesLists(dialect: Dialect, batch: arrow.RecordBatch, schema: Schema, rowsPerStatement = INSERT_ROWS): string[] {
  const readers = schema.map((f, c) => cellReader(batch.getChildAt(c)!, f));
  const out: string[] = [];
  for (let start = 0; start < batch.numRows; start += rowsPerStatement) {
    const rows: string[] = [];
    for (let i = start; i < Math.min(batch.numRows, start + rowsPerStatement); i++) {
      rows.push(`(${readers.map((read, c) => sqlValue(dialect, read(i), schema[c]!.type)).join(", ")})`);
    }
    out.push(rows.join(",\n"));
  }
  return out;
}

function sqlValue(dialect: Dialect, v: PortableValue, type: DataType): string {
  if (v === null) return `CAST(NULL AS ${dialect.typeName(type)})`;
  if (v instanceof Uint8Array) return `X'${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("hex")}'`;
  const node: LiteralNode = { kind: "literal", value: v, type };
  return dialect.literal(node);
}
