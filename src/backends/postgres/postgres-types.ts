/**
 * PostgreSQL types <-> ours. PostgreSQL reports a column as a type OID plus a type
 * modifier (typmod); numeric(p,s) keeps its precision and scale in the typmod
 * (https://www.postgresql.org/docs/current/catalog-pg-type.html).
 */
import { type DataType, decimal, isDecimal, isTimestamp, timestamp } from "../../expr/data-type.js";
import type { Dialect } from "../../compile/dialect.js";

/** Built-in type OIDs (src/include/catalog/pg_type.dat); stable across versions. */
export const OID = {
  bool: 16, bytea: 17, char: 18, name: 19, int8: 20, int2: 21, int4: 23, text: 25, oid: 26,
  json: 114, xml: 142, float4: 700, float8: 701, money: 790, bpchar: 1042, varchar: 1043,
  date: 1082, time: 1083, timestamp: 1114, timestamptz: 1184, interval: 1186, timetz: 1266,
  numeric: 1700, uuid: 2950, jsonb: 3802,
} as const;

/**
 * `numeric` without a declared precision holds any value; Arrow's decimal128 cannot.
 * We read it as decimal(38,9) (ibis does the same): values are rounded to 9 digits
 * after the point, and a value with more than 29 digits before it is an error from
 * PostgreSQL's cast, never a silently wrong number.
 */
export const UNCONSTRAINED_NUMERIC = decimal(38, 9);

/** Our type for a PostgreSQL column type; types without an Arrow equivalent travel as text. */
export function fromPostgresType(oid: number, typmod: number): DataType {
  switch (oid) {
    case OID.bool: return "boolean";
    case OID.int2: return "int16";
    case OID.int4: return "int32";
    case OID.int8: return "int64";
    case OID.oid: return "int64";
    case OID.float4: return "float32";
    case OID.float8: return "float64";
    case OID.numeric: return numericType(typmod);
    case OID.bytea: return "binary";
    case OID.date: return "date";
    case OID.time: return "time";
    case OID.timestamp: return "timestamp";
    case OID.timestamptz: return timestamp("UTC");
    case OID.interval: return "interval";
    case OID.uuid: return "uuid";
    case OID.json:
    case OID.jsonb:
      return "json";
    default: return "string"; // text, varchar, char(n), name, enums, money, inet, arrays, ...
  }
}

/** numeric(p,s): typmod = ((p << 16) | s) + 4; -1 when unconstrained. */
function numericType(typmod: number): DataType {
  if (typmod < 4) return UNCONSTRAINED_NUMERIC;
  const precision = ((typmod - 4) >> 16) & 0xffff;
  const scale = (typmod - 4) & 0xffff;
  // PostgreSQL allows precision up to 1000 and (since 15) negative or larger-than-precision scales.
  if (scale > precision || scale > 38) return UNCONSTRAINED_NUMERIC;
  if (precision > 38) return decimal(38, Math.min(scale, 38));
  return decimal(Math.max(precision, 1), scale);
}

/**
 * How a column of our type crosses the wire in binary COPY: the PostgreSQL type we cast
 * the column to when reading (so the bytes have a known layout whatever the source
 * type was), and the column type we create when writing.
 */
export type WireKind =
  | "bool" | "int2" | "int4" | "int8" | "float4" | "float8" | "numeric" | "text" | "bytea"
  | "date" | "time" | "timestamp" | "null";

export function wireKind(type: DataType): WireKind {
  if (isDecimal(type)) return "numeric";
  if (isTimestamp(type)) return "timestamp";
  switch (type) {
    case "boolean": return "bool";
    case "int8": case "int16": case "uint8": return "int2";
    case "int32": case "uint16": return "int4";
    case "int64": case "uint32": return "int8";
    case "uint64": return "numeric";
    case "float32": return "float4";
    case "float64": return "float8";
    case "binary": return "bytea";
    case "date": return "date";
    case "time": return "time";
    case "null": return "null";
    default: return "text"; // string, interval, uuid, json
  }
}

/**
 * The SQL type a column is cast to when streamed out. Types that travel as text in
 * Arrow (interval, uuid, json, and "string" columns of any PostgreSQL type) are cast to
 * TEXT, which every PostgreSQL type supports through its output function.
 */
export function wireTypeName(type: DataType, dialect: Dialect): string {
  const kind = wireKind(type);
  if (kind === "text") return "TEXT";
  if (kind === "null") return "INTEGER";
  return dialect.typeName(type);
}

/**
 * Types that are loaded as TEXT and converted by PostgreSQL after COPY: their values
 * are text in Arrow, and PostgreSQL's input function parses them better than we would.
 */
export function convertedAfterLoad(type: DataType): boolean {
  return type === "interval" || type === "uuid" || type === "json";
}
