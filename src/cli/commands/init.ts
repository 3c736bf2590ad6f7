/** `xorq init [DIR] --template NAME`: a runnable project from `templates/<NAME>/`. */
import type { Command } from "commander";
import { initProject, templateNames } from "../../project/project-init.js";

export function register(program: Command): void {
  program
    .command("init")
    .description("create a runnable project from a template (never overwrites an existing project)")
    .argument("[dir]", "where to create it", ".")
    .option("-t, --template <name>", `the template (${templateNames().join(", ")})`, "duckdb")
    .action(async (dir: string, options: { template: string }) => {
      const created = await initProject(dir, options.template);
      process.stdout.write(
        `created ${created.files.length} files in ${created.dir} from the ${options.template} template\n` +
          `next: ${dir === "." ? "" : `cd ${dir} && `}xorq build && xorq run\n`,
      );
    });
}
