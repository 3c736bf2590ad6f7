#!/usr/bin/env node
// Benchmark for caching at project scale (issue 6): a no-op `xorq run` of an N-model
// project where every model is cached (`cache: true`: parquet, modification_time) and
// every entry is already stored, with the cache's share separated from project loading.
//
//   npx tsc -p tsconfig.json && node bench/cache-project.mjs 10000
//
// The project is bench/gen-project.mjs's synthetic DAG (SQL models; sources are parquet
// files, so each key is the stat signals of the model's upstream source files). In one
// process: load the project, fill every entry (`runModels`, as `xorq run` does), then
// time no-op runs (`runModels` again: every model's key, lookup and reading its entry)
// and key-only passes (each model's key in a fresh run, nothing read). Then whole
// processes: `xorq ls` (loading only) and `xorq run` (loading + the no-op run), under
// /usr/bin/time.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

const n = Number(process.argv[2] ?? 1000);
const dir = mkdtempSync(join(tmpdir(), "xorq-bench-cache-project-"));
process.env.XORQ_CACHE_DIR = join(dir, "cache");
const CLI = new URL("../dist/cli/main.js", import.meta.url).pathname;
const { loadProject } = await import("../dist/project/project.js");
const { runModels } = await import("../dist/tasks/project-run.js");
const { cacheKeyOf } = await import("../dist/cache/cache-key.js");
const { ExecutionRun } = await import("../dist/backends/executor.js");

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)];
const fmt = (x) => `${x.toFixed(x < 10 ? 2 : 0)} ms`;

execFileSync(process.execPath, [new URL("./gen-project.mjs", import.meta.url).pathname, String(n), dir], { stdio: "ignore" });
const walk = (d) => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
for (const f of walk(join(dir, "xorq_project", "models")).filter((f) => f.endsWith(".sql"))) {
  // `cache: true` as the last front-matter key.
  const text = readFileSync(f, "utf8");
  const end = text.indexOf("\n---", 3);
  writeFileSync(f, `${text.slice(0, end)}\ncache: true${text.slice(end)}`);
}
// Fewer source rows (SOURCE_ROWS, default 20, distinct join keys): the generator's joins
// multiply rows with depth (at 400 rows a 200-model project already stores 90 MiB, and
// one model's entry reads for 30 s), and what is measured here is the cache's cost per
// model, not reading big results.
const sourceRows = Number(process.env.SOURCE_ROWS ?? 20);
{
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const db = await (await DuckDBInstance.create(":memory:")).connect();
  const data = join(dir, "xorq_project", "data");
  for (const f of readdirSync(data).filter((f) => f.endsWith(".parquet"))) {
    const path = join(data, f);
    await db.run(`CREATE OR REPLACE TABLE s AS SELECT * FROM read_parquet('${path}') ORDER BY id LIMIT ${sourceRows}`);
    await db.run(`COPY s TO '${path}' (FORMAT parquet)`);
  }
  db.closeSync?.();
}
console.log(`# ${n} models, ${sourceRows} rows per source, every model cached (parquet, modification_time); load average at start ${loadavg().map((l) => l.toFixed(1)).join(" ")}\n`);

const t0 = performance.now();
const project = await loadProject({ project: dir });
const loadMs = performance.now() - t0;
console.log(`project load (in process): ${fmt(loadMs)}`);

/** One `runModels` over every model; the cache events' statuses and their time at the cache nodes. */
async function runAll() {
  const statuses = { cached: 0, computed: 0 };
  const nodeMs = [];
  const start = performance.now();
  const runs = await runModels(project, project.order, { threads: 4 });
  const wall = performance.now() - start;
  for (const e of runs.flatMap((r) => r.cacheEvents)) {
    statuses[e.status]++;
    nodeMs.push(e.ms);
  }
  const failed = runs.map((r) => r.result).filter((r) => r.status === "error");
  if (failed.length > 0) throw new Error(`${failed.length} models failed, e.g. ${failed[0].name}: ${failed[0].message}`);
  return { wall, statuses, nodeMs };
}

/** Each model's key in a fresh run (no memo of the run), one after another: the key check alone. */
async function keysOnly() {
  const per = [];
  for (const name of project.order) {
    const { node, context } = project.models.get(name).table;
    const run = new ExecutionRun({ context });
    const start = performance.now();
    await cacheKeyOf(node, run);
    per.push(performance.now() - start);
    await run.cleanup();
  }
  return per;
}

const fill = await runAll();
console.log(`first run (fills the cache): ${JSON.stringify(fill.statuses)} in ${(fill.wall / 1000).toFixed(1)} s`);
for (let i = 1; i <= 2; i++) {
  const r = await runAll();
  const total = r.nodeMs.reduce((a, b) => a + b, 0);
  console.log(
    `no-op run ${i} (runModels, 4 threads): ${JSON.stringify(r.statuses)} in ${fmt(r.wall)}; ` +
      `at the cache nodes (key + lookup + serving the entry) ${fmt(total)} summed over models, median ${fmt(median(r.nodeMs))}, p95 ${fmt(p95(r.nodeMs))} per model`,
  );
}
for (let i = 1; i <= 2; i++) {
  const per = await keysOnly();
  console.log(`keys only, pass ${i}: ${fmt(per.reduce((a, b) => a + b, 0))} for ${n} keys; median ${fmt(median(per))}, p95 ${fmt(p95(per))} per model`);
}
await project.close();

/** A whole CLI process under /usr/bin/time: wall seconds and peak RSS. */
function timed(args) {
  const r = spawnSync("/usr/bin/time", ["-f", "%e s %M KB", process.execPath, CLI, ...args, "--project", dir], { encoding: "utf8", env: process.env, maxBuffer: 1 << 28 });
  const time = r.stderr.trim().split("\n").at(-1);
  if (r.status !== 0) throw new Error(`xorq ${args.join(" ")} exited ${r.status}: ${r.stderr.slice(0, 2000)}`);
  return { time, stdout: r.stdout };
}
const statusesOf = (out) => {
  const counts = {};
  for (const line of out.split("\n")) {
    if (!line.startsWith("{")) continue;
    const e = JSON.parse(line);
    if (e.event === "model_finished") counts[e.status] = (counts[e.status] ?? 0) + 1;
  }
  return counts;
};
console.log("");
for (let i = 1; i <= 2; i++) console.log(`xorq ls (loading only), process ${i}: ${timed(["ls"]).time}`);
for (let i = 1; i <= 2; i++) {
  const r = timed(["run", "--json"]);
  console.log(`xorq run (no-op), process ${i}: ${r.time}; ${JSON.stringify(statusesOf(r.stdout))}`);
}
rmSync(dir, { recursive: true, force: true });
