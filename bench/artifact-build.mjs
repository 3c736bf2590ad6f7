#!/usr/bin/env node
// Writing the build artifacts of an N-model project (the synthetic SQL project of
// bench/gen-project.mjs): buildModels in-process on a loaded project (fresh: no builds/;
// no-op: every artifact there), bytes written, and `xorq build` as a whole process.
// "fs floor": the same files written again with nothing else (mkdir, writeFileSync each,
// rename per artifact), right after, so a loaded machine shows in both numbers.
// Usage: npm run build && node bench/artifact-build.mjs [N ...]   (default: 1000 10000)
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { buildModels } from "../dist/tasks/project-build.js";
import { loadProject } from "../dist/project/project.js";

const cli = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));

function bytesUnder(dir) {
  let files = 0;
  let bytes = 0;
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    files++;
    bytes += statSync(join(e.parentPath, e.name)).size;
  }
  return { files, bytes };
}

/** Writes the artifacts' files again, as plainly as possible: the file system's share. */
function fsFloor(builds) {
  const artifacts = readdirSync(builds).map((d) => [d, readdirSync(join(builds, d)).map((f) => [f, readFileSync(join(builds, d, f))])]);
  const out = join(builds, "..", "floor");
  mkdirSync(out);
  const t0 = performance.now();
  for (const [d, files] of artifacts) {
    const tmp = join(out, `.${d}.tmp`);
    mkdirSync(tmp);
    for (const [f, bytes] of files) writeFileSync(join(tmp, f), bytes);
    renameSync(tmp, join(out, d));
  }
  const ms = Math.round(performance.now() - t0);
  rmSync(out, { recursive: true });
  return ms;
}

function wholeProcess(dir) {
  const t0 = performance.now();
  execFileSync(process.execPath, [cli, "build"], { cwd: dir, stdio: "ignore", env: { ...process.env, CI: "1" } });
  return Math.round(performance.now() - t0);
}

const sizes = process.argv.slice(2).map(Number);
for (const n of sizes.length ? sizes : [1000, 10000]) {
  const dir = mkdtempSync(join(tmpdir(), `xorq-bench-artifacts-${n}-`));
  execFileSync(process.execPath, [fileURLToPath(new URL("./gen-project.mjs", import.meta.url)), String(n), dir]);
  const row = { models: n };
  const project = await loadProject({ cwd: dir });
  for (const phase of ["fresh", "no-op"]) {
    const t0 = performance.now();
    const results = await buildModels(project, project.order);
    row[`buildModels ${phase} (ms)`] = Math.round(performance.now() - t0);
    const failed = results.filter((r) => r.status === "error");
    if (failed.length > 0) throw new Error(`${failed.length} models failed: ${failed[0].message}`);
    if (phase === "fresh") row["fs floor (ms)"] = fsFloor(join(dir, "builds"));
  }
  await project.close();
  const { files, bytes } = bytesUnder(join(dir, "builds"));
  row["files"] = files;
  row["bytes (MB)"] = +(bytes / 1e6).toFixed(1);
  row["max expr.yaml (KB)"] = +(Math.max(...readdirSync(join(dir, "builds")).map((d) => statSync(join(dir, "builds", d, "expr.yaml")).size)) / 1e3).toFixed(1);
  rmSync(join(dir, "builds"), { recursive: true });
  row["xorq build fresh, whole process (ms)"] = wholeProcess(dir);
  row["xorq build no-op, whole process (ms)"] = wholeProcess(dir);
  console.log(JSON.stringify(row));
  rmSync(dir, { recursive: true, force: true });
}
