/**
 * Caching over a real PostgreSQL: the modification_time key follows the table's write
 * counters (appends from this connection and from other sessions, updates, deletes,
 * TRUNCATE, re-creation, writes under a view); the snapshot key does not.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import * as xo from "../src/index.js";
import { describePg } from "./helpers/postgres.js";

const { _ } = xo;

async function run(expr: xo.Table): Promise<{ rows: Record<string, unknown>[]; events: xo.CacheEvent[] }> {
  const events: xo.CacheEvent[] = [];
  const t = await xo.defaultServices().execute(expr, { onCacheEvent: (e) => events.push(e) });
  return { rows: t.toArray().map((r) => r.toJSON() as Record<string, unknown>), events };
}

const keyOf = async (expr: xo.Table) => (await run(expr)).events.at(-1)!.key;

describePg("caching over PostgreSQL", () => {
  const dir = mkdtempSync(join(tmpdir(), "xorq-cache-pg-"));
  const saved = process.env.XORQ_CACHE_DIR;
  let con: xo.PostgresBackend;
  let orders: xo.Table;

  beforeAll(async () => {
    process.env.XORQ_CACHE_DIR = dir;
    con = xo.postgres.connectEnv({ name: "cache_pg" });
    await con.run("DROP TABLE IF EXISTS cache_orders CASCADE");
    await con.run("CREATE TABLE cache_orders AS SELECT g AS id, 'r' || (g % 3) AS region, (g * 10)::float8 AS amount FROM generate_series(1, 300) g");
    orders = await con.table("cache_orders");
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.XORQ_CACHE_DIR;
    else process.env.XORQ_CACHE_DIR = saved;
    for (const t of await con.listTables()) if (t.startsWith("_xorq_cache_")) await con.run(`DROP TABLE "${t}"`);
    await con.run("DROP TABLE IF EXISTS cache_orders CASCADE");
    await con.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const agg = () => orders.groupBy("region").agg({ total: _.amount.sum(), n: _.count() }).orderBy("region");
  const truth = async () => {
    const client = await con.connection();
    const r = await client.query("SELECT region, sum(amount)::float8 AS total, count(*)::int AS n FROM cache_orders GROUP BY region ORDER BY region");
    return r.rows.map((x: { region: string; total: number; n: number }) => ({ region: x.region, total: x.total, n: x.n }));
  };
  const plain = (rows: Record<string, unknown>[]) => rows.map((r) => ({ region: r.region, total: Number(r.total), n: Number(r.n) }));

  it("writes through this connection change the key at once; the snapshot key stays", async () => {
    const mtime = agg().cache(xo.ParquetCache.fromKwargs());
    const snap = agg().cache(xo.ParquetSnapshotCache.fromKwargs());
    const first = await run(mtime);
    expect(first.events[0]!.status).toBe("computed");
    expect(plain(first.rows)).toEqual(await truth());
    const s0 = await keyOf(snap);
    expect(await run(mtime).then((r) => r.events[0])).toMatchObject({ key: first.events[0]!.key, status: "cached" });

    const seen = [first.events[0]!.key];
    for (const write of [
      "INSERT INTO cache_orders VALUES (301, 'r0', 5)",
      "UPDATE cache_orders SET amount = amount + 1 WHERE id = 7",
      "DELETE FROM cache_orders WHERE id = 8",
    ]) {
      await con.run(write);
      const r = await run(mtime);
      expect(r.events[0]!.status).toBe("computed");
      expect(seen).not.toContain(r.events[0]!.key);
      seen.push(r.events[0]!.key);
      expect(plain(r.rows)).toEqual(await truth());
      expect(await keyOf(snap)).toBe(s0);
    }
  });

  it("an append from another session changes the key once that session reports it", async () => {
    const mtime = agg().cache(xo.ParquetCache.fromKwargs());
    const before = await keyOf(mtime);
    const other = new pg.Client();
    await other.connect();
    await other.query("INSERT INTO cache_orders VALUES (400, 'r1', 1)");
    await other.end(); // a session reports its counters when it ends
    let after = before;
    for (let i = 0; i < 150 && after === before; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await keyOf(mtime);
    }
    expect(after).not.toBe(before);
    expect(plain((await run(mtime)).rows)).toEqual(await truth());
  });

  it("TRUNCATE and re-creating the table change the key", async () => {
    await con.run("CREATE TABLE cache_tr AS SELECT 1 AS x");
    try {
      const expr = (await con.table("cache_tr")).agg({ n: _.count() }).cache(xo.SourceCache.fromKwargs());
      const k1 = await keyOf(expr);
      await con.run("TRUNCATE cache_tr");
      const k2 = await keyOf(expr);
      expect(k2).not.toBe(k1);
      await con.run("DROP TABLE cache_tr");
      await con.run("CREATE TABLE cache_tr AS SELECT 1 AS x WHERE false");
      expect(await keyOf(expr)).not.toBe(k2);
    } finally {
      await con.run("DROP TABLE IF EXISTS cache_tr");
    }
  });

  it("signs a view by the tables it reads", async () => {
    await con.run("CREATE OR REPLACE VIEW cache_big AS SELECT * FROM cache_orders WHERE amount > 1000");
    const expr = (await con.table("cache_big")).agg({ n: _.count() }).cache(xo.ParquetCache.fromKwargs());
    const k1 = await keyOf(expr);
    await con.run("INSERT INTO cache_orders VALUES (500, 'r2', 5000)");
    const r = await run(expr);
    expect(r.events[0]!.key).not.toBe(k1);
    const client = await con.connection();
    expect(Number(r.rows[0]!.n)).toBe(Number((await client.query("SELECT count(*) AS n FROM cache_big")).rows[0].n));
  });

  it("source storage keeps the entry as a table in PostgreSQL", async () => {
    const expr = agg().cache(xo.SourceSnapshotCache.fromKwargs({ source: con }));
    const r = await run(expr);
    const table = `_xorq_cache_${r.events[0]!.key.slice(0, 40)}`;
    expect(await con.listTables()).toContain(table);
    expect(plain(r.rows)).toEqual(await truth());
    expect((await run(expr)).events[0]!.status).toBe("cached");
  });
});
