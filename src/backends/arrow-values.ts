/**
 * Arrow cells as portable values, for engines whose SDKs take rows (Snowflake binds,
 * BigQuery JSON loads): exact text for 64-bit integers, decimals, dates, times and
 * timestamps (no float or Date on the way, so no lost digit or microsecond).
 */
import * as arrow from "apache-arrow";
import { type DataType, type Field, decimalParts, isDecimal, isInteger, isTimestamp, timestampZone } from "../expr/data-type.js";
import { toArrowType } from "./arrow-types.js";
import { ColumnBuilder, readInt128 } from "./column-builder.js";

export type PortableValue = string | number | boolean | Uint8Array | null;

/** The column's data in exactly the declared Arrow type (rebuilt value by value when a producer used another). */
export function exactData(vector: arrow.Vector, field: Field): arrow.Data {
  const data = vector.data[0];
  if (data && vector.data.length === 1 && arrow.util.compareTypes(data.type, toArrowType(field.type))) return data;
  const builder = new ColumnBuilder(field.type, vector.length);
  for (let i = 0; i < vector.length; i++) builder.append(vector.get(i));
  return builder.finish();
}

/**
 * A reader of row `i` of a column as a portable value: integers as numbers (64-bit ones
 * as decimal text), decimals as text, dates as YYYY-MM-DD, times as HH:MM:SS.ffffff,
 * timestamps as YYYY-MM-DD HH:MM:SS.ffffff (with +00:00 when the type has a zone).
 */
export function cellReader(vector: arrow.Vector, field: Field): (i: number) => PortableValue {
  const data = exactData(vector, field);
  const type: DataType = field.type;
  const valid = data.nullCount === 0 ? () => true : (i: number) => data.getValid(i);
  const view = new arrow.Vector([data]);
  const values = data.values as ArrayLike<number | bigint>;
  if (isDecimal(type)) {
    const { scale } = decimalParts(type);
    return (i) => (valid(i) ? scaledText(readInt128(data.values as Uint32Array, i), scale) : null);
  }
  if (isTimestamp(type)) {
    const zoned = timestampZone(type) !== null;
    return (i) => (valid(i) ? formatTimestamp(values[i] as bigint) + (zoned ? "+00:00" : "") : null);
  }
  if (type === "int64" || type === "uint64") return (i) => (valid(i) ? String(values[i]) : null);
  if (isInteger(type) || type === "float32" || type === "float64") return (i) => (valid(i) ? Number(values[i]) : null);
  if (type === "date") return (i) => (valid(i) ? formatDate(Number(values[i])) : null);
  if (type === "time") return (i) => (valid(i) ? formatTime(values[i] as bigint) : null);
  if (type === "null") return () => null;
  return (i) => (valid(i) ? (view.get(i) as string | boolean | Uint8Array) : null);
}

/** A scaled integer as decimal text: 12345, scale 2 -> "123.45". */
export function scaledText(scaled: bigint, scale: number): string {
  const negative = scaled < 0n;
  const digits = (negative ? -scaled : scaled).toString().padStart(scale + 1, "0");
  const text = scale > 0 ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return negative ? `-${text}` : text;
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** Days since 1970-01-01 -> YYYY-MM-DD (proleptic Gregorian, Howard Hinnant's civil_from_days). */
export function formatDate(days: number): string {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${y < 0 ? "-" : ""}${pad(Math.abs(y), 4)}-${pad(m)}-${pad(d)}`;
}

/** Microseconds since midnight -> HH:MM:SS.ffffff. */
export function formatTime(micros: bigint): string {
  const us = Number(micros % 1_000_000n);
  const secs = Number(micros / 1_000_000n);
  return `${pad(Math.floor(secs / 3600))}:${pad(Math.floor(secs / 60) % 60)}:${pad(secs % 60)}.${pad(us, 6)}`;
}

/** Microseconds since 1970-01-01 00:00 -> YYYY-MM-DD HH:MM:SS.ffffff. */
export function formatTimestamp(micros: bigint): string {
  const day = 86_400_000_000n;
  let days = micros / day;
  let rest = micros % day;
  if (rest < 0n) {
    rest += day;
    days -= 1n;
  }
  return `${formatDate(Number(days))} ${formatTime(rest)}`;
}
