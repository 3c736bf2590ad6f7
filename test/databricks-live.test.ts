/**
 * Databricks for real, when DATABRICKS_HOST, DATABRICKS_HTTP_PATH and DATABRICKS_TOKEN
 * are set (plus DATABRICKS_CATALOG and DATABRICKS_SCHEMA, where the test writes its
 * tables): every type through Databricks and back, hops DuckDB -> Databricks -> DuckDB,
 * and the change signal of a Delta table.
 */
import { afterAll, expect, it } from "vitest";
import * as xo from "../src/index.js";
import { rowsOf } from "./helpers/data.js";
import { describeLive } from "./helpers/live.js";

const VARS = ["DATABRICKS_HOST", "DATABRICKS_HTTP_PATH", "DATABRICKS_TOKEN"];

describeLive("Databricks (live)", VARS, () => {
  const dbx = xo.databricks.connectEnv({ name: "dbx_live" });
  const duck = xo.connect({ name: "duck_dbx_live" });
  const table = `xorq_live_${process.pid}`;

  afterAll(async () => {
    await dbx.run(`DROP TABLE IF EXISTS ${dbx.dialect.tableName(table)}`).catch(() => undefined);
    await dbx.close();
    await duck.close();
  });

  it("types a query without running it and reads every type exactly", async () => {
    const q = `SELECT CAST(9007199254740993 AS BIGINT) AS i, CAST(-1234.50 AS DECIMAL(12,2)) AS p, CAST('Infinity' AS DOUBLE) AS f,
      'it\\'s ü' AS s, TRUE AS b, X'00FF' AS bin, DATE '1969-12-31' AS d, TIMESTAMP_NTZ '2024-02-29 12:34:56.789012' AS ntz,
      TIMESTAMP '2024-02-29 12:34:56.789012+02:00' AS ts, ARRAY(1, 2) AS arr`;
    const t = await dbx.sql(q);
    expect(t.schema().map((f) => f.type)).toEqual(["int64", "decimal(12,2)", "float64", "string", "boolean", "binary", "date", "timestamp", "timestamp('UTC')", "json"]);
    const r = await t.execute();
    expect(r.getChild("i")!.get(0)).toBe(9007199254740993n);
    expect(r.getChild("f")!.get(0)).toBe(Infinity);
    expect(r.getChild("s")!.get(0)).toBe("it's ü");
    expect([...(r.getChild("bin")!.get(0) as Uint8Array)]).toEqual([0, 255]);
    expect((r.getChild("ts")!.data[0]!.values as BigInt64Array)[0]).toBe(BigInt(Date.parse("2024-02-29T10:34:56.789Z")) * 1000n + 12n);
    expect(JSON.parse(String(r.getChild("arr")!.get(0)))).toEqual([1, 2]);
  });

  it("moves rows DuckDB -> Databricks -> DuckDB unchanged", async () => {
    const data = xo.memtable({ id: [1, 2, 3], name: ["a'b", null, "ü\n"], amount: ["1.25", "-0.01", null] }, { schema: { id: "int64", name: "string", amount: "decimal(12,2)" } });
    const there = data.intoBackend(duck).intoBackend(dbx).mutate({ twice: xo._.amount.mul(2) }).intoBackend(duck).orderBy("id");
    expect(rowsOf(await there.execute()).map((r) => [r.id, r.name])).toEqual([[1, "a'b"], [2, null], [3, "ü\n"]]);
  });

  it("signs a Delta table by its version, which a write moves", async () => {
    const rows = xo.memtable({ id: [1, 2] }, { schema: { id: "int64" } });
    await dbx.ingest(table, [{ name: "id", type: "int64" }], (await rows.execute()).batches);
    const before = await dbx.changeSignal(table);
    expect(before).toMatchObject({ kind: "databricks_delta_version" });
    await dbx.run(`INSERT INTO ${dbx.dialect.tableName(table)} VALUES (3)`);
    expect(await dbx.changeSignal(table)).not.toEqual(before);
  });
});
