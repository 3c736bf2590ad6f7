/**
 * BigQuery result types and values -> ours, and Arrow -> the load job BigQuery gets
 * (newline-delimited JSON with an explicit schema). Pure functions, tested offline.
 *
 * Results are read in the REST API's wire form and converted here (`wireValue`).
 * https://cloud.google.com/bigquery/docs/reference/rest/v2/tables#TableFieldSchema
 */
import type * as arrow from "apache-arrow";
import { type DataType, type Field, type Schema, decimal, decimalParts, isDecimal, isInteger, isTimestamp, timestampZone } from "../../expr/data-type.js";
import { type PortableValue, cellReader } from "../arrow-values.js";

/** A field of a BigQuery schema, as the API reports it. */
export interface BigQueryField {
  readonly name?: string | null;
  readonly fields?: ReadonlyArray<BigQueryField> | null;
  readonly type?: string | null;
  readonly mode?: string | null;
  readonly precision?: string | number | null;
  readonly scale?: string | number | null;
}

/**
 * Our type for a BigQuery field. NUMERIC defaults to (38,9); BIGNUMERIC (76 digits)
 * is read as decimal(38, scale), so values beyond 38 digits are an error, not a
 * rounding. Repeated fields and records travel as JSON text.
 */
export function fromBigQueryType(f: BigQueryField): DataType {
  if (f.mode === "REPEATED") return "json";
  const precision = f.precision == null ? null : Number(f.precision);
  const scale = f.scale == null ? null : Number(f.scale);
  switch ((f.type ?? "").toUpperCase()) {
    case "INTEGER": case "INT64": return "int64";
    case "FLOAT": case "FLOAT64": return "float64";
    case "NUMERIC": return decimal(Math.min(precision ?? 38, 38), scale ?? 9);
    case "BIGNUMERIC": return decimal(38, Math.min(scale ?? 9, 38));
    case "BOOLEAN": case "BOOL": return "boolean";
    case "STRING": return "string";
    case "BYTES": return "binary";
    case "DATE": return "date";
    case "DATETIME": return "timestamp";
    case "TIMESTAMP": return "timestamp('UTC')";
    case "TIME": return "time";
    case "JSON": case "RECORD": case "STRUCT": return "json";
    case "INTERVAL": return "interval";
    default: return "string"; // GEOGRAPHY (WKT), RANGE, ...
  }
}

/**
 * A cell as the REST API sends it (`{f: [{v}]}` rows, read with `skipParsing`: every
 * scalar a string, TIMESTAMP as int64 microseconds) -> what `ColumnBuilder` takes for
 * our type of the field. We convert the wire form ourselves: the SDK's converter turns
 * timestamps before 1970 with a sub-millisecond part into the wrong instant.
 */
export function wireValue(v: unknown, field: BigQueryField): unknown {
  if (v === null || v === undefined) return null;
  const type = fromBigQueryType(field);
  if (type === "json") return JSON.stringify(wireJson(v, field));
  const text = String(v);
  switch ((field.type ?? "").toUpperCase()) {
    case "INTEGER": case "INT64": case "TIMESTAMP": return BigInt(text);
    case "FLOAT": case "FLOAT64": return wireFloat(text);
    case "NUMERIC": case "BIGNUMERIC": return plainDecimal(text);
    case "BOOLEAN": case "BOOL": return text === "true";
    case "BYTES": return Buffer.from(text, "base64");
    default: return text; // STRING, DATE, DATETIME (YYYY-MM-DDTHH:MM:SS.ffffff), TIME, GEOGRAPHY (WKT), INTERVAL
  }
}

/** Nested values (records, arrays, JSON) as JSON: 64-bit integers and decimals stay text. */
function wireJson(v: unknown, field: BigQueryField): unknown {
  if (v === null || v === undefined) return null;
  if (field.mode === "REPEATED") return (v as Array<{ v: unknown }>).map((e) => wireJson(e.v, { ...field, mode: "NULLABLE" }));
  const type = (field.type ?? "").toUpperCase();
  if (type === "RECORD" || type === "STRUCT") {
    const cells = (v as { f: Array<{ v: unknown }> }).f;
    return Object.fromEntries((field.fields ?? []).map((sub, i) => [sub.name, wireJson(cells[i]?.v, sub)]));
  }
  if (type === "JSON") return JSON.parse(String(v));
  if (type === "FLOAT" || type === "FLOAT64") return wireFloat(String(v));
  if (type === "BOOLEAN" || type === "BOOL") return v === "true";
  return v; // integers, decimals, temporal values and strings as their text
}

function wireFloat(text: string): number {
  return text === "Infinity" ? Infinity : text === "-Infinity" ? -Infinity : Number(text); // "NaN" -> NaN
}

/** Decimal text without an exponent ("1E-20" -> "0.00000000000000000001"). */
export function plainDecimal(text: string): string {
  const m = /^([-+]?)(\d*)(?:\.(\d*))?[eE]([-+]?\d+)$/.exec(text);
  if (!m) return text;
  const [, sign, int = "", frac = "", exp] = m;
  const digits = int + frac;
  const point = int.length + Number(exp);
  const body = point <= 0 ? `0.${"0".repeat(-point)}${digits}` : point >= digits.length ? digits + "0".repeat(point - digits.length) : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return `${sign === "-" ? "-" : ""}${body}`;
}

/** The load job's schema for ours. */
export function loadSchema(schema: Schema): { fields: Array<{ name: string; type: string; mode: "NULLABLE"; precision?: string; scale?: string }> } {
  return { fields: schema.map((f) => ({ name: f.name, mode: "NULLABLE", ...loadType(f.type) })) };
}

function loadType(type: DataType): { type: string; precision?: string; scale?: string } {
  if (isDecimal(type)) {
    const { precision, scale } = decimalParts(type);
    const big = precision - scale > 29 || scale > 9;
    return { type: big ? "BIGNUMERIC" : "NUMERIC", precision: String(precision), scale: String(scale) };
  }
  if (isTimestamp(type)) return { type: timestampZone(type) ? "TIMESTAMP" : "DATETIME" };
  if (type === "uint64") return { type: "BIGNUMERIC", precision: "20", scale: "0" };
  if (isInteger(type)) return { type: "INT64" };
  const simple: Partial<Record<DataType, string>> = {
    float32: "FLOAT64", float64: "FLOAT64", boolean: "BOOL", string: "STRING", binary: "BYTES", date: "DATE",
    time: "TIME", json: "JSON", interval: "INTERVAL", uuid: "STRING", null: "INT64",
  };
  return { type: simple[type] ?? "STRING" };
}

/**
 * A batch as newline-delimited JSON rows: exact text for 64-bit integers, decimals and
 * temporal values, base64 for bytes, JSON columns embedded as JSON, non-finite floats
 * as the strings BigQuery reads ("NaN", "Infinity", "-Infinity").
 */
export function batchToNdjson(batch: arrow.RecordBatch, schema: Schema): string {
  const readers = schema.map((f, c) => cellReader(batch.getChildAt(c)!, f));
  const keys = schema.map((f) => JSON.stringify(f.name));
  const lines: string[] = new Array(batch.numRows);
  for (let i = 0; i < batch.numRows; i++) {
    const parts: string[] = [];
    for (let c = 0; c < readers.length; c++) {
      const v = readers[c]!(i);
      if (v !== null) parts.push(`${keys[c]}:${jsonValue(v, schema[c]!)}`);
    }
    lines[i] = `{${parts.join(",")}}`;
  }
  return lines.length > 0 ? `${lines.join("\n")}\n` : "";
}

function jsonValue(v: Exclude<PortableValue, null>, field: Field): string {
  if (v instanceof Uint8Array) return JSON.stringify(Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64"));
  if (typeof v === "number" && !Number.isFinite(v)) return JSON.stringify(Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");
  if (field.type === "json" && typeof v === "string") return JSON.stringify(JSON.parse(v)); // embedded as JSON, validated
  return JSON.stringify(v);
}
