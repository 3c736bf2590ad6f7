/**
 * Options and steps shared by the project commands (build, run, plan, ls): finding and
 * loading the project, `--select` / `--exclude` / `--state`, dbt's `--vars` and
 * `--target`, and errors as JSON.
 */
import type { Command } from "commander";
import { type Manifest, compareWithState, readManifest, readManifestIfAny, selectionGraph, targetDir } from "../artifacts/manifest.js";
import { type Project, readProject } from "../project/project.js";
import { ProjectError } from "../project/project-errors.js";
import { graphSelection, parseSelection, selectModels, selectionNeeds } from "../project/graph/selection.js";
import { specProfiles } from "../project/graph/spec-profiles.js";
import { yamlLib } from "../project/loading/lazy-libs.js";
import { UsageError, exitCodeFor } from "./errors.js";
import { problemsEvent } from "./model-reporter.js";

export interface ProjectCommandOptions {
  readonly project?: string;
  readonly select?: string[];
  readonly exclude?: string[];
  readonly state?: string;
  readonly json?: boolean;
  /** `--vars`: YAML or JSON text of a mapping, as dbt's. */
  readonly vars?: string;
}

export function withProjectOptions(cmd: Command): Command {
  return cmd
    .option("--project <dir>", "the project directory (default: found by walking up from here)")
    .option("-s, --select <selectors...>", "models to include (dbt syntax: name, name+, +name, @name, tag:T, path:P, profile:P, state:modified)")
    .option("--exclude <selectors...>", "models to leave out (same syntax)")
    .option("--state <dir>", "a previous target/ directory, for state:modified and state:new")
    .option("--vars <yaml>", `vars for this command, a YAML or JSON mapping as dbt's ('{"min_amount": 25}'); -p name=value wins over it`);
}

/**
 * `--vars '{"min_amount": 25}'` / `--vars 'min_amount: 25'` (dbt's flag) as a mapping.
 * @example parseVarsOption("{min_amount: 25, region: eu}") // { min_amount: 25, region: "eu" }
 */
export function parseVarsOption(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = yamlLib().parse(text);
  } catch (e) {
    throw new UsageError(`--vars is not YAML or JSON: ${(e as Error).message.split("\n")[0]}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new UsageError(`--vars must be a mapping of var names to values ('{"min_amount": 25}'), got ${JSON.stringify(text)}`);
  return value as Record<string, unknown>;
}

/**
 * dbt's `--target NAME` on a command with `--env`: the same option by dbt's name (a dbt
 * target is a set of connection settings; its schema is what an environment names here).
 */
export function withTargetAlias(cmd: Command): Command {
  return cmd.option("--target <name>", "dbt's name for --env").hook("preAction", (_cmd, action) => {
    const o = action.opts<{ env?: string; target?: string }>();
    if (o.target === undefined) return;
    if (o.env !== undefined && o.env !== o.target) throw new UsageError(`--target ${o.target} and --env ${o.env} name two environments; give one`);
    action.setOptionValue("env", o.target);
  });
}

/**
 * Loads the project and selects models; `previous` is the --state manifest (or target/'s
 * when `defaultState`). The stages run one way: the selection is parsed first (a typo
 * should not wait for the project to load), evaluated on the spec's graph, and with
 * `resolve: "selected"` only the selected models and their ancestors are resolved.
 * Every model is resolved when the command needs them all (a build writes the manifest
 * of every model), when the selection asks what only resolving tells (`state:`, or
 * `profile:` when a model's engine is decided by running it), and when reading found
 * problems (they are reported with every other one).
 */
export async function loadAndSelect(
  options: ProjectCommandOptions,
  extra: { vars?: Readonly<Record<string, unknown>>; defaultState?: boolean; resolve?: "all" | "selected" } = {},
): Promise<{ project: Project; names: string[]; previous: Manifest | null }> {
  const selection = parseSelection(options);
  const vars = options.vars === undefined ? extra.vars : { ...parseVarsOption(options.vars), ...extra.vars };
  const read = await readProject({ project: options.project, vars });
  const previousOf = (project: Project) =>
    options.state ? readManifest(options.state) : extra.defaultState ? readManifestIfAny(targetDir(project)) : Promise.resolve(null);
  const needs = selectionNeeds(selection);
  const profiles = needs.profile ? specProfiles(read.graph, read.spec.config.defaultProfile) : null;
  if (extra.resolve === "selected" && !read.hasProblems && !needs.state && (!needs.profile || profiles)) {
    const known = profiles ? { profile: (n: string) => profiles.get(n)!, state: null } : null;
    const names = selectModels(graphSelection(read.graph, known), selection);
    const project = await read.resolve(names);
    try {
      return { project, names, previous: await previousOf(project) };
    } catch (e) {
      await project.close();
      throw e;
    }
  }
  const project = await read.resolve(null);
  try {
    const previous = await previousOf(project);
    const graph = selectionGraph(project, previous ? compareWithState(project, previous) : null);
    return { project, names: selectModels(graph, selection), previous };
  } catch (e) {
    await project.close();
    throw e;
  }
}

/**
 * Runs a command body; with `--json`, an error becomes one JSON event on stdout (the
 * exit code still says what happened). Without it, errors go to the CLI's handler.
 * `finalize` runs last either way (e.g. closing the engine that writes data files).
 */
export async function runJsonAware(json: boolean | undefined, body: () => Promise<void>, finalize?: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    if (!json) throw e;
    const event = e instanceof ProjectError ? problemsEvent(e) : { event: "error", exit_code: exitCodeFor(e), message: (e as Error).message };
    process.stdout.write(`${JSON.stringify(event)}\n`);
    process.exitCode = exitCodeFor(e);
  } finally {
    await finalize?.();
  }
}

/** `name=value` pairs of repeated `-p` options. */
export function parseParams(pairs: ReadonlyArray<string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const i = pair.indexOf("=");
    if (i <= 0) throw Object.assign(new Error(`-p expects name=value, got '${pair}'`), { exitCode: 2 });
    out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}

/** "3 built, 2 unchanged" from status counts (zero counts left out, except the first). */
export function countLine(counts: Readonly<Record<string, number>>, order: ReadonlyArray<string>): string {
  const parts = order.filter((k, i) => i === 0 || (counts[k] ?? 0) > 0).map((k) => `${counts[k] ?? 0} ${k}`);
  return parts.join(", ");
}
