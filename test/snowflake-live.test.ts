/**
 * Snowflake for real, when SNOWFLAKE_ACCOUNT, SNOWFLAKE_USER, SNOWFLAKE_PASSWORD and
 * SNOWFLAKE_WAREHOUSE (plus SNOWFLAKE_DATABASE, SNOWFLAKE_SCHEMA) are set: every type
 * through Snowflake and back, and hops DuckDB -> Snowflake -> DuckDB.
 */
import { afterAll, expect, it } from "vitest";
import * as xo from "../src/index.js";
import { rowsOf } from "./helpers/data.js";
import { describeLive } from "./helpers/live.js";

const VARS = ["SNOWFLAKE_ACCOUNT", "SNOWFLAKE_USER", "SNOWFLAKE_PASSWORD", "SNOWFLAKE_WAREHOUSE", "SNOWFLAKE_DATABASE", "SNOWFLAKE_SCHEMA"];

describeLive("Snowflake (live)", VARS, () => {
  const sf = xo.snowflake.connectEnv({ name: "sf_live" });
  const duck = xo.connect({ name: "duck_sf_live" });

  afterAll(async () => {
    await sf.close();
    await duck.close();
  });

  it("types a query without running it and reads every type exactly", async () => {
    const q = `SELECT 9007199254740993::NUMBER(38,0) AS "I", -1234.50::NUMBER(12,2) AS "P", 'inf'::FLOAT AS "F", 'it''s ü'::VARCHAR AS "S",
      TRUE AS "B", TO_BINARY('00FF', 'HEX') AS "BIN", '1969-12-31'::DATE AS "D", '23:59:59.999999'::TIME AS "T",
      '2024-02-29 12:34:56.789012'::TIMESTAMP_NTZ AS "NTZ", '2024-02-29 12:34:56.789012 +02:00'::TIMESTAMP_TZ AS "TZ", PARSE_JSON('{"a":1}') AS "V"`;
    const t = await sf.sql(q);
    expect(t.schema().map((f) => f.type)).toEqual(["int64", "decimal(12,2)", "float64", "string", "boolean", "binary", "date", "time", "timestamp", "timestamp('UTC')", "json"]);
    const r = await t.execute();
    expect(r.getChild("I")!.get(0)).toBe(9007199254740993n);
    expect(r.getChild("F")!.get(0)).toBe(Infinity);
    expect(r.getChild("S")!.get(0)).toBe("it's ü");
    expect((r.getChild("TZ")!.data[0]!.values as BigInt64Array)[0]).toBe(BigInt(Date.parse("2024-02-29T10:34:56.789Z")) * 1000n + 12n);
  });

  it("moves rows DuckDB -> Snowflake -> DuckDB unchanged", async () => {
    const data = xo.memtable({ id: [1, 2, 3], name: ["a'b", null, "ü\n"], amount: ["1.25", "-0.01", null] }, { schema: { id: "int64", name: "string", amount: "decimal(12,2)" } });
    const local = data.intoBackend(duck);
    const there = local.intoBackend(sf).mutate({ twice: xo._.amount.mul(2) }).intoBackend(duck).orderBy("id");
    expect(rowsOf(await there.execute()).map((r) => [r.id, r.name])).toEqual([[1, "a'b"], [2, null], [3, "ü\n"]]);
  });
});
