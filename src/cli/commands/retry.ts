/**
 * `xorq retry`: dbt's retry. Runs again the models the last `xorq run` left failed or
 * skipped (target/run_results.json), in the environment that run wrote; nothing when
 * every model passed.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import { locateProject } from "../../project/project.js";
import { runWithServices } from "../command-services.js";
import { UsageError } from "../errors.js";
import { withTargetAlias } from "../project-options.js";
import { type RunOptions, runProject } from "./run.js";

type RetryOptions = Pick<RunOptions, "project" | "threads" | "env" | "failFast" | "skipTests" | "fullRefresh" | "vars" | "json">;

interface LastRun {
  readonly file: string;
  readonly env: string | null;
  /** The models it left `error` or `skipped`, in its order. */
  readonly retry: ReadonlyArray<string>;
}

/** What the last run left to do, from `<root>/target/run_results.json`. */
export async function lastRun(root: string): Promise<LastRun> {
  const file = join(root, "target", "run_results.json");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new UsageError(`nothing to retry: ${file} does not exist (xorq run writes it)`);
  }
  const doc = JSON.parse(text) as { env?: string; results?: Array<{ name: string; status: string }> };
  return { file, env: doc.env ?? null, retry: (doc.results ?? []).filter((r) => r.status === "error" || r.status === "skipped").map((r) => r.name) };
}

export function register(program: Command): void {
  withTargetAlias(program.command("retry"))
    .description("run again the models the last xorq run left failed or skipped (target/run_results.json)")
    .option("--project <dir>", "the project directory (default: found by walking up from here)")
    .option("--threads <n>", "models run at once", "4")
    .option("--env <name>", "the environment to write (default: the one the last run wrote)")
    .option("--vars <yaml>", "vars for this run, a YAML or JSON mapping (the last run's are not recorded)")
    .option("--full-refresh", "compute materialized models even when their key already has a physical relation")
    .option("--fail-fast", "after the first failure, start no other model")
    .option("--skip-tests", "do not run each model's error-severity tests after it")
    .option("--json", "print JSON events (one per line)")
    .action((options: RetryOptions) =>
      runWithServices(options.json, async (services) => {
        const { root } = await locateProject({ project: options.project });
        const last = await lastRun(root);
        if (last.retry.length === 0) {
          process.stdout.write(options.json ? `${JSON.stringify({ event: "summary", command: "retry", text: "nothing to retry" })}\n` : `nothing to retry: every model of the last run passed (${last.file})\n`);
          return;
        }
        const env = options.env ?? last.env ?? undefined;
        await runProject({ ...options, select: [...last.retry], ...(env === undefined ? {} : { env }) }, services);
      }),
    );
}
