/**
 * DuckDB data chunks <-> Arrow record batches, without a JS object per value where the
 * memory layouts agree. DuckDB's Node API has no Arrow import/export, but its vectors
 * expose their buffers: fixed-width numbers, dates (int32 days), timestamps and times
 * (int64 microseconds) have Arrow's layout, and its validity mask is Arrow's null bitmap
 * (LSB-first bits), so those columns are copied as buffers.
 */
import * as arrow from "apache-arrow";
import type * as DuckDBApi from "@duckdb/node-api";
import type { DuckDBType, DuckDBVector } from "@duckdb/node-api";
import { duckdbApi } from "./duckdb-api.js";
import bindings from "@duckdb/node-bindings";
import { type DataType, type Schema, decimalParts, decimal, isDecimal, isTimestamp, timestamp } from "../../expr/data-type.js";
import { toArrowSchema, toArrowType } from "../arrow-types.js";
import { scaledText } from "../arrow-values.js";
import { ColumnBuilder, readInt128, toScaledDecimal } from "../column-builder.js";

const { DuckDBBlobValue, DuckDBDataChunk, DuckDBDateValue, DuckDBDecimalValue, DuckDBTimestampTZValue, DuckDBTimestampValue, DuckDBTimeValue, DuckDBTypeId } = duckdbApi;
type DuckDBDataChunk = DuckDBApi.DuckDBDataChunk;
type DuckDBTypeId = DuckDBApi.DuckDBTypeId;

/** Our type for a DuckDB column type; unknown nested types travel as text. */
export function fromDuckDBType(t: DuckDBType): DataType {
  switch (t.typeId) {
    case DuckDBTypeId.BOOLEAN: return "boolean";
    case DuckDBTypeId.TINYINT: return "int8";
    case DuckDBTypeId.SMALLINT: return "int16";
    case DuckDBTypeId.INTEGER: return "int32";
    case DuckDBTypeId.BIGINT: return "int64";
    case DuckDBTypeId.UTINYINT: return "uint8";
    case DuckDBTypeId.USMALLINT: return "uint16";
    case DuckDBTypeId.UINTEGER: return "uint32";
    case DuckDBTypeId.UBIGINT: return "uint64";
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return decimal(38, 0);
    case DuckDBTypeId.FLOAT: return "float32";
    case DuckDBTypeId.DOUBLE: return "float64";
    case DuckDBTypeId.DECIMAL: {
      const d = t as unknown as { width: number; scale: number };
      return decimal(d.width, d.scale);
    }
    case DuckDBTypeId.VARCHAR: return "string";
    case DuckDBTypeId.BLOB: return "binary";
    case DuckDBTypeId.DATE: return "date";
    case DuckDBTypeId.TIME: return "time";
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
      return "timestamp";
    case DuckDBTypeId.TIMESTAMP_TZ: return timestamp("UTC");
    case DuckDBTypeId.INTERVAL: return "interval";
    case DuckDBTypeId.UUID: return "uuid";
    case DuckDBTypeId.SQLNULL: return "null";
    default: return "string";
  }
}

/** DuckDB type ids whose vector buffer is bit-for-bit the Arrow buffer of our type. */
const SAME_LAYOUT: Partial<Record<DataType, DuckDBTypeId>> = {
  int8: DuckDBTypeId.TINYINT, int16: DuckDBTypeId.SMALLINT, int32: DuckDBTypeId.INTEGER, int64: DuckDBTypeId.BIGINT,
  uint8: DuckDBTypeId.UTINYINT, uint16: DuckDBTypeId.USMALLINT, uint32: DuckDBTypeId.UINTEGER, uint64: DuckDBTypeId.UBIGINT,
  float32: DuckDBTypeId.FLOAT, float64: DuckDBTypeId.DOUBLE, date: DuckDBTypeId.DATE, time: DuckDBTypeId.TIME,
};

function sameLayout(type: DataType, vectorType: DuckDBType): boolean {
  if (isTimestamp(type)) {
    return vectorType.typeId === (type === "timestamp" ? DuckDBTypeId.TIMESTAMP : DuckDBTypeId.TIMESTAMP_TZ);
  }
  return SAME_LAYOUT[type] === vectorType.typeId;
}

interface RawVector {
  readonly items?: ArrayLike<number | bigint> & { slice(a?: number, b?: number): ArrayBufferView };
  readonly validity?: { readonly data: BigUint64Array | null };
}

/** One DuckDB chunk as one Arrow record batch with exactly `schema`'s types. */
export function chunkToRecordBatch(chunk: DuckDBDataChunk, schema: Schema, arrowSchema: arrow.Schema = toArrowSchema(schema)): arrow.RecordBatch {
  const length = chunk.rowCount;
  const children = schema.map((field, i) => vectorToData(chunk.getColumnVector(i), field.type, length));
  const data = arrow.makeData({
    type: new arrow.Struct(arrowSchema.fields),
    length,
    nullCount: 0,
    children,
  });
  return new arrow.RecordBatch(arrowSchema, data);
}

function validityBitmap(raw: RawVector, length: number): { bitmap: Uint8Array | undefined; nullCount: number } {
  const words = raw.validity?.data;
  if (!words) return { bitmap: undefined, nullCount: 0 };
  const bytes = new Uint8Array(words.buffer, words.byteOffset, Math.ceil(length / 8)).slice();
  let valid = 0;
  for (let i = 0; i < length; i++) if (bytes[i >> 3]! & (1 << (i & 7))) valid++;
  return { bitmap: valid === length ? undefined : bytes, nullCount: length - valid };
}

function vectorToData(vector: DuckDBVector, type: DataType, length: number): arrow.Data {
  const raw = vector as unknown as RawVector;
  const arrowType = arrowTypeOf(type);
  if (raw.items && sameLayout(type, vector.type)) {
    const { bitmap, nullCount } = validityBitmap(raw, length);
    return arrow.makeData({ type: arrowType as arrow.Int32, length, nullCount, nullBitmap: bitmap, data: raw.items.slice(0, length) as Int32Array });
  }
  // Everything else goes value by value, converted to the declared type.
  const builder = new ColumnBuilder(type, length);
  const decimalScale = vector.type.typeId === DuckDBTypeId.DECIMAL ? (vector.type as unknown as { scale: number }).scale : null;
  for (let i = 0; i < length; i++) builder.append(normalizeDuckDBValue(vector.getItem(i), decimalScale));
  return builder.finish();
}

const arrowTypes = new Map<DataType, arrow.DataType>();
function arrowTypeOf(type: DataType): arrow.DataType {
  let t = arrowTypes.get(type);
  if (!t) {
    t = toArrowType(type);
    arrowTypes.set(type, t);
  }
  return t;
}

/** DuckDB value objects to the plain values `ColumnBuilder` accepts. */
function normalizeDuckDBValue(v: unknown, decimalScale: number | null): unknown {
  if (v === null || typeof v !== "object") return v;
  if (v instanceof DuckDBDecimalValue) return scaledText(v.value, decimalScale ?? v.scale);
  if (v instanceof DuckDBDateValue) return v.days;
  if (v instanceof DuckDBTimestampValue || v instanceof DuckDBTimestampTZValue) return v.micros;
  if (v instanceof DuckDBTimeValue) return v.micros;
  if (v instanceof DuckDBBlobValue) return v.bytes;
  return String(v);
}


/**
 * Fills a DuckDB chunk from rows [offset, offset+length) of an Arrow record batch whose
 * columns have the declared types. Numbers, dates, times and timestamps are copied as
 * buffers; other values one by one.
 */
export function fillChunk(chunk: DuckDBDataChunk, batch: arrow.RecordBatch, schema: Schema, offset: number, length: number): void {
  chunk.rowCount = length;
  schema.forEach((field, c) => {
    const vector = chunk.getColumnVector(c);
    const column = batch.getChildAt(c)!;
    const raw = vector as unknown as RawVector & { items?: { set(a: ArrayLike<number | bigint>): void } };
    const data = column.data[0]!;
    if (raw.items && sameLayout(field.type, vector.type) && column.data.length === 1) {
      (raw.items as unknown as { set(a: ArrayLike<unknown>): void }).set((data.values as Int32Array).subarray(offset, offset + length));
      if (data.nullCount > 0) for (let i = 0; i < length; i++) if (!data.getValid(offset + i)) vector.setItem(i, null);
    } else if (isBytes(data, vector.type)) {
      fillStrings(vector, data, offset, length);
    } else if (data.typeId === arrow.Type.Bool && vector.type.typeId === DuckDBTypeId.BOOLEAN) {
      // Arrow packs booleans in bits, DuckDB keeps a byte each.
      const view = (vector as unknown as { dataView: DataView }).dataView;
      const out = new Uint8Array(view.buffer, view.byteOffset, length);
      const bits = data.values as Uint8Array;
      const hasNulls = data.nullCount > 0;
      for (let i = 0; i < length; i++) {
        const r = data.offset + offset + i;
        out[i] = (bits[r >> 3]! >> (r & 7)) & 1;
        if (hasNulls && !data.getValid(offset + i)) vector.setItem(i, null);
      }
    } else {
      for (let i = 0; i < length; i++) vector.setItem(i, toDuckDBValue(column.get(offset + i), field.type, column, offset + i));
    }
    vector.flush();
  });
}

type VectorHandle = Parameters<typeof bindings.vector_assign_string_element_len>[0];

/** Scratch for one vector of `duckdb_string_t` (DuckDB vectors hold at most 2,048 values). */
const stringEntries = new Uint8Array(2048 * 16);

/**
 * Text and blobs from Arrow's bytes, with no JS string in between. A DuckDB vector of
 * strings is an array of 16-byte `duckdb_string_t` (duckdb.h): the length, then up to
 * 12 bytes inline, or a prefix and a pointer into the vector's heap. Short values are
 * written inline into one buffer copied in a single call; longer ones go through
 * `duckdb_vector_assign_string_element_len`, which allocates them in the heap.
 */
function fillStrings(vector: DuckDBVector, data: arrow.Data, offset: number, length: number): void {
  const handle = (vector as unknown as { vector: VectorHandle }).vector;
  const offsets = data.valueOffsets;
  const bytes = data.values as Uint8Array;
  const entries = stringEntries.subarray(0, length * 16).fill(0); // copied out at once below, so reused
  const long: number[] = [];
  const hasNulls = data.nullCount > 0;
  for (let i = 0; i < length; i++) {
    const r = offset + i;
    if (hasNulls && !data.getValid(r)) {
      vector.setItem(i, null);
      continue;
    }
    const start = offsets[r]!;
    const len = offsets[r + 1]! - start;
    if (len > 12) {
      long.push(i);
      continue;
    }
    const at = i * 16;
    entries[at] = len; // little-endian uint32 length; len <= 12 fits the first byte
    for (let k = 0; k < len; k++) entries[at + 4 + k] = bytes[start + k]!;
  }
  bindings.copy_data_to_vector(handle, 0, entries.buffer, 0, length * 16);
  for (const i of long) {
    const r = offset + i;
    bindings.vector_assign_string_element_len(handle, i, bytes.subarray(offsets[r]!, offsets[r + 1]!));
  }
}

function isBytes(data: arrow.Data, target: DuckDBType): boolean {
  const text = data.typeId === arrow.Type.Utf8 && target.typeId === DuckDBTypeId.VARCHAR;
  const blob = data.typeId === arrow.Type.Binary && target.typeId === DuckDBTypeId.BLOB;
  return text || blob;
}

function toDuckDBValue(v: unknown, type: DataType, column: arrow.Vector, index: number): never {
  if (v === null || v === undefined) return null as never;
  if (isDecimal(type)) {
    const { precision, scale } = decimalParts(type);
    const words = column.data.length === 1 ? (column.data[0]!.values as Uint32Array) : null;
    const scaled = words ? readInt128(words, index - 0) : toScaledDecimal(String(v), 10n ** BigInt(scale));
    return new DuckDBDecimalValue(scaled, precision, scale) as never;
  }
  if (isTimestamp(type)) {
    const micros = typeof v === "bigint" ? v : BigInt(Math.round(Number(v) * 1000));
    return (type === "timestamp" ? new DuckDBTimestampValue(micros) : new DuckDBTimestampTZValue(micros)) as never;
  }
  if (type === "date") return new DuckDBDateValue(Math.floor(Number(v) / 86_400_000)) as never;
  if (type === "time") return new DuckDBTimeValue(typeof v === "bigint" ? v : BigInt(Math.round(Number(v) * 1000))) as never;
  if (type === "binary") return new DuckDBBlobValue(v as Uint8Array) as never;
  if (type === "int64" || type === "uint64") return (typeof v === "bigint" ? v : BigInt(v as number)) as never;
  return v as never;
}
