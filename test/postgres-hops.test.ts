/**
 * Expressions spanning PostgreSQL and DuckDB against a real server: the snippet,
 * a PG -> DuckDB -> PG chain, files read by DuckDB for PostgreSQL, in-memory data moved
 * in, and what happens when something fails half-way. Expected results are computed
 * in JS from the same generated rows.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as arrow from "apache-arrow";
import { afterAll, beforeAll, expect, it } from "vitest";
import * as xo from "../src/index.js";
import { executeToTable } from "../src/backends/executor.js";
import { groupBy, makeSales, rng, rowsOf, sum } from "./helpers/data.js";
import { describePg } from "./helpers/postgres.js";

const { _ } = xo;
const S = "xt_hops";

interface User {
  id: number;
  region: string;
  active: boolean;
  signup: string;
}

function makeUsers(n: number): User[] {
  const r = rng(5);
  const regions = ["north", "south", "east", "west", "o'hare"];
  return Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    region: regions[Math.floor(r() * regions.length)]!,
    active: r() < 0.6,
    signup: `2023-${String(1 + Math.floor(r() * 12)).padStart(2, "0")}-15`,
  }));
}

const users = makeUsers(5000);
const sales = makeSales(3000);
const sortBy = <T>(rows: T[], key: (r: T) => string) => [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));

describePg("expressions across PostgreSQL and DuckDB", () => {
  const pg = xo.postgres.connectEnv({ name: "pg_hops" });
  const duck = xo.duckdb.connect({ name: "duck_hops" });
  const dir = mkdtempSync(join(tmpdir(), "xorq-pg-hops-"));

  beforeAll(async () => {
    await pg.run(`DROP SCHEMA IF EXISTS ${S} CASCADE; CREATE SCHEMA ${S}`);
    const u = xo.memtable(
      { id: users.map((x) => x.id), region: users.map((x) => x.region), active: users.map((x) => x.active), signup: users.map((x) => x.signup) },
      { schema: { id: "int64", region: "string", active: "boolean", signup: "date" } },
    );
    await pg.ingest(`${S}.users`, u.schema(), (await u.execute()).batches);
    const s = xo.memtable(sales);
    await pg.ingest(`${S}.sales`, s.schema(), (await s.execute()).batches);
    await pg.run(`CREATE TABLE ${S}.targets (region text PRIMARY KEY, target double precision);
      INSERT INTO ${S}.targets VALUES ('north', 1000), ('south', 2000), ('east', 3000), ('west', 4000), ('o''hare', 5000);
      CREATE TABLE ${S}.big AS SELECT g AS id, md5(g::text) AS h FROM generate_series(1, 300000) AS g`);
    await duck.ingest("sales_copy", s.schema(), (await s.execute()).batches);
    await duck.run(`COPY sales_copy TO '${join(dir, "sales.parquet")}' (FORMAT parquet)`);
    await duck.run(`COPY sales_copy TO '${join(dir, "sales.csv")}' (FORMAT csv, HEADER)`);
  });

  afterAll(async () => {
    await pg.run(`DROP SCHEMA IF EXISTS ${S} CASCADE`);
    await pg.close();
    await duck.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs the issue's snippet: filter in PostgreSQL, aggregate in DuckDB", async () => {
    const expr = (await pg.table(`${S}.users`))
      .filter(xo._.active.eq(true)) // runs in PostgreSQL
      .intoBackend(duck) // rows move as Arrow record batches
      .groupBy("region")
      .agg({ count: xo._.id.count() }) // runs in DuckDB
      .orderBy("region");
    const sql = expr.toSql();
    expect(sql).toMatch(/FROM "_xorq_hop_[0-9a-f]+"/);
    expect(sql).not.toContain("users");
    const got = rowsOf(await expr.execute());
    const want = sortBy([...groupBy(users.filter((u) => u.active), (u) => u.region)].map(([region, rows]) => ({ region, count: rows.length })), (r) => r.region);
    expect(got).toEqual(want);
  });

  it("chains PostgreSQL -> DuckDB -> PostgreSQL, joining engine-local tables on each side", async () => {
    await duck.run(`CREATE OR REPLACE TABLE managers AS SELECT * FROM (VALUES ('north', 'Ann'), ('south', 'Bo'), ('east', 'Cy'), ('west', 'Di')) AS v(region, manager)`);
    const managers = await duck.table("managers");
    const targets = await pg.table(`${S}.targets`);
    const expr = (await pg.table(`${S}.sales`))
      .filter(_.status.notNull()) // PostgreSQL
      .intoBackend(duck)
      .join(managers, "region") // DuckDB: inner join drops o'hare
      .groupBy("region", "manager")
      .agg({ total: _.amount.sum(), n: _.count() })
      .intoBackend(pg)
      .join(targets, "region") // PostgreSQL again
      .mutate({ share: _.total.div(_.target) })
      .orderBy("region");
    const got = rowsOf(await expr.execute());
    const names: Record<string, string> = { north: "Ann", south: "Bo", east: "Cy", west: "Di" };
    const goal: Record<string, number> = { north: 1000, south: 2000, east: 3000, west: 4000 };
    const kept = sales.filter((s) => s.status !== null && names[s.region]);
    const want = sortBy([...groupBy(kept, (s) => s.region)], ([r]) => r).map(([region, rows]) => ({
      region, manager: names[region], total: sum(rows.map((r) => r.amount)), n: rows.length, target: goal[region], share: sum(rows.map((r) => r.amount)) / goal[region]!,
    }));
    expect(got.map((r) => ({ ...r, total: Number((r.total as number).toFixed(6)), share: Number((r.share as number).toFixed(9)) }))).toEqual(
      want.map((w) => ({ ...w, total: Number(w.total.toFixed(6)), share: Number(w.share.toFixed(9)) })),
    );
  });

  it("reads parquet and CSV files for PostgreSQL through DuckDB", async () => {
    const pq = await pg.readParquet(join(dir, "sales.parquet"));
    expect(pq.schema()).toEqual(xo.memtable(sales).schema());
    expect(pq.toSql()).toMatch(/FROM "_xorq_read_[0-9a-f]+"/);
    const byRegion = pq.filter(_.qty.ge(5)).groupBy("region").agg({ n: _.count(), q: _.qty.sum() }).orderBy("region");
    const want = sortBy([...groupBy(sales.filter((s) => s.qty >= 5), (s) => s.region)], ([r]) => r).map(([region, rows]) => ({ region, n: rows.length, q: sum(rows.map((r) => r.qty)) }));
    expect(rowsOf(await byRegion.execute())).toEqual(want);
    // The same file through CSV, then on into DuckDB: file -> DuckDB -> PostgreSQL -> DuckDB.
    const csv = await xo.deferredReadCsv(join(dir, "sales.csv"), pg);
    const n = await csv.filter(_.status.eq("open")).intoBackend(duck).agg({ n: _.count() }).execute();
    expect(Number(n.getChild("n")!.get(0))).toBe(sales.filter((s) => s.status === "open").length);
  });

  it("moves in-memory data into PostgreSQL where an expression there consumes it", async () => {
    const bonus = xo.memtable({ region: ["north", "o'hare"], bonus: [1.5, 2] });
    const expr = (await pg.table(`${S}.targets`)).join(bonus, "region").mutate({ t2: _.target.mul(_.bonus) }).orderBy("region");
    expect(rowsOf(await expr.execute())).toEqual([
      { region: "north", target: 1000, bonus: 1.5, t2: 1500 },
      { region: "o'hare", target: 5000, bonus: 2, t2: 10000 },
    ]);
  });

  it("moves rows between two PostgreSQL connections (separate sessions)", async () => {
    const other = xo.postgres.connectEnv({ name: "pg_hops_other" });
    try {
      const expr = (await pg.table(`${S}.users`)).filter(_.active.eq(true)).intoBackend(other).groupBy("region").agg({ n: _.count() }).orderBy("region");
      expect(expr.toSql()).toMatch(/FROM "_xorq_hop_[0-9a-f]+"/);
      const want = sortBy([...groupBy(users.filter((u) => u.active), (u) => u.region)].map(([region, rows]) => ({ region, n: rows.length })), (r) => r.region);
      expect(rowsOf(await expr.execute())).toEqual(want);
    } finally {
      await other.close();
    }
  });

  it("compiles a hop into the engine the rows are already in as one query", async () => {
    const t = await pg.table(`${S}.users`);
    const expr = t.intoBackend(pg).filter(_.active.eq(false)).agg({ n: _.count() });
    expect(expr.toSql()).not.toContain("_xorq_hop_");
    expect(Number((await expr.execute()).getChild("n")!.get(0))).toBe(users.filter((u) => !u.active).length);
  });

  it("gives the session back when a reader stops early", async () => {
    const big = await pg.table(`${S}.big`);
    let seen = 0;
    for await (const b of big.toBatches()) {
      seen += b.numRows;
      break;
    }
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThan(300_000);
    const n = await big.agg({ n: _.count() }).execute();
    expect(Number(n.getChild("n")!.get(0))).toBe(300_000);
  });

  it("reports SQL errors with the SQL, the position and the model name, and keeps working", async () => {
    await expect(pg.sql(`SELECT id,\n  no_such_column FROM ${S}.users`)).rejects.toThrow(/column "no_such_column" does not exist \(SQLSTATE 42703\)[\s\S]*line 2, column 3 of the SQL/);
    const failing = (await pg.table(`${S}.users`)).mutate({ x: _.id.floordiv(0) });
    const err = await executeToTable(failing.node, { context: failing.context, label: "model users_x" }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(xo.ExecutionError);
    expect((err as Error).message).toMatch(/^model users_x: postgres 'pg_hops' failed: division by zero \(SQLSTATE 22012\)\nSQL:\n/);
    expect((err as xo.ExecutionError).sql).toContain(`"xt_hops"."users"`);
    const nan = await pg.sql(`SELECT 'NaN'::numeric(10,2) AS n`);
    await expect(nan.execute()).rejects.toThrow(/column 'n' holds NaN, which decimal\(10,2\) cannot represent/);
    expect(rowsOf(await (await pg.sql("SELECT 1 AS one")).execute())).toEqual([{ one: 1 }]);
  });

  it("leaves nothing behind when an ingest fails half-way", async () => {
    const schema: xo.Schema = [{ name: "x", type: "int32" }];
    const batch = new arrow.Table({ x: arrow.vectorFromArray([1, 2, 3], new arrow.Int32()) }).batches[0]!;
    async function* failing() {
      yield batch;
      throw new Error("source broke");
    }
    await expect(pg.ingest(`${S}.half`, schema, failing())).rejects.toThrow("source broke");
    expect(await pg.listTables()).not.toContain(`${S}.half`);
    // Replacing an existing table is atomic too: the old rows survive a failed replacement.
    await pg.ingest(`${S}.half`, schema, [batch]);
    await expect(pg.ingest(`${S}.half`, schema, failing())).rejects.toThrow("source broke");
    expect(rowsOf(await (await pg.table(`${S}.half`)).execute())).toEqual([{ x: 1 }, { x: 2 }, { x: 3 }]);
  });

  it("lists tables and says clearly when it cannot connect", async () => {
    expect(await pg.listTables()).toEqual(expect.arrayContaining([`${S}.users`, `${S}.sales`, `${S}.targets`]));
    const bad = xo.postgres.connect({ name: "nowhere", host: "127.0.0.1", port: 1, user: "x", database: "y" });
    await expect(bad.table("t")).rejects.toThrow(/cannot connect to postgres 'nowhere' \(x@127\.0\.0\.1:1\/y\): connect ECONNREFUSED/);
  });
});
