/**
 * Snowflake without a server: result types and values (as the SDK returns them with
 * `fetchAsString` and our session formats) -> Arrow, and Arrow -> the statements and
 * binds Snowflake gets when a table is written. The query SQL is in test/golden.
 */
import * as arrow from "apache-arrow";
import { describe, expect, it } from "vitest";
import * as xo from "../src/index.js";
import { readInt128 } from "../src/backends/column-builder.js";
import { RowBatcher } from "../src/backends/row-batcher.js";
import { batchBinds, fromSnowflakeType, ingestStatements, snowflakeValue } from "../src/backends/snowflake/snowflake-values.js";
import { SnowflakeDialect } from "../src/backends/snowflake/snowflake-dialect.js";

describe("Snowflake results -> Arrow (offline)", () => {
  const columns = [
    { name: "ID", type: "fixed", precision: 38, scale: 0 }, { name: "PRICE", type: "fixed", precision: 12, scale: 2 },
    { name: "R", type: "real", precision: null, scale: null }, { name: "S", type: "text", precision: null, scale: null },
    { name: "B", type: "boolean", precision: null, scale: null }, { name: "BIN", type: "binary", precision: null, scale: null },
    { name: "D", type: "date", precision: null, scale: null }, { name: "T", type: "time", precision: 9, scale: 9 },
    { name: "NTZ", type: "timestamp_ntz", precision: 0, scale: 9 }, { name: "TZ", type: "timestamp_tz", precision: 0, scale: 9 },
    { name: "LTZ", type: "timestamp_ltz", precision: 0, scale: 9 }, { name: "V", type: "variant", precision: null, scale: null },
  ];
  const schema: xo.Schema = columns.map((c) => ({ name: c.name, type: fromSnowflakeType(c) }));

  it("maps Snowflake's column types to ours", () => {
    expect(schema.map((f) => f.type)).toEqual([
      "int64", "decimal(12,2)", "float64", "string", "boolean", "binary", "date", "time", "timestamp", "timestamp('UTC')", "timestamp('UTC')", "json",
    ]);
  });

  it("converts the SDK's values exactly", () => {
    // Numbers, dates and JSON arrive as strings (fetchAsString), in the formats SESSION_SQL sets.
    const rows: unknown[][] = [
      ["9223372036854775807", "-1234567890.12", "inf", "it's \"ü\"\n\\", true, Buffer.from([0, 255]), "2024-02-29", "23:59:59.999999",
        "2024-02-29 12:34:56.789012", "2024-02-29 12:34:56.789012 +02:00", "1969-12-31 23:59:59.999999 +00:00", '{\n  "a": 1\n}'],
      [null, null, null, null, null, null, null, null, null, null, null, null],
      ["-42", "0.05", "-1.5", "", false, Buffer.alloc(0), "0001-01-01", "00:00:00.000000", "1900-01-01 00:00:00.000000",
        "1970-01-01 00:00:00.000000 -05:30", "2262-04-11 23:47:16.854775 +00:00", "[1,2]"],
    ];
    const batcher = new RowBatcher(schema);
    for (const row of rows) batcher.push(schema.map((f, c) => snowflakeValue(row[c], f.type, f.name)));
    const t = new arrow.Table([batcher.flush()!]);
    const col = (n: string) => t.getChild(n)!;
    const micros = (n: string, i: number) => (col(n).data[0]!.values as BigInt64Array)[i];
    expect([...col("ID")]).toEqual([9223372036854775807n, null, -42n]);
    expect(readInt128(col("PRICE").data[0]!.values as Uint32Array, 0)).toBe(-123456789012n);
    expect(readInt128(col("PRICE").data[0]!.values as Uint32Array, 2)).toBe(5n);
    expect([...col("R")]).toEqual([Infinity, null, -1.5]);
    expect([...col("S")]).toEqual(["it's \"ü\"\n\\", null, ""]);
    expect([...col("B")]).toEqual([true, null, false]);
    expect([...(col("BIN").get(0) as Uint8Array)]).toEqual([0, 255]);
    expect((col("D").data[0]!.values as Int32Array)[2]).toBe(-719162);
    expect(micros("T", 0)).toBe(86_399_999_999n);
    expect(micros("NTZ", 0)).toBe(BigInt(Date.parse("2024-02-29T12:34:56.789Z")) * 1000n + 12n);
    expect(micros("TZ", 0)).toBe(BigInt(Date.parse("2024-02-29T10:34:56.789Z")) * 1000n + 12n);
    expect(micros("TZ", 2)).toBe(5n * 3600n * 1_000_000n + 30n * 60n * 1_000_000n);
    expect(micros("LTZ", 0)).toBe(-1n);
    expect(micros("LTZ", 2)).toBe(9223372036854775n);
    expect([...col("V")]).toEqual(['{\n  "a": 1\n}', null, "[1,2]"]);
  });

  it("refuses an integer outside int64 instead of wrapping it", () => {
    expect(() => snowflakeValue("99999999999999999999", "int64", "BIG")).toThrow("column 'BIG' holds 99999999999999999999, outside int64");
  });
});

describe("Arrow -> Snowflake (offline)", () => {
  const d = new SnowflakeDialect();
  const schema: xo.Schema = [
    { name: "id", type: "int64" }, { name: "amount", type: "decimal(12,2)" }, { name: "f", type: "float64" }, { name: "name", type: "string" },
    { name: "ok", type: "boolean" }, { name: "bin", type: "binary" }, { name: "d", type: "date" }, { name: "ts", type: "timestamp('UTC')" },
    { name: "doc", type: "json" },
  ];

  it("writes a temporary table with array binds, parsing JSON columns at the end", () => {
    expect(ingestStatements(d, "_xorq_hop_abc", schema, true)).toEqual({
      create: 'CREATE OR REPLACE TEMPORARY TABLE "_xorq_hop_abc" ("id" BIGINT, "amount" NUMBER(12,2), "f" FLOAT, "name" VARCHAR, "ok" BOOLEAN, "bin" BINARY, "d" DATE, "ts" TIMESTAMP_TZ, "doc" VARCHAR)',
      insert: 'INSERT INTO "_xorq_hop_abc" ("id", "amount", "f", "name", "ok", "bin", "d", "ts", "doc") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      finish: ['CREATE OR REPLACE TEMPORARY TABLE "_xorq_hop_abc" AS SELECT "id", "amount", "f", "name", "ok", "bin", "d", "ts", PARSE_JSON("doc") AS "doc" FROM "_xorq_hop_abc"'],
      cleanup: null,
    });
  });

  it("loads a permanent table under a staging name and swaps it in", () => {
    const plan = ingestStatements(d, "ANALYTICS.ORDERS", schema.slice(0, 2), false);
    expect(plan.create).toBe('CREATE OR REPLACE TABLE "ANALYTICS"."ORDERS__xorq_load" ("id" BIGINT, "amount" NUMBER(12,2))');
    expect(plan.insert).toBe('INSERT INTO "ANALYTICS"."ORDERS__xorq_load" ("id", "amount") VALUES (?, ?)');
    expect(plan.finish).toEqual([
      'CREATE TABLE IF NOT EXISTS "ANALYTICS"."ORDERS" LIKE "ANALYTICS"."ORDERS__xorq_load"',
      'ALTER TABLE "ANALYTICS"."ORDERS" SWAP WITH "ANALYTICS"."ORDERS__xorq_load"',
      'DROP TABLE "ANALYTICS"."ORDERS__xorq_load"',
    ]);
    expect(plan.cleanup).toBe('DROP TABLE IF EXISTS "ANALYTICS"."ORDERS__xorq_load"');
  });

  it("binds exact text for 64-bit integers, decimals and timestamps, hex for binary", async () => {
    const mem = xo.memtable({
      id: [9007199254740993n, null], amount: ["-0.05", "1234567890.12"], f: [Number.NaN, 2.5], name: ["a'b\n", null], ok: [true, false],
      bin: [Uint8Array.from([0, 171]), null], d: ["1969-12-31", "2024-02-29"], ts: ["2024-02-29 12:34:56.789012+00:00", null], doc: ['{"k":1}', null],
    }, { schema: Object.fromEntries(schema.map((f) => [f.name, f.type])) });
    const binds = batchBinds((await mem.execute()).batches[0]!, schema);
    expect(binds).toEqual([
      ["9007199254740993", "-0.05", "NaN", "a'b\n", true, "00ab", "1969-12-31", "2024-02-29 12:34:56.789012+00:00", '{"k":1}'],
      [null, "1234567890.12", 2.5, null, false, null, "2024-02-29", null, null],
    ]);
  });

  it("keeps a literal password out of the expression and loads nothing until asked", () => {
    const sf = xo.snowflake.connect({ name: "sf", account: "acme-xy123", user: "me", password: "hunter2-literal", warehouse: "WH" });
    expect(JSON.stringify(sf.ref)).not.toContain("hunter2");
    expect(xo.snowflake.connectEnv().ref.params).toMatchObject({ account: "${env:SNOWFLAKE_ACCOUNT}", password: "${env:SNOWFLAKE_PASSWORD:-}" });
  });
});
