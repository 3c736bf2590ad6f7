/**
 * Arrow record batches -> PostgreSQL's binary COPY format, read from Arrow's buffers
 * (no JS value per cell for numbers, dates, timestamps, text). Binary COPY has no
 * escaping: a string's UTF-8 bytes go through as they are, whatever they contain.
 *
 * The target table is created by `PostgresBackend.ingest` with the column types of
 * `wireKind`, so each encoder writes that type's binary "receive" representation
 * (https://www.postgresql.org/docs/current/sql-copy.html, binary format).
 */
import * as arrow from "apache-arrow";
import type { Field, Schema } from "../../expr/data-type.js";
import { decimalParts, isDecimal } from "../../expr/data-type.js";
import { exactData } from "../arrow-values.js";
import { COPY_SIGNATURE, PG_EPOCH_DAYS, PG_EPOCH_MICROS } from "./copy-binary-decoder.js";
import { wireKind } from "./postgres-types.js";

/** Size of the buffers handed to the connection (one CopyData message each). */
const CHUNK_BYTES = 1 << 18;
const TWO_32 = 4_294_967_296;
const SAFE = Number.MAX_SAFE_INTEGER;

/** Writes one cell of row `i` at `pos`; returns the new position. The caller made room for `maxBytes(i)`. */
interface CellEncoder {
  maxBytes(i: number): number;
  write(out: Buffer, pos: number, i: number): number;
}

export class BinaryCopyEncoder {
  readonly #schema: Schema;
  #out: Buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  #pos = 0;

  constructor(schema: Schema) {
    this.#schema = schema;
  }

  /** The file header; comes first. */
  header(): Buffer {
    const b = Buffer.alloc(19);
    COPY_SIGNATURE.copy(b, 0);
    return b; // flags 0, header extension length 0
  }

  /** The trailer (a field count of -1), after the last row. */
  trailer(): Buffer {
    const b = Buffer.alloc(2);
    b.writeInt16BE(-1, 0);
    return b;
  }

  /** Encodes a batch; yields filled buffers as they become full, plus the remainder. */
  *encode(batch: arrow.RecordBatch): Generator<Buffer> {
    if (batch.numCols !== this.#schema.length) {
      throw new Error(`batch has ${batch.numCols} columns, the table ${this.#schema.length}`);
    }
    const cells = this.#schema.map((f, c) => this.#cellEncoder(f, c, batch));
    const n = cells.length;
    for (let i = 0; i < batch.numRows; i++) {
      let need = 2;
      for (let c = 0; c < n; c++) need += 4 + cells[c]!.maxBytes(i);
      if (this.#pos + need > this.#out.length) {
        if (this.#pos > 0) yield this.#take();
        if (need > this.#out.length) this.#out = Buffer.allocUnsafe(need);
      }
      const out = this.#out;
      let pos = out.writeInt16BE(n, this.#pos);
      for (let c = 0; c < n; c++) pos = cells[c]!.write(out, pos, i);
      this.#pos = pos;
    }
    if (this.#pos > 0) yield this.#take();
  }

  #take(): Buffer {
    const full = this.#out.subarray(0, this.#pos);
    this.#out = Buffer.allocUnsafe(CHUNK_BYTES);
    this.#pos = 0;
    return full;
  }

  #cellEncoder(field: Field, c: number, batch: arrow.RecordBatch): CellEncoder {
    const data = exactData(batch.getChildAt(c)!, field);
    return withNulls(data, encoderFor(field, data));
  }
}

function withNulls(data: arrow.Data, inner: CellEncoder): CellEncoder {
  if (data.nullCount === 0 && data.typeId !== arrow.Type.Null) {
    return {
      maxBytes: inner.maxBytes,
      write(out, pos, i) {
        return inner.write(out, pos, i);
      },
    };
  }
  return {
    maxBytes: (i) => (data.getValid(i) ? inner.maxBytes(i) : 0),
    write(out, pos, i) {
      if (!data.getValid(i)) return out.writeInt32BE(-1, pos);
      return inner.write(out, pos, i);
    },
  };
}

function fixed(bytes: number, writeValue: (out: Buffer, pos: number, i: number) => void): CellEncoder {
  return {
    maxBytes: () => bytes,
    write(out, pos, i) {
      out.writeInt32BE(bytes, pos);
      writeValue(out, pos + 4, i);
      return pos + 4 + bytes;
    },
  };
}

function encoderFor(field: Field, data: arrow.Data): CellEncoder {
  const values = data.values as ArrayLike<number> & ArrayBufferView;
  const words = () => new Int32Array(values.buffer, values.byteOffset, values.length * 2);
  switch (wireKind(field.type)) {
    case "bool": {
      const bits = data.values as Uint8Array;
      const offset = data.offset;
      return fixed(1, (out, pos, i) => { out[pos] = (bits[(offset + i) >> 3]! >> ((offset + i) & 7)) & 1; });
    }
    case "int2":
      return fixed(2, (out, pos, i) => { out.writeInt16BE(values[i]!, pos); });
    case "int4":
      return fixed(4, (out, pos, i) => { out.writeInt32BE(values[i]!, pos); });
    case "int8": {
      if (field.type === "uint32") {
        return fixed(8, (out, pos, i) => { out.writeInt32BE(0, pos); out.writeUInt32BE(values[i]!, pos + 4); });
      }
      const w = words();
      return fixed(8, (out, pos, i) => { out.writeInt32BE(w[2 * i + 1]!, pos); out.writeInt32BE(w[2 * i]!, pos + 4); });
    }
    case "float4":
      return fixed(4, (out, pos, i) => { out.writeFloatBE(values[i]!, pos); });
    case "float8":
      return fixed(8, (out, pos, i) => { out.writeDoubleBE(values[i]!, pos); });
    case "date":
      return fixed(4, (out, pos, i) => {
        const d = values[i]!;
        out.writeInt32BE(d === 0x7fffffff || d === -0x80000000 ? d : d - PG_EPOCH_DAYS, pos);
      });
    case "time": {
      const w = words();
      return fixed(8, (out, pos, i) => { out.writeInt32BE(w[2 * i + 1]!, pos); out.writeInt32BE(w[2 * i]!, pos + 4); });
    }
    case "timestamp": {
      const w = words();
      return fixed(8, (out, pos, i) => writeTimestamp(out, pos, w[2 * i]!, w[2 * i + 1]!));
    }
    case "numeric":
      return numericEncoder(field, data);
    case "text":
    case "bytea": {
      const offsets = data.valueOffsets as Int32Array;
      const bytes = data.values as Uint8Array;
      return {
        maxBytes: (i) => offsets[i + 1]! - offsets[i]!,
        write(out, pos, i) {
          const start = offsets[i]!;
          const len = offsets[i + 1]! - start;
          out.writeInt32BE(len, pos);
          pos += 4;
          if (len < 24) for (let k = 0; k < len; k++) out[pos + k] = bytes[start + k]!;
          else out.set(bytes.subarray(start, start + len), pos);
          return pos + len;
        },
      };
    }
    case "null":
      return { maxBytes: () => 0, write: (out, pos) => out.writeInt32BE(-1, pos) };
  }
}

/** Unix-epoch microseconds (two int32 words) -> PostgreSQL-epoch microseconds, big-endian. */
function writeTimestamp(out: Buffer, pos: number, lo: number, hi: number): void {
  const loU = lo >>> 0;
  if ((hi === 0x7fffffff && loU === 0xffffffff) || (hi === -0x80000000 && loU === 0)) {
    out.writeInt32BE(hi, pos); // ±infinity keep their sentinel
    out.writeUInt32BE(loU, pos + 4);
    return;
  }
  const v = hi * TWO_32 + loU;
  if (v > -SAFE + PG_EPOCH_MICROS && v < SAFE) {
    const shifted = v - PG_EPOCH_MICROS;
    const h = Math.floor(shifted / TWO_32);
    out.writeInt32BE(h, pos);
    out.writeUInt32BE(shifted - h * TWO_32, pos + 4);
    return;
  }
  out.writeBigInt64BE(BigInt.asIntN(64, (BigInt(hi) << 32n) + BigInt(loU) - BigInt(PG_EPOCH_MICROS)), pos);
}

/**
 * numeric's binary form from a scaled integer: base-10000 digits aligned on the decimal
 * point, `weight` = index of the first digit's power of 10000, `dscale` = the scale.
 */
function numericEncoder(field: Field, data: arrow.Data): CellEncoder {
  const scale = isDecimal(field.type) ? decimalParts(field.type).scale : 0;
  const unsigned = field.type === "uint64";
  const words = data.values as Uint32Array;
  const stride = unsigned ? 2 : 4;
  const wordsOf = unsigned ? new Uint32Array(words.buffer, words.byteOffset, data.length * 2) : words;
  // Pad the scale to a multiple of 4 digits so the fraction fills whole base-10000 digits.
  const pad = (4 - (scale % 4)) % 4;
  const fracDigits = (scale + pad) / 4;
  const digits: number[] = [];
  return {
    maxBytes: () => 8 + 2 * 12,
    write(out, pos, i) {
      const b = i * stride;
      let negative = false;
      let small: number | null = null;
      let big = 0n;
      const w0 = wordsOf[b]!, w1 = wordsOf[b + 1]!;
      const w2 = stride === 4 ? wordsOf[b + 2]! : 0, w3 = stride === 4 ? wordsOf[b + 3]! : 0;
      if (w2 === 0 && w3 === 0 && w1 < 0x200000) small = w1 * TWO_32 + w0;
      else if (w2 === 0xffffffff && w3 === 0xffffffff && w1 >= 0xffe00000) {
        small = -((w1 | 0) * TWO_32 + w0); // two's complement below 2^53 in magnitude
        negative = true;
      } else {
        let v = 0n;
        for (let k = stride - 1; k >= 0; k--) v = (v << 32n) | BigInt(wordsOf[b + k]!);
        big = stride === 4 ? BigInt.asIntN(128, v) : v;
        negative = big < 0n;
        if (negative) big = -big;
      }
      digits.length = 0;
      if (small !== null) {
        let m = small * 10 ** pad;
        if (m <= SAFE) {
          while (m > 0) {
            const q = Math.floor(m / 10_000);
            digits.push(m - q * 10_000);
            m = q;
          }
        } else {
          big = BigInt(small);
          small = null;
        }
      }
      if (small === null) {
        let m = big * 10n ** BigInt(pad);
        while (m > 0n) {
          digits.push(Number(m % 10_000n));
          m /= 10_000n;
        }
      }
      // digits are least significant first; drop trailing (fractional) zeros.
      let low = 0;
      while (low < digits.length && digits[low] === 0) low++;
      const ndigits = digits.length - low;
      const weight = ndigits === 0 ? 0 : digits.length - fracDigits - 1;
      const len = 8 + 2 * ndigits;
      out.writeInt32BE(len, pos);
      out.writeInt16BE(ndigits, pos + 4);
      out.writeInt16BE(weight, pos + 6);
      out.writeUInt16BE(negative && ndigits > 0 ? 0x4000 : 0, pos + 8);
      out.writeInt16BE(scale, pos + 10);
      let p = pos + 12;
      for (let k = digits.length - 1; k >= low; k--) p = out.writeInt16BE(digits[k]!, p);
      return p;
    },
  };
}
