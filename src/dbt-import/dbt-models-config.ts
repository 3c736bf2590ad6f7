/**
 * dbt_project.yml's `models:` tree as project.yaml's defaults. dbt nests configs under
 * the project's name, then folders; a key is a config when it starts with `+` or is one
 * of dbt's config names, else a folder. xorq keeps `materialized` and `schema` per
 * folder (project.yaml `models:`; the root's become `materialized:`/`schema:`), `tags`
 * are written into the front matter of the SQL models below the folder (dbt adds a
 * folder's tags to its models'), `enabled: false` leaves the folder's models out.
 */
import type { ReportItem } from "./import-report.js";

type Obj = Readonly<Record<string, unknown>>;

/** dbt's model configs (without `+`): https://docs.getdbt.com/reference/model-configs */
const DBT_CONFIGS = new Set([
  "materialized", "schema", "tags", "enabled", "alias", "database", "pre-hook", "post-hook", "pre_hook", "post_hook",
  "persist_docs", "docs", "meta", "grants", "contract", "full_refresh", "on_schema_change", "unique_key",
  "incremental_strategy", "sql_header", "quoting", "column_types", "group", "access", "bind", "copy_grants",
  "transient", "cluster_by", "partition_by", "labels", "indexes", "event_time", "batch_size", "lookback", "begin",
]);
const MATERIALIZED = new Set(["ephemeral", "view", "table", "incremental"]);
const HOOKS = new Set(["pre-hook", "post-hook", "pre_hook", "post_hook"]);

export interface FolderConfig {
  readonly materialized?: string;
  readonly schema?: string;
}

export interface ConvertedModelsConfig {
  /** The project root's defaults (project.yaml `materialized:` / `schema:`). */
  readonly root: FolderConfig;
  /** project.yaml's `models:` tree below the root (`{ staging: { "+materialized": "view" } }`). */
  readonly tree: Readonly<Record<string, unknown>>;
  /** Tags per folder ("" is the root), each folder's own (not its parents'). */
  readonly tags: ReadonlyMap<string, ReadonlyArray<string>>;
  /** Folders whose models dbt does not build (`enabled: false`). */
  readonly disabled: ReadonlyArray<string>;
  readonly report: ReadonlyArray<ReportItem>;
}

export function convertModelsConfig(models: Obj, projectName: string, file: string): ConvertedModelsConfig {
  const tags = new Map<string, ReadonlyArray<string>>();
  const disabled: string[] = [];
  const report: ReportItem[] = [];
  for (const key of Object.keys(models)) {
    if (key !== projectName) report.push({ kind: "packages", file, what: `models: configs of package '${key}'` });
  }
  const walk = (node: Obj, folder: string): { own: FolderConfig; tree: Record<string, unknown> } => {
    const own: { materialized?: string; schema?: string } = {};
    const tree: Record<string, unknown> = {};
    const where = `models: ${projectName}${folder ? `/${folder}` : ""}`;
    for (const [rawKey, value] of Object.entries(node)) {
      const key = rawKey.replace(/^\+/, "");
      if (!rawKey.startsWith("+") && !DBT_CONFIGS.has(key)) {
        const sub = walk((value ?? {}) as Obj, folder ? `${folder}/${rawKey}` : rawKey);
        const subTree = { ...(sub.own.materialized ? { "+materialized": sub.own.materialized } : {}), ...(sub.own.schema ? { "+schema": sub.own.schema } : {}), ...sub.tree };
        if (Object.keys(subTree).length > 0) tree[rawKey] = subTree;
        continue;
      }
      if (key === "materialized" && typeof value === "string" && MATERIALIZED.has(value)) own.materialized = value;
      else if (key === "schema" && typeof value === "string") own.schema = value;
      else if (key === "tags" && (typeof value === "string" || Array.isArray(value))) tags.set(folder, ([] as unknown[]).concat(value).map(String));
      else if (key === "enabled" && typeof value === "boolean") {
        if (!value) disabled.push(folder);
      } else report.push({ kind: HOOKS.has(key) ? "hooks" : "configs", file, what: `${where}: ${rawKey}: ${JSON.stringify(value)}` });
    }
    return { own, tree };
  };
  const top = walk((models[projectName] ?? {}) as Obj, "");
  return { root: top.own, tree: top.tree, tags, disabled, report };
}

/** The tags dbt gives a model in `folder` ("marts/finance"): its folders' tags, root first. */
export function folderTags(tags: ReadonlyMap<string, ReadonlyArray<string>>, folder: string): string[] {
  const parts = folder === "" ? [] : folder.split("/");
  const chain = ["", ...parts.map((_, i) => parts.slice(0, i + 1).join("/"))];
  return [...new Set(chain.flatMap((f) => tags.get(f) ?? []))];
}

/** Whether a model in `folder` is under a disabled folder. */
export function isDisabled(disabled: ReadonlyArray<string>, folder: string): boolean {
  return disabled.some((d) => d === "" || folder === d || folder.startsWith(`${d}/`));
}
