/**
 * `xorq env ls | diff A B | promote FROM TO | rm E | gc`: the environments the project's
 * engines keep (each engine's state table), how two differ, promotion (which points TO's
 * views at FROM's physical relations without computing anything), dropping one, and
 * dropping the physical relations none uses.
 */
import type { Command } from "commander";
import { parseTtl } from "../../cache/cache-policies.js";
import { collectGarbage, removeEnvironment } from "../../materialize/environment-cleanup.js";
import { type EngineStates, diffEnvironments, listEnvironments, openEngineStates, promoteEnvironment } from "../../materialize/environments.js";
import { planMaterializations } from "../../materialize/materialize-plan.js";
import { PHYSICAL_SCHEMA, PROD } from "../../materialize/relation-names.js";
import type { Project } from "../../project/project.js";
import { runWithServices } from "../command-services.js";
import { checkEnvironment } from "../environment-option.js";
import { UsageError } from "../errors.js";
import { type ProjectCommandOptions, loadAndSelect, withProjectOptions } from "../project-options.js";

export function register(program: Command): void {
  const env = program.command("env").description("environments: views over the physical relations of materialized models");

  env
    .command("ls")
    .description("list the environments the project's engines hold")
    .option("--project <dir>", "the project directory (default: found by walking up from here)")
    .option("--json", "one JSON array of environments")
    .action((options: ProjectCommandOptions) =>
      withEngines(options, async (_project, engines) => {
        const envs = listEnvironments(engines);
        if (options.json) {
          process.stdout.write(`${JSON.stringify(envs.map((e) => ({ env: e.env, models: e.models, profiles: e.profiles, updated_at: e.updatedAt })))}\n`);
          return;
        }
        for (const e of envs) process.stdout.write(`${e.env}  ${e.models} model${e.models === 1 ? "" : "s"}  ${e.profiles.join(", ")}  updated ${e.updatedAt}\n`);
        if (envs.length === 0) process.stdout.write("no environments (xorq run creates them for materialized models)\n");
      }),
    );

  env
    .command("diff")
    .description("compare two environments: per model, whether their views read the same physical relation")
    .argument("<a>", "an environment")
    .argument("<b>", "another environment")
    .option("--project <dir>", "the project directory (default: found by walking up from here)")
    .option("--json", "one JSON array of models")
    .action((a: string, b: string, options: ProjectCommandOptions) =>
      withEngines(options, async (_project, engines) => {
        checkEnvironment(a);
        checkEnvironment(b);
        const diffs = diffEnvironments(engines, a, b);
        if (options.json) {
          process.stdout.write(`${JSON.stringify(diffs)}\n`);
          return;
        }
        const label = { same: "same", changed: "changed", only_a: `only ${a}`, only_b: `only ${b}` };
        for (const d of diffs) process.stdout.write(`${label[d.status].padEnd(9)} ${d.name}\n`);
        const changed = diffs.filter((d) => d.status !== "same").length;
        process.stdout.write(`diff ${a} ${b}: ${changed} differ, ${diffs.length - changed} same\n`);
      }),
    );

  env
    .command("rm")
    .description("drop an environment's views and state (its physical relations stay until env gc)")
    .argument("<env>", "the environment (not prod)")
    .option("--project <dir>", "the project directory (default: found by walking up from here)")
    .option("--json", "one JSON array of the dropped views")
    .action((name: string, options: ProjectCommandOptions) =>
      withEngines(options, async (project, engines) => {
        checkEnvironment(name);
        if (name === PROD) throw new UsageError("env rm prod: prod serves the models to their readers; point it elsewhere with env promote instead");
        const removed = await removeEnvironment(project, engines, name);
        if (options.json) {
          process.stdout.write(`${JSON.stringify(removed)}\n`);
          return;
        }
        for (const r of removed) process.stdout.write(`dropped   ${r.name}  ${r.view}\n`);
        process.stdout.write(removed.length === 0 ? `no environment '${name}'\n` : `env rm ${name}: ${removed.length} view${removed.length === 1 ? "" : "s"} dropped\n`);
      }),
    );

  env
    .command("gc")
    .description("drop the physical relations no environment's view reads")
    .option("--older-than <duration>", "keep relations created less than this long ago (e.g. 7d, 12h; default: drop every unused one)")
    .option("--dry-run", "list what would be dropped, drop nothing")
    .option("--project <dir>", "the project directory (default: found by walking up from here)")
    .option("--json", "one JSON array of the relations")
    .action((options: ProjectCommandOptions & { readonly olderThan?: string; readonly dryRun?: boolean }) =>
      withEngines(options, async (project, engines) => {
        let olderThanMs = 0;
        try {
          if (options.olderThan !== undefined) olderThanMs = parseTtl(options.olderThan) * 1000;
        } catch {
          throw new UsageError(`--older-than must be a duration like 30m, 12h or 7d, got '${options.olderThan}'`);
        }
        const dryRun = options.dryRun ?? false;
        const dropped = await collectGarbage(project, engines, { olderThanMs, dryRun });
        if (options.json) {
          process.stdout.write(`${JSON.stringify(dropped.map((d) => ({ profile: d.profile, relation: d.relation, kind: d.kind, created_at: d.createdAt })))}\n`);
          return;
        }
        const verb = dryRun ? "would drop" : "dropped";
        const summary = dryRun ? "would be dropped" : "dropped";
        for (const d of dropped) process.stdout.write(`${verb} ${d.kind.padEnd(5)} ${PHYSICAL_SCHEMA}.${d.relation}  (${d.profile})\n`);
        process.stdout.write(`env gc: ${dropped.length} relation${dropped.length === 1 ? "" : "s"} ${summary}\n`);
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

/** Runs `body` over the state of every engine the project's materialized models land in. */
function withEngines(options: ProjectCommandOptions, body: (project: Project, engines: EngineStates) => Promise<void>): Promise<void> {
  return runWithServices(options.json, async () => {
    const { project } = await loadAndSelect(options);
    try {
      await body(project, await openEngineStates(project, planMaterializations(project, PROD)));
    } finally {
      await project.close();
    }
  });
}
