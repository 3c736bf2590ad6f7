/** `xorq build`: write an artifact for each selected model whose hash has none yet. */
import type { Command } from "commander";
import { buildModels } from "../../build/project-build.js";
import { shortHash } from "../../expr/canonical.js";
import { createReporter, formatMs } from "../model-reporter.js";
import { type ProjectCommandOptions, countLine, loadAndSelect, runJsonAware, withProjectOptions } from "../project-options.js";

interface BuildOptions extends ProjectCommandOptions {
  readonly relocateReads?: boolean;
}

export function register(program: Command): void {
  withProjectOptions(program.command("build"))
    .description("resolve the project, hash every model and write builds/<hash>/ for each selected model that has none")
    .option("--relocate-reads", "copy the local files each expression reads into its artifact (reads/<content hash>.<ext>)")
    .option("--json", "print JSON events (one per line)")
    .action((options: BuildOptions) =>
      runJsonAware(options.json, async () => {
        const start = performance.now();
        const { project, names } = await loadAndSelect(options);
        try {
          const reporter = createReporter({ json: options.json ?? false, command: "build" });
          reporter.begin(names.map((n) => ({ name: n, hash: shortHash(project.models.get(n)!.table.node) })));
          const results = await buildModels(project, names, { relocateReads: options.relocateReads, onEvent: (e) => reporter.event(e) });
          const counts: Record<string, number> = {};
          for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
          const line = countLine(counts, ["built", "relocated", "unchanged", "error"]);
          await reporter.summary(`build: ${line} (${names.length} of ${project.models.size} models selected) in ${formatMs(performance.now() - start)}`, counts);
          if ((counts["error"] ?? 0) > 0) process.exitCode = 1;
        } finally {
          await project.close();
        }
      }),
    );
}
