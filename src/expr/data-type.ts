/**
 * Data types as canonical strings ("int64", "decimal(18,3)", "timestamp('UTC')").
 *
 * Strings keep the canonical form, YAML artifacts and error messages readable and make
 * two equal types compare with `===`. Every type an expression can produce is listed
 * here; engines map their own types onto these (see each dialect and backend).
 */
export type IntegerType = "int8" | "int16" | "int32" | "int64" | "uint8" | "uint16" | "uint32" | "uint64";
export type FloatType = "float32" | "float64";
export type DecimalType = `decimal(${number},${number})`;
export type TimestampType = "timestamp" | `timestamp('${string}')`;
export type DataType =
  | "null"
  | "boolean"
  | IntegerType
  | FloatType
  | DecimalType
  | "string"
  | "binary"
  | "date"
  | "time"
  | TimestampType
  | "interval"
  | "uuid"
  | "json";

export interface Field {
  readonly name: string;
  readonly type: DataType;
}

/** An ordered list of named, typed columns. */
export type Schema = ReadonlyArray<Field>;

const INTEGER_BITS: Record<IntegerType, number> = {
  int8: 8, int16: 16, int32: 32, int64: 64, uint8: 8, uint16: 16, uint32: 32, uint64: 64,
};

export function isInteger(t: DataType): t is IntegerType {
  return t in INTEGER_BITS;
}
export function isFloat(t: DataType): t is FloatType {
  return t === "float32" || t === "float64";
}
export function isDecimal(t: DataType): t is DecimalType {
  return t.startsWith("decimal(");
}
export function isNumeric(t: DataType): boolean {
  return isInteger(t) || isFloat(t) || isDecimal(t);
}
export function isTimestamp(t: DataType): t is TimestampType {
  return t === "timestamp" || t.startsWith("timestamp(");
}
export function isTemporal(t: DataType): boolean {
  return t === "date" || t === "time" || isTimestamp(t);
}

export function decimal(precision: number, scale: number): DecimalType {
  return `decimal(${precision},${scale})`;
}

export function decimalParts(t: DecimalType): { precision: number; scale: number } {
  const m = /^decimal\((\d+),(\d+)\)$/.exec(t);
  if (!m) throw new Error(`not a decimal type: ${t}`);
  return { precision: Number(m[1]), scale: Number(m[2]) };
}

export function timestampZone(t: TimestampType): string | null {
  const m = /^timestamp\('(.*)'\)$/.exec(t);
  return m ? m[1]! : null;
}

export function timestamp(zone?: string | null): TimestampType {
  return zone ? `timestamp('${zone}')` : "timestamp";
}

const SIMPLE_TYPES = new Set<string>([
  "null", "boolean", "string", "binary", "date", "time", "interval", "uuid", "json",
  "float32", "float64", ...Object.keys(INTEGER_BITS), "timestamp",
]);

/** Friendly aliases a user may write in YAML or `cast()`. */
const TYPE_ALIASES: Record<string, DataType> = {
  bool: "boolean", int: "int32", integer: "int32", bigint: "int64", smallint: "int16", tinyint: "int8",
  float: "float64", double: "float64", real: "float32", str: "string", text: "string", varchar: "string",
  timestamptz: "timestamp('UTC')", bytes: "binary", blob: "binary",
};

/** Parses a type name, accepting aliases; throws with the accepted names when unknown. */
export function parseDataType(text: string): DataType {
  const t = text.trim().toLowerCase().replace(/\s+/g, "");
  if (SIMPLE_TYPES.has(t)) return t as DataType;
  if (t in TYPE_ALIASES) return TYPE_ALIASES[t]!;
  const dec = /^(?:decimal|numeric)(?:\((\d+)(?:,(\d+))?\))?$/.exec(t);
  if (dec) return decimal(Number(dec[1] ?? 38), Number(dec[2] ?? (dec[1] ? 0 : 9)));
  const ts = /^timestamp\('([^']*)'\)$/.exec(text.trim().replace(/\s+/g, ""));
  if (ts) return timestamp(ts[1]);
  throw new Error(
    `unknown data type '${text}'; use one of ${[...SIMPLE_TYPES].sort().join(", ")}, decimal(p,s), timestamp('UTC')`,
  );
}

function integerSupertype(a: IntegerType, b: IntegerType): IntegerType {
  const signed = !a.startsWith("u") || !b.startsWith("u");
  const bits = Math.max(INTEGER_BITS[a], INTEGER_BITS[b]);
  if (signed) {
    // A signed and an unsigned type need one more bit for the unsigned one's range.
    const ua = a.startsWith("u") ? INTEGER_BITS[a] * 2 : INTEGER_BITS[a];
    const ub = b.startsWith("u") ? INTEGER_BITS[b] * 2 : INTEGER_BITS[b];
    const need = Math.min(64, Math.max(ua, ub));
    return `int${need}` as IntegerType;
  }
  return `uint${bits}` as IntegerType;
}

/**
 * The type two values are brought to before they are compared, combined or unioned;
 * null when there is none (e.g. string and int64).
 */
export function commonType(a: DataType, b: DataType): DataType | null {
  if (a === b) return a;
  if (a === "null") return b;
  if (b === "null") return a;
  if (isInteger(a) && isInteger(b)) return integerSupertype(a, b);
  if (isNumeric(a) && isNumeric(b)) {
    if (isFloat(a) || isFloat(b)) return "float64";
    if (isDecimal(a) && isDecimal(b)) {
      const pa = decimalParts(a);
      const pb = decimalParts(b);
      const scale = Math.max(pa.scale, pb.scale);
      const intDigits = Math.max(pa.precision - pa.scale, pb.precision - pb.scale);
      return decimal(Math.min(38, intDigits + scale), scale);
    }
    const dec = (isDecimal(a) ? a : b) as DecimalType;
    const int = (isInteger(a) ? a : b) as IntegerType;
    const { precision, scale } = decimalParts(dec);
    const intDigits = INTEGER_BITS[int] >= 64 ? 19 : INTEGER_BITS[int] >= 32 ? 10 : 5;
    return decimal(Math.min(38, Math.max(precision - scale, intDigits) + scale), scale);
  }
  if (isTimestamp(a) && isTimestamp(b)) return a;
  if ((a === "date" && isTimestamp(b)) || (b === "date" && isTimestamp(a))) return isTimestamp(a) ? a : b;
  return null;
}

/** The type engines give an integer literal: int32 when it fits, else int64 (as DuckDB and PostgreSQL do). */
export function integerTypeFor(n: number | bigint): IntegerType {
  const v = typeof n === "bigint" ? n : BigInt(n);
  return v >= -2147483648n && v <= 2147483647n ? "int32" : "int64";
}
