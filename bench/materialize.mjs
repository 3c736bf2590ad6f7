#!/usr/bin/env node
// Benchmark for materializations (issue 13): bench/gen-project.mjs's SHAPE project with
// every model `materialized: table` in a DuckDB file, as whole `xorq` processes:
// the first run (every model created), a no-op run (every model reused: the goal is a
// few metadata queries per engine, not per model), a run after editing one leaf model,
// one after editing one root model (it and all its descendants), and `env promote` of
// every model into a new environment (repointing views, computing nothing).
//
//   npx tsc -p tsconfig.json && node bench/materialize.mjs 1000
//
// Sources hold SOURCE_ROWS rows (default 20): the generator's joins multiply rows with
// depth, and what is measured is the per-model cost of materializing, not big results.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

const n = Number(process.argv[2] ?? 1000);
const dir = mkdtempSync(join(tmpdir(), "xorq-bench-materialize-"));
const CLI = new URL("../dist/cli/main.js", import.meta.url).pathname;
const project = join(dir, "xorq_project");

execFileSync(process.execPath, [new URL("./gen-project.mjs", import.meta.url).pathname, String(n), dir], { stdio: "ignore" });
writeFileSync(join(project, "project.yaml"), `name: bench_${n}\ndefault_profile: local\nmaterialized: table\n`);
writeFileSync(join(project, "profiles.yaml"), "profiles:\n  local: { kind: duckdb, path: warehouse.duckdb }\n");
const sourceRows = Number(process.env.SOURCE_ROWS ?? 20);
{
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(":memory:");
  const db = await instance.connect();
  const data = join(project, "data");
  for (const f of readdirSync(data).filter((f) => f.endsWith(".parquet"))) {
    const path = join(data, f);
    await db.run(`CREATE OR REPLACE TABLE s AS SELECT * FROM read_parquet('${path}') ORDER BY id LIMIT ${sourceRows}`);
    await db.run(`COPY s TO '${path}' (FORMAT parquet)`);
  }
  db.closeSync();
  instance.closeSync();
}

const walk = (d) => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
const files = new Map(walk(join(project, "models")).filter((f) => f.endsWith(".sql")).map((f) => [f.split("/").at(-1).slice(0, -4), f]));
const models = JSON.parse(execFileSync(process.execPath, [CLI, "ls", "--output", "json"], { cwd: dir, maxBuffer: 1 << 28 }).toString());
const inputsOf = new Map(models.map((m) => [m.name, m.inputs ?? []]));
const used = new Set(models.flatMap((m) => m.inputs ?? []));
const leaf = models.map((m) => m.name).find((name) => !used.has(name));
const root = models.map((m) => m.name).find((name) => (inputsOf.get(name) ?? []).every((x) => !inputsOf.has(x)) && used.has(name));
const descendants = (name) => {
  const out = new Set([name]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [m, ins] of inputsOf) if (!out.has(m) && ins.some((x) => out.has(x))) (out.add(m), (grew = true));
  }
  return out.size;
};

const load = () => loadavg().map((l) => l.toFixed(1)).join(" ");
console.log(`# ${n} models, every one materialized: table in a DuckDB file; ${sourceRows} rows per source; load average at start ${load()}\n`);
const rows = [];
function step(label, args, expect) {
  const t = performance.now();
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, maxBuffer: 1 << 28 });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`${args.join(" ")} failed:\n${r.stdout}\n${r.stderr}`);
  const summary = r.stdout.toString().trim().split("\n").at(-1);
  rows.push({ label, ms, summary, expect, load: load() });
  console.log(`${label.padEnd(34)} ${(ms / 1000).toFixed(2).padStart(7)} s   ${summary}   (expected: ${expect}; load ${load()})`);
}
/** A change of meaning the expression hash sees: the model's query under one more (always true) filter. */
function edit(name) {
  const f = files.get(name);
  const text = readFileSync(f, "utf8");
  const end = text.indexOf("\n---", 3) + 4;
  writeFileSync(f, `${text.slice(0, end)}\nselect * from (\n${text.slice(end).trim().replace(/;$/, "")}\n) as edited where 1 = 1\n`);
}

step("first run", ["run"], `${n} created`);
step("no-op run", ["run"], `${n} reused`);
step("no-op run, again", ["run"], `${n} reused`);
edit(leaf);
step(`one leaf edited (${leaf})`, ["run"], "1 created");
edit(root);
step(`one root edited (${root})`, ["run"], `${descendants(root)} created`);
step("env promote prod ci (every model)", ["env", "promote", "prod", "ci"], `${n} promoted`);
step("env promote prod ci again", ["env", "promote", "prod", "ci"], "0 promoted");
const loadOnly = performance.now();
execFileSync(process.execPath, [CLI, "ls"], { cwd: dir, stdio: "ignore", maxBuffer: 1 << 28 });
console.log(`\nxorq ls (loading the project only, for comparison): ${((performance.now() - loadOnly) / 1000).toFixed(2)} s`);
rmSync(dir, { recursive: true, force: true });
