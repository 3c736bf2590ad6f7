/**
 * A model's materialization settings with the defaults applied: its own config, else
 * the deepest folder of project.yaml's `models:` tree that sets one, else project.yaml's
 * `materialized:` / `schema:`, else `ephemeral` (what `xorq run` did before models were
 * materialized: a project that sets nothing runs as it always has).
 */
import type { Materialized } from "../project/model-kinds/model-definition.js";
import type { ModelSpec, ProjectConfig } from "../project/project-spec.js";

export interface ModelSettings {
  readonly materialized: Materialized;
  /** null: the engine's default schema. */
  readonly schema: string | null;
  /** The name of its relations: `alias:`, else the model's name. */
  readonly alias: string;
}

export function modelSettings(spec: ModelSpec, config: ProjectConfig): ModelSettings {
  const own = spec.materialization;
  const folders = foldersOf(spec.file, config.modelPaths);
  let materialized = config.materialized;
  let schema = config.schema;
  for (const d of config.folderDefaults) {
    if (!folders.has(d.folder)) continue;
    materialized = d.materialized ?? materialized;
    schema = d.schema ?? schema;
  }
  return { materialized: own.materialized ?? materialized ?? "ephemeral", schema: own.schema ?? schema, alias: own.alias ?? spec.name };
}

/** The folders (relative to its models path) a model file is under: `models/a/b/x.sql` is under `a` and `a/b`. */
function foldersOf(file: string, modelPaths: ReadonlyArray<string>): Set<string> {
  const out = new Set<string>();
  for (const p of modelPaths) {
    const prefix = `${p.replace(/^\.\/|\/+$/g, "")}/`;
    if (!file.startsWith(prefix)) continue;
    const parts = file.slice(prefix.length).split("/").slice(0, -1);
    parts.forEach((_, i) => out.add(parts.slice(0, i + 1).join("/")));
  }
  return out;
}
