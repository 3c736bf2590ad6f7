/**
 * `target/manifest.json`: every model of the project (name, file, hash, inputs, tags,
 * profile) and source, as of the last build. Deterministic (sorted, no times, no
 * absolute paths), so it can be committed and diffed; `--state DIR` reads a previous one
 * to select `state:modified` / `state:new` models and to explain a plan.
 */
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { sha256 } from "../expr/canonical.js";
import { MacroIndex } from "./macro-uses.js";
import { shortHashOf } from "../expr/canonical.js";
import type { Schema } from "../expr/data-type.js";
import type { Project } from "../project/project.js";
import type { ColumnDecl } from "../project/project-spec.js";
import { ProjectNotFoundError } from "../project/project-errors.js";
import { type SelectionGraph, graphSelection } from "../project/graph/selection.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import { toolVersion } from "../util/tool-version.js";

export interface ManifestModel {
  readonly name: string;
  readonly kind: string;
  /** Relative to xorq_project/. */
  readonly file: string;
  readonly hash: string;
  /** builds/<hash12> */
  readonly build: string;
  /** The models it refs. */
  readonly inputs: ReadonlyArray<string>;
  readonly sources: ReadonlyArray<string>;
  readonly tags: ReadonlyArray<string>;
  readonly profile: string;
  readonly description: string | null;
  /** Declared columns by name (a model's config and properties files), with their descriptions. */
  readonly columns: Readonly<Record<string, ColumnDecl>>;
  readonly definition_hash: string;
  readonly config_hash: string;
  readonly schema: Schema;
  /** A Jinja model's: the hash of its file's text (the template, before rendering). */
  readonly template_hash?: string;
  /** A Jinja model's: the macros its template calls (directly or through others), each with its text's hash. */
  readonly macros?: Readonly<Record<string, string>>;
}

export interface ManifestSource {
  readonly name: string;
  readonly file: string;
  readonly hash: string;
  readonly profile: string;
}

export interface Manifest {
  readonly tool_version: string;
  readonly project: string;
  readonly models: Readonly<Record<string, ManifestModel>>;
  readonly sources: Readonly<Record<string, ManifestSource>>;
}

export function manifestModel(project: Project, name: string): ManifestModel {
  const m = project.models.get(name)!;
  return {
    name,
    kind: m.spec.kind,
    file: m.spec.file,
    hash: m.hash,
    build: `builds/${shortHashOf(m.hash)}`,
    inputs: project.graph.parents.get(name) ?? [],
    sources: project.graph.sourcesOf.get(name) ?? [],
    tags: m.spec.tags,
    profile: m.profile,
    description: m.spec.description,
    columns: declaredColumns(m.spec.columns),
    definition_hash: m.definitionHash,
    config_hash: m.configHash,
    schema: m.schema,
  };
}

/** Columns by name; a column declared twice (config and properties file) keeps the first description given. */
function declaredColumns(columns: ReadonlyArray<ColumnDecl>): Record<string, ColumnDecl> {
  const out: Record<string, ColumnDecl> = {};
  for (const c of columns) out[c.name] = { name: c.name, description: out[c.name]?.description ?? c.description };
  return out;
}

/**
 * What a Jinja model's render read besides the vars and environment: its template and
 * the macros it calls (`plan` names the macro when only those changed).
 */
export function jinjaUses(project: Project, name: string, macros: MacroIndex): Pick<ManifestModel, "template_hash" | "macros"> {
  const m = project.models.get(name)!;
  if (m.spec.kind !== "jinja") return {};
  const template = readFileSync(join(project.location.projectDir, m.spec.file), "utf8");
  const engine = project.profiles.find((p) => p.name === m.profile)?.kind ?? m.profile;
  return { template_hash: sha256(template).slice(0, 12), ...(macros.size > 0 ? { macros: macros.usedBy(template, engine) } : {}) };
}

/** The project's macros, as `jinjaUses` reads them. */
export function projectMacros(project: Project): MacroIndex {
  return MacroIndex.read(join(project.location.projectDir, "macros"));
}

export function buildManifest(project: Project): Manifest {
  const names = [...project.models.keys()].sort();
  const macros = projectMacros(project);
  const sources = [...project.sources.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  return {
    tool_version: toolVersion(),
    project: project.config.name,
    models: Object.fromEntries(names.map((n) => [n, { ...manifestModel(project, n), ...jinjaUses(project, n, macros) }])),
    sources: Object.fromEntries(
      sources.map((s) => {
        const spec = project.graph.sources.get(s.name)!;
        return [s.name, { name: s.name, file: spec.file, hash: s.hash, profile: spec.profile ?? project.config.defaultProfile }];
      }),
    ),
  };
}

export function targetDir(project: Project): string {
  return join(project.location.root, "target");
}

export async function writeManifest(project: Project): Promise<Manifest> {
  const manifest = buildManifest(project);
  // Compact, as dbt writes its manifest: indented, a 10,000-model manifest is 13 MB and
  // writing it would cost a no-op build more than everything else.
  await writeFileAtomic(join(targetDir(project), "manifest.json"), `${JSON.stringify(manifest)}\n`);
  return manifest;
}

/** Reads `DIR/manifest.json` (DIR: a previous target/ directory, or the manifest itself). */
export async function readManifest(dirOrFile: string): Promise<Manifest> {
  const file = dirOrFile.endsWith(".json") ? dirOrFile : join(dirOrFile, "manifest.json");
  let text;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new ProjectNotFoundError(`--state: no manifest at ${file} (pass a previous target/ directory)`);
  }
  try {
    return JSON.parse(text) as Manifest;
  } catch (e) {
    throw new ProjectNotFoundError(`--state: ${file} is not valid JSON (${(e as Error).message})`);
  }
}

/** The previous manifest if there is one (no error when absent). */
export async function readManifestIfAny(dir: string): Promise<Manifest | null> {
  try {
    return await readManifest(dir);
  } catch {
    return null;
  }
}

/** Is the model new, or changed in its own definition, config or the sources it reads, since `previous`? */
export function compareWithState(project: Project, previous: Manifest): SelectionGraph["state"] {
  return {
    isNew: (name) => previous.models[name] === undefined,
    isModified: (name) => ownChanges(project, previous, name).length > 0,
  };
}

/** The model's own changes since `previous` (not its inputs'): definition, config, sources. */
export function ownChanges(project: Project, previous: Manifest, name: string): string[] {
  const prev = previous.models[name];
  const m = project.models.get(name)!;
  if (!prev) return ["new"];
  const reasons: string[] = [];
  if (prev.definition_hash !== m.definitionHash) reasons.push("definition changed");
  if (prev.config_hash !== m.configHash) reasons.push("config changed");
  const changedSources = (project.graph.sourcesOf.get(name) ?? []).filter((s) => previous.sources[s]?.hash !== project.sources.get(s)?.hash);
  if (changedSources.length > 0) reasons.push(`source changed (${changedSources.join(", ")})`);
  return reasons;
}

/** The selection view of a loaded project (every model resolved), with the comparison with a previous build. */
export function selectionGraph(project: Project, state: SelectionGraph["state"]): SelectionGraph {
  return graphSelection(project.graph, { profile: (n) => project.models.get(n)!.profile, state });
}
