/**
 * Issue 16: `intoBackend(con, name)` names the table the rows land in, in the target
 * engine: the downstream SQL reads that table, and the name is part of the expression
 * (it is in the SQL an artifact stores), so it changes the hash; an unnamed hop keeps
 * its generated name and its hash.
 */
import { afterAll, describe, expect, it } from "vitest";
import * as xo from "../src/index.js";
import { describePg } from "./helpers/postgres.js";

const { _ } = xo;

describe("intoBackend(con, name)", () => {
  const source = xo.connect({ name: "hop_source" });
  const target = xo.connect({ name: "hop_target" });
  const rows = xo.memtable({ id: [1, 2, 3], x: [10, 20, 30] }, { schema: { id: "int64", x: "int64" } }).intoBackend(source);
  afterAll(async () => {
    await source.close();
    await target.close();
  });

  it("lands the rows in the named table, which the downstream SQL reads", async () => {
    const expr = rows.intoBackend(target, "landed_rows").filter(_.x.gt(15));
    expect(expr.toSql()).toContain(`FROM "landed_rows"`);
    const out = await expr.execute();
    expect([...out.getChild("id")!.toArray()]).toEqual([2n, 3n]);
    // A temporary table of the run: gone when the run ends.
    expect(await target.listTables()).not.toContain("landed_rows");
  });

  it("is part of the hash when given, and leaves unnamed hops as they were", () => {
    const unnamed = rows.intoBackend(target);
    const graph = unnamed.toGraph();
    expect(Object.keys(graph.nodes[graph.root]!)).toEqual(["op", "input", "backend", "schema"]);
    expect(unnamed.toSql()).toMatch(/FROM "_xorq_hop_[0-9a-f]{12}"/);
    const a = rows.intoBackend(target, "a");
    expect(a.hash()).not.toBe(unnamed.hash());
    expect(a.hash()).not.toBe(rows.intoBackend(target, "b").hash());
    expect(xo.nodeHash(xo.exprFromYaml(a.toYaml()))).toBe(a.hash());
  });

  it("names a table in the same engine too (the rows are copied there)", async () => {
    const out = await rows.intoBackend(source, "copy_here").filter(_.id.eq(1)).execute();
    expect([...out.getChild("x")!.toArray()]).toEqual([10n]);
  });

  it("rejects a name that is not a plain identifier, or one the tool generates", () => {
    expect(() => rows.intoBackend(target, "")).toThrow("intoBackend(): the table name must be");
    expect(() => rows.intoBackend(target, "s.t")).toThrow("intoBackend(): the table name must be");
    expect(() => rows.intoBackend(target, "_xorq_hop_1")).toThrow("_xorq_");
  });

  it("refuses two different inputs landing in one table name", () => {
    const other = rows.filter(_.id.gt(1));
    const both = rows.intoBackend(target, "same").union(other.intoBackend(target, "same"));
    expect(() => both.toSql()).toThrow(`two different inputs are moved into the table 'same'`);
  });
});

describePg("intoBackend(pg, name)", () => {
  const pg = xo.postgres.connectEnv({ name: "pg_named_hop" });
  afterAll(() => pg.close());

  it("lands the rows in a PostgreSQL temporary table of that name", async () => {
    const rows = xo.memtable({ id: [1, 2, 3] }, { schema: { id: "int64" } });
    const expr = rows.intoBackend(pg, "pg_landed").filter(_.id.ne(2));
    expect(expr.toSql()).toContain(`FROM "pg_landed"`);
    expect([...(await expr.execute()).getChild("id")!.toArray()].sort()).toEqual([1n, 3n]);
  });
});
