/**
 * Issue 16: a windowed aggregate is one `f(x) OVER (...)` call, and the cast a dialect puts
 * around an aggregate goes around the whole call (the golden case window_aggregates shows
 * every form). Engines that have no DISTINCT window aggregates say so by name.
 */
import { describe, expect, it } from "vitest";
import * as xo from "../src/index.js";
import { orders } from "./helpers/golden-cases.js";

const { _ } = xo;

describe("window aggregates", () => {
  it("runs an integer sum and a mean over a window in DuckDB", async () => {
    const t = xo.memtable({ g: ["a", "a", "b"], x: [1, 2, 3] }, { schema: { g: "string", x: "int64" } });
    const out = await t.mutate({ s: _.x.sum().over({ partitionBy: "g" }), m: _.x.mean().over({ partitionBy: "g" }) }).orderBy("x").execute();
    expect(out.getChild("s")!.toArray()).toEqual(new BigInt64Array([3n, 3n, 3n]));
    expect([...out.getChild("m")!.toArray()]).toEqual([1.5, 1.5, 3]);
  });

  it("counts distinct values over a window where the engine can, and names the limit where it cannot", () => {
    const expr = orders.mutate({ k: _.qty.nunique().over({ partitionBy: "select" }) });
    expect(expr.toSql("duckdb")).toContain(`COUNT(DISTINCT "qty") OVER (PARTITION BY "select") AS "k"`);
    for (const dialect of ["postgres", "databricks"]) {
      expect(() => expr.toSql(dialect)).toThrow(`${dialect} cannot count distinct values over a window`);
    }
  });
});
