#!/usr/bin/env node
// Benchmark for caching (issue 6): a cache hit (key + reading the stored result) against
// recomputing a 1M-row aggregate, and the cost of one source's key check per engine
// (files, DuckDB in memory and file-backed, PostgreSQL when a server is up).
//
//   npx tsc -p tsconfig.json && node bench/cache.mjs
//   XORQ_TEST_CMD="node bench/cache.mjs" node scripts/test.mjs     # adds PostgreSQL (a throwaway server)
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import * as xo from "../dist/index.js";
import { ExecutionRun } from "../dist/backends/executor.js";
import { cacheKeyOf } from "../dist/cache/cache-key.js";
import { SETTLED_MS, duckdbSignalCounters } from "../dist/backends/duckdb/duckdb-change-signal.js";

const { _ } = xo;

if (process.argv[2] === "--key-in-new-process") {
  // One key check of a file-backed table in a fresh process, after a warm-up query on the connection.
  const con = xo.connect({ name: "bench_file", path: process.argv[3] });
  await con.run("SELECT 1");
  const expr = (await con.table("t1000000")).limit(1).cache(xo.ParquetCache.fromKwargs());
  const t0 = performance.now();
  await cacheKeyOf(expr.node, new ExecutionRun({ context: expr.context }));
  process.stdout.write(JSON.stringify({ ms: performance.now() - t0, ...duckdbSignalCounters }));
  await con.close();
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), "xorq-bench-cache-"));
process.env.XORQ_CACHE_DIR = join(dir, "cache");
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function time(fn, runs = 15) {
  await fn(); // warm
  const out = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return median(out);
}
const ms = (x) => `${x.toFixed(x < 10 ? 2 : 1)} ms`;
const rows = [];
const row = (what, value, note = "") => {
  rows.push([what, value, note]);
  console.log(`${what.padEnd(72)} ${value.padStart(10)}  ${note}`);
};

/** The key of an expression's outermost cache node, computed in a fresh run (no memo). */
async function keyTime(expr, runs = 25) {
  return time(() => cacheKeyOf(expr.node, new ExecutionRun({ context: expr.context })), runs);
}

const con = xo.connect({ name: "bench" });
const N = 1_000_000;
await con.run(`CREATE TABLE sales AS SELECT range AS id, 'region_' || (range % 97) AS region, (range % 1000) / 10.0 AS amount, range % 7 AS qty FROM range(${N})`);
const file = join(dir, "sales.parquet");
await con.run(`COPY sales TO '${file}' (FORMAT parquet)`);

console.log(`# 1M-row aggregate (97 groups): recompute vs cache hit\n`);
const fromFile = await xo.deferredReadParquet(file, con);
const fromTable = await con.table("sales");
const aggregate = (t) => t.groupBy("region").agg({ total: _.amount.sum(), n: _.count(), q: _.qty.mean() });

for (const [label, source] of [["parquet file", fromFile], ["DuckDB table", fromTable]]) {
  const plain = aggregate(source);
  const recompute = await time(() => plain.execute());
  row(`${label}: recompute (no cache)`, ms(recompute));
  const policies = label === "parquet file"
    ? [["ParquetCache (modification_time)", xo.ParquetCache.fromKwargs()], ["ParquetSnapshotCache", xo.ParquetSnapshotCache.fromKwargs()]]
    : [["ParquetCache (modification_time)", xo.ParquetCache.fromKwargs()], ["ParquetSnapshotCache", xo.ParquetSnapshotCache.fromKwargs()],
       ["SourceCache (modification_time)", xo.SourceCache.fromKwargs({ source: con })], ["SourceSnapshotCache", xo.SourceSnapshotCache.fromKwargs({ source: con })]];
  for (const [name, policy] of policies) {
    const cached = plain.cache(policy);
    const t0 = performance.now();
    await cached.execute(); // miss: compute and store
    const miss = performance.now() - t0;
    const hit = await time(() => cached.execute());
    const key = await keyTime(cached);
    row(`${label}: ${name} hit (key + read stored result)`, ms(hit), `key ${ms(key)}; first run (miss) ${ms(miss)}; ${(recompute / hit).toFixed(1)}x faster than recompute`);
  }
}

// What reading the stored result costs on its own: the floor a hit is measured against.
const entry = (await xo.listCache(join(process.env.XORQ_CACHE_DIR, "parquet"))).entries[0];
const stored = await con.sql(`SELECT * FROM read_parquet('${entry.path}')`);
row(`reading a stored 97-row entry directly (read_parquet, to Arrow)`, ms(await time(() => stored.execute())));

console.log(`\n# Key check of one source (modification_time), per engine\n`);
const keyOnly = (t) => t.limit(1).cache(xo.ParquetCache.fromKwargs());
const snapKey = await keyTime(fromFile.limit(1).cache(xo.ParquetSnapshotCache.fromKwargs()));
row("no source (snapshot key: hash only)", ms(snapKey));
row("deferred read, absolute path (stat)", ms(await keyTime(keyOnly(fromFile))));
process.chdir(dir);
row("deferred read, relative path (DuckDB glob + stat)", ms(await keyTime(keyOnly(await xo.deferredReadParquet("sales.parquet", con)))));
const fiveFiles = [];
for (let i = 0; i < 5; i++) await con.run(`COPY (SELECT * FROM sales LIMIT 1000) TO '${join(dir, `part-${i}.parquet`)}' (FORMAT parquet)`);
fiveFiles.push(await xo.deferredReadParquet(join(dir, "part-*.parquet"), con));
row("deferred read, glob over 5 files", ms(await keyTime(keyOnly(fiveFiles[0]))));
for (const n of [1_000, 100_000, 1_000_000]) {
  await con.run(`CREATE OR REPLACE TABLE t${n} AS SELECT * FROM sales LIMIT ${n}`);
  row(`DuckDB in-memory table, ${n.toLocaleString("en-US")} rows (row checksum scan, every check)`, ms(await keyTime(keyOnly(await con.table(`t${n}`)), n >= 1_000_000 ? 9 : 25)));
}

// File-backed DuckDB: the checksum is remembered under the stat signature of the database
// file and its WAL once the files are older than SETTLED_MS; a check then scans nothing.
const dbFile = join(dir, "bench.duckdb");
const fileCon = xo.connect({ name: "bench_file", path: dbFile });
for (const n of [1_000, 100_000, 1_000_000]) {
  await fileCon.run(`CREATE OR REPLACE TABLE t${n} AS SELECT * FROM read_parquet('${file}') LIMIT ${n}`);
}
await fileCon.close();
await new Promise((r) => setTimeout(r, SETTLED_MS + 200));
const reopened = xo.connect({ name: "bench_file", path: dbFile });
for (const n of [1_000, 100_000, 1_000_000]) {
  const expr = keyOnly(await reopened.table(`t${n}`));
  const scans = duckdbSignalCounters.scans;
  const t0 = performance.now();
  await cacheKeyOf(expr.node, new ExecutionRun({ context: expr.context }));
  const first = performance.now() - t0;
  const hit = await keyTime(expr);
  row(
    `DuckDB file-backed table, ${n.toLocaleString("en-US")} rows (remembered checksum)`,
    ms(hit),
    `first check (scan + remember) ${ms(first)}; scans during the timed checks: ${duckdbSignalCounters.scans - scans - 1}`,
  );
}
{
  // The 1M-row aggregate again, over the file-backed copy: a modification_time hit no longer scans the table.
  const plain = aggregate(await reopened.table("t1000000"));
  const recompute = await time(() => plain.execute());
  const cached = plain.cache(xo.ParquetCache.fromKwargs());
  await cached.execute(); // miss: compute and store
  const scans = duckdbSignalCounters.scans;
  const hit = await time(() => cached.execute());
  row(
    "DuckDB file-backed table: ParquetCache (modification_time) hit (key + read stored result)",
    ms(hit),
    `recompute ${ms(recompute)}; ${(recompute / hit).toFixed(1)}x faster; scans during the hits: ${duckdbSignalCounters.scans - scans}`,
  );
}
await reopened.close();
// A new process: the memo is read from the cache root (one small JSON file).
const child = JSON.parse(execFileSync(process.execPath, [new URL(import.meta.url).pathname, "--key-in-new-process", dbFile], { env: process.env, encoding: "utf8" }));
row("DuckDB file-backed table, 1,000,000 rows, first check in a new process", ms(child.ms), `scans: ${child.scans}, memo hits: ${child.memoHits}`);

if (process.env.XORQ_TEST_PG === "1") {
  const pg = xo.postgres.connectEnv({ name: "bench_pg" });
  await pg.run("DROP TABLE IF EXISTS bench_cache; CREATE TABLE bench_cache AS SELECT g AS id, g % 97 AS region FROM generate_series(1, 1000000) g");
  row("PostgreSQL table, 1,000,000 rows (pg_stat counters + flush)", ms(await keyTime(keyOnly(await pg.table("bench_cache")))));
  await pg.run("CREATE OR REPLACE VIEW bench_cache_v AS SELECT * FROM bench_cache WHERE region < 10");
  row("PostgreSQL view over that table (EXPLAIN + counters)", ms(await keyTime(keyOnly(await pg.table("bench_cache_v")))));
  await pg.run("DROP VIEW bench_cache_v; DROP TABLE bench_cache");
  await pg.close();
} else {
  console.log("(PostgreSQL skipped: run through scripts/test.mjs for a server)");
}

await con.close();
rmSync(dir, { recursive: true, force: true });
