/**
 * Options and steps shared by the project commands (build, run, plan, ls): finding and
 * loading the project, `--select` / `--exclude` / `--state`, and errors as JSON.
 */
import type { Command } from "commander";
import { type Manifest, compareWithState, readManifest, readManifestIfAny, selectionGraph, targetDir } from "../artifacts/manifest.js";
import { type Project, readProject } from "../project/project.js";
import { ProjectError } from "../project/project-errors.js";
import { graphSelection, parseSelection, selectModels, selectionNeeds } from "../project/graph/selection.js";
import { specProfiles } from "../project/graph/spec-profiles.js";
import { exitCodeFor } from "./errors.js";
import { problemsEvent } from "./model-reporter.js";

export interface ProjectCommandOptions {
  readonly project?: string;
  readonly select?: string[];
  readonly exclude?: string[];
  readonly state?: string;
  readonly json?: boolean;
}

export function withProjectOptions(cmd: Command): Command {
  return cmd
    .option("--project <dir>", "the project directory (default: found by walking up from here)")
    .option("-s, --select <selectors...>", "models to include (dbt syntax: name, name+, +name, @name, tag:T, path:P, profile:P, state:modified)")
    .option("--exclude <selectors...>", "models to leave out (same syntax)")
    .option("--state <dir>", "a previous target/ directory, for state:modified and state:new");
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
  const read = await readProject({ project: options.project, vars: extra.vars });
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
