/**
 * BigQuery without a server: the conversion of its result values to Arrow (rows in
 * the REST API's wire form, as the backend reads them with `skipParsing`) and of Arrow
 * to what a load job gets. The SQL BigQuery gets is in test/golden.
 */
import * as arrow from "apache-arrow";
import { describe, expect, it } from "vitest";
import * as xo from "../src/index.js";
import { readInt128 } from "../src/backends/column-builder.js";
import { RowBatcher } from "../src/backends/row-batcher.js";
import { batchToNdjson, fromBigQueryType, loadSchema, plainDecimal, wireValue } from "../src/backends/bigquery/bigquery-values.js";

/** A result schema as BigQuery's REST API reports it. */
const FIELDS = [
  { name: "i", type: "INTEGER" }, { name: "n", type: "NUMERIC" }, { name: "bn", type: "BIGNUMERIC", precision: "38", scale: "20" },
  { name: "f", type: "FLOAT" }, { name: "b", type: "BOOLEAN" }, { name: "s", type: "STRING" }, { name: "by", type: "BYTES" },
  { name: "d", type: "DATE" }, { name: "dt", type: "DATETIME" }, { name: "t", type: "TIME" }, { name: "ts", type: "TIMESTAMP" },
  { name: "j", type: "JSON" }, { name: "arr", type: "INTEGER", mode: "REPEATED" },
  { name: "rec", type: "RECORD", fields: [{ name: "x", type: "INTEGER" }, { name: "y", type: "STRING" }] },
];

/** Rows in the API's wire form ({f: [{v}]}: every scalar a string, timestamps as int64 microseconds). */
const RAW = [
  { f: [
    { v: "9007199254740993" }, { v: "123456789012345678901234567.123456789" }, { v: "0.00000000000000000001" },
    { v: "NaN" }, { v: "true" }, { v: "it's \"ü\"\n\t\\" }, { v: Buffer.from([0, 255, 7]).toString("base64") },
    { v: "2024-02-29" }, { v: "2024-02-29T12:34:56.789012" }, { v: "23:59:59.999999" }, { v: "1709210096789012" },
    { v: '{"a":[1,"x"]}' }, { v: [{ v: "1" }, { v: "2" }] }, { v: { f: [{ v: "7" }, { v: "q" }] } },
  ] },
  { f: FIELDS.map((f) => ({ v: f.mode === "REPEATED" ? [] : null })) },
  { f: [
    { v: "-9223372036854775808" }, { v: "-0.000000001" }, { v: "-12345678901234567.89" }, { v: "-Infinity" }, { v: "false" },
    { v: "" }, { v: "" }, { v: "0001-01-01" }, { v: "1969-12-31T23:59:59.999999" }, { v: "00:00:00" }, { v: "-1" },
    { v: "null" }, { v: [] }, { v: null },
  ] },
];

describe("BigQuery results -> Arrow (offline)", () => {
  const schema: xo.Schema = FIELDS.map((f) => ({ name: f.name, type: fromBigQueryType(f) }));

  it("maps BigQuery's field types to ours", () => {
    expect(schema.map((f) => f.type)).toEqual([
      "int64", "decimal(38,9)", "decimal(38,20)", "float64", "boolean", "string", "binary", "date", "timestamp", "time",
      "timestamp('UTC')", "json", "json", "json",
    ]);
    expect(fromBigQueryType({ type: "NUMERIC", precision: "10", scale: "2" })).toBe("decimal(10,2)");
    expect(fromBigQueryType({ type: "GEOGRAPHY" })).toBe("string");
  });

  it("converts wire values exactly (no float for INT64 or NUMERIC, microseconds kept before 1970 too)", () => {
    const batcher = new RowBatcher(schema);
    for (const row of RAW) expect(batcher.push(row.f.map((cell, c) => wireValue(cell.v, FIELDS[c]!)))).toBeNull();
    const t = new arrow.Table([batcher.flush()!]);
    const col = (n: string) => t.getChild(n)!;
    const dec = (n: string, i: number) => readInt128(col(n).data[0]!.values as Uint32Array, i);
    expect([...col("i")]).toEqual([9007199254740993n, null, -9223372036854775808n]);
    expect(dec("n", 0)).toBe(123456789012345678901234567123456789n);
    expect(dec("n", 2)).toBe(-1n);
    expect(dec("bn", 0)).toBe(1n);
    expect(dec("bn", 2)).toBe(-1234567890123456789n * 10n ** 18n);
    expect(col("n").isValid(1)).toBe(false);
    expect(Number.isNaN(col("f").get(0))).toBe(true);
    expect(col("f").get(2)).toBe(-Infinity);
    expect([...col("b")]).toEqual([true, null, false]);
    expect([...col("s")]).toEqual(["it's \"ü\"\n\t\\", null, ""]);
    expect([...(col("by").get(0) as Uint8Array)]).toEqual([0, 255, 7]);
    expect((col("d").data[0]!.values as Int32Array)[0]).toBe(Date.parse("2024-02-29") / 86_400_000);
    expect((col("d").data[0]!.values as Int32Array)[2]).toBe(-719162);
    const micros = (n: string, i: number) => (col(n).data[0]!.values as BigInt64Array)[i];
    expect(micros("dt", 0)).toBe(BigInt(Date.parse("2024-02-29T12:34:56.789Z")) * 1000n + 12n);
    expect(micros("dt", 2)).toBe(-1n);
    expect(micros("t", 0)).toBe(86_399_999_999n);
    expect(micros("ts", 0)).toBe(1709210096789012n);
    expect(micros("ts", 2)).toBe(-1n);
    expect(col("ts").type.timezone).toBe("UTC");
    expect([...col("j")]).toEqual(['{"a":[1,"x"]}', null, "null"]);
    expect([...col("arr")]).toEqual(['["1","2"]', "[]", "[]"]);
    expect([...col("rec")]).toEqual(['{"x":"7","y":"q"}', null, null]);
  });

  it("reads decimals written with an exponent", () => {
    expect(plainDecimal("1E-20")).toBe("0.00000000000000000001");
    expect(plainDecimal("-1.5e3")).toBe("-1500");
    expect(plainDecimal("12.345E1")).toBe("123.45");
    expect(plainDecimal("42.1")).toBe("42.1");
  });
});

describe("Arrow -> a BigQuery load job (offline)", () => {
  it("writes newline-delimited JSON with exact text and a schema BigQuery reads back as ours", async () => {
    const schema: xo.Schema = [
      { name: "i", type: "int64" }, { name: "i32", type: "int32" }, { name: "p", type: "decimal(12,2)" }, { name: "big", type: "decimal(38,10)" },
      { name: "f", type: "float64" }, { name: "b", type: "boolean" }, { name: "s", type: "string" }, { name: "by", type: "binary" },
      { name: "d", type: "date" }, { name: "ts", type: "timestamp" }, { name: "tz", type: "timestamp('UTC')" }, { name: "t", type: "time" },
      { name: "j", type: "json" },
    ];
    const mem = xo.memtable({
      i: [9007199254740993n, null], i32: [-5, 7], p: ["-1234.50", "0.01"], big: ["1234567890123456789012345678.0000000001", null],
      f: [Number.NaN, 1.5], b: [true, null], s: ["a\"b\\c\nd ✓", null], by: [Uint8Array.from([1, 2, 250]), null],
      d: ["1969-12-31", "2024-02-29"], ts: ["2024-02-29 12:34:56.789012", null], tz: ["1970-01-01 00:00:00.000001+00:00", null],
      t: ["23:59:59.999999", null], j: ['{"k": [1, 2]}', null],
    }, { schema: Object.fromEntries(schema.map((f) => [f.name, f.type])) });
    const batch = (await mem.execute()).batches[0]!;
    const lines = batchToNdjson(batch, schema).trimEnd().split("\n").map((l) => JSON.parse(l));
    expect(lines[0]).toEqual({
      i: "9007199254740993", i32: -5, p: "-1234.50", big: "1234567890123456789012345678.0000000001", f: "NaN", b: true,
      s: "a\"b\\c\nd ✓", by: "AQL6", d: "1969-12-31", ts: "2024-02-29 12:34:56.789012", tz: "1970-01-01 00:00:00.000001+00:00",
      t: "23:59:59.999999", j: { k: [1, 2] },
    });
    expect(lines[1]).toEqual({ i32: 7, p: "0.01", f: 1.5, d: "2024-02-29" });
    const fields = loadSchema(schema).fields;
    expect(fields.map((f) => [f.name, f.type, f.precision ?? null, f.scale ?? null])).toEqual([
      ["i", "INT64", null, null], ["i32", "INT64", null, null], ["p", "NUMERIC", "12", "2"], ["big", "BIGNUMERIC", "38", "10"],
      ["f", "FLOAT64", null, null], ["b", "BOOL", null, null], ["s", "STRING", null, null], ["by", "BYTES", null, null],
      ["d", "DATE", null, null], ["ts", "DATETIME", null, null], ["tz", "TIMESTAMP", null, null], ["t", "TIME", null, null],
      ["j", "JSON", null, null],
    ]);
    // Reading that schema back gives our types again (int32 widens to int64: BigQuery has one integer type).
    expect(fields.map((f) => fromBigQueryType(f))).toEqual(schema.map((f) => (f.type === "int32" ? "int64" : f.type)));
  });

  it("loads nothing until asked: constructing a backend opens no connection and keeps references", () => {
    const bq = xo.bigquery.connectEnv({ name: "bq" });
    expect(bq.ref).toEqual({
      name: "bq", kind: "bigquery",
      params: { project_id: "${env:GCP_PROJECT}", dataset: "${env:BIGQUERY_DATASET:-}", location: "${env:BIGQUERY_LOCATION:-}" },
    });
    const duck = xo.connect({ name: "duck_bq_offline" });
    expect(xo.memtable({ a: [1] }).intoBackend(duck).intoBackend(bq).toSql()).toMatch(/FROM `_xorq_hop_[0-9a-f]+`/);
  });
});
