/**
 * `xorq show MODEL [--env E] [--limit N]`: a model's first rows, from its environment's
 * view when it is materialized, else computed.
 */
import type { Command } from "commander";
import { showModel } from "../../materialize/show-model.js";
import { runWithServices } from "../command-services.js";
import { environmentOf } from "../environment-option.js";
import { UsageError } from "../errors.js";
import { loadAndSelect } from "../project-options.js";
import { formatTable, headRows, rowsJson } from "../table-format.js";

interface ShowOptions {
  readonly project?: string;
  readonly env?: string;
  readonly limit?: string;
  readonly json?: boolean;
}

export function register(program: Command): void {
  program
    .command("show")
    .description("print a model's first rows (from its environment's view when it is materialized)")
    .argument("<model>", "the model's name")
    .option("--project <dir>", "the project directory (default: found by walking up from here)")
    .option("--env <name>", "the environment whose view is read (default: project.yaml's env, else prod)")
    .option("--limit <n>", "rows to print", "20")
    .option("--json", "print one JSON object")
    .action((name: string, options: ShowOptions) =>
      runWithServices(options.json, async (services) => {
        const limit = Number(options.limit ?? "20");
        if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive integer, got '${options.limit}'`);
        const { project, names } = await loadAndSelect({ project: options.project, select: [name] }, { resolve: "selected" });
        try {
          if (!names.includes(name)) throw new UsageError(`no model named '${name}'`);
          const rows = await showModel(project, name, environmentOf(options.env, project.config), limit, services);
          if (options.json) {
            process.stdout.write(`${rowsJson({ event: "result", model: name, view: rows.view, rows: rows.total, head: headRows(rows.head, limit) })}\n`);
          } else {
            process.stdout.write(`${formatTable(rows.head, rows.total, limit)}\n`);
          }
        } finally {
          await project.close();
        }
      }),
    );
}
