/** `xorq build`: write an artifact for each selected model whose hash has none yet. */
import { join } from "node:path";
import type { Command } from "commander";
import { buildModels } from "../../build/project-build.js";
import { Catalog } from "../../catalog/catalog.js";
import { catalogDir } from "../../catalog/target-resolver.js";
import { shortHash } from "../../expr/canonical.js";
import { UsageError } from "../errors.js";
import { createReporter, formatMs } from "../model-reporter.js";
import { type ProjectCommandOptions, countLine, loadAndSelect, runJsonAware, withProjectOptions } from "../project-options.js";

interface BuildOptions extends ProjectCommandOptions {
  readonly relocateReads?: boolean;
  readonly catalog?: string;
  readonly alias?: string;
}

export function register(program: Command): void {
  withProjectOptions(program.command("build"))
    .description("resolve the project, hash every model and write builds/<hash>/ for each selected model that has none")
    .option("--relocate-reads", "copy the local files each expression reads into its artifact (reads/<content hash>.<ext>)")
    .option("--catalog <dir>", "also add what was built to this catalog (see xorq catalog)")
    .option("--alias <name>", "with one selected model: point this catalog alias at its build")
    .option("--json", "print JSON events (one per line)")
    .action((options: BuildOptions) =>
      runJsonAware(options.json, async () => {
        const start = performance.now();
        const { project, names } = await loadAndSelect(options);
        try {
          if (options.alias !== undefined && names.length !== 1) {
            throw new UsageError(`--alias names one build, but ${names.length} models are selected; select one with --select`);
          }
          const reporter = createReporter({ json: options.json ?? false, command: "build" });
          reporter.begin(names.map((n) => ({ name: n, hash: shortHash(project.models.get(n)!.table.node) })));
          const results = await buildModels(project, names, { relocateReads: options.relocateReads, onEvent: (e) => reporter.event(e) });
          const counts: Record<string, number> = {};
          for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
          const line = countLine(counts, ["built", "relocated", "unchanged", "error"]);
          await reporter.summary(`build: ${line} (${names.length} of ${project.models.size} models selected) in ${formatMs(performance.now() - start)}`, counts);
          if ((counts["error"] ?? 0) > 0) process.exitCode = 1;
          if (options.catalog !== undefined || options.alias !== undefined) {
            const catalog = await Catalog.open(catalogDir({ catalog: options.catalog, projectRoot: project.location.root }));
            for (const r of results.filter((x) => x.status !== "error")) {
              const added = await catalog.add(join(project.location.root, "builds", r.hash), { alias: options.alias });
              const line = `${added.added ? "added to" : "already in"} the catalog: ${added.hash} (${r.name})${added.alias ? `, alias ${added.alias.name}` : ""}`;
              process.stdout.write(options.json ? `${JSON.stringify({ event: "catalog_add", name: r.name, hash: added.hash, added: added.added, alias: added.alias?.name ?? null })}\n` : `${line}\n`);
            }
          }
        } finally {
          await project.close();
        }
      }),
    );
}
