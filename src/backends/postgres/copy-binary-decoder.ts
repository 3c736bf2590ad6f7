/**
 * PostgreSQL's binary COPY format -> Arrow record batches, straight from the bytes
 * into typed arrays: no JS object per row or per value on this path (text is copied
 * as UTF-8 bytes, numbers are byte-swapped into Arrow's buffers).
 *
 * Format: https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4
 * (an 11-byte signature, flags, a header extension, then per row an int16 field count
 * and per field an int32 length, -1 for NULL, followed by the value in the type's
 * binary "send" representation; a field count of -1 ends the data).
 *
 * The columns arrive with exactly the wire types of `wireKind` (the query casts them),
 * so every decoder knows its layout in advance.
 */
import * as arrow from "apache-arrow";
import type { Field, Schema } from "../../expr/data-type.js";
import { decimalParts, isDecimal } from "../../expr/data-type.js";
import { toArrowSchema, toArrowType } from "../arrow-types.js";
import { wireKind } from "./postgres-types.js";

/** Rows per record batch: large enough to amortize per-batch work, small enough to keep memory flat. */
export const BATCH_ROWS = 65_536;

/** 2000-01-01, PostgreSQL's epoch for dates and timestamps, from 1970-01-01. */
export const PG_EPOCH_DAYS = 10_957;
export const PG_EPOCH_MICROS = 946_684_800_000_000;

export const COPY_SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1");
const TWO_32 = 4_294_967_296;
const SAFE = Number.MAX_SAFE_INTEGER;

/** One column being filled for the current batch. */
interface ColumnDecoder {
  /** Writes the value at buf[pos, pos+len) into row `row`. */
  read(buf: Buffer, pos: number, len: number, row: number): void;
  /** The column's Arrow data for `length` rows; the decoder starts a fresh batch. */
  finish(length: number, nullBitmap: Uint8Array | undefined, nullCount: number): arrow.Data;
}

/**
 * Decodes binary COPY data, given as whole CopyData messages (the server never splits a
 * row across messages; the header shares the first one, the trailer may share the
 * last), into record batches of `batchRows` rows.
 */
export class BinaryCopyDecoder {
  readonly #schema: Schema;
  readonly #arrowSchema: arrow.Schema;
  readonly #columns: ColumnDecoder[];
  readonly #kinds: Kind[];
  readonly #batchRows: number;
  #nulls: Uint8Array[] = [];
  #nullCounts: number[] = [];
  #row = 0;
  #headerDone = false;
  #ended = false;
  #ready: arrow.RecordBatch[] = [];

  constructor(schema: Schema, batchRows = BATCH_ROWS) {
    this.#schema = schema;
    this.#arrowSchema = toArrowSchema(schema);
    this.#batchRows = batchRows;
    this.#columns = schema.map((f) => decoderFor(f, batchRows));
    this.#kinds = this.#columns.map((c) => (c instanceof FixedDecoder ? c.kind : GENERIC));
    this.#resetNulls();
  }

  #resetNulls(): void {
    const bytes = Math.ceil(this.#batchRows / 8);
    this.#nulls = this.#schema.map(() => new Uint8Array(bytes).fill(0xff));
    this.#nullCounts = this.#schema.map(() => 0);
  }

  /** Decodes the rows in `buf[start, end)`, which holds whole rows (and possibly the header or trailer). */
  feed(buf: Buffer, start: number, end: number): void {
    let pos = start;
    if (!this.#headerDone) {
      if (end - pos < 19 || !buf.subarray(pos, pos + 11).equals(COPY_SIGNATURE)) throw new Error("not a PostgreSQL binary COPY stream");
      pos += 19 + buf.readUInt32BE(pos + 15);
      this.#headerDone = true;
    }
    const columns = this.#columns;
    const n = columns.length;
    const kinds = this.#kinds;
    while (pos < end) {
      const fields = buf.readInt16BE(pos);
      if (fields === -1) {
        this.#ended = true;
        return;
      }
      if (fields !== n) throw new Error(`COPY row has ${fields} fields, expected ${n}`);
      const row = this.#row;
      let p = pos + 2;
      for (let c = 0; c < n; c++) {
        const len = (buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!;
        p += 4;
        if (len < 0) {
          this.#nulls[c]![row >> 3]! &= ~(1 << (row & 7));
          this.#nullCounts[c]!++;
        } else {
          switch (kinds[c]) {
            case INT2:
              (columns[c] as FixedDecoder).values[row] = (((buf[p]! << 8) | buf[p + 1]!) << 16) >> 16;
              break;
            case INT4:
              (columns[c] as FixedDecoder).values[row] = (buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!;
              break;
            case INT8: {
              const w = (columns[c] as FixedDecoder).values;
              w[2 * row] = (buf[p + 4]! << 24) | (buf[p + 5]! << 16) | (buf[p + 6]! << 8) | buf[p + 7]!;
              w[2 * row + 1] = (buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!;
              break;
            }
            case FLOAT8:
              (columns[c] as FixedDecoder).values[row] = buf.readDoubleBE(p);
              break;
            case TIMESTAMP:
              readTimestamp(buf, p, (columns[c] as FixedDecoder).values, row);
              break;
            default:
              columns[c]!.read(buf, p, len, row);
          }
          p += len;
        }
      }
      if (p > end) throw new Error("a COPY row overruns its message");
      pos = p;
      if (++this.#row === this.#batchRows) this.#ready.push(this.#emit());
    }
  }

  /** The batches completed so far (each returned once). */
  take(): arrow.RecordBatch[] {
    if (this.#ready.length === 0) return EMPTY;
    const out = this.#ready;
    this.#ready = [];
    return out;
  }

  /** The last, partial batch; throws if the data stopped before its trailer. */
  end(): arrow.RecordBatch | null {
    if (!this.#ended) throw new Error("the COPY data ended before its trailer");
    return this.#row > 0 ? this.#emit() : null;
  }

  #emit(): arrow.RecordBatch {
    const length = this.#row;
    const children = this.#columns.map((col, c) => {
      const nullCount = this.#nullCounts[c]!;
      const bitmap = nullCount > 0 ? this.#nulls[c]!.slice(0, Math.ceil(length / 8)) : undefined;
      return col.finish(length, bitmap, nullCount);
    });
    this.#row = 0;
    this.#resetNulls();
    const data = arrow.makeData({ type: new arrow.Struct(this.#arrowSchema.fields), length, nullCount: 0, children });
    return new arrow.RecordBatch(this.#arrowSchema, data);
  }
}

const EMPTY: arrow.RecordBatch[] = [];

function decoderFor(field: Field, capacity: number): ColumnDecoder {
  const type = field.type;
  const arrowType = toArrowType(type);
  switch (wireKind(type)) {
    case "bool":
      return new BoolDecoder(capacity);
    case "int2":
      return new FixedDecoder(arrowType, capacity, 1, (buf, pos, values, row) => { values[row] = buf.readInt16BE(pos); }, INT2);
    case "int4":
      return new FixedDecoder(arrowType, capacity, 1, (buf, pos, values, row) => { values[row] = buf.readInt32BE(pos); }, INT4);
    case "int8":
      if (type === "uint32") return new FixedDecoder(arrowType, capacity, 1, (buf, pos, values, row) => { values[row] = buf.readUInt32BE(pos + 4); });
      return new FixedDecoder(arrowType, capacity, 2, (buf, pos, words, row) => {
        words[2 * row] = buf.readInt32BE(pos + 4);
        words[2 * row + 1] = buf.readInt32BE(pos);
      }, INT8);
    case "float4":
      return new FixedDecoder(arrowType, capacity, 1, (buf, pos, values, row) => { values[row] = buf.readFloatBE(pos); });
    case "float8":
      return new FixedDecoder(arrowType, capacity, 1, (buf, pos, values, row) => { values[row] = buf.readDoubleBE(pos); }, FLOAT8);
    case "date":
      return new FixedDecoder(arrowType, capacity, 1, (buf, pos, values, row) => {
        const days = buf.readInt32BE(pos);
        // ±infinity are INT32_MAX/MIN; they keep their sentinel rather than overflow.
        values[row] = days === 0x7fffffff || days === -0x80000000 ? days : days + PG_EPOCH_DAYS;
      });
    case "time":
      return new FixedDecoder(arrowType, capacity, 2, (buf, pos, words, row) => {
        words[2 * row] = buf.readInt32BE(pos + 4);
        words[2 * row + 1] = buf.readInt32BE(pos);
      });
    case "timestamp":
      return new FixedDecoder(arrowType, capacity, 2, readTimestamp, TIMESTAMP);
    case "numeric":
      return numericDecoder(field, arrowType, capacity);
    case "text":
    case "bytea":
      return new VarWidthDecoder(arrowType, capacity);
    case "null":
      return { read() {}, finish: (length) => arrow.makeData({ type: new arrow.Null(), length, nullCount: length }) };
  }
}

/** Column kinds `feed` decodes inline (one monomorphic switch instead of a call through a closure per value). */
type Kind = number;
const GENERIC = 0, INT2 = 1, INT4 = 2, INT8 = 3, FLOAT8 = 4, TIMESTAMP = 5;

type WordArray = Int32Array | Float32Array | Float64Array | Int16Array | Int8Array | Uint8Array | Uint16Array | Uint32Array;

/**
 * Fixed-width values. `wordsPerRow` 2 marks 64-bit types, written as two little-endian
 * 32-bit words through an Int32Array view (cheaper than making a BigInt per value).
 */
class FixedDecoder implements ColumnDecoder {
  readonly kind: Kind;
  readonly #type: arrow.DataType;
  readonly #capacity: number;
  readonly #wordsPerRow: number;
  readonly #readValue: (buf: Buffer, pos: number, values: WordArray, row: number) => void;
  /** The current batch's values (64-bit types as pairs of 32-bit words), written by `feed`'s fast paths. */
  values!: WordArray;
  #buffer!: ArrayBufferView;

  constructor(type: arrow.DataType, capacity: number, wordsPerRow: number, read: (buf: Buffer, pos: number, values: WordArray, row: number) => void, kind: Kind = GENERIC) {
    this.kind = kind;
    this.#type = type;
    this.#capacity = capacity;
    this.#wordsPerRow = wordsPerRow;
    this.#readValue = read;
    this.#start();
  }

  #start(): void {
    const ArrayType = (this.#type as unknown as { ArrayType: new (n: number) => ArrayBufferView }).ArrayType;
    this.#buffer = new ArrayType(this.#capacity);
    this.values = this.#wordsPerRow === 2 ? new Int32Array(this.#buffer.buffer) : (this.#buffer as WordArray);
  }

  read(buf: Buffer, pos: number, _len: number, row: number): void {
    this.#readValue(buf, pos, this.values, row);
  }

  finish(length: number, nullBitmap: Uint8Array | undefined, nullCount: number): arrow.Data {
    const data = (this.#buffer as Int32Array).subarray(0, length);
    this.#start();
    return arrow.makeData({ type: this.#type as arrow.Int32, length, nullCount, nullBitmap, data });
  }
}

/** int64 microseconds since 2000-01-01 -> since 1970-01-01, exact below 2^53 (±285 years). */
function readTimestamp(buf: Buffer, pos: number, words: WordArray, row: number): void {
  const hi = buf.readInt32BE(pos);
  const lo = buf.readUInt32BE(pos + 4);
  const v = hi * TWO_32 + lo;
  if (v > -SAFE + PG_EPOCH_MICROS && v < SAFE - PG_EPOCH_MICROS) {
    const shifted = v + PG_EPOCH_MICROS;
    const h = Math.floor(shifted / TWO_32);
    words[2 * row] = shifted - h * TWO_32;
    words[2 * row + 1] = h;
  } else if ((hi === 0x7fffffff && lo === 0xffffffff) || (hi === -0x80000000 && lo === 0)) {
    words[2 * row] = lo; // ±infinity keep their sentinel
    words[2 * row + 1] = hi;
  } else {
    const big = BigInt.asUintN(64, (BigInt(hi) << 32n) + BigInt(lo) + BigInt(PG_EPOCH_MICROS));
    words[2 * row] = Number(big & 0xffffffffn);
    words[2 * row + 1] = Number(big >> 32n);
  }
}

class BoolDecoder implements ColumnDecoder {
  readonly #capacity: number;
  #bits: Uint8Array;

  constructor(capacity: number) {
    this.#capacity = capacity;
    this.#bits = new Uint8Array(Math.ceil(capacity / 8));
  }

  read(buf: Buffer, pos: number, _len: number, row: number): void {
    if (buf[pos] !== 0) this.#bits[row >> 3]! |= 1 << (row & 7);
  }

  finish(length: number, nullBitmap: Uint8Array | undefined, nullCount: number): arrow.Data {
    const data = this.#bits.subarray(0, Math.ceil(length / 8));
    this.#bits = new Uint8Array(Math.ceil(this.#capacity / 8));
    return arrow.makeData({ type: new arrow.Bool(), length, nullCount, nullBitmap, data });
  }
}

/** Text and bytea: the bytes are Arrow's Utf8/Binary data as they are (the connection's encoding is UTF-8). */
class VarWidthDecoder implements ColumnDecoder {
  readonly #type: arrow.DataType;
  readonly #capacity: number;
  #offsets!: Int32Array;
  #bytes!: Uint8Array;
  #used = 0;
  #lastRow = -1;

  constructor(type: arrow.DataType, capacity: number) {
    this.#type = type;
    this.#capacity = capacity;
    this.#start();
  }

  #start(): void {
    this.#offsets = new Int32Array(this.#capacity + 1);
    this.#bytes = new Uint8Array(this.#bytes ? Math.max(this.#bytes.length, 1 << 16) : this.#capacity * 16);
    this.#used = 0;
    this.#lastRow = -1;
  }

  read(buf: Buffer, pos: number, len: number, row: number): void {
    this.#fill(row);
    let at = this.#used;
    if (at + len > this.#bytes.length) {
      const next = new Uint8Array(Math.max(this.#bytes.length * 2, at + len));
      next.set(this.#bytes.subarray(0, at));
      this.#bytes = next;
    }
    const bytes = this.#bytes;
    if (len < 24) {
      // A native copy costs more than a loop for short values, which most text values are.
      for (let i = 0; i < len; i++) bytes[at++] = buf[pos + i]!;
    } else {
      buf.copy(bytes, at, pos, pos + len);
      at += len;
    }
    this.#used = at;
    this.#offsets[row + 1] = at;
    this.#lastRow = row;
  }

  /** Rows skipped since the last value (NULLs) end where the last value ended. */
  #fill(upTo: number): void {
    const offsets = this.#offsets;
    for (let r = this.#lastRow + 1; r < upTo; r++) offsets[r + 1] = this.#used;
  }

  finish(length: number, nullBitmap: Uint8Array | undefined, nullCount: number): arrow.Data {
    this.#fill(length);
    const valueOffsets = this.#offsets.subarray(0, length + 1);
    const data = this.#bytes.slice(0, this.#used);
    this.#start();
    return arrow.makeData({ type: this.#type as arrow.Utf8, length, nullCount, nullBitmap, valueOffsets, data });
  }
}

/**
 * numeric: int16 ndigits, int16 weight, uint16 sign, int16 dscale, then ndigits base-10000
 * digits; the value is sum(digit[i] * 10000^(weight - i)). We want it scaled by 10^scale
 * as a 128-bit integer (Arrow decimal128) or, for uint64 columns, a 64-bit one.
 */
function numericDecoder(field: Field, arrowType: arrow.DataType, capacity: number): ColumnDecoder {
  const unsigned = field.type === "uint64";
  const scale = isDecimal(field.type) ? decimalParts(field.type).scale : 0;
  return new NumericDecoder(field, arrowType, capacity, scale, unsigned ? 2 : 4);
}

class NumericDecoder implements ColumnDecoder {
  readonly #field: Field;
  readonly #type: arrow.DataType;
  readonly #capacity: number;
  readonly #scale: number;
  readonly #wordsPerRow: number;
  #words!: Uint32Array;

  constructor(field: Field, type: arrow.DataType, capacity: number, scale: number, wordsPerRow: number) {
    this.#field = field;
    this.#type = type;
    this.#capacity = capacity;
    this.#scale = scale;
    this.#wordsPerRow = wordsPerRow;
    this.#start();
  }

  #start(): void {
    this.#words = new Uint32Array(this.#capacity * this.#wordsPerRow);
  }

  read(buf: Buffer, pos: number, _len: number, row: number): void {
    const ndigits = buf.readInt16BE(pos);
    const weight = buf.readInt16BE(pos + 2);
    const sign = buf.readUInt16BE(pos + 4);
    if (sign !== 0 && sign !== 0x4000) {
      const what = sign === 0xc000 ? "NaN" : sign === 0xd000 ? "Infinity" : "-Infinity";
      throw new Error(`column '${this.#field.name}' holds ${what}, which ${this.#field.type} cannot represent`);
    }
    const exponent = 4 * (weight - ndigits + 1) + this.#scale;
    let acc = 0;
    let fast = true;
    for (let i = 0; i < ndigits; i++) {
      acc = acc * 10_000 + buf.readInt16BE(pos + 8 + 2 * i);
      if (acc > SAFE / 10_000) {
        fast = false;
        break;
      }
    }
    if (fast && exponent < 0) acc /= 10 ** -exponent; // digits past the scale are zeros: exact
    else if (fast && exponent > 0) {
      fast = acc * 10 ** exponent <= SAFE;
      acc *= 10 ** exponent;
    }
    const base = row * this.#wordsPerRow;
    if (fast) {
      const v = sign === 0x4000 ? -acc : acc;
      const hi = Math.floor(v / TWO_32);
      this.#words[base] = v - hi * TWO_32;
      this.#words[base + 1] = hi;
      if (this.#wordsPerRow === 4) this.#words[base + 2] = this.#words[base + 3] = v < 0 ? 0xffffffff : 0;
      return;
    }
    let big = 0n;
    for (let i = 0; i < ndigits; i++) big = big * 10_000n + BigInt(buf.readInt16BE(pos + 8 + 2 * i));
    big = exponent >= 0 ? big * 10n ** BigInt(exponent) : big / 10n ** BigInt(-exponent);
    if (sign === 0x4000) big = -big;
    let u = BigInt.asUintN(this.#wordsPerRow * 32, big);
    for (let w = 0; w < this.#wordsPerRow; w++) {
      this.#words[base + w] = Number(u & 0xffffffffn);
      u >>= 32n;
    }
  }

  finish(length: number, nullBitmap: Uint8Array | undefined, nullCount: number): arrow.Data {
    const words = this.#words.subarray(0, length * this.#wordsPerRow);
    this.#start();
    const data = this.#wordsPerRow === 2 ? new BigUint64Array(words.buffer, 0, length) : words;
    return arrow.makeData({ type: this.#type as arrow.Decimal, length, nullCount, nullBitmap, data: data as Uint32Array });
  }
}

