/**
 * What `xorq run TARGET` and `xorq lineage TARGET` accept: a build directory, a hash
 * (prefix) of a build under `builds/`, or a catalog alias or hash; resolved to the
 * artifact directory that holds expr.yaml.
 */
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { ArtifactError, readArtifactGraph } from "../artifacts/artifact-graph.js";
import type { OpenArtifactOptions, OpenedArtifact } from "../artifacts/artifact-reader.js";
import { PROJECT_DIR } from "../project/loading/project-loader.js";
import { fromGraph } from "../expr/canonical.js";
import type { RelationNode } from "../expr/relation-nodes.js";
import { type ArtifactInfo, readArtifactInfo } from "./artifact-info.js";
import { Catalog } from "./catalog.js";
import { CatalogError } from "./catalog-error.js";
import { ENTRY_HASH, MARKER_FILE, entryPath } from "./catalog-layout.js";

export interface TargetOptions {
  /** Where relative paths start (default: the process's working directory). */
  readonly cwd?: string;
  /** The project root (holding `xorq_project/`, `builds/`, `catalog/`), when inside a project. */
  readonly projectRoot?: string | null;
  /** The catalog directory, when chosen explicitly (`--catalog DIR`). */
  readonly catalog?: string;
}

export interface ResolvedTarget {
  readonly source: "build" | "catalog";
  /** The artifact directory (absolute). */
  readonly dir: string;
  readonly info: ArtifactInfo;
  /** The alias the target was given as, if any. */
  readonly alias: string | null;
  /**
   * Where the expression's relative paths (reads not carried, a DuckDB profile's file)
   * resolve when it runs; null for the artifact reader's default (the xorq_project/ of
   * the project the build sits in). A catalog entry's are the caller's: its project's
   * xorq_project/, else the working directory, never the catalog's work tree, which
   * a run must leave clean (a DuckDB file created there blocked the next pull).
   */
  readonly baseDir: string | null;
}

/**
 * The catalog directory: `--catalog DIR`, else `XORQ_CATALOG`, else `catalog/` at the
 * project root (or the working directory outside a project).
 */
export function catalogDir(options: TargetOptions = {}): string {
  const cwd = options.cwd ?? process.cwd();
  if (options.catalog !== undefined) return resolve(cwd, options.catalog);
  const fromEnv = process.env.XORQ_CATALOG;
  if (fromEnv) return resolve(cwd, fromEnv);
  return join(options.projectRoot ?? cwd, "catalog");
}

/**
 * Resolves a target, trying in order: a directory holding expr.yaml; a hash prefix of
 * a directory under `builds/`; an alias or hash in the catalog. The error lists what
 * was tried.
 */
export async function resolveTarget(target: string, options: TargetOptions = {}): Promise<ResolvedTarget> {
  const cwd = options.cwd ?? process.cwd();
  const asDir = resolve(cwd, target);
  if (existsSync(join(asDir, "expr.yaml"))) return { source: "build", dir: asDir, info: readArtifactInfo(asDir), alias: null, baseDir: null };

  const tried = [`no build directory ${asDir}`];
  const builds = join(options.projectRoot ?? cwd, "builds");
  if (/^[0-9a-f]{4,64}$/.test(target)) {
    const prefix = target.slice(0, 12);
    const matches = existsSync(builds) ? readdirSync(builds).filter((d) => ENTRY_HASH.test(d) && d.startsWith(prefix)) : [];
    if (matches.length > 1) throw new CatalogError(`hash prefix '${target}' is ambiguous in ${builds}: ${matches.join(", ")}`);
    if (matches.length === 1) {
      const dir = join(builds, matches[0]!);
      return { source: "build", dir, info: readArtifactInfo(dir), alias: null, baseDir: null };
    }
    tried.push(`no build ${target}* in ${builds}`);
  }

  const dir = catalogDir(options);
  if (existsSync(join(dir, MARKER_FILE))) {
    const catalog = await Catalog.open(dir);
    try {
      const { hash, alias } = catalog.resolve(target);
      const entry = join(catalog.dir, entryPath(hash));
      const baseDir = options.projectRoot ? join(options.projectRoot, PROJECT_DIR) : cwd;
      return { source: "catalog", dir: entry, info: readArtifactInfo(entry), alias, baseDir };
    } catch (e) {
      if (!(e instanceof CatalogError)) throw e;
      tried.push(e.message);
    }
  } else {
    tried.push(`no catalog at ${dir}`);
  }
  throw new CatalogError(`cannot find '${target}': ${tried.join("; ")}`);
}

/** Opens a target's artifact to run it, its relative paths resolving where `target.baseDir` says. */
export async function openTarget(target: ResolvedTarget, options: Omit<OpenArtifactOptions, "baseDir"> = {}): Promise<OpenedArtifact> {
  // Imported here: resolving a target (lineage, catalog commands) opens no engine.
  const { openArtifact } = await import("../artifacts/artifact-reader.js");
  return openArtifact(target.dir, target.baseDir === null ? options : { ...options, baseDir: target.baseDir });
}

/** An artifact's expression, and the models it is made of (for lineage to name them). */
export interface TargetExpr {
  readonly node: RelationNode;
  /** Root node hash -> model name, for the artifact and every artifact it imports that names its model. */
  readonly models: ReadonlyMap<string, string>;
}

/** The expression an artifact holds, rebuilt from its expr.yaml and those of the artifacts it imports. */
export function loadTargetExpr(target: ResolvedTarget): TargetExpr {
  const { graph, dirs } = readArtifactGraph(target.dir);
  let node: RelationNode;
  try {
    node = fromGraph(graph);
  } catch (e) {
    throw new ArtifactError(`${join(target.dir, "expr.yaml")}: ${(e as Error).message}`);
  }
  const models = new Map<string, string>();
  for (const dir of dirs) {
    const info = readArtifactInfo(dir);
    if (info.model !== null) models.set(info.fullHash, info.model);
  }
  return { node, models };
}
