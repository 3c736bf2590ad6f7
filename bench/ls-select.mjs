#!/usr/bin/env node
// `xorq ls --select` on a generated SHAPE project (bench/gen-project.mjs): how many models a
// selection resolves and how long it takes, cold (no target/) and warm (target/'s caches as
// the previous command left them), for a model and its descendants (`<m>+`) and a leaf and
// its ancestors (`+<leaf>`).
//
//   node bench/gen-project.mjs 10000 /tmp/p10k
//   node bench/ls-select.mjs /tmp/p10k [--dist DIR]... [--runs 3]
//
// Each cell is measured twice, each time in a fresh process: in-process (the CLI's own
// `loadAndSelect` from DIST/cli/project-options.js, timed around the call, with
// `project.stats`) and as a whole `node DIST/cli/main.js ls --select X` process (wall time
// from spawn to exit). `--dist` names the build (default: this checkout's dist/); given
// twice or more (e.g. main's and this one), the builds take turns run by run, so a shared
// machine's changing load falls on each alike.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);

if (args[0] === "--child") {
  // One in-process measurement: node ls-select.mjs --child DIST PROJECT SELECTOR
  const [, dist, project, selector] = args;
  const { loadAndSelect } = await import(pathToFileURL(path.join(dist, "cli", "project-options.js")).href);
  const start = performance.now();
  // What `xorq ls` passes (an older build ignores the second argument and resolves every model).
  const { project: p, names } = await loadAndSelect({ project, select: [selector] }, { resolve: "selected" });
  const ms = performance.now() - start;
  await p.close();
  process.stdout.write(`${JSON.stringify({ ms, selected: names.length, ...p.stats })}\n`);
  process.exit(0);
}

const project = path.resolve(args[0] ?? "");
const dists = args.flatMap((a, i) => (a === "--dist" ? [path.resolve(args[i + 1])] : []));
if (dists.length === 0) dists.push(path.resolve(here, "..", "dist"));
const runs = Number(opt("--runs", "3"));
const modelsDir = path.join(project, "xorq_project", "models");
if (!fs.existsSync(modelsDir)) {
  console.error("usage: node bench/ls-select.mjs <project made by gen-project.mjs> [--dist DIR] [--runs N]");
  process.exit(2);
}

// The DAG from the files (refs written as {{ ref('x') }}), to pick the two selectors.
const parents = new Map();
for (const part of fs.readdirSync(modelsDir)) {
  for (const f of fs.readdirSync(path.join(modelsDir, part))) {
    const text = fs.readFileSync(path.join(modelsDir, part, f), "utf8");
    parents.set(path.basename(f, ".sql"), [...text.matchAll(/ref\('([^']+)'\)/g)].map((m) => m[1]));
  }
}
const children = new Map([...parents.keys()].map((n) => [n, []]));
for (const [n, ps] of parents) for (const p of ps) children.get(p).push(n);
const reach = (start, next) => {
  const seen = new Set([start]);
  const todo = [start];
  while (todo.length > 0) for (const m of next.get(todo.pop())) if (!seen.has(m)) (seen.add(m), todo.push(m));
  return seen;
};
const names = [...parents.keys()].sort();
// A model reading only sources with a mid-sized downstream, and the leaf with the most ancestors.
const roots = names.filter((n) => parents.get(n).length === 0).map((n) => [n, reach(n, children).size]).sort((a, b) => a[1] - b[1]);
const [root, rootClosure] = roots[Math.floor(roots.length / 2)];
const leaves = names.filter((n) => children.get(n).length === 0).map((n) => [n, reach(n, parents).size]).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
const [leaf, leafClosure] = leaves[0];

const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "xorq-ls-select-cache-"));
const env = { ...process.env, XORQ_CACHE_DIR: cacheDir };
const cold = () => fs.rmSync(path.join(project, "target"), { recursive: true, force: true });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function inProcess(dist, selector) {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--child", dist, project, selector], { env, encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

function wholeProcess(dist, selector) {
  const start = performance.now();
  const r = spawnSync(process.execPath, [path.join(dist, "cli", "main.js"), "ls", "--select", selector], { cwd: project, env, encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return performance.now() - start;
}

console.log(`project ${project} (${names.length} models), load average ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
console.log(`${root}+ selects ${rootClosure} models; +${leaf} selects ${leafClosure}`);
console.log("dist\tselector\tstate\tselected\tresolved\treused\tin-process ms\tprocess ms");
for (const selector of [`${root}+`, `+${leaf}`]) {
  for (const state of ["cold", "warm"]) {
    const cells = dists.map(() => ({ inp: [], whole: [] }));
    for (let i = 0; i < runs; i++) {
      dists.forEach((dist, d) => {
        if (state === "cold") cold();
        else inProcess(dist, selector); // the previous command (of this build) left target/'s caches
        cells[d].inp.push(inProcess(dist, selector));
        if (state === "cold") cold();
        cells[d].whole.push(wholeProcess(dist, selector));
      });
    }
    dists.forEach((dist, d) => {
      const { inp, whole } = cells[d];
      const last = inp[inp.length - 1];
      console.log([dist, selector, state, last.selected, last.modelsResolved, last.modelsReused, median(inp.map((r) => r.ms)).toFixed(0), median(whole).toFixed(0)].join("\t"));
    });
  }
}
console.log(`load average after: ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
fs.rmSync(cacheDir, { recursive: true, force: true });
