/**
 * Snowflake result types and values -> ours, and ours -> the SQL and binds Snowflake
 * gets. Pure functions: the offline tests exercise them without a server.
 *
 * Results are fetched with numbers, dates and JSON as strings (`fetchAsString`) in the
 * session formats of `SESSION_SQL`, so no value goes through a JS float or Date.
 * https://docs.snowflake.com/en/developer-guide/node-js/nodejs-driver-consume
 */
import type * as arrow from "apache-arrow";
import { type DataType, type Schema, decimal, isInteger } from "../../expr/data-type.js";
import type { Dialect } from "../../compile/dialect.js";
import { type PortableValue, cellReader } from "../arrow-values.js";

/** Run after connecting: UTC and formats that keep every digit of dates, times and timestamps. */
export const SESSION_SQL = [
  "ALTER SESSION SET TIMEZONE = 'UTC'",
  "ALTER SESSION SET DATE_OUTPUT_FORMAT = 'YYYY-MM-DD'",
  "ALTER SESSION SET TIME_OUTPUT_FORMAT = 'HH24:MI:SS.FF6'",
  "ALTER SESSION SET TIMESTAMP_NTZ_OUTPUT_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF6'",
  "ALTER SESSION SET TIMESTAMP_LTZ_OUTPUT_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF6 TZH:TZM'",
  "ALTER SESSION SET TIMESTAMP_TZ_OUTPUT_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF6 TZH:TZM'",
  "ALTER SESSION SET BINARY_INPUT_FORMAT = 'HEX'",
] as const;

/** The SDK's `fetchAsString` for exact values. */
export const FETCH_AS_STRING = ["Number", "Date", "JSON"] as const;

/** Column metadata as the SDK reports it (`Column.getType()`, `getPrecision()`, `getScale()`). */
export interface SnowflakeColumn {
  readonly name: string;
  readonly type: string;
  readonly precision: number | null;
  readonly scale: number | null;
}

/**
 * Our type for a Snowflake column. Snowflake stores every integer as NUMBER(38,0), so
 * scale 0 reads as int64 (a value outside int64 is an error naming the column, never
 * a wrapped number); other NUMBERs keep precision and scale.
 */
export function fromSnowflakeType(c: SnowflakeColumn): DataType {
  switch (c.type.toLowerCase()) {
    case "fixed":
      return (c.scale ?? 0) === 0 ? "int64" : decimal(Math.min(c.precision ?? 38, 38), c.scale!);
    case "real": return "float64";
    case "text": return "string";
    case "binary": return "binary";
    case "boolean": return "boolean";
    case "date": return "date";
    case "time": return "time";
    case "timestamp_ntz": return "timestamp";
    case "timestamp_ltz":
    case "timestamp_tz":
      return "timestamp('UTC')";
    case "variant":
    case "object":
    case "array":
    case "map":
      return "json";
    default: return "string";
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Turns a raw SDK value into what `ColumnBuilder` takes for our type: numbers arrive as
 * text ("12.50", "inf"), timestamps as "YYYY-MM-DD HH24:MI:SS.FF6[ TZH:TZM]".
 */
export function snowflakeValue(raw: unknown, type: DataType, column: string): unknown {
  if (raw === null || raw === undefined) return null;
  if (type === "float64" || type === "float32") return typeof raw === "number" ? raw : parseFloatText(String(raw));
  if (isInteger(type)) {
    const v = BigInt(String(raw));
    if (v < INT64_MIN || v > INT64_MAX) throw new Error(`column '${column}' holds ${String(raw)}, outside int64`);
    return type === "int64" ? v : Number(v);
  }
  if (type === "json" && typeof raw !== "string") return JSON.stringify(raw);
  return raw;
}

function parseFloatText(text: string): number {
  switch (text.toLowerCase()) {
    case "inf": case "infinity": return Infinity;
    case "-inf": case "-infinity": return -Infinity;
    case "nan": return NaN;
    default: return Number(text);
  }
}

/**
 * The statements that load rows into `name`: the table is created, rows are inserted
 * with array binds, JSON columns (loaded as text) are parsed at the end. A permanent
 * table is loaded under a staging name and swapped in at once, so a failed load never
 * leaves a partial table behind.
 */
export function ingestStatements(dialect: Dialect, name: string, schema: Schema, temporary: boolean): {
  readonly create: string;
  readonly insert: string;
  readonly finish: ReadonlyArray<string>;
  readonly cleanup: string | null;
} {
  const q = (n: string) => dialect.quoteIdentifier(n);
  const target = temporary ? q(name) : dialect.tableName(name);
  const loading = temporary ? target : dialect.tableName(`${name}__xorq_load`);
  const columns = schema.map((f) => `${q(f.name)} ${f.type === "json" ? "VARCHAR" : dialect.typeName(f.type)}`);
  const finish: string[] = [];
  if (schema.some((f) => f.type === "json")) {
    const cols = schema.map((f) => (f.type === "json" ? `PARSE_JSON(${q(f.name)}) AS ${q(f.name)}` : q(f.name)));
    finish.push(`CREATE OR REPLACE ${temporary ? "TEMPORARY " : ""}TABLE ${loading} AS SELECT ${cols.join(", ")} FROM ${loading}`);
  }
  if (!temporary) {
    finish.push(`CREATE TABLE IF NOT EXISTS ${target} LIKE ${loading}`);
    finish.push(`ALTER TABLE ${target} SWAP WITH ${loading}`);
    finish.push(`DROP TABLE ${loading}`);
  }
  return {
    create: `CREATE OR REPLACE ${temporary ? "TEMPORARY " : ""}TABLE ${loading} (${columns.join(", ")})`,
    insert: `INSERT INTO ${loading} (${schema.map((f) => q(f.name)).join(", ")}) VALUES (${schema.map(() => "?").join(", ")})`,
    finish,
    cleanup: temporary ? null : `DROP TABLE IF EXISTS ${loading}`,
  };
}

type Bind = string | number | boolean | null;

/** A batch as array binds: exact text for 64-bit integers, decimals and temporal values, hex for binary. */
export function batchBinds(batch: arrow.RecordBatch, schema: Schema): Bind[][] {
  const readers = schema.map((f, c) => cellReader(batch.getChildAt(c)!, f));
  const rows: Bind[][] = new Array(batch.numRows);
  for (let i = 0; i < batch.numRows; i++) {
    const row: Bind[] = new Array(readers.length);
    for (let c = 0; c < readers.length; c++) row[c] = toBind(readers[c]!(i));
    rows[i] = row;
  }
  return rows;
}

function toBind(v: PortableValue): Bind {
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("hex");
  if (typeof v === "number" && !Number.isFinite(v)) return Number.isNaN(v) ? "NaN" : v > 0 ? "inf" : "-inf";
  return v;
}
