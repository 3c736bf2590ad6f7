/**
 * `xorq run`: in a project, run the selected models in DAG order; with BUILD (a build
 * directory, a hash prefix or a catalog alias), rebuild the expression from the
 * artifact alone and run it, writing `-o FILE` or printing a table.
 */
import { resolve } from "node:path";
import * as arrow from "apache-arrow";
import type { Command } from "commander";
import { formatOf, writeBatches } from "../../artifacts/data-files.js";
import { runModels, writeRunResults } from "../../tasks/project-run.js";
import { toArrowSchema } from "../../backends/arrow-types.js";
import { Catalog } from "../../catalog/catalog.js";
import { sharedBatches } from "../../catalog/catalog-results.js";
import { catalogDir, openTarget, resolveTarget } from "../../catalog/target-resolver.js";
import { shortHashOf } from "../../expr/canonical.js";
import { planMaterializations } from "../../materialize/materialize-plan.js";
import { locateProject } from "../../project/project.js";
import { parseVarText } from "../../project/project-vars.js";
import type { Services } from "../../services.js";
import { runWithServices } from "../command-services.js";
import { environmentOf } from "../environment-option.js";
import { UsageError } from "../errors.js";
import { createReporter, formatMs } from "../model-reporter.js";
import { type ProjectCommandOptions, countLine, loadAndSelect, parseParams, withProjectOptions, withTargetAlias } from "../project-options.js";
import { formatTable, headRows, rowsJson } from "../table-format.js";
import { modelChecks } from "../../testing/test-project.js";

export interface RunOptions extends ProjectCommandOptions {
  readonly output?: string;
  readonly param?: string[];
  readonly threads?: string;
  readonly limit?: string;
  readonly outputDir?: string;
  readonly catalog?: string;
  readonly env?: string;
  readonly fullRefresh?: boolean;
  readonly failFast?: boolean;
  readonly offline?: boolean;
  readonly skipTests?: boolean;
}

export function register(program: Command): void {
  withTargetAlias(withProjectOptions(program.command("run")))
    .description("run the selected models of the project, or one build artifact (BUILD: a build directory, a hash prefix or a catalog alias)")
    .argument("[build]", "a build directory, a build hash (prefix) or a catalog alias")
    .option("-o, --output <file>", "with BUILD: write the result (.parquet, .csv, .json or .arrow)")
    .option("-p, --param <name=value...>", "override a var (repeatable)")
    .option("--threads <n>", "models run at once", "4")
    .option("--limit <n>", "with BUILD and no -o: rows to print", "20")
    .option("--output-dir <dir>", "project mode: write each model's rows to <dir>/<model>.parquet")
    .option("--catalog <dir>", "the catalog for aliases (default: $XORQ_CATALOG, else catalog/ at the project root); given explicitly, also shared memory: stored results are served, entries without one get theirs")
    .option("--env <name>", "project mode: the environment whose views the materialized models update (default: project.yaml's env, else prod)")
    .option("--full-refresh", "project mode: compute materialized models even when their key already has a physical relation")
    .option("--fail-fast", "project mode: after the first failure, start no other model")
    .option("--skip-tests", "project mode: do not run each model's error-severity tests after it")
    .option("--offline", "with --catalog: serve stored results only; a missing or stale one (its inputs changed) is an error, not a computation")
    .option("--json", "print JSON events (one per line)")
    .action((build: string | undefined, options: RunOptions) =>
      runWithServices(options.json, (services) => (options.offline && !options.catalog ? Promise.reject(new UsageError("--offline goes with --catalog DIR")) : build === undefined ? runProject(options, services) : runBuild(build, options, services))),
    );
}

function positiveInt(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got '${text}'`);
  return n;
}

export async function runProject(options: RunOptions, services: Services): Promise<void> {
  if (options.output) throw new UsageError("-o FILE needs a BUILD (in a project, use --output-dir DIR)");
  const start = performance.now();
  const vars = Object.fromEntries(Object.entries(parseParams(options.param)).map(([k, v]) => [k, parseVarText(v)]));
  const { project, names } = await loadAndSelect(options, { vars });
  try {
    const plan = planMaterializations(project, environmentOf(options.env, project.config));
    const checks = options.skipTests ? null : await modelChecks(project, names, services);
    const reporter = createReporter({ json: options.json ?? false, command: "run" });
    reporter.begin(names.map((n) => ({ name: n, hash: shortHashOf(project.models.get(n)!.hash) })));
    const runs = await runModels(project, names, {
      catalog: options.catalog ? await Catalog.open(catalogDir({ catalog: options.catalog })) : undefined,
      offline: options.offline ?? false,
      threads: positiveInt(options.threads, "--threads", 4),
      outputDir: options.outputDir ? resolve(options.outputDir) : undefined,
      onEvent: (e) => reporter.event(e),
      services,
      ...(plan.models.size > 0 ? { materialize: { plan, fullRefresh: options.fullRefresh ?? false } } : {}),
      failFast: options.failFast ?? false,
      ...(checks ? { check: checks.check } : {}),
    });
    await checks?.save();
    const results = runs.map((r) => r.result);
    const elapsed = performance.now() - start;
    await writeRunResults(project, results, elapsed, plan.models.size > 0 ? plan.env : null);
    const counts: Record<string, number> = {};
    for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
    await reporter.summary(`run: ${countLine(counts, plan.models.size > 0 ? ["created", "reused", "computed", "cached", "error", "skipped"] : ["computed", "cached", "error", "skipped"])} in ${formatMs(elapsed)}`, counts);
    if ((counts["error"] ?? 0) > 0) process.exitCode = 1;
  } finally {
    await project.close();
  }
}

async function runBuild(build: string, options: RunOptions, services: Services): Promise<void> {
  const format = options.output ? formatOf(options.output) : null;
  if (options.output && !format) throw new UsageError(`-o ${options.output}: use a .parquet, .csv, .json or .arrow file`);
  // An artifact runs anywhere from its own files: it materializes nothing.
  const projectOnly = [options.env !== undefined && "--env", options.vars !== undefined && "--vars (with a BUILD: -p name=value)", options.fullRefresh && "--full-refresh", options.failFast && "--fail-fast"].filter(Boolean);
  if (projectOnly.length > 0) throw new UsageError(`${projectOnly.join(", ")}: project mode only (a BUILD is run, not materialized)`);
  const root = await locateProject({ project: options.project }).then((l) => l.root, () => null);
  const target = await resolveTarget(build, { projectRoot: root, catalog: options.catalog });
  const params = parseParams(options.param);
  const artifact = await openTarget(target, { vars: params, services });
  try {
    const { table } = artifact;
    // Shared memory (explicit --catalog, no -p): a fresh stored result is served instead of recomputed.
    const catalog = options.catalog && Object.keys(params).length === 0 ? await Catalog.open(catalogDir({ catalog: options.catalog })) : null;
    const batches = () => (catalog ? sharedBatches(catalog, table, { services, hash: target.info.fullHash, offline: options.offline ?? false }) : services.stream(table));
    const start = performance.now();
    if (options.output && format) {
      const rows = await writeBatches(batches(), table.schema(), resolve(options.output), format, services);
      const message = `wrote ${rows.toLocaleString("en-US")} rows to ${options.output} in ${formatMs(performance.now() - start)}`;
      process.stdout.write(options.json ? `${JSON.stringify({ event: "output", file: options.output, rows })}\n` : `${message}\n`);
      return;
    }
    const limit = positiveInt(options.limit, "--limit", 20);
    const kept: arrow.RecordBatch[] = [];
    let total = 0;
    for await (const b of batches()) {
      if (total < limit) kept.push(b);
      total += b.numRows;
    }
    const head = kept.length > 0 ? new arrow.Table(toArrowSchema(table.schema()), kept) : new arrow.Table(toArrowSchema(table.schema()));
    if (options.json) {
      process.stdout.write(`${rowsJson({ event: "result", rows: total, head: headRows(head, limit) })}\n`);
    } else {
      process.stdout.write(`${formatTable(head, total, limit)}\n`);
    }
  } finally {
    await artifact.close();
  }
}
