/**
 * Loading a project: find it, read its files, build the DAG, resolve every model into
 * an expression. Every problem on the way is collected; `loadProject` throws one
 * `ProjectError` (exit code 2) listing them all, and returns only a project with none.
 *
 * ```ts
 * const project = await loadProject({ cwd: "demo" });
 * project.models.get("orders_by_region")!.table.toSql();
 * await project.close();
 * ```
 */
import { join, resolve } from "node:path";
import { stat } from "node:fs/promises";
import { Connections } from "../backends/connections.js";
import type { Profile } from "../backends/connections.js";
import { type ResolvedModel, type ResolvedSource, resolveProject } from "./model-resolver.js";
import { ProjectNotFoundError, projectErrorAt } from "./project-errors.js";
import { type ProjectGraph, buildGraph } from "./project-graph.js";
import { PROJECT_DIR, findProject, loadProjectSpec } from "./project-loader.js";
import type { ProjectConfig, ProjectLocation } from "./project-spec.js";
import { ParseCache } from "./parse-cache.js";
import { ResolveCache } from "./resolve-cache.js";
import { SchemaCache } from "./schema-cache.js";
import type { ProjectSpec } from "./project-spec.js";
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
  /** Every model, by name. */
  readonly models: ReadonlyMap<string, ResolvedModel>;
  /** Model names in dependency order (inputs first). */
  readonly order: ReadonlyArray<string>;
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

export async function loadProject(options: LoadOptions = {}, session?: LoadSession): Promise<Project> {
  const location = await locateProject(options);
  const target = join(location.root, "target");
  const parsed = session?.parse ? session.parse.successor() : ParseCache.open(join(target, "parse_cache.json"));
  if (session?.parse && session.changed) parsed.trustAllBut(session.changed, `${PROJECT_DIR}/`);
  const { spec, problems } = await loadProjectSpec(location, parsed);
  const graph = buildGraph(spec, problems);
  const vars = { ...spec.config.vars, ...options.vars };
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
    resolved = await resolveProject(location, spec.config, vars, graph, connections, schemas, resolveCache, problems);
    problems.throwIfAny();
    saveResolved = async () => {
      await schemas.save({ keepUnused: resolveCache.reused > 0 }).catch(() => undefined);
      resolveCache.save();
    };
    if (session) Object.assign(session, { schemas, resolve: resolveCache });
    else await save();
  } catch (e) {
    if (!session) await save();
    await connections.closeAll();
    throw e;
  }
  const order = graph.order;
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
