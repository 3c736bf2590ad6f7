/**
 * DuckDB's change signal without rescanning an unchanged file-backed table: the row
 * checksum is remembered under the stat signature of the database file and its WAL.
 * Real files, real writes (through this connection and from other processes), and the
 * scan counter to see when rows were read. Child processes run the built package
 * (dist/, built by `npm test`'s tsc step).
 *
 * A signature is only remembered once its files are older than SETTLED_MS, so each
 * scenario waits for that once after creating its databases.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as xo from "../src/index.js";
import { SETTLED_MS, duckdbSignalCounters } from "../src/backends/duckdb/duckdb-change-signal.js";

const CHILD = new URL("./helpers/duckdb-signal-child.mjs", import.meta.url).pathname;
const ROOT = new URL("..", import.meta.url).pathname;
const run = promisify(execFile);

const dir = mkdtempSync(join(tmpdir(), "xorq-duckdb-signal-"));
const cacheDir = join(dir, "cache");
const saved = process.env.XORQ_CACHE_DIR;
beforeAll(() => {
  process.env.XORQ_CACHE_DIR = cacheDir;
});
afterAll(() => {
  if (saved === undefined) delete process.env.XORQ_CACHE_DIR;
  else process.env.XORQ_CACHE_DIR = saved;
  rmSync(dir, { recursive: true, force: true });
});

const settle = () => new Promise((r) => setTimeout(r, SETTLED_MS + 150));

/** The signal of `table`, and how many scans and memo hits reading it took. */
async function signalOf(con: xo.DuckDBBackend, table: string): Promise<{ signal: unknown; scans: number; memoHits: number }> {
  const scans = duckdbSignalCounters.scans;
  const memoHits = duckdbSignalCounters.memoHits;
  const signal = await con.changeSignal(table);
  return { signal, scans: duckdbSignalCounters.scans - scans, memoHits: duckdbSignalCounters.memoHits - memoHits };
}

async function child(file: string, action: "signal" | "run", arg: string): Promise<{ signal: unknown; scans: number; memoHits: number }> {
  const { stdout } = await run(process.execPath, [CHILD, file, action, arg], { cwd: ROOT, env: { ...process.env, XORQ_CACHE_DIR: cacheDir } });
  return action === "signal" ? JSON.parse(stdout) : { signal: null, scans: 0, memoHits: 0 };
}

const CREATE = "CREATE TABLE t AS SELECT range AS id, 'r' || (range % 7) AS region, range * 10 AS amount FROM range(5000)";

describe("file-backed DuckDB: the checksum is remembered while the files are unchanged", () => {
  it("insert, update and delete through this connection each change the signal after a memo hit", async () => {
    const writes = {
      insert: "INSERT INTO t VALUES (9999, 'r0', 5)",
      update: "UPDATE t SET amount = amount + 1 WHERE id = 7", // same width: the file sizes alone could not tell
      delete: "DELETE FROM t WHERE id = 3",
    };
    const cons = Object.fromEntries(Object.keys(writes).map((w) => [w, xo.connect({ name: `memo_${w}`, path: join(dir, `${w}.duckdb`) })]));
    try {
      for (const con of Object.values(cons)) await con.run(CREATE);
      const fresh = await signalOf(cons.insert!, "t");
      expect(fresh.scans).toBe(1); // just written: not settled, so not remembered
      expect((await signalOf(cons.insert!, "t")).scans).toBe(1);
      await settle();
      for (const [what, sql] of Object.entries(writes)) {
        const con = cons[what]!;
        const first = await signalOf(con, "t");
        expect(first.scans).toBe(1);
        const again = await signalOf(con, "t");
        expect(again).toEqual({ signal: first.signal, scans: 0, memoHits: 1 });
        if (what === "insert") expect(first.signal).toEqual(fresh.signal);
        await con.run(sql);
        const changed = await signalOf(con, "t");
        expect(changed.scans, what).toBe(1);
        expect(changed.signal, what).not.toEqual(first.signal);
      }
    } finally {
      for (const con of Object.values(cons)) await con.close();
    }
  });

  it("a new process reuses the memo (no scan); a write by another process between runs is seen", async () => {
    const file = join(dir, "shared.duckdb");
    const con = xo.connect({ name: "memo_shared", path: file });
    await con.run(CREATE);
    const here = await signalOf(con, "t");
    await con.close(); // DuckDB lets one process write a file at a time
    await settle();

    const first = await child(file, "signal", "t");
    expect(first).toMatchObject({ signal: here.signal, scans: 1, memoHits: 0 });
    const second = await child(file, "signal", "t");
    expect(second).toEqual({ signal: here.signal, scans: 0, memoHits: 1 });
    expect(readdirSync(join(cacheDir, "signals")).filter((f) => f.endsWith(".tmp"))).toEqual([]);

    await child(file, "run", "UPDATE t SET region = 'changed' WHERE id = 42");
    const third = await child(file, "signal", "t");
    expect(third.scans).toBe(1);
    expect(third.signal).not.toEqual(here.signal);

    // Putting the old value back gives the old content, and so the old signal.
    await child(file, "run", "UPDATE t SET region = 'r0' WHERE id = 42");
    expect((await child(file, "signal", "t")).signal).toEqual(here.signal);
  });

  it("a ParquetCache over a file-backed table: served without a scan, recomputed after a write", async () => {
    const con = xo.connect({ name: "memo_cache", path: join(dir, "cache-e2e.duckdb") });
    try {
      await con.run(CREATE);
      await settle();
      const expr = (await con.table("t")).groupBy("region").agg({ total: xo._.amount.sum() }).orderBy("region").cache(xo.ParquetCache.fromKwargs());
      const statuses = async () => {
        const events: xo.CacheEvent[] = [];
        const scans = duckdbSignalCounters.scans;
        const table = await xo.defaultServices().execute(expr, { onCacheEvent: (e) => events.push(e) });
        return { events: events.map((e) => e.status), scans: duckdbSignalCounters.scans - scans, total: Number(table.getChild("total")!.get(0)) };
      };
      const computed = await statuses();
      expect(computed.events).toEqual(["computed"]);
      expect(await statuses()).toEqual({ events: ["cached"], scans: 0, total: computed.total });
      await con.run("UPDATE t SET amount = amount + 1 WHERE id = 0"); // region r0 is the first row
      expect(await statuses()).toEqual({ events: ["computed"], scans: 1, total: computed.total + 1 });
    } finally {
      await con.close();
    }
  });
});

describe("where the memo does not apply, the rows are scanned every time", () => {
  it("an in-memory database", async () => {
    const con = xo.connect({ name: "memo_memory" });
    try {
      await con.run(CREATE);
      await settle();
      expect((await signalOf(con, "t")).scans).toBe(1);
      expect((await signalOf(con, "t")).scans).toBe(1);
    } finally {
      await con.close();
    }
  });

  it("a temporary table shadowing a remembered table, an explicit transaction, a view over a file; a view over tables is remembered", async () => {
    const con = xo.connect({ name: "memo_cases", path: join(dir, "cases.duckdb") });
    try {
      await con.run(CREATE);
      await con.run("CREATE VIEW big AS SELECT * FROM t WHERE amount > 100");
      await con.run(`COPY (SELECT 1 AS x) TO '${join(dir, "x.csv")}'`);
      await con.run(`CREATE VIEW from_csv AS SELECT * FROM read_csv('${join(dir, "x.csv")}')`);
      await settle();
      const base = await signalOf(con, "t");
      expect((await signalOf(con, "t")).memoHits).toBe(1);

      // A view over file-backed tables is remembered too, under its own plan.
      const view = await signalOf(con, "big");
      expect(view.scans).toBe(1);
      expect(view.signal).not.toEqual(base.signal);
      expect(await signalOf(con, "big")).toEqual({ signal: view.signal, scans: 0, memoHits: 1 });
      // A view reading a file is scanned every time: the database files say nothing about the CSV.
      expect((await signalOf(con, "from_csv")).scans).toBe(1);
      expect((await signalOf(con, "from_csv")).scans).toBe(1);

      // Uncommitted writes are visible to this connection, not in any file.
      await con.run("BEGIN");
      await con.run("DELETE FROM t WHERE id < 10");
      const inside = await signalOf(con, "t");
      expect(inside.scans).toBe(1);
      expect(inside.signal).not.toEqual(base.signal);
      await con.run("ROLLBACK");
      expect(await signalOf(con, "t")).toEqual({ signal: base.signal, scans: 0, memoHits: 1 });

      // The name now means a temporary table (memory only, this connection only).
      await con.run("CREATE TEMP TABLE t AS SELECT 1 AS id");
      const shadowed = await signalOf(con, "t");
      expect(shadowed.scans).toBe(1);
      expect(shadowed.signal).toEqual({ kind: "duckdb_row_checksum", rows: "1", hash_sum: expect.any(String) });
      expect((await signalOf(con, "t")).scans).toBe(1);
      await con.run("DROP TABLE temp.main.t");
      expect(await signalOf(con, "t")).toEqual({ signal: base.signal, scans: 0, memoHits: 1 });
    } finally {
      await con.close();
    }
  });
});
