#!/usr/bin/env node
// Loading Jinja models at scale (issue 15): the N-model SHAPE project of bench/gen-project.mjs
// as plain SQL models and as Jinja models (each one calls a macro in a `{% for %}` loop over a
// `{% set %}` list, around the same body), timed as whole `xorq ls` processes (cwd = the
// project): cold (no target/, so nothing parsed, rendered or resolved before) and unchanged
// (the same command again). Prints a markdown table with the medians, peak RSS and the load
// average around each variant (other processes share the machine).
//
//   npx tsc -p tsconfig.json && node bench/jinja-load.mjs [--n 10000] [--runs 3]
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const arg = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const n = Number(arg("--n", "10000"));
const runs = Number(arg("--runs", "3"));
const CLI = path.resolve(here, "../dist/cli/main.js");
const TIME = fs.existsSync("/usr/bin/time") ? "/usr/bin/time" : null;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = () => os.loadavg()[0].toFixed(2);

/** One `xorq ls` process: wall time (ms) and peak RSS (MiB, when GNU time is there). */
function ls(dir, cacheDir) {
  const argv = TIME ? [TIME, "-f", "%M", process.execPath, CLI, "ls"] : [process.execPath, CLI, "ls"];
  const t0 = performance.now();
  const r = spawnSync(argv[0], argv.slice(1), { cwd: dir, encoding: "utf8", env: { ...process.env, XORQ_CACHE_DIR: cacheDir }, maxBuffer: 64 << 20 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`xorq ls failed in ${dir}:\n${r.stderr.slice(-2000)}`);
  const listed = r.stdout.split("\n").filter(Boolean).length;
  if (listed !== n) throw new Error(`xorq ls listed ${listed} models, expected ${n}`);
  const rss = TIME ? Number(r.stderr.trim().split("\n").at(-1)) / 1024 : null;
  return { ms, rss };
}

const rows = [];
for (const variant of ["sql", "jinja"]) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `xorq-jinja-bench-${variant}-`));
  const gen = spawnSync(process.execPath, [path.join(here, "gen-project.mjs"), String(n), dir, ...(variant === "jinja" ? ["--jinja"] : [])], { encoding: "utf8" });
  if (gen.status !== 0) throw new Error(gen.stderr);
  const before = load();
  const cold = [];
  const warm = [];
  for (let i = 0; i < runs; i++) {
    fs.rmSync(path.join(dir, "target"), { recursive: true, force: true });
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), "xorq-jinja-bench-cache-"));
    cold.push(ls(dir, cache));
    warm.push(ls(dir, cache));
    fs.rmSync(cache, { recursive: true, force: true });
  }
  rows.push({ variant, cold: median(cold.map((c) => c.ms)), warm: median(warm.map((c) => c.ms)), rss: TIME ? Math.max(...cold.map((c) => c.rss)) : null, load: `${before} → ${load()}` });
  fs.rmSync(dir, { recursive: true, force: true });
}

const s = (ms) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`);
console.log(`| N | models | ls cold | ls unchanged | peak RSS cold | load avg (1 min) |`);
console.log(`| --- | --- | --- | --- | --- | --- |`);
for (const r of rows) console.log(`| ${n.toLocaleString("en-US")} | ${r.variant} | ${s(r.cold)} | ${s(r.warm)} | ${r.rss === null ? "—" : `${Math.round(r.rss)} MiB`} | ${r.load} |`);
