/**
 * `xorq test` as a library call: builds the selected models' data tests, runs them
 * (serving unchanged ones from `target/test_cache.json`) and writes
 * `target/test_results.json`.
 *
 * ```ts
 * const { results } = await testProject(project, ["orders"], { services });
 * results.filter((r) => r.status === "fail").map((r) => `${r.name}: ${r.failures} rows`);
 * ```
 */
import { join } from "node:path";
import { targetDir } from "../artifacts/manifest.js";
import type { Project } from "../project/project.js";
import type { Services } from "../services.js";
import { jsonText, writeFileAtomic } from "../util/atomic-write.js";
import { toolVersion } from "../util/tool-version.js";
import { buildDataTests } from "./data-tests.js";
import { TestCache } from "./test-cache.js";
import { environmentTables } from "./tested-relations.js";
import { type TestResult, runDataTests } from "./test-runner.js";

export interface TestProjectOptions {
  readonly services: Services;
  /** Test materialized models over their relations in this environment (`environmentTables`). */
  readonly env?: string;
  readonly onResult?: (r: TestResult) => void;
}

export async function testProject(project: Project, names: ReadonlyArray<string>, options: TestProjectOptions): Promise<{ results: TestResult[]; elapsedMs: number }> {
  const start = performance.now();
  const tests = await buildDataTests(project, names, options.env === undefined ? new Map() : await environmentTables(project, names, options.env));
  const cache = await TestCache.open(targetDir(project));
  const results = await runDataTests(project, tests, { ...options, cache });
  await cache.save();
  const elapsedMs = performance.now() - start;
  await writeTestResults(project, results, elapsedMs);
  return { results, elapsedMs };
}

/** Whether results hold an error-severity failure or a test that could not run (exit 1). */
export function testsFailed(results: ReadonlyArray<TestResult>): boolean {
  return results.some((r) => r.status === "fail" || r.status === "error");
}

/** `target/test_results.json`: per test, its status, failing-row count and whether it was served from the cache. */
async function writeTestResults(project: Project, results: ReadonlyArray<TestResult>, elapsedMs: number): Promise<void> {
  await writeFileAtomic(
    join(targetDir(project), "test_results.json"),
    jsonText({
      tool_version: toolVersion(),
      project: project.config.name,
      elapsed_ms: Math.round(elapsedMs),
      results: results.map((r) => ({
        name: r.name,
        type: r.type,
        test: r.test,
        [r.of.kind]: r.of.name,
        column: r.column,
        severity: r.severity,
        status: r.status,
        failures: r.failures,
        cached: r.cached,
        hash: r.hash,
        ms: Math.round(r.ms),
        ...(r.message ? { message: r.message } : {}),
      })),
    }),
  );
}

/**
 * What `xorq run` checks each model with (`RunOptions.check`): the model's
 * error-severity tests, run (or served from the cache) once it has run; a failing one
 * is the model's failure. `save` keeps the results for the next run.
 */
export async function modelChecks(project: Project, names: ReadonlyArray<string>, services: Services): Promise<{ check: (name: string) => Promise<string | null>; save: () => Promise<void> }> {
  // Generic tests only: a singular test may read models that run after the one it names.
  const tests = (await buildDataTests(project, names)).filter((t) => t.type === "generic" && t.of.kind === "model" && t.severity === "error");
  const cache = await TestCache.open(targetDir(project));
  // One test at a time across models: they share the project's connections.
  let queue: Promise<unknown> = Promise.resolve();
  const check = (name: string): Promise<string | null> => {
    const mine = tests.filter((t) => t.of.name === name);
    if (mine.length === 0) return Promise.resolve(null);
    const done = queue.then(() => runDataTests(project, mine, { services, cache }));
    queue = done.catch(() => undefined);
    return done.then((results) => {
      const bad = results.filter((r) => r.status === "fail" || r.status === "error");
      return bad.length === 0 ? null : `tests failed: ${bad.map((r) => (r.status === "error" ? `${r.name} (${r.message})` : `${r.name} (${r.failures} ${r.failures === 1 ? "row" : "rows"})`)).join(", ")}`;
    });
  };
  return { check, save: () => cache.save() };
}
