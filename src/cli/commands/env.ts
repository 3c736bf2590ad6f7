/**
 * `xorq env ls | promote FROM TO`: the environments the project's engines keep (each
 * engine's state table), and promotion, which points TO's views at FROM's physical
 * relations without computing anything.
 */
import type { Command } from "commander";
import { listEnvironments, openEngineStates, promoteEnvironment } from "../../materialize/environments.js";
import { planMaterializations } from "../../materialize/materialize-plan.js";
import { PROD } from "../../materialize/relation-names.js";
import { runWithServices } from "../command-services.js";
import { checkEnvironment } from "../environment-option.js";
import { type ProjectCommandOptions, loadAndSelect, withProjectOptions } from "../project-options.js";

export function register(program: Command): void {
  const env = program.command("env").description("environments: views over the physical relations of materialized models");

  env
    .command("ls")
    .description("list the environments the project's engines hold")
    .option("--project <dir>", "the project directory (default: found by walking up from here)")
    .option("--json", "one JSON array of environments")
    .action((options: ProjectCommandOptions) =>
      runWithServices(options.json, async () => {
        const { project } = await loadAndSelect(options);
        try {
          const plan = planMaterializations(project, PROD);
          const envs = listEnvironments(await openEngineStates(project, plan));
          if (options.json) {
            process.stdout.write(`${JSON.stringify(envs.map((e) => ({ env: e.env, models: e.models, profiles: e.profiles, updated_at: e.updatedAt })))}\n`);
            return;
          }
          for (const e of envs) process.stdout.write(`${e.env}  ${e.models} model${e.models === 1 ? "" : "s"}  ${e.profiles.join(", ")}  updated ${e.updatedAt}\n`);
          if (envs.length === 0) process.stdout.write("no environments (xorq run creates them for materialized models)\n");
        } finally {
          await project.close();
        }
      }),
    );

  withProjectOptions(
    env
      .command("promote")
      .description("point TO's views of the selected materialized models at the relations FROM's views read (computes nothing)")
      .argument("<from>", "the environment whose relations are promoted")
      .argument("<to>", "the environment whose views change")
      .option("--json", "print JSON events (one per model)"),
  ).action((from: string, to: string, options: ProjectCommandOptions) =>
    runWithServices(options.json, async () => {
      checkEnvironment(from);
      checkEnvironment(to);
      const { project, names } = await loadAndSelect(options);
      try {
        const plan = planMaterializations(project, to);
        const results = await promoteEnvironment(project, plan, await openEngineStates(project, plan), from, to, names);
        for (const r of results) {
          const line = options.json
            ? JSON.stringify({ event: "model_promoted", name: r.name, status: r.status, view: r.view })
            : `${r.status.padEnd(9)} ${r.name}${r.view ? `  ${r.view}` : `  (no view in ${from})`}`;
          process.stdout.write(`${line}\n`);
        }
        const promoted = results.filter((r) => r.status === "promoted").length;
        if (!options.json) process.stdout.write(`promote ${from} -> ${to}: ${promoted} promoted, ${results.length - promoted} not changed\n`);
      } finally {
        await project.close();
      }
    }),
  );
}
