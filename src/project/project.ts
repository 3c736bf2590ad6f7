/**
 * Loading a project, in stages that run one way: find it, read its files into a spec
 * (plain data) and its DAG (`readProject`), then resolve models into expressions
 * (`resolve`): every model, or only those a selection needs (the selected ones and
 * their ancestors). Every problem on the way is collected; resolving throws one
 * `ProjectError` (exit code 2) listing them all, and returns only a project with none.
 *
 * ```ts
 * const project = await loadProject({ cwd: "demo" });
 * project.models.get("orders_by_region")!.table.toSql();
 * await project.close();
 *
 * const read = await readProject({ cwd: "demo" });
 * const some = await read.resolve(["orders_by_region"]); // it and its ancestors only
 * ```
 */
import { join, resolve } from "node:path";
import { stat } from "node:fs/promises";
import { Connections } from "../backends/connections.js";
import type { Profile } from "../backends/connections.js";
import { type ResolvedModel, type ResolvedSource, resolveProject } from "./resolve/model-resolver.js";
import { ProblemList, ProjectNotFoundError, projectErrorAt } from "./project-errors.js";
import { type ProjectGraph, buildGraph } from "./graph/project-graph.js";
import { PROJECT_DIR, findProject, loadProjectSpec } from "./loading/project-loader.js";
import type { ProjectConfig, ProjectLocation } from "./project-spec.js";
import { ParseCache } from "./loading/parse-cache.js";
import { SpecPositions } from "./loading/spec-positions.js";
import { ResolveCache } from "./resolve/resolve-cache.js";
import { SchemaCache } from "./resolve/schema-cache.js";
import type { ModelSpec, ProjectSpec } from "./project-spec.js";
import { stableStringify } from "../expr/canonical.js";
import { toolVersion } from "../util/tool-version.js";

export interface LoadOptions {
  /** Where to start looking for `xorq_project/project.yaml` (default: the working directory). */
  readonly cwd?: string;
  /** The project directory (`--project DIR`): DIR or DIR/xorq_project. */
  readonly project?: string;
  /** Var values that replace project.yaml's. */
  readonly vars?: Readonly<Record<string, unknown>>;
}

export interface Project {
  readonly location: ProjectLocation;
  readonly config: ProjectConfig;
  readonly vars: Readonly<Record<string, unknown>>;
  readonly profiles: ReadonlyArray<Profile>;
  /** Connections per profile, opened on first use. */
  readonly connections: Connections;
  readonly graph: ProjectGraph;
  readonly sources: ReadonlyMap<string, ResolvedSource>;
  /** The resolved models by name: every model, or those a partial load was asked for and their ancestors. */
  readonly models: ReadonlyMap<string, ResolvedModel>;
  /** The resolved models' names in dependency order (inputs first). */
  readonly order: ReadonlyArray<string>;
  /** The singular tests' specs (resolved by `src/testing/` when tests run). */
  readonly singularTests: ReadonlyArray<ModelSpec>;
  /** What this load did and what it took from target/'s caches. */
  readonly stats: LoadStats;
  close(): Promise<void>;
}

export interface LoadStats {
  /** Project files parsed (the others were served by the parse cache, unread). */
  readonly filesParsed: number;
  /** Models resolved into expressions (the others came from the resolve cache). */
  readonly modelsResolved: number;
  readonly modelsReused: number;
}

/** Finds the project for `options` (walking up from cwd), or throws a usage error. */
export async function locateProject(options: LoadOptions = {}): Promise<ProjectLocation> {
  if (options.project) {
    const dir = resolve(options.project);
    for (const root of [dir, resolve(dir, "..")]) {
      try {
        if ((await stat(join(root, PROJECT_DIR, "project.yaml"))).isFile()) return { root, projectDir: join(root, PROJECT_DIR) };
      } catch {
        // try the next candidate
      }
    }
    throw new ProjectNotFoundError(`no ${PROJECT_DIR}/project.yaml in ${options.project}`);
  }
  const found = await findProject(options.cwd ?? process.cwd());
  if (!found) throw new ProjectNotFoundError(`no ${PROJECT_DIR}/project.yaml here or in a parent directory (create one with: xorq init)`);
  return found;
}

/**
 * What a long-lived process (`xorq build --watch`) keeps between loads of one project:
 * target/'s caches as the last load left them, so a reload reads none of them again.
 * Pass the same (initially empty) object to every `loadProject` call.
 */
export interface LoadSession {
  parse?: ParseCache;
  resolve?: ResolveCache;
  schemas?: SchemaCache;
  /**
   * Writes what the last load learned to target/. A load in a session does not write
   * its caches itself: the caller saves when it has reported its result.
   */
  save?: () => Promise<void>;
  /**
   * The files (relative to the project root, `/`-separated) that changed since the last
   * load, when the caller watches xorq_project/: its other files are not even stat'ed.
   */
  changed?: ReadonlyArray<string>;
}

/**
 * Loads the project and resolves every model (`readProject` then `resolve(null)`): what a
 * full build needs. Throws one `ProjectError` listing every problem.
 */
export async function loadProject(options: LoadOptions = {}, session?: LoadSession): Promise<Project> {
  return (await readProject(options, session)).resolve(null);
}

/**
 * The project's files read into its spec and graph (plain data; no engine opened): the
 * stage selection runs on. `resolve` is the next stage.
 */
export interface ProjectRead {
  readonly location: ProjectLocation;
  readonly spec: ProjectSpec;
  readonly graph: ProjectGraph;
  /** Whether reading found problems (`resolve` reports them, with those resolving finds). */
  readonly hasProblems: boolean;
  /**
   * Resolves the models `only` names and their ancestors, or every model (null), and
   * returns the project; throws one `ProjectError` listing every problem found so far.
   */
  resolve(only: ReadonlyArray<string> | null): Promise<Project>;
}

/** Finds the project and reads its files into a spec and graph; nothing is resolved yet. */
export async function readProject(options: LoadOptions = {}, session?: LoadSession): Promise<ProjectRead> {
  const location = await locateProject(options);
  const target = join(location.root, "target");
  const parsed = session?.parse ? session.parse.successor() : ParseCache.open(join(target, "parse_cache.json"));
  if (session?.parse && session.changed) parsed.trustAllBut(session.changed, `${PROJECT_DIR}/`);
  const { spec, problems, positions } = await loadProjectSpec(location, parsed, options.vars);
  return specStage(spec, problems, positions, parsed, options.vars, session);
}

/**
 * A spec read back (e.g. from JSON written to target/) as the stage `readProject`
 * returns: the same graph, selection and resolution as the files it was read from.
 */
export function projectFromSpec(spec: ProjectSpec, options: Pick<LoadOptions, "vars"> = {}): ProjectRead {
  return specStage(spec, new ProblemList(), new SpecPositions(spec.location.root), ParseCache.open(null), options.vars, undefined);
}

function specStage(
  spec: ProjectSpec,
  problems: ProblemList,
  positions: SpecPositions,
  parsed: ParseCache,
  vars: LoadOptions["vars"],
  session: LoadSession | undefined,
): ProjectRead {
  const { location } = spec;
  const graph = buildGraph(spec, problems, positions);
  return {
    location,
    spec,
    graph,
    hasProblems: problems.size > 0,
    resolve: (only) => resolveStage({ location, spec, graph, problems, positions, parsed, vars: { ...spec.config.vars, ...vars } }, only, session),
  };
}

async function resolveStage(
  read: { location: ProjectLocation; spec: ProjectSpec; graph: ProjectGraph; problems: ProblemList; positions: SpecPositions; parsed: ParseCache; vars: Readonly<Record<string, unknown>> },
  only: ReadonlyArray<string> | null,
  session: LoadSession | undefined,
): Promise<Project> {
  const { location, spec, graph, problems, positions, parsed, vars } = read;
  const target = join(location.root, "target");
  const connections = new Connections(spec.profiles, { baseDir: location.projectDir, errorAt: projectErrorAt });
  const schemas = session?.schemas ? session.schemas.successor() : await SchemaCache.open(join(target, "schema_cache.json"));
  const fingerprint = resolveFingerprint(spec);
  const resolveCache = session?.resolve?.fingerprint === fingerprint ? session.resolve.successor() : ResolveCache.open(join(target, "resolve_cache.json"), fingerprint);
  let saveResolved = async (): Promise<void> => undefined;
  const save = async () => {
    parsed.save();
    await saveResolved();
  };
  if (session) Object.assign(session, { parse: parsed, save });
  let resolved;
  try {
    resolved = await resolveProject({ location, config: spec.config, vars, graph, connections, schemas, resolved: resolveCache, problems, positions }, only);
    problems.throwIfAny();
    // A partial load keeps the entries of the models it did not visit for the next load.
    const visited = new Set(resolved.order);
    if (only !== null) resolveCache.keep([...graph.models.keys()].filter((n) => !visited.has(n)));
    saveResolved = async () => {
      await schemas.save({ keepUnused: only !== null || resolveCache.reused > 0 }).catch(() => undefined);
      resolveCache.save();
    };
    if (session) Object.assign(session, { schemas, resolve: resolveCache });
    else await save();
  } catch (e) {
    if (!session) await save();
    await connections.closeAll();
    throw e;
  }
  const { order } = resolved;
  return {
    location,
    config: spec.config,
    vars,
    profiles: spec.profiles,
    connections,
    graph,
    sources: resolved.sources,
    models: new Map(order.map((n) => [n, resolved.models.get(n)!])),
    order,
    singularTests: spec.singularTests,
    stats: { filesParsed: parsed.parsed, modelsResolved: order.length - resolveCache.reused, modelsReused: resolveCache.reused },
    close: () => connections.closeAll(),
  };
}

/** What every model's resolution depends on besides its own key: the tool, the profiles and the project's settings. */
function resolveFingerprint(spec: ProjectSpec): string {
  return stableStringify({
    tool: toolVersion(),
    profiles: spec.profiles.map((p) => [p.name, p.kind, p.params]),
    defaultProfile: spec.config.defaultProfile,
    cache: spec.config.cache,
  });
}
