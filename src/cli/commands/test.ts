/** `xorq test`: run the data tests of the selected models; exit 1 when an error-severity test fails. */
import type { Command } from "commander";
import type { TestResult } from "../../testing/test-runner.js";
import { testProject, testsFailed } from "../../testing/test-project.js";
import { runWithServices } from "../command-services.js";
import { environmentOf } from "../environment-option.js";
import { formatMs } from "../model-reporter.js";
import { type ProjectCommandOptions, countLine, loadAndSelect, withProjectOptions } from "../project-options.js";

interface TestOptions extends ProjectCommandOptions {
  readonly env?: string;
}

export function register(program: Command): void {
  withProjectOptions(program.command("test"))
    .description("run the data tests of the selected models (and of the sources they read)")
    .option("--env <name>", "test materialized models over their relations in this environment (default: project.yaml's env, else prod); the others over their expressions")
    .option("--json", "print JSON events (one per line)")
    .action((options: TestOptions) =>
      runWithServices(options.json, async (services) => {
        const { project, names } = await loadAndSelect(options);
        try {
          const write = (line: string) => process.stdout.write(`${line}\n`);
          const { results, elapsedMs } = await testProject(project, names, {
            services,
            env: environmentOf(options.env, project.config),
            onResult: (r) => (options.json ? write(JSON.stringify({ ...r, ms: Math.round(r.ms) })) : write(resultLines(r))),
          });
          const counts: Record<string, number> = {};
          for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
          const cached = results.filter((r) => r.cached).length;
          const text = `test: ${countLine(counts, ["pass", "warn", "fail", "error"])}${cached > 0 ? ` (${cached} cached)` : ""} in ${formatMs(elapsedMs)}`;
          write(options.json ? JSON.stringify({ event: "summary", command: "test", text, ...counts, cached }) : text);
          if (testsFailed(results)) process.exitCode = 1;
        } finally {
          await project.close();
        }
      }),
    );
}

/** `fail  unique_orders_id  2 rows  (3 ms)` plus a few failing rows, indented. */
function resultLines(r: TestResult): string {
  const what = r.status === "error" ? r.message ?? "" : r.failures === 0 ? "" : `${r.failures} ${r.failures === 1 ? "row" : "rows"}`;
  const head = [r.status.padEnd(5), r.name, what, r.cached ? "(cached)" : `(${formatMs(r.ms)})`].filter((x) => x !== "").join("  ");
  const rows = r.status === "pass" ? [] : r.sample.map((row) => `        ${JSON.stringify(row)}`);
  return [head, ...rows].join("\n");
}
