import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import * as xo from "../src/index.js";

const { _ } = xo;

function orders() {
  return xo.memtable(
    { id: [1, 2, 3], region: ["n", "s", "n"], amount: [10.5, 20, 30], day: ["2024-01-01", "2024-02-01", "2024-03-01"] },
    { schema: { id: "int64", region: "string", amount: "float64", day: "date" } },
  );
}

function pipeline(t: xo.Table) {
  return t
    .filter(_.amount.gt(5).and(_.region.isin(["n", "s"])))
    .mutate({ doubled: _.amount.mul(2), m: _.day.month() })
    .groupBy("region")
    .agg({ total: _.doubled.sum(), n: _.count() })
    .orderBy("-total");
}

describe("building expressions", () => {
  it("knows the schema without running anything", () => {
    expect(pipeline(orders()).schema()).toEqual([
      { name: "region", type: "string" },
      { name: "total", type: "float64" },
      { name: "n", type: "int64" },
    ]);
  });

  it("rejects an unknown column, naming it and the columns that exist", () => {
    expect(() => orders().filter(_.amout.gt(1))).toThrowError(
      /column 'amout' not found in filter \(did you mean 'amount'\?\); available columns: id, region, amount, day/,
    );
    expect(() => orders().select("nope")).toThrowError(/column 'nope' not found/);
    expect(() => orders().groupBy("region").agg({ x: _.regio.max() })).toThrowError(/did you mean 'region'/);
  });

  it("rejects type mismatches where the expression is built", () => {
    expect(() => orders().filter(_.region.gt(5))).toThrowError(/cannot compare column 'region' \(string\) with literal 5 \(int32\)/);
    expect(() => orders().mutate({ x: _.region.add(1) })).toThrowError(/cannot apply add to column 'region'/);
    expect(() => orders().agg({ s: _.region.sum() })).toThrowError(/sum\(\) needs a numeric argument, got column 'region' of type string/);
    expect(() => orders().filter(_.amount)).toThrowError(/filter predicate must be boolean/);
    expect(() => orders().mutate({ y: _.region.year() })).toThrowError(/year\(\) expects date or timestamp/);
    expect(() => orders().groupBy("region").agg({ x: _.amount })).toThrowError(/'x' is not an aggregate/);
    expect(() => orders().union(orders().select("id"))).toThrowError(/union needs the same columns/);
  });

  it("gives the same hash for the same expression, and a different one for any change", () => {
    const a = pipeline(orders());
    const b = pipeline(orders());
    expect(a.hash()).toBe(b.hash());
    expect(a.hash()).toMatch(/^[0-9a-f]{64}$/);
    const variants = [
      orders().filter(_.amount.gt(6)),
      orders().filter(_.amount.ge(5)),
      orders().limit(2),
      orders().limit(2, 1),
      orders().orderBy("amount"),
      orders().orderBy("-amount"),
      xo.memtable({ id: [1, 2, 4], region: ["n", "s", "n"], amount: [10.5, 20, 30], day: ["2024-01-01", "2024-02-01", "2024-03-01"] }, { schema: { id: "int64", region: "string", amount: "float64", day: "date" } }),
    ];
    const hashes = new Set([orders().hash(), ...variants.map((v) => v.hash())]);
    expect(hashes.size).toBe(variants.length + 1);
  });

  it("gives the same hash in another process", () => {
    const script = `
      import * as xo from "./dist/index.js";
      const { _ } = xo;
      const t = xo.memtable({ id: [1, 2, 3], region: ["n", "s", "n"], amount: [10.5, 20, 30], day: ["2024-01-01", "2024-02-01", "2024-03-01"] },
        { schema: { id: "int64", region: "string", amount: "float64", day: "date" } });
      const e = t.filter(_.amount.gt(5).and(_.region.isin(["n", "s"]))).mutate({ doubled: _.amount.mul(2), m: _.day.month() })
        .groupBy("region").agg({ total: _.doubled.sum(), n: _.count() }).orderBy("-total");
      process.stdout.write(e.hash());`;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: new URL("..", import.meta.url).pathname }).toString();
    expect(out).toBe(pipeline(orders()).hash());
  });

  it("round-trips through YAML with the same hash and SQL", () => {
    const e = pipeline(orders()).join(orders().select("region", "id"), "region", { how: "left" });
    const yaml = e.toYaml();
    const back = xo.exprFromYaml(yaml);
    expect(xo.nodeHash(back)).toBe(e.hash());
    expect(xo.exprToYaml(back)).toBe(yaml);
    expect(xo.compile(back, xo.dialectFor("duckdb")).sql).toBe(e.toSql());
  });

  it("is immutable: methods return new tables and leave the original alone", () => {
    const t = orders();
    const before = t.hash();
    t.filter(_.amount.gt(1));
    t.mutate({ x: 1 });
    expect(t.hash()).toBe(before);
    expect(Object.isFrozen(t.node)).toBe(true);
  });
});
