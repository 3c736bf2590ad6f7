/**
 * `xorq build`: write an artifact for each selected model whose hash has none yet; with
 * FILE and `-e NAME`, outside a project as in Xorq, the artifact of the expression the
 * script exports as NAME.
 */
import { join, relative, resolve } from "node:path";
import type { Command } from "commander";
import type { WatchEvent } from "../../tasks/watch.js";
import { shortHashOf } from "../../expr/canonical.js";
import { formatProblem } from "../../project/project-errors.js";
import type { Services } from "../../services.js";
import { runWithServices } from "../command-services.js";
import { UsageError } from "../errors.js";
import { createReporter, formatMs } from "../model-reporter.js";
import { type ProjectCommandOptions, countLine, loadAndSelect, withProjectOptions } from "../project-options.js";

interface BuildOptions extends ProjectCommandOptions {
  readonly relocateReads?: boolean;
  readonly catalog?: string;
  readonly alias?: string;
  readonly watch?: boolean;
  readonly run?: boolean;
  readonly expr?: string;
  readonly buildsDir?: string;
}

export function register(program: Command): void {
  withProjectOptions(program.command("build"))
    .description("resolve the project, hash every model and write builds/<hash>/ for each selected model that has none")
    .option("--relocate-reads", "copy the local files each expression reads into its artifact (reads/<content hash>.<ext>; the default for a script build)")
    .option("--no-relocate-reads", "with FILE: leave the reads as they are (relative paths then resolve where the artifact runs)")
    .option("--catalog <dir>", "also add what was built to this catalog (see xorq catalog)")
    .option("--alias <name>", "with one selected model: point this catalog alias at its build")
    .option("--json", "print JSON events (one per line)")
    .option("--watch", "build, then rebuild on every change under xorq_project/ until interrupted")
    .option("--run", "with --watch: also run the models each rebuild wrote")
    .argument("[file]", "a script (.ts, .mjs, .js) that exports an expression: build that instead of a project (with -e NAME)")
    .option("-e, --expr <name>", "with FILE: the name of the exported expression")
    .option("--builds-dir <dir>", "with FILE: where to write <hash>/ (default: builds)")
    .action((file: string | undefined, options: BuildOptions) =>
      runWithServices(options.json, async (services) => {
        if (file !== undefined || options.expr !== undefined || options.buildsDir !== undefined) return scriptBuild(file, options, services);
        if (options.run && !options.watch) throw new UsageError("--run goes with --watch (to build and run once: xorq run)");
        if (options.watch) return watchBuild(options, services);
        const start = performance.now();
        const { project, names } = await loadAndSelect(options);
        try {
          if (options.alias !== undefined && names.length !== 1) {
            throw new UsageError(`--alias names one build, but ${names.length} models are selected; select one with --select`);
          }
          const reporter = createReporter({ json: options.json ?? false, command: "build" });
          reporter.begin(names.map((n) => ({ name: n, hash: shortHashOf(project.models.get(n)!.hash) })));
          // Imported here: an unchanged project's build loads no writer (nor Arrow, DuckDB, git).
          const { buildModels } = await import("../../tasks/project-build.js");
          const results = await buildModels(project, names, { relocateReads: options.relocateReads, onEvent: (e) => reporter.event(e), services });
          const counts: Record<string, number> = {};
          for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
          const line = countLine(counts, ["built", "relocated", "unchanged", "error"]);
          await reporter.summary(`build: ${line} (${names.length} of ${project.models.size} models selected) in ${formatMs(performance.now() - start)}`, counts);
          if ((counts["error"] ?? 0) > 0) process.exitCode = 1;
          if (options.catalog !== undefined || options.alias !== undefined) {
            const built = results.filter((x) => x.status !== "error").map((r) => ({ name: r.name, dir: join(project.location.root, "builds", r.hash) }));
            await addToCatalog(built, options, project.location.root);
          }
        } finally {
          await project.close();
        }
      }),
    );
}

/** Adds built artifacts to the catalog (`--catalog`, `--alias`), one line (or JSON event) each. */
async function addToCatalog(built: ReadonlyArray<{ name: string; dir: string }>, options: BuildOptions, projectRoot: string | null): Promise<void> {
  const { Catalog } = await import("../../catalog/catalog.js");
  const { catalogDir } = await import("../../catalog/target-resolver.js");
  const catalog = await Catalog.open(catalogDir({ catalog: options.catalog, projectRoot }));
  for (const b of built) {
    const added = await catalog.add(b.dir, { alias: options.alias });
    const line = `${added.added ? "added to" : added.updated ? "updated in" : "already in"} the catalog: ${added.hash} (${b.name})${added.alias ? `, alias ${added.alias.name}` : ""}`;
    process.stdout.write(options.json ? `${JSON.stringify({ event: "catalog_add", name: b.name, hash: added.hash, added: added.added, updated: added.updated, alias: added.alias?.name ?? null })}\n` : `${line}\n`);
  }
}

/** `xorq build FILE -e NAME`: the exported expression's artifact; prints its directory. */
async function scriptBuild(file: string | undefined, options: BuildOptions, services: Services): Promise<void> {
  if (file === undefined || options.expr === undefined) throw new UsageError("a script build takes FILE and -e NAME (xorq build pipeline.ts -e expr)");
  if (!/\.(ts|mjs|js)$/.test(file)) throw new UsageError(`${file}: a script build reads a .ts, .mjs or .js file`);
  const projectFlags = [options.select && "--select", options.exclude && "--exclude", options.state && "--state", options.watch && "--watch", options.project && "--project"].filter(Boolean);
  if (projectFlags.length > 0) throw new UsageError(`${projectFlags.join(", ")}: project options, not for a script build`);
  const { build, importScriptExpr } = await import("../../script-build.js");
  const expr = await importScriptExpr(file, options.expr);
  const dir = await build(expr, { dir: options.buildsDir ?? "builds", name: options.expr, services, relocateReads: options.relocateReads ?? true });
  const shown = relative(process.cwd(), dir).startsWith("..") ? dir : relative(process.cwd(), dir);
  process.stdout.write(options.json ? `${JSON.stringify({ event: "built", name: options.expr, hash: dir.slice(-12), dir: resolve(dir) })}\n` : `${shown}\n`);
  if (options.catalog !== undefined || options.alias !== undefined) await addToCatalog([{ name: options.expr, dir }], options, null);
}

/** `--watch`: prints one line (or JSON event) per rebuild until SIGINT/SIGTERM. */
async function watchBuild(options: BuildOptions, services: Services): Promise<void> {
  if (options.catalog !== undefined || options.alias !== undefined) throw new UsageError("--catalog and --alias do not go with --watch");
  const print = (e: WatchEvent) => process.stdout.write(options.json ? `${JSON.stringify(e)}\n` : `${watchLine(e)}\n`);
  const { watchProject } = await import("../../tasks/watch.js");
  const handle = await watchProject(
    { project: options.project, select: options.select, exclude: options.exclude, relocateReads: options.relocateReads, run: options.run, services },
    print,
  );
  await new Promise<void>((stop) => {
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await handle.close();
}

function watchLine(e: WatchEvent): string {
  const changed = e.event === "watching" ? "" : e.changes.map((c) => `${c.kind} ${c.file}`).join(", ");
  const cause = changed ? ` after ${changed}` : "";
  switch (e.event) {
    case "watching":
      return `watching ${e.root}/xorq_project (Ctrl-C stops)`;
    case "project_error": {
      const lines = e.problems.length > 0 ? e.problems.map((p) => `  ${formatProblem(p)}`).join("\n") : `  ${e.message}`;
      return `build failed${cause}; waiting for a fix:\n${lines}`;
    }
    case "rebuilt": {
      const built = e.built.length > 0 ? `built ${e.built.join(", ")}` : "nothing to build";
      const failed = e.failed.map((f) => `\n  error: ${f.name}: ${f.message ?? ""}`).join("");
      const ran = e.ran.map((r) => `\n  ${r.status}: ${r.name}${r.rows !== undefined ? ` (${r.rows} rows)` : ""}${r.status === "error" ? `: ${r.message ?? ""}` : ""}`).join("");
      return `${built} (${e.unchanged} unchanged, ${e.selected} of ${e.models} selected) in ${formatMs(e.ms)}${cause}${failed}${ran}`;
    }
  }
}
