/**
 * `xorq docs generate [--out DIR]` and `xorq docs serve [--port P]`: the static,
 * offline documentation site of the project (SPEC "Commands"; the logic is `src/docs/`).
 */
import type { Command } from "commander";
import { generateDocs } from "../../docs/docs-generate.js";
import { serveDocs } from "../../docs/docs-serve.js";
import { UsageError } from "../errors.js";

interface DocsCliOptions {
  readonly project?: string;
  readonly out?: string;
  readonly lineage?: boolean;
}

interface ServeCliOptions extends DocsCliOptions {
  readonly port: string;
}

const withDocsOptions = (cmd: Command): Command =>
  cmd
    .option("--project <dir>", "the project directory (default: found by walking up from here)")
    .option("--out <dir>", "where to write the site (default: target/docs/ at the project root)")
    .option("--no-lineage", "leave out column lineage (faster on very large projects)");

export function register(program: Command): void {
  const docs = program.command("docs").description("the project's documentation site: the DAG, models, SQL and column lineage, offline");
  withDocsOptions(docs.command("generate"))
    .description("write the static site (open index.html in a browser, no server needed)")
    .action(async (options: DocsCliOptions) => {
      const done = await generateDocs({ project: options.project, out: options.out, lineage: options.lineage });
      process.stdout.write(`docs: ${done.models} models, ${done.sources} sources in ${Math.round(done.ms)} ms -> ${done.dir}/index.html\n`);
    });
  withDocsOptions(docs.command("serve"))
    .description("generate the site, serve it on 127.0.0.1 and regenerate it when project files change")
    .option("--port <port>", "the port to listen on", "8080")
    .action(async (options: ServeCliOptions) => {
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`--port must be a port number, got '${options.port}'`);
      await serveDocs({ project: options.project, out: options.out, lineage: options.lineage, port }, (e) => {
        if (e.event === "serving") process.stdout.write(`serving ${e.dir} at ${e.url} (Ctrl-C to stop)\n`);
        else if (e.event === "generated") process.stdout.write(`docs: ${e.docs.models} models in ${Math.round(e.docs.ms)} ms${e.trigger === "change" ? " (after a change)" : ""}\n`);
        else process.stderr.write(`docs: ${e.message}\n`);
      });
      // Serves until interrupted (Ctrl-C ends the process).
      await new Promise<never>(() => undefined);
    });
}
