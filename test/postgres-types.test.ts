/**
 * Every type through a real PostgreSQL: PG -> Arrow (binary COPY decoded into Arrow
 * buffers) -> PG (Arrow encoded as binary COPY), compared value by value in JS and
 * row by row in SQL (EXCEPT ALL both ways).
 */
import * as arrow from "apache-arrow";
import { afterAll, beforeAll, expect, it } from "vitest";
import * as xo from "../src/index.js";
import { readInt128 } from "../src/backends/column-builder.js";
import { describePg } from "./helpers/postgres.js";

const S = "xt_types";

/** The text of a decimal128 cell, from its scaled integer. */
function decimalAt(col: arrow.Vector, i: number, scale: number): string | null {
  if (!col.isValid(i)) return null;
  const data = col.data[0]!;
  const v = readInt128(data.values as Uint32Array, i);
  const neg = v < 0n;
  const digits = (neg ? -v : v).toString().padStart(scale + 1, "0");
  return `${neg ? "-" : ""}${scale > 0 ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits}`;
}

/** A 64-bit cell (timestamps, times, int64) as a bigint. */
function int64At(col: arrow.Vector, i: number): bigint | null {
  return col.isValid(i) ? (col.data[0]!.values as BigInt64Array)[i]! : null;
}

const micros = (iso: string) => BigInt(Date.parse(iso)) * 1000n;

const STRINGS = [
  "it's \"quoted\"", "line1\nline2", "tab\there", "back\\slash \\N \\\\", "ünïcödé ✓ 🎉 中文", "", "\r\n crlf",
  "x".repeat(100_000), "comma,semi;pipe|", "\\.", "NULL",
];

describePg("PostgreSQL types round trip", () => {
  const pg = xo.postgres.connectEnv({ name: "pg_types" });

  beforeAll(async () => {
    await pg.run(`DROP SCHEMA IF EXISTS ${S} CASCADE; CREATE SCHEMA ${S};
      CREATE TYPE ${S}.mood AS ENUM ('sad', 'happy');
      CREATE DOMAIN ${S}.price AS numeric(10,3);
      CREATE TABLE ${S}.src (
        id int, i2 smallint, i8 bigint, n numeric(12,2), nbig numeric(38,10), nfree numeric, f4 real, f8 double precision,
        t text, vc varchar(20), b boolean, d date, ts timestamp, tstz timestamptz, tm time, by bytea, u uuid, j jsonb,
        iv interval, m ${S}.mood, p ${S}.price, arr int[]
      )`);
    const client = await pg.connection();
    const rows: unknown[][] = [
      [1, -32768, "9223372036854775807", "1234567890.12", "1234567890123456789012345678.1234567890", "123.4567890123456", 1.5, Math.PI,
        STRINGS[0], "abc", true, "2024-02-29", "2024-02-29 12:34:56.789012", "2024-02-29 12:34:56.789012+02", "23:59:59.999999",
        Buffer.from([0, 255, 16]), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", '{"a": [1, "x"]}', "1 day 02:03:04", "happy", "12.345", [1, 2]],
      [2, 32767, "-9223372036854775808", "-0.01", "-0.0000000001", "-5", "-0", -1e300,
        STRINGS[1], "", false, "1969-12-31", "1900-01-01 00:00:00", "1969-12-31 23:59:59.999999+00", "00:00:00",
        Buffer.alloc(0), "00000000-0000-0000-0000-000000000000", "[]", "-3 mons", "sad", "-0.001", []],
      [3, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null],
      [4, 0, "0", "0", "0", "0", 0, Number.NaN, STRINGS[2], null, true, "0001-01-01", "2999-12-31 23:59:59", "2262-04-11 23:47:16.854775+00", "12:00:00",
        Buffer.from("hello"), null, "null", "0", null, "0", null],
    ];
    for (const [k, s] of STRINGS.slice(3).entries()) rows.push([5 + k, k, String(k), String(k), String(k), String(k), k, k, s, null, null, null, null, null, null, null, null, null, null, null, null, null]);
    for (const r of rows) {
      await client.query(`INSERT INTO ${S}.src VALUES (${r.map((_, i) => `$${i + 1}`).join(", ")})`, r);
    }
  });

  afterAll(async () => {
    await pg.run(`DROP SCHEMA IF EXISTS ${S} CASCADE`);
    await pg.close();
  });

  it("maps catalog types (with numeric precision, domains, enums, arrays) to ours", async () => {
    expect(await pg.tableSchema(`${S}.src`)).toEqual([
      { name: "id", type: "int32" }, { name: "i2", type: "int16" }, { name: "i8", type: "int64" },
      { name: "n", type: "decimal(12,2)" }, { name: "nbig", type: "decimal(38,10)" }, { name: "nfree", type: "decimal(38,9)" },
      { name: "f4", type: "float32" }, { name: "f8", type: "float64" }, { name: "t", type: "string" }, { name: "vc", type: "string" },
      { name: "b", type: "boolean" }, { name: "d", type: "date" }, { name: "ts", type: "timestamp" },
      { name: "tstz", type: "timestamp('UTC')" }, { name: "tm", type: "time" }, { name: "by", type: "binary" },
      { name: "u", type: "uuid" }, { name: "j", type: "json" }, { name: "iv", type: "interval" }, { name: "m", type: "string" },
      { name: "p", type: "decimal(10,3)" }, { name: "arr", type: "string" },
    ]);
    // A query's schema comes from its row description, typmods included.
    expect(await pg.querySchema(`SELECT n * 2 AS n2, n::numeric(5,1) AS n5, p, t || 'x' AS tx FROM ${S}.src`)).toEqual([
      { name: "n2", type: "decimal(38,9)" }, { name: "n5", type: "decimal(5,1)" }, { name: "p", type: "decimal(10,3)" }, { name: "tx", type: "string" },
    ]);
  });

  it("reads every type into Arrow exactly", async () => {
    const result = await (await pg.table(`${S}.src`)).orderBy("id").execute();
    const col = (name: string) => result.getChild(name)!;
    expect(result.numRows).toBe(4 + STRINGS.length - 3);
    expect(col("id").type).toBeInstanceOf(arrow.Int32);
    expect([...col("i2")]).toEqual([-32768, 32767, null, 0, 0, 1, 2, 3, 4, 5, 6, 7]);
    expect([0, 1, 2, 3].map((i) => int64At(col("i8"), i))).toEqual([9223372036854775807n, -9223372036854775808n, null, 0n]);
    expect([0, 1, 2, 3].map((i) => decimalAt(col("n"), i, 2))).toEqual(["1234567890.12", "-0.01", null, "0.00"]);
    expect([0, 1, 2, 3].map((i) => decimalAt(col("nbig"), i, 10))).toEqual(["1234567890123456789012345678.1234567890", "-0.0000000001", null, "0.0000000000"]);
    expect([0, 1, 3].map((i) => decimalAt(col("nfree"), i, 9))).toEqual(["123.456789012", "-5.000000000", "0.000000000"]);
    expect([0, 1].map((i) => decimalAt(col("p"), i, 3))).toEqual(["12.345", "-0.001"]);
    expect([...col("f4")].slice(0, 4)).toEqual([1.5, -0, null, 0]);
    expect(col("f8").get(0)).toBe(Math.PI);
    expect(col("f8").get(1)).toBe(-1e300);
    expect(Number.isNaN(col("f8").get(3))).toBe(true);
    expect([...col("t")]).toEqual([STRINGS[0], STRINGS[1], null, STRINGS[2], ...STRINGS.slice(3)]);
    expect([...col("vc")].slice(0, 4)).toEqual(["abc", "", null, null]);
    expect([...col("b")].slice(0, 4)).toEqual([true, false, null, true]);
    const days = (iso: string) => Date.parse(iso) / 86_400_000;
    expect((col("d").data[0]!.values as Int32Array).slice(0, 2)).toEqual(Int32Array.from([days("2024-02-29"), days("1969-12-31")]));
    expect((col("d").data[0]!.values as Int32Array)[3]).toBe(-719162); // 0001-01-01
    expect(col("d").isValid(2)).toBe(false);
    expect([0, 1, 2, 3].map((i) => int64At(col("ts"), i))).toEqual([
      micros("2024-02-29T12:34:56.789Z") + 12n, micros("1900-01-01T00:00:00Z"), null, micros("2999-12-31T23:59:59Z"),
    ]);
    expect(col("tstz").type.timezone).toBe("UTC");
    expect([0, 1, 3].map((i) => int64At(col("tstz"), i))).toEqual([
      micros("2024-02-29T10:34:56.789Z") + 12n, -1n, 9223372036854775n, // past 2^53: the exact (BigInt) path
    ]);
    expect([0, 1, 3].map((i) => int64At(col("tm"), i))).toEqual([86_399_999_999n, 0n, 43_200_000_000n]);
    expect([...(col("by").get(0) as Uint8Array)]).toEqual([0, 255, 16]);
    expect((col("by").get(1) as Uint8Array).length).toBe(0);
    expect(col("by").get(2)).toBeNull();
    expect([...col("u")].slice(0, 4)).toEqual(["a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "00000000-0000-0000-0000-000000000000", null, null]);
    expect([...col("j")].slice(0, 4)).toEqual(['{"a": [1, "x"]}', "[]", null, "null"]);
    expect([...col("iv")].slice(0, 4)).toEqual(["1 day 02:03:04", "-3 mons", null, "00:00:00"]);
    expect([...col("m")].slice(0, 4)).toEqual(["happy", "sad", null, null]);
    expect([...col("arr")].slice(0, 4)).toEqual(["{1,2}", "{}", null, null]);
  });

  it("writes Arrow back into PostgreSQL without changing a value (EXCEPT ALL both ways)", async () => {
    const src = await pg.table(`${S}.src`);
    const table = await src.execute();
    await pg.ingest(`${S}.copy`, src.schema(), table.batches);
    const copied = await pg.tableSchema(`${S}.copy`);
    expect(copied).toEqual(src.schema());
    // nfree was read as decimal(38,9): compare it rounded; varchar/enum/domain/array columns come back as text.
    const cols = "id, i2, i8, n, nbig, round(nfree, 9) AS nfree, f4, f8, t, vc::text AS vc, b, d, ts, tstz, tm, by, u, j, iv, m::text AS m, p, arr::text AS arr";
    const diff = await pg.sql(`SELECT count(*) AS n FROM ((SELECT ${cols} FROM ${S}.src EXCEPT ALL SELECT ${cols} FROM ${S}.copy)
      UNION ALL (SELECT ${cols} FROM ${S}.copy EXCEPT ALL SELECT ${cols} FROM ${S}.src)) AS x`);
    expect(Number((await diff.execute()).getChild("n")!.get(0))).toBe(0);
    // And the copy reads back as the same Arrow data.
    const again = await (await pg.table(`${S}.copy`)).orderBy("id").execute();
    const first = await src.orderBy("id").execute();
    for (const f of first.schema.fields) {
      expect(again.getChild(f.name)!.data.map((d) => d.type.toString())).toEqual(first.getChild(f.name)!.data.map((d) => d.type.toString()));
      expect(JSON.stringify([...again.getChild(f.name)!], bigintJson)).toBe(JSON.stringify([...first.getChild(f.name)!], bigintJson));
    }
  });

  it("moves 150,000 generated rows across batch and network-chunk boundaries and back unchanged", async () => {
    await pg.run(`CREATE TABLE ${S}.big AS
      SELECT g AS id, (g * 7919) % 1000003 - 500000 AS i8, CASE WHEN g % 11 = 0 THEN NULL ELSE (g * 0.37)::numeric(14,3) END AS amount,
             g / 7.0::float8 AS ratio, CASE WHEN g % 13 = 0 THEN NULL ELSE repeat(chr(65 + g % 26) || E'\\t\\n\\\\é', 1 + g % 9) END AS label,
             CASE WHEN g % 5000 = 0 THEN repeat('z', 70000) ELSE '' END AS pad,
             g % 3 = 0 AS flag, DATE '2000-01-01' + (g % 20000) AS day,
             TIMESTAMPTZ '1990-05-01 00:00:00+00' + g * INTERVAL '37 seconds 123457 microseconds' AS at
        FROM generate_series(1, 150000) AS g`);
    const big = await pg.table(`${S}.big`);
    let batches = 0;
    let rows = 0;
    for await (const b of big.toBatches()) {
      batches++;
      rows += b.numRows;
      expect(b.numRows).toBeLessThanOrEqual(65_536);
    }
    expect(rows).toBe(150_000);
    expect(batches).toBeGreaterThanOrEqual(3);
    await pg.ingest(`${S}.big_copy`, big.schema(), big.toBatches());
    const diff = await pg.sql(`SELECT count(*) AS n FROM ((TABLE ${S}.big EXCEPT ALL TABLE ${S}.big_copy) UNION ALL (TABLE ${S}.big_copy EXCEPT ALL TABLE ${S}.big)) AS x`);
    expect(Number((await diff.execute()).getChild("n")!.get(0))).toBe(0);
  });

  it("round-trips DuckDB's types through PostgreSQL (DuckDB -> PG -> DuckDB)", async () => {
    const duck = xo.connect({ name: "duck_types" });
    await duck.run(`CREATE TABLE t AS SELECT * FROM (VALUES
      (1::TINYINT, 200::UTINYINT, 4000000000::UINTEGER, 18446744073709551615::UBIGINT, 1.25::FLOAT, 'a''b\\c'::VARCHAR, DATE '1999-12-31', TIMESTAMP '2000-01-01 00:00:00.000001', TIMESTAMPTZ '1970-01-01 00:00:00+00', INTERVAL 90 MINUTE),
      (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
      ((-128)::TINYINT, 0::UTINYINT, 0::UINTEGER, 0::UBIGINT, -0.5::FLOAT, '', DATE '2100-03-01', TIMESTAMP '1800-01-01 12:00:00', TIMESTAMPTZ '2038-01-19 03:14:08+00', INTERVAL 3 DAY)
    ) AS v(i1, u1, u4, u8, f4, s, d, ts, tz, iv)`);
    const t = await duck.table("t");
    const roundTrip = t.intoBackend(pg).mutate({ s2: xo._.s.concat("!") }).intoBackend(duck).drop("s2");
    const want = await t.execute();
    const got = await roundTrip.execute();
    expect(got.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(want.schema.fields.map((f) => `${f.name}:${f.type}`));
    const sorted = (tb: arrow.Table) => JSON.stringify(tb.toArray().map((r) => r.toJSON()).sort((a, b) => String(a.s).localeCompare(String(b.s))), bigintJson);
    expect(sorted(got)).toBe(sorted(want));
    await duck.close();
  });
});

function bigintJson(_k: string, v: unknown): unknown {
  if (typeof v === "bigint") return `${v}n`;
  if (v instanceof Uint8Array || v instanceof Uint32Array) return [...v];
  if (typeof v === "number" && Number.isNaN(v)) return "NaN";
  return v;
}
