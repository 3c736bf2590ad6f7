#!/usr/bin/env node
// Loading and planning an N-model project (the synthetic SQL project of bench/gen-project.mjs):
// loadProject (read + validate every file, one DAG, resolve each model into an expression,
// SQL schemas by DuckDB prepare, cached in target/schema_cache.json) and planBuild.
// Usage: npm run build && node bench/project-plan.mjs [N ...]   (default: 1000 10000)
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { planBuild } from "../dist/tasks/plan.js";
import { loadProject } from "../dist/project/project.js";

const sizes = process.argv.slice(2).map(Number);
for (const n of sizes.length ? sizes : [1000, 10000]) {
  const dir = mkdtempSync(join(tmpdir(), `xorq-bench-${n}-`));
  execFileSync(process.execPath, [new URL("./gen-project.mjs", import.meta.url).pathname, String(n), dir]);
  const row = { models: n };
  for (const phase of ["cold", "warm"]) {
    const t0 = performance.now();
    const project = await loadProject({ cwd: dir });
    const t1 = performance.now();
    const plan = planBuild(project, project.order, null);
    const t2 = performance.now();
    await project.close();
    row[`load ${phase} (ms)`] = Math.round(t1 - t0);
    row[`plan ${phase} (ms)`] = Math.round(t2 - t1);
    if (plan.length !== n) throw new Error(`planned ${plan.length} of ${n}`);
  }
  row["heap (MiB)"] = Math.round(process.memoryUsage().heapUsed / 2 ** 20);
  console.log(JSON.stringify(row));
  rmSync(dir, { recursive: true, force: true });
}
