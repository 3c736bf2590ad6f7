/** `xorq ls`: the selected models, by name or as JSON. */
import type { Command } from "commander";
import { manifestModel } from "../../artifacts/manifest.js";
import { UsageError } from "../errors.js";
import { type ProjectCommandOptions, loadAndSelect, runJsonAware, withProjectOptions } from "../project-options.js";

interface LsOptions extends ProjectCommandOptions {
  readonly output: string;
}

export function register(program: Command): void {
  withProjectOptions(program.command("ls"))
    .description("list the selected models")
    .option("--output <format>", "name (one per line, sorted) or json", "name")
    .action((options: LsOptions) =>
      runJsonAware(options.output === "json", async () => {
        if (options.output !== "name" && options.output !== "json") throw new UsageError(`--output must be name or json, got '${options.output}'`);
        const { project, names } = await loadAndSelect(options, { resolve: "selected" });
        try {
          if (options.output === "name") {
            for (const n of [...names].sort()) process.stdout.write(`${n}\n`);
            return;
          }
          const rows = [...names].sort().map((n) => {
            const m = manifestModel(project, n);
            return { name: m.name, hash: m.hash, profile: m.profile, tags: m.tags, inputs: m.inputs, sources: m.sources, file: m.file, kind: m.kind, build: m.build, description: m.description, columns: m.columns };
          });
          process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        } finally {
          await project.close();
        }
      }),
    );
}
