/**
 * Caching on embedded DuckDB with real change signals: files rewritten on disk, rows
 * written into tables, entries expiring, caches in the middle of an expression.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as xo from "../src/index.js";

const { _ } = xo;

/** Runs `expr` and returns its rows plus the cache events it produced. */
async function runWithEvents(expr: xo.Table): Promise<{ rows: Record<string, unknown>[]; events: xo.CacheEvent[] }> {
  const events: xo.CacheEvent[] = [];
  const table = await xo.defaultServices().execute(expr, { onCacheEvent: (e) => events.push(e) });
  return { rows: table.toArray().map((r) => r.toJSON() as Record<string, unknown>), events };
}

async function keyOf(expr: xo.Table): Promise<{ key: string; status: string }> {
  const { events } = await runWithEvents(expr);
  expect(events).toHaveLength(1);
  return { key: events[0]!.key, status: events[0]!.status };
}

describe("cache keys follow the sources' change signals", () => {
  const dir = mkdtempSync(join(tmpdir(), "xorq-cache-"));
  const cacheDir = join(dir, "cache");
  const con = xo.connect({ name: "cache_duck" });
  const saved = process.env.XORQ_CACHE_DIR;

  beforeAll(() => {
    process.env.XORQ_CACHE_DIR = cacheDir;
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.XORQ_CACHE_DIR;
    else process.env.XORQ_CACHE_DIR = saved;
    await con.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("rewriting a parquet file changes the modification_time key, not the snapshot key", async () => {
    const file = join(dir, "sales.parquet");
    await con.run(`COPY (SELECT range AS id, range % 3 AS region, (range * 1.5)::DOUBLE AS amount FROM range(30)) TO '${file}' (FORMAT parquet)`);
    const sales = await xo.deferredReadParquet(file, con);
    const agg = sales.groupBy("region").agg({ total: _.amount.sum(), n: _.count() }).orderBy("region");
    const mtime = agg.cache(xo.ParquetCache.fromKwargs());
    const snap = agg.cache(xo.ParquetSnapshotCache.fromKwargs());

    const m1 = await keyOf(mtime);
    const s1 = await keyOf(snap);
    expect(m1.status).toBe("computed");
    expect(s1.status).toBe("computed");
    expect(await keyOf(mtime)).toEqual({ key: m1.key, status: "cached" });
    expect(m1.key).not.toBe(s1.key);

    // Same size, same schema, different values: only the file's stat changes.
    await con.run(`COPY (SELECT range AS id, range % 3 AS region, (range * 2.5)::DOUBLE AS amount FROM range(30)) TO '${file}' (FORMAT parquet)`);
    const m2 = await runWithEvents(mtime);
    expect(m2.events[0]!.key).not.toBe(m1.key);
    expect(m2.events[0]!.status).toBe("computed");
    const totals = m2.rows.map((r) => r.total);
    expect(totals).toEqual([0, 1, 2].map((g) => [...Array(30).keys()].filter((i) => i % 3 === g).reduce((s, i) => s + i * 2.5, 0)));

    // The snapshot key is the structure only: still the first result.
    const s2 = await runWithEvents(snap);
    expect(s2.events[0]).toMatchObject({ key: s1.key, status: "cached" });
    expect(s2.rows.map((r) => r.total)).toEqual([0, 1, 2].map((g) => [...Array(30).keys()].filter((i) => i % 3 === g).reduce((s, i) => s + i * 1.5, 0)));

    // Touching the file (same bytes, new mtime) is a change too: the signal never reads data.
    const later = new Date(Date.now() + 5000);
    utimesSync(file, later, later);
    expect((await keyOf(mtime)).key).not.toBe(m2.events[0]!.key);
  });

  it("covers every file a glob reads, resolved as DuckDB resolves it", async () => {
    const parts = join(dir, "parts");
    rmSync(parts, { recursive: true, force: true });
    await con.run(`COPY (SELECT 1 AS x) TO '${join(dir, "parts-a.parquet")}' (FORMAT parquet)`);
    const expr = (await xo.deferredReadParquet(join(dir, "parts-*.parquet"), con)).agg({ s: _.x.sum() }).cache(xo.ParquetCache.fromKwargs());
    const k1 = await keyOf(expr);
    await con.run(`COPY (SELECT 2 AS x) TO '${join(dir, "parts-b.parquet")}' (FORMAT parquet)`);
    const r2 = await runWithEvents(expr);
    expect(r2.events[0]!.key).not.toBe(k1.key);
    expect(Number(r2.rows[0]!.s)).toBe(3);
  });

  it("signs the file a relative path reads, found as DuckDB finds it (file_search_path)", async () => {
    const searched = xo.connect({ name: "search_duck", config: { file_search_path: dir } });
    try {
      await searched.run(`COPY (SELECT 1 AS x) TO '${join(dir, "rel.parquet")}' (FORMAT parquet)`);
      const expr = (await xo.deferredReadParquet("rel.parquet", searched)).agg({ s: _.x.sum() }).cache(xo.ParquetCache.fromKwargs());
      const k1 = await keyOf(expr);
      expect((await keyOf(expr)).status).toBe("cached");
      await searched.run(`COPY (SELECT 5 AS x) TO '${join(dir, "rel.parquet")}' (FORMAT parquet)`);
      const r = await runWithEvents(expr);
      expect(r.events[0]!.key).not.toBe(k1.key);
      expect(Number(r.rows[0]!.s)).toBe(5);
    } finally {
      await searched.close();
    }
  });

  it("any write to a DuckDB table changes the key: insert, update, delete; equal contents give equal keys", async () => {
    await con.run("CREATE OR REPLACE TABLE orders AS SELECT range AS id, 'r' || (range % 4) AS region, range * 10 AS amount FROM range(1000)");
    const orders = await con.table("orders");
    const expr = orders.groupBy("region").agg({ total: _.amount.sum() }).orderBy("region").cache(xo.SourceCache.fromKwargs({ source: con }));
    const snap = orders.groupBy("region").agg({ total: _.amount.sum() }).orderBy("region").cache(xo.SourceSnapshotCache.fromKwargs({ source: con }));
    const k0 = await keyOf(expr);
    const s0 = await keyOf(snap);
    const keys = [k0.key];
    for (const write of [
      "INSERT INTO orders VALUES (1000, 'r0', 5)",
      "UPDATE orders SET amount = amount + 1 WHERE id = 7",
      "UPDATE orders SET amount = amount + 1 WHERE id = 7", // a second update of the same row
      "DELETE FROM orders WHERE id = 3",
    ]) {
      await con.run(write);
      const k = await keyOf(expr);
      expect(k.status).toBe("computed");
      expect(keys).not.toContain(k.key);
      keys.push(k.key);
      expect((await keyOf(snap)).key).toBe(s0.key);
    }
    // The served result is the current data.
    const { rows } = await runWithEvents(expr);
    const expected = await con.sql("SELECT region, sum(amount) AS total FROM orders GROUP BY region ORDER BY region");
    expect(rows.map((r) => Number(r.total))).toEqual((await expected.execute()).toArray().map((r) => Number(r.total)));

    // Rebuilding the same contents gives back the first key (and its stored table).
    await con.run("CREATE OR REPLACE TABLE orders AS SELECT range AS id, 'r' || (range % 4) AS region, range * 10 AS amount FROM range(1000)");
    expect(await keyOf(expr)).toEqual({ key: k0.key, status: "cached" });
  });

  it("signs the tables a SQL query names itself, through named inputs and nested caches", async () => {
    await con.run("CREATE OR REPLACE TABLE sq AS SELECT range AS i FROM range(10)");
    const a = await con.sql("SELECT i FROM sq WHERE i > 2");
    const b = (await con.sql("SELECT i * 2 AS j FROM a", { a })).cache(xo.ParquetCache.fromKwargs());
    const c = (await con.sql("SELECT sum(j) AS s FROM b", { b })).cache(xo.ParquetCache.fromKwargs());
    const first = await runWithEvents(c);
    expect(first.events.map((e) => e.status)).toEqual(["computed", "computed"]);
    expect(Number(first.rows[0]!.s)).toBe(84);
    const hit = await runWithEvents(c);
    expect(hit.events.map((e) => e.status)).toEqual(["cached"]);
    await con.run("INSERT INTO sq VALUES (100)");
    const after = await runWithEvents(c);
    expect(after.events.map((e) => e.status)).toEqual(["computed", "computed"]);
    expect(Number(after.rows[0]!.s)).toBe(284);
  });

  it("stores source entries as tables named by the key, found in the engine's table list", async () => {
    await con.run("CREATE OR REPLACE TABLE t_src AS SELECT range AS i FROM range(10)");
    const expr = (await con.table("t_src")).filter(_.i.gt(4)).cache(xo.SourceSnapshotCache.fromKwargs({ source: con }));
    const { events, rows } = await runWithEvents(expr);
    expect(rows.map((r) => Number(r.i))).toEqual([5, 6, 7, 8, 9]);
    const table = `_xorq_cache_${events[0]!.key.slice(0, 40)}`;
    expect(await con.listTables()).toContain(table);
    expect(events[0]!.location).toContain(table);
    // Deleting the entry makes the next run compute it again.
    await con.run(`DROP TABLE "${table}"`);
    expect((await keyOf(expr)).status).toBe("computed");
  });

  it(".cache() without a policy is Xorq's default: SourceCache in the expression's own engine", async () => {
    await con.run("CREATE OR REPLACE TABLE t_default AS SELECT range AS i FROM range(6)");
    const base = (await con.table("t_default")).filter(_.i.gt(2));
    expect(base.cache().hash()).toBe(base.cache(xo.SourceCache.fromKwargs()).hash());
    const first = await runWithEvents(base.cache());
    expect(first.rows.map((r) => Number(r.i))).toEqual([3, 4, 5]);
    expect(first.events.map((e) => e.status)).toEqual(["computed"]);
    expect(await con.listTables()).toContain(`_xorq_cache_${first.events[0]!.key.slice(0, 40)}`);
    expect((await keyOf(base.cache())).status).toBe("cached");
  });

  it("a cache in the middle caches that sub-expression; what is downstream reads it", async () => {
    await con.run("CREATE OR REPLACE TABLE mid AS SELECT range AS id, range % 5 AS g FROM range(100)");
    const base = (await con.table("mid")).filter(_.id.ge(10)).cache(xo.ParquetSnapshotCache.fromKwargs());
    const a = base.groupBy("g").agg({ n: _.count() }).orderBy("g");
    const b = base.filter(_.g.eq(0)).agg({ m: _.id.max() });
    const ra = await runWithEvents(a);
    expect(ra.events.map((e) => e.status)).toEqual(["computed"]);
    expect(ra.rows.map((r) => Number(r.n))).toEqual([18, 18, 18, 18, 18]);
    // A different downstream over the same cached sub-expression is served from the entry...
    await con.run("DELETE FROM mid WHERE id = 95"); // ...which a snapshot does not see.
    const rb = await runWithEvents(b);
    expect(rb.events.map((e) => [e.status, e.inputHash])).toEqual([["cached", ra.events[0]!.inputHash]]);
    expect(Number(rb.rows[0]!.m)).toBe(95);
    expect(existsSync(join(cacheDir, "parquet", `${ra.events[0]!.key}.parquet`))).toBe(true);
  });

  it("keys nested caches by the inner key", async () => {
    await con.run("CREATE OR REPLACE TABLE nest AS SELECT range AS id FROM range(10)");
    const inner = (await con.table("nest")).filter(_.id.lt(5)).cache(xo.ParquetSnapshotCache.fromKwargs());
    const outer = inner.agg({ s: _.id.sum() }).cache(xo.ParquetCache.fromKwargs());
    const first = await runWithEvents(outer);
    expect(first.events.map((e) => e.status)).toEqual(["computed", "computed"]);
    await con.run("INSERT INTO nest VALUES (1)");
    // The inner snapshot still serves its first result, so the outer result cannot change either.
    const second = await runWithEvents(outer);
    expect(second.events.map((e) => e.status)).toEqual(["cached"]);
    expect(Number(second.rows[0]!.s)).toBe(10);
  });

  it("an entry older than its ttl is recomputed", async () => {
    await con.run("CREATE OR REPLACE TABLE ttl_t AS SELECT 1 AS x");
    const expr = (await con.table("ttl_t")).cache(xo.ParquetTTLSnapshotCache.fromKwargs({ ttl: "1h" }));
    const first = await keyOf(expr);
    expect(first.status).toBe("computed");
    expect((await keyOf(expr)).status).toBe("cached");
    await con.run("UPDATE ttl_t SET x = 2");
    const file = join(cacheDir, "parquet", `${first.key}.parquet`);
    const old = new Date(Date.now() - 2 * 3600 * 1000);
    utimesSync(file, old, old);
    const again = await runWithEvents(expr);
    expect(again.events[0]).toMatchObject({ key: first.key, status: "computed" });
    expect(again.rows).toEqual([{ x: 2 }]);
    expect((await keyOf(expr)).status).toBe("cached");
  });

  it("the SPEC's penguins example runs offline as written", async () => {
    const pcon = xo.connect({ name: "penguins_duck" });
    try {
      const penguins = await xo.examples.penguins.fetch(pcon);
      const expr = penguins.groupBy("species").agg({ n: _.count() });
      const counts = (t: { toArray(): unknown[] }) =>
        Object.fromEntries(t.toArray().map((r) => { const o = (r as { toJSON(): Record<string, unknown> }).toJSON(); return [o.species, Number(o.n)]; }));
      const expected = { Gentoo: 124, Adelie: 152, Chinstrap: 68 };
      expect(counts(await expr.cache(xo.SourceCache.fromKwargs({ source: pcon })).execute())).toEqual(expected);
      expect(counts(await expr.cache(xo.ParquetCache.fromKwargs({ source: pcon })).execute())).toEqual(expected);
      expect(readdirSync(join(cacheDir, "parquet")).some((f) => f.endsWith(".parquet"))).toBe(true);
    } finally {
      await pcon.close();
    }
  });

  it("ships iris next to penguins, fetched into the default DuckDB when no connection is given", async () => {
    const iris = await xo.examples.iris.fetch();
    expect(iris.schema().map((f) => f.name)).toEqual(["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]);
    const bySpecies = await iris.groupBy("species").agg({ n: _.count(), petal: _.petal_length.mean() }).orderBy("species").execute();
    expect(bySpecies.toArray().map((r) => [r.species, Number(r.n), Math.round(Number(r.petal) * 1000) / 1000])).toEqual([
      ["Setosa", 50, 1.462],
      ["Versicolor", 50, 4.26],
      ["Virginica", 50, 5.552],
    ]);
    // The expression names the table, not the file: its hash does not depend on where the package is.
    expect(iris.node).toMatchObject({ kind: "table", name: "iris", backend: { name: "local" } });
  });
});

describe("cache entries are written atomically", () => {
  afterEach(() => undefined);
  it("a failed computation leaves no entry and no staging file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "xorq-cache-fail-"));
    const con = xo.connect({ name: "fail_duck" });
    try {
      await con.run("CREATE TABLE f AS SELECT '1' AS s UNION ALL SELECT 'x'");
      const expr = (await con.table("f")).mutate({ n: _.s.cast("int64") }).cache(xo.ParquetSnapshotCache.fromKwargs({ path: dir }));
      await expect(expr.execute()).rejects.toThrow(/Could not convert|Conversion Error/i);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      await con.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
