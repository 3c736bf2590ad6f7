/**
 * The binary COPY encoder and decoder against each other, without a server: every
 * type (edges included) written as PostgreSQL's binary format and read back into the
 * same Arrow values, across batch boundaries. The tests against a real PostgreSQL
 * (postgres-types.test.ts) check that the bytes are PostgreSQL's.
 */
import * as arrow from "apache-arrow";
import { describe, expect, it } from "vitest";
import * as xo from "../src/index.js";
import { BinaryCopyDecoder } from "../src/backends/postgres/copy-binary-decoder.js";
import { BinaryCopyEncoder } from "../src/backends/postgres/copy-binary-encoder.js";

const SCHEMA = {
  i1: "int8", i2: "int16", i4: "int32", i8: "int64", u1: "uint8", u2: "uint16", u4: "uint32", u8: "uint64",
  f4: "float32", f8: "float64", dec: "decimal(38,10)", small: "decimal(5,0)", s: "string", bin: "binary", b: "boolean",
  d: "date", t: "time", ts: "timestamp", tz: "timestamp('UTC')",
} as const;

const COLUMNS = {
  i1: [-128, 127, null, 0], i2: [-32768, 32767, null, 1], i4: [-2147483648, 2147483647, null, 2],
  i8: [-9223372036854775808n, 9223372036854775807n, null, 3n], u1: [0, 255, null, 4], u2: [0, 65535, null, 5],
  u4: [0, 4294967295, null, 6], u8: [0n, 18446744073709551615n, null, 7n], f4: [-0.5, 3.5, null, Number.NaN],
  f8: [-1e308, Math.PI, null, Number.POSITIVE_INFINITY],
  dec: ["-9999999999999999999999999999.9999999999", "0.0000000001", null, "12345.5"], small: ["-99999", "99999", null, "0"],
  s: ["", "tab\tnl\nquote'\"\\ ✓ 🎉", null, "x".repeat(70_000)], bin: [new Uint8Array(0), Uint8Array.from([0, 255, 10]), null, Uint8Array.from([13])],
  b: [true, false, null, true], d: ["0001-01-01", "1969-12-31", null, "2262-04-11"], t: ["00:00:00", "23:59:59.999999", null, "12:00:00.5"],
  ts: ["1969-12-31 23:59:59.999999", "2000-01-01 00:00:00", null, "2262-04-11 23:47:16.854775"],
  tz: ["1900-01-01 00:00:00+00", "2024-02-29 12:34:56.789012+02:00", null, "1970-01-01 00:00:00.000001Z"],
};

function encodeAll(schema: xo.Schema, batches: ReadonlyArray<arrow.RecordBatch>): Buffer {
  const encoder = new BinaryCopyEncoder(schema);
  const parts: Buffer[] = [encoder.header()];
  for (const b of batches) parts.push(...encoder.encode(b));
  parts.push(encoder.trailer());
  return Buffer.concat(parts);
}

describe("binary COPY format (offline)", () => {
  it("reads back every type exactly what it wrote", async () => {
    const mem = xo.memtable(COLUMNS, { schema: SCHEMA });
    const schema = mem.schema();
    const table = await mem.execute();
    const bytes = encodeAll(schema, table.batches);
    expect(bytes.subarray(0, 11).toString("latin1")).toBe("PGCOPY\n\xff\r\n\0");
    const decoder = new BinaryCopyDecoder(schema, 3); // three rows a batch: the fourth starts a new one
    decoder.feed(bytes, 0, bytes.length);
    const batches = [...decoder.take(), decoder.end()!];
    expect(batches.map((b) => b.numRows)).toEqual([3, 1]);
    const back = new arrow.Table(batches);
    for (const f of table.schema.fields) {
      const want = table.getChild(f.name)!;
      const got = back.getChild(f.name)!;
      expect(String(got.type), f.name).toBe(String(want.type));
      for (let i = 0; i < want.length; i++) {
        const norm = (v: unknown) => (v instanceof Uint8Array || v instanceof Uint32Array ? [...v] : typeof v === "number" && Number.isNaN(v) ? "NaN" : v);
        expect(norm(got.get(i)), `${f.name}[${i}]`).toEqual(norm(want.get(i)));
        // get() turns microseconds into float milliseconds: compare the raw 64-bit values too.
        const raw = (v: arrow.Vector, row: number) => {
          const chunk = v.data.length === 1 ? { data: v.data[0]!, at: row } : row < 3 ? { data: v.data[0]!, at: row } : { data: v.data[1]!, at: row - 3 };
          return chunk.data.values instanceof BigInt64Array || chunk.data.values instanceof BigUint64Array ? chunk.data.values[chunk.at] : null;
        };
        if (want.isValid(i)) expect(raw(got, i), `${f.name}[${i}] raw`).toBe(raw(want, i));
      }
    }
  });

  it("refuses data it cannot trust instead of guessing", () => {
    const schema: xo.Schema = [{ name: "x", type: "int32" }];
    expect(() => new BinaryCopyDecoder(schema).feed(Buffer.from("not a copy stream at all"), 0, 24)).toThrow("not a PostgreSQL binary COPY stream");
    const decoder = new BinaryCopyDecoder(schema);
    const enc = new BinaryCopyEncoder(schema);
    decoder.feed(enc.header(), 0, 19);
    expect(() => decoder.end()).toThrow("the COPY data ended before its trailer");
    const twoFields = Buffer.from([0, 2, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 2]);
    expect(() => decoder.feed(twoFields, 0, twoFields.length)).toThrow("COPY row has 2 fields, expected 1");
  });
});
