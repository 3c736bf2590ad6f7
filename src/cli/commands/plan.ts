/** `xorq plan`: what a build would rebuild and why, without doing it. */
import type { Command } from "commander";
import { planBuild } from "../../tasks/plan.js";
import { type ProjectCommandOptions, loadAndSelect, runJsonAware, withProjectOptions } from "../project-options.js";

export function register(program: Command): void {
  withProjectOptions(program.command("plan"))
    .description("show which selected models a build would write and why (new, definition/config/source/upstream changed)")
    .option("--json", "print the plan as JSON")
    .action((options: ProjectCommandOptions) =>
      runJsonAware(options.json, async () => {
        const { project, names, previous } = await loadAndSelect(options, { defaultState: true, resolve: "selected" });
        try {
          const plan = planBuild(project, names, previous);
          const toBuild = plan.filter((p) => p.action === "build");
          if (options.json) {
            process.stdout.write(`${JSON.stringify({ event: "plan", models: plan, build: toBuild.length, unchanged: plan.length - toBuild.length })}\n`);
            return;
          }
          const width = Math.min(40, Math.max(0, ...plan.map((p) => p.name.length)));
          for (const p of plan) {
            process.stdout.write(`${(p.action === "build" ? "build" : "unchanged").padEnd(9)} ${p.name.padEnd(width)}  ${p.hash}${p.reasons.length ? `  ${p.reasons.join("; ")}` : ""}\n`);
          }
          process.stdout.write(`plan: ${toBuild.length} to build, ${plan.length - toBuild.length} unchanged\n`);
        } finally {
          await project.close();
        }
      }),
    );
}
