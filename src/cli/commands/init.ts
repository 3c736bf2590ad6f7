/** `xorq init [DIR] --template NAME`: a runnable project from `templates/<NAME>/`; `--from-dbt DBT_DIR` converts a dbt project instead. */
import type { Command } from "commander";
import { REPORT_FILE, convertDbtProject, writeDbtImport } from "../../dbt-import/dbt-import.js";
import { initProject, templateNames } from "../../project/project-init.js";

interface InitOptions {
  readonly template: string;
  readonly fromDbt?: string;
  readonly profilesDir?: string;
}

export function register(program: Command): void {
  program
    .command("init")
    .description("create a runnable project from a template, or from a dbt project (never overwrites an existing project)")
    .argument("[dir]", "where to create it", ".")
    .option("-t, --template <name>", `the template (${templateNames().join(", ")})`, "duckdb")
    .option("--from-dbt <dbt_dir>", "convert the dbt project in this folder (dbt_project.yml, models, seeds, macros, tests)")
    .option("--profiles-dir <dir>", "with --from-dbt: the folder of dbt's profiles.yml (default: the dbt project's)")
    .action(async (dir: string, options: InitOptions) => {
      const next = `next: ${dir === "." ? "" : `cd ${dir} && `}xorq build && xorq run\n`;
      if (options.fromDbt === undefined) {
        const created = await initProject(dir, options.template);
        process.stdout.write(`created ${created.files.length} files in ${created.dir} from the ${options.template} template\n${next}`);
        return;
      }
      const converted = convertDbtProject(options.fromDbt, options.profilesDir === undefined ? {} : { profilesDir: options.profilesDir });
      const target = await writeDbtImport(dir, converted);
      const lines = [
        `converted ${options.fromDbt} into ${target} (${converted.files.size} files)`,
        ...converted.notes.map((n) => `note: ${n}`),
        converted.report.length === 0
          ? "everything was converted"
          : [`not converted (${converted.report.length}, see ${REPORT_FILE}):`, ...converted.report.map((i) => `  ${i.kind}: ${i.file}: ${i.what}`)].join("\n"),
      ];
      process.stdout.write(`${lines.join("\n")}\n${next}`);
    });
}
