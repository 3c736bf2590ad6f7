/**
 * Builds one Arrow column from JS values, for paths where an engine hands us values
 * rather than buffers (and for coercing an engine's type to the declared one). Buffers
 * grow geometrically; `finish()` returns Arrow `Data` of exactly the declared type.
 */
import * as arrow from "apache-arrow";
import { type DataType, decimalParts, isDecimal, isInteger, isTimestamp } from "../expr/data-type.js";
import { toArrowType } from "./arrow-types.js";

const encoder = new TextEncoder();
const MICROS_PER_DAY = 86_400_000_000n;

type Numeric = Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

export class ColumnBuilder {
  readonly type: DataType;
  readonly #arrowType: arrow.DataType;
  #length = 0;
  #nulls: Uint8Array = new Uint8Array(64);
  #nullCount = 0;
  #values: Numeric | Uint8Array | Uint32Array;
  #offsets: Int32Array | null = null;
  #bytes: Uint8Array | null = null;
  #byteLength = 0;
  #scale = 0n;

  constructor(type: DataType, capacity = 1024) {
    this.type = type;
    this.#arrowType = toArrowType(type);
    this.#nulls = new Uint8Array(Math.ceil(capacity / 8) + 1);
    if (this.#isVarWidth()) {
      this.#offsets = new Int32Array(capacity + 1);
      this.#bytes = new Uint8Array(capacity * 16);
      this.#values = new Uint8Array(0);
    } else if (type === "boolean") {
      this.#values = new Uint8Array(Math.ceil(capacity / 8) + 1);
    } else if (isDecimal(type)) {
      this.#values = new Uint32Array(capacity * 4);
      this.#scale = 10n ** BigInt(decimalParts(type).scale);
    } else if (type === "null") {
      this.#values = new Uint8Array(0);
    } else {
      const ArrayType = (this.#arrowType as unknown as { ArrayType: new (n: number) => Numeric }).ArrayType;
      this.#values = new ArrayType(capacity);
    }
  }

  get length(): number {
    return this.#length;
  }

  #isVarWidth(): boolean {
    const id = this.#arrowType.typeId;
    return id === arrow.Type.Utf8 || id === arrow.Type.Binary;
  }

  #ensure(n: number): void {
    const needBits = Math.ceil(n / 8) + 1;
    if (needBits > this.#nulls.length) this.#nulls = grow(this.#nulls, needBits * 2) as Uint8Array;
    if (this.#offsets) {
      if (n + 1 > this.#offsets.length) this.#offsets = grow(this.#offsets, (n + 1) * 2) as Int32Array;
    } else if (this.type === "boolean") {
      if (needBits > this.#values.length) this.#values = grow(this.#values, needBits * 2);
    } else if (isDecimal(this.type)) {
      if (n * 4 > this.#values.length) this.#values = grow(this.#values, n * 8);
    } else if (this.type !== "null" && n > this.#values.length) {
      this.#values = grow(this.#values, n * 2);
    }
  }

  append(value: unknown): void {
    const i = this.#length;
    this.#ensure(i + 1);
    this.#length++;
    if (value === null || value === undefined) {
      this.#nullCount++;
      if (this.#offsets) this.#offsets[i + 1] = this.#byteLength;
      return;
    }
    this.#nulls[i >> 3]! |= 1 << (i & 7);
    const t = this.type;
    if (this.#offsets) {
      const bytes = value instanceof Uint8Array ? value : encoder.encode(typeof value === "string" ? value : String(value));
      if (this.#byteLength + bytes.length > this.#bytes!.length) this.#bytes = grow(this.#bytes!, (this.#byteLength + bytes.length) * 2) as Uint8Array;
      this.#bytes!.set(bytes, this.#byteLength);
      this.#byteLength += bytes.length;
      this.#offsets[i + 1] = this.#byteLength;
    } else if (t === "boolean") {
      if (toBoolean(value)) (this.#values as Uint8Array)[i >> 3]! |= 1 << (i & 7);
    } else if (isDecimal(t)) {
      writeInt128(this.#values as Uint32Array, i, toScaledDecimal(value, this.#scale));
    } else if (isTimestamp(t)) {
      (this.#values as BigInt64Array)[i] = toMicros(value);
    } else if (t === "date") {
      (this.#values as Int32Array)[i] = toDays(value);
    } else if (t === "time") {
      (this.#values as BigInt64Array)[i] = toTimeMicros(value);
    } else if (this.#values instanceof BigInt64Array || this.#values instanceof BigUint64Array) {
      this.#values[i] = typeof value === "bigint" ? value : BigInt(typeof value === "number" ? Math.trunc(value) : String(value).split(".")[0]!);
    } else if (isInteger(t)) {
      (this.#values as Int32Array)[i] = typeof value === "number" ? value : Number(value);
    } else if (t !== "null") {
      (this.#values as Float64Array)[i] = typeof value === "number" ? value : Number(value);
    }
  }

  finish(): arrow.Data {
    const length = this.#length;
    const nullBitmap = this.#nullCount > 0 ? this.#nulls.slice(0, Math.ceil(length / 8)) : undefined;
    const type = this.#arrowType;
    if (this.type === "null") return arrow.makeData({ type: type as arrow.Null, length, nullCount: length });
    if (this.#offsets) {
      return arrow.makeData({
        type: type as arrow.Utf8,
        length,
        nullCount: this.#nullCount,
        nullBitmap,
        valueOffsets: this.#offsets.slice(0, length + 1),
        data: this.#bytes!.slice(0, this.#byteLength),
      });
    }
    const width = this.type === "boolean" ? Math.ceil(length / 8) : isDecimal(this.type) ? length * 4 : length;
    return arrow.makeData({
      type: type as arrow.Int32,
      length,
      nullCount: this.#nullCount,
      nullBitmap,
      data: (this.#values as Int32Array).slice(0, width),
    });
  }
}

function grow<T extends Numeric | Uint8Array | Uint32Array>(arr: T, size: number): T {
  const next = new (arr.constructor as new (n: number) => T)(size);
  (next as unknown as { set(a: T): void }).set(arr);
  return next;
}

function toBoolean(v: unknown): boolean {
  if (typeof v === "string") return v === "t" || v === "true" || v === "1" || v === "TRUE";
  return Boolean(v);
}

/** Decimal text ("-12.345"), number or bigint to an integer scaled by 10^scale. */
export function toScaledDecimal(v: unknown, scale: bigint): bigint {
  if (typeof v === "bigint") return v * scale;
  const text = typeof v === "number" ? v.toFixed(scale.toString().length - 1) : String(v).trim();
  const negative = text.startsWith("-");
  const [intPart, fracPart = ""] = text.replace(/^[-+]/, "").split(".");
  const digits = scale.toString().length - 1;
  const frac = (fracPart + "0".repeat(digits)).slice(0, digits);
  const magnitude = BigInt(intPart || "0") * scale + BigInt(frac || "0");
  return negative ? -magnitude : magnitude;
}

function writeInt128(words: Uint32Array, index: number, value: bigint): void {
  let v = BigInt.asUintN(128, value);
  for (let w = 0; w < 4; w++) {
    words[index * 4 + w] = Number(v & 0xffffffffn);
    v >>= 32n;
  }
}

/** Reads a decimal128 value (4 little-endian 32-bit words) as a scaled bigint. */
export function readInt128(words: Uint32Array, index: number): bigint {
  let v = 0n;
  for (let w = 3; w >= 0; w--) v = (v << 32n) | BigInt(words[index * 4 + w]!);
  return BigInt.asIntN(128, v);
}

export function toMicros(v: unknown): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number") return BigInt(Math.round(v * 1000));
  if (v instanceof Date) return BigInt(v.getTime()) * 1000n;
  return parseTimestampMicros(String(v));
}

/** Parses "YYYY-MM-DD[ T]HH:MM:SS[.ffffff][+HH[:MM]|Z]" exactly, keeping microseconds. */
export function parseTimestampMicros(text: string): bigint {
  const m = /^(-?\d{4,})-(\d\d)-(\d\d)(?:[ T](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d\d(?::?\d\d)?)?$/.exec(text.trim());
  if (!m) throw new Error(`cannot read '${text}' as a timestamp`);
  const days = BigInt(daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3])));
  const secs = BigInt(Number(m[4] ?? 0) * 3600 + Number(m[5] ?? 0) * 60 + Number(m[6] ?? 0));
  const micros = BigInt(((m[7] ?? "") + "000000").slice(0, 6));
  let offset = 0n;
  if (m[8] && m[8] !== "Z") {
    const sign = m[8].startsWith("-") ? -1n : 1n;
    const digits = m[8].slice(1).replace(":", "");
    offset = sign * (BigInt(Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2, 4) || 0) * 60) * 1_000_000n);
  }
  return days * MICROS_PER_DAY + secs * 1_000_000n + micros - offset;
}

export function toDays(v: unknown): number {
  if (typeof v === "number") return v;
  if (v instanceof Date) return Math.floor(v.getTime() / 86_400_000);
  const m = /^(-?\d{4,})-(\d\d)-(\d\d)/.exec(String(v));
  if (!m) throw new Error(`cannot read '${String(v)}' as a date`);
  return daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3]));
}

function toTimeMicros(v: unknown): bigint {
  if (typeof v === "bigint") return v;
  const m = /^(\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?/.exec(String(v));
  if (!m) throw new Error(`cannot read '${String(v)}' as a time`);
  return BigInt(Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? 0)) * 1_000_000n + BigInt(((m[4] ?? "") + "000000").slice(0, 6));
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}
