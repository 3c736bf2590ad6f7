/**
 * BigQuery for real, when GCP_PROJECT, BIGQUERY_DATASET and credentials
 * (GOOGLE_APPLICATION_CREDENTIALS) are set: every type through BigQuery and back, and
 * hops DuckDB -> BigQuery -> DuckDB.
 */
import { afterAll, expect, it } from "vitest";
import * as xo from "../src/index.js";
import { rowsOf } from "./helpers/data.js";
import { describeLive } from "./helpers/live.js";

describeLive("BigQuery (live)", ["GOOGLE_APPLICATION_CREDENTIALS", "GCP_PROJECT", "BIGQUERY_DATASET"], () => {
  const bq = xo.bigquery.connectEnv({ name: "bq_live" });
  const duck = xo.connect({ name: "duck_bq_live" });

  afterAll(async () => {
    await bq.close();
    await duck.close();
  });

  it("types a query with a dry run and reads every type exactly", async () => {
    const t = await bq.sql(`SELECT 9007199254740993 AS i, NUMERIC '-1234.50' AS p, CAST('inf' AS FLOAT64) AS f, 'it\\'s ü' AS s, TRUE AS b,
      FROM_HEX('00ff') AS bin, DATE '1969-12-31' AS d, TIME '23:59:59.999999' AS t, DATETIME '2024-02-29 12:34:56.789012' AS dt,
      TIMESTAMP '1969-12-31 23:59:59.999999+00' AS ts, JSON '{"a":1}' AS j`);
    expect(t.schema().map((f) => f.type)).toEqual(["int64", "decimal(38,9)", "float64", "string", "boolean", "binary", "date", "time", "timestamp", "timestamp('UTC')", "json"]);
    const r = await t.execute();
    expect(r.getChild("i")!.get(0)).toBe(9007199254740993n);
    expect((r.getChild("ts")!.data[0]!.values as BigInt64Array)[0]).toBe(-1n);
  });

  it("moves rows DuckDB -> BigQuery -> DuckDB unchanged", async () => {
    const data = xo.memtable({ id: [1, 2, 3], name: ["a'b", null, "ü\n"] }, { schema: { id: "int64", name: "string" } });
    const there = data.intoBackend(duck).intoBackend(bq).mutate({ n2: xo._.name.concat("!") }).intoBackend(duck).orderBy("id");
    expect(rowsOf(await there.execute()).map((r) => [r.id, r.name, r.n2])).toEqual([[1, "a'b", "a'b!"], [2, null, null], [3, "ü\n", "ü\n!"]]);
  });
});
