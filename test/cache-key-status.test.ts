/**
 * `expr.cacheKey()` / `expr.isCached()` (issue 16.5): an expression's cache key and
 * whether it is stored, asked before running it, agree with what a run then does.
 */
import { mkdtempSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import * as xo from "../src/index.js";

const { _ } = xo;

describe("cacheKey() and isCached() before running", () => {
  const dir = mkdtempSync(join(tmpdir(), "xorq-cache-status-"));
  const con = xo.connect({ name: "status_duck" });
  const services = new xo.Services();
  afterAll(async () => {
    await services.close();
    await con.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("parquet storage: the key is the one the run stores under, and isCached turns true after it", async () => {
    const file = join(dir, "sales.parquet");
    await con.run(`COPY (SELECT range AS id, (range * 1.5)::DOUBLE AS amount FROM range(20)) TO '${file}' (FORMAT parquet)`);
    const sales = await xo.deferredReadParquet(file, con);
    const expr = sales.filter(_.amount.gt(3)).cache(xo.ParquetCache.fromKwargs({ base_path: join(dir, "cache") }));

    const key = await expr.cacheKey(services);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(await expr.isCached(services)).toBe(false);

    const events: xo.CacheEvent[] = [];
    await services.execute(expr, { onCacheEvent: (e) => events.push(e) });
    expect(events.map((e) => [e.status, e.key])).toEqual([["computed", key]]);
    expect(await expr.isCached(services)).toBe(true);
    expect(await expr.cacheKey(services)).toBe(key);

    // A modification_time key follows the file: touching it gives a key nothing is stored under.
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(await expr.cacheKey(services)).not.toBe(key);
    expect(await expr.isCached(services)).toBe(false);
  });

  it("source storage: the entry is a table in the engine; the outermost cache is the one asked about", async () => {
    await con.run("CREATE TABLE status_orders AS SELECT * FROM (VALUES (1, 5), (2, 15), (3, 25)) v(id, amount)");
    const t = await con.table("status_orders");
    const inner = t.filter(_.amount.gt(1)).cache();
    const outer = inner.mutate({ double: _.amount.mul(2) }).cache();
    const above = outer.select("id", "double");
    expect(await above.isCached(services)).toBe(false);
    const events: xo.CacheEvent[] = [];
    await services.execute(above, { onCacheEvent: (e) => events.push(e) });
    const outerKey = await above.cacheKey(services);
    expect(outerKey).toBe(await outer.cacheKey(services));
    expect(outerKey).not.toBe(await inner.cacheKey(services));
    expect(events.map((e) => e.key)).toContain(outerKey);
    expect(await above.isCached(services)).toBe(true);
  });

  it("an expression without a cache says so", async () => {
    const t = xo.memtable({ a: [1] });
    await expect(t.cacheKey(services)).rejects.toThrow(/has no cache/);
  });
});
