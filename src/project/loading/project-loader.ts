/**
 * Reads a project's files into a `ProjectSpec`: project.yaml, profiles.yaml,
 * sources/*.yaml and every model file (YAML steps, SQL, TypeScript). Every YAML file
 * is checked against its JSON Schema (`validate.ts`); every problem is collected with
 * file:line:col and the caller decides what runs (nothing, while there is one).
 * No engine is opened here.
 */
import { readdir, stat } from "node:fs/promises";
import { basename, dirname, extname, join, resolve } from "node:path";
import type { Profile } from "../../backends/connections.js";
import type { ParamValue } from "../../backends/env-refs.js";
import { NAME, type ModelFile, sourceTableName } from "../model-kinds/model-kind.js";
import { kindForFile } from "../model-kinds/model-kinds.js";
import { ProblemList } from "../project-errors.js";
import { loadJinjaProject } from "./jinja-loader.js";
import { applyProperties, loadPropertiesFile, splitPropertiesFiles } from "./properties-files.js";
import type { Materialized } from "../model-kinds/model-definition.js";
import type { CacheDefaults, FolderDefaults, ModelSpec, ProjectConfig, ProjectLocation, ProjectSpec, SourceSpec, SpecPos } from "../project-spec.js";
import { type FileReader, type ModelReader, type Obj, asObj, readYaml, relativeTo, strList } from "./file-reader.js";
import { declaredTests } from "../../testing/test-declarations.js";
import type { ParseCache } from "./parse-cache.js";
import { SpecPositions } from "./spec-positions.js";
import { YamlLocator } from "./yaml-locate.js";

export const PROJECT_DIR = "xorq_project";
/** Jinja macros every SQL model can call (dbt's `macros/`), relative to xorq_project/. */
const MACRO_DIR = "macros";
/** Singular tests (dbt's `tests/`), relative to xorq_project/. */
const TEST_DIR = "tests";

/**
 * Reads every file of the project; returns the spec and the problems found. `vars`
 * overrides project vars (`-p`): Jinja models render with them at load.
 */
export async function loadProjectSpec(
  location: ProjectLocation,
  cache: ParseCache,
  vars: Readonly<Record<string, unknown>> = {},
): Promise<{ spec: ProjectSpec; problems: ProblemList; positions: SpecPositions }> {
  const problems = new ProblemList();
  const display = relativeTo(location.root);
  const files: FileReader = { cache, display, problems, positions: new SpecPositions(location.root) };
  const profiles = loadProfiles(location, files);
  const loaded = loadConfig(location, files);
  // No default_profile: the first profile of profiles.yaml.
  const config = loaded && loaded.defaultProfile === "" ? { ...loaded, defaultProfile: profiles[0]?.name ?? "" } : loaded;
  if (config && profiles.length > 0 && !profiles.some((p) => p.name === config.defaultProfile)) {
    problems.add(files.positions.pos(config.at), `default_profile '${config.defaultProfile}' is not a profile in profiles.yaml (profiles: ${profiles.map((p) => p.name).join(", ")})`);
  }
  const fallbackConfig: ProjectConfig = config ?? {
    name: basename(location.root), defaultProfile: profiles[0]?.name ?? "local", vars: {}, cache: {},
    modelPaths: ["models"], sourcePaths: ["sources"], materialized: null, schema: null, env: null, folderDefaults: [], at: { file: `${PROJECT_DIR}/project.yaml`, line: 1, col: 1 },
  };
  const [macroDir, modelDirs] = await Promise.all([
    listFiles(join(location.projectDir, MACRO_DIR)),
    Promise.all(fallbackConfig.modelPaths.map((p) => listFiles(resolve(location.projectDir, p)))),
  ]);
  const [propertyFiles, modelFiles] = splitPropertiesFiles(modelDirs.flat());
  const jinja = await loadJinjaProject({
    macroFiles: macroDir.filter((f) => f.endsWith(".sql")),
    docFiles: [...macroDir, ...modelFiles].filter((f) => f.endsWith(".md")),
    display, vars: { ...fallbackConfig.vars, ...vars }, profiles, problems, defaultProfile: fallbackConfig.defaultProfile,
  });
  const reader: ModelReader = { ...files, jinja };
  const [declaredSources, declaredModels] = await Promise.all([
    loadSources(location, fallbackConfig, reader),
    loadModels(location, modelFiles, reader),
  ]);
  const { sources, models } = applyProperties(propertyFiles.flatMap((path) => loadPropertiesFile(path, reader)), declaredSources, declaredModels, reader);
  const testFiles = (await listFiles(join(location.projectDir, TEST_DIR))).filter((f) => f.endsWith(".sql"));
  const singularTests = await loadModels(location, testFiles, reader);
  return { spec: { location, config: fallbackConfig, profiles, sources, models, singularTests }, problems, positions: reader.positions };
}

function loadConfig(location: ProjectLocation, reader: FileReader): ProjectConfig | null {
  const path = join(location.projectDir, "project.yaml");
  const file = reader.display(path);
  const parsed = readYaml(reader, path, "project");
  if (parsed === null) {
    reader.problems.add({ file, line: 1, col: 1 }, "project.yaml is missing");
    return null;
  }
  if (parsed.data === null) return null;
  const v = asObj(parsed.data);
  const paths = asObj(v["paths"]);
  return {
    name: String(v["name"]),
    defaultProfile: v["default_profile"] === undefined ? "" : String(v["default_profile"]),
    vars: asObj(v["vars"]),
    cache: asObj(v["cache"]) as CacheDefaults,
    modelPaths: paths["models"] === undefined ? ["models"] : strList(paths["models"]),
    sourcePaths: paths["sources"] === undefined ? ["sources"] : strList(paths["sources"]),
    // The JSON Schema checked the values.
    materialized: v["materialized"] === undefined ? null : (String(v["materialized"]) as Materialized),
    schema: v["schema"] === undefined ? null : String(v["schema"]),
    env: v["env"] === undefined ? null : String(v["env"]),
    folderDefaults: folderDefaults(asObj(v["models"]), ""),
    at: { file, yaml: ["default_profile"] },
  };
}

/** dbt's `models:` tree: `+materialized` / `+schema` of a folder, then its subfolders' (deeper entries come later). */
function folderDefaults(tree: Obj, folder: string): FolderDefaults[] {
  const own = (key: string) => (tree[key] === undefined ? null : String(tree[key]));
  const here: FolderDefaults[] = folder !== "" && (own("+materialized") !== null || own("+schema") !== null)
    ? [{ folder, materialized: own("+materialized") as Materialized | null, schema: own("+schema") }]
    : [];
  const below = Object.keys(tree).filter((k) => !k.startsWith("+")).sort().flatMap((k) => folderDefaults(asObj(tree[k]), folder === "" ? k : `${folder}/${k}`));
  return [...here, ...below];
}

function loadProfiles(location: ProjectLocation, reader: FileReader): Profile[] {
  const path = join(location.projectDir, "profiles.yaml");
  const file = reader.display(path);
  const { problems } = reader;
  const parsed = readYaml(reader, path, "profiles");
  if (parsed === null) {
    problems.add({ file, line: 1, col: 1 }, "profiles.yaml is missing (it names the connections models run in)");
    return [];
  }
  if (parsed.data === null) return [];
  const value = parsed.data;
  const locator = new YamlLocator(parsed.text, file);
  const out: Profile[] = [];
  for (const [name, raw] of Object.entries(asObj(asObj(value)["profiles"]))) {
    const { kind, ...rest } = asObj(raw) as Record<string, ParamValue>;
    const params: Record<string, ParamValue> = {};
    for (const [k, v] of Object.entries(rest)) {
      if (typeof v === "object" && v !== null) {
        problems.add(locator.pos(["profiles", name, k]), `profile '${name}': '${k}' must be a string, number or boolean`);
        continue;
      }
      params[k] = v;
    }
    // Sorted keys: the params are part of every node's hash and of the artifact's profiles.yaml.
    const sorted = Object.fromEntries(Object.entries(params).sort(([a], [b]) => (a < b ? -1 : 1)));
    out.push({
      name,
      kind: String(kind),
      params: sorted,
      // A getter: the position costs a YAML parse, and only an error reads it.
      get pos() {
        return locator.pos(["profiles", name]);
      },
    });
  }
  return out;
}

/** Every file under `dir` (recursively), as sorted absolute paths; [] when `dir` does not exist. */
async function listFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  return entries
    .filter((e) => e.isFile() && !e.name.startsWith("."))
    .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
    .sort();
}

async function loadSources(location: ProjectLocation, config: ProjectConfig, reader: FileReader): Promise<SourceSpec[]> {
  const { problems } = reader;
  const inProject = relativeTo(location.projectDir);
  const files = (await Promise.all(config.sourcePaths.map((p) => listFiles(resolve(location.projectDir, p)))))
    .flat()
    .filter((f) => /\.ya?ml$/.test(f));
  const out: SourceSpec[] = [];
  files.forEach((path) => {
    const file = reader.display(path);
    const parsed = readYaml(reader, path, "sources");
    if (!parsed || parsed.data === null) return;
    const list = asObj(parsed.data)["sources"];
    (Array.isArray(list) ? list : []).forEach((raw, j) => {
      const s = asObj(raw);
      const name = String(s["name"]);
      const at: SpecPos = { file, yaml: ["sources", j, "name"] };
      if (!NAME.test(name)) problems.add(reader.positions.pos(at), `source name '${name}' must be letters, digits and '_' (not starting with a digit)`);
      const profile = s["profile"] === undefined ? null : String(s["profile"]);
      const description = s["description"] === undefined ? null : String(s["description"]);
      if (Array.isArray(s["tables"])) {
        out.push(...groupTables(s, j, { file: inProject(path), display: file, profile }));
        return;
      }
      const fmt = s["read_parquet"] !== undefined ? "parquet" : s["read_csv"] !== undefined ? "csv" : null;
      out.push({
        name,
        file: inProject(path),
        profile,
        read: fmt ? { format: fmt, path: String(s[`read_${fmt}`]), options: asObj(s["options"]) as Record<string, string | number | boolean> } : null,
        table: s["table"] === undefined ? null : String(s["table"]),
        catalog: s["catalog"] === undefined ? null : String(s["catalog"]),
        description,
        ...declaredTests(s),
        at,
        keys: { file, yaml: ["sources", j] },
      });
    });
  });
  return out;
}

/**
 * A dbt-style source (`tables:`) as one source per table, named `<source>.<table>` (what
 * `source('<source>', '<table>')` reads, as dbt names it): the table
 * `<database>.<schema>.<identifier>`, the schema defaulting to the source's name as in
 * dbt. Its columns and tests are the table's; freshness stays in the file (validated, kept as metadata).
 */
function groupTables(s: Obj, j: number, where: { readonly file: string; readonly display: string; readonly profile: string | null }): SourceSpec[] {
  const schema = s["schema"] === undefined ? String(s["name"]) : String(s["schema"]);
  const database = s["database"] === undefined ? null : String(s["database"]);
  return (s["tables"] as unknown[]).map((raw, k) => {
    const t = asObj(raw);
    const identifier = t["identifier"] === undefined ? String(t["name"]) : String(t["identifier"]);
    return {
      name: sourceTableName(String(s["name"]), String(t["name"])),
      file: where.file,
      profile: where.profile,
      read: null,
      table: [database, schema, identifier].filter((x) => x !== null).join("."),
      catalog: null,
      description: t["description"] === undefined ? (s["description"] === undefined ? null : String(s["description"])) : String(t["description"]),
      ...declaredTests(t),
      at: { file: where.display, yaml: ["sources", j, "tables", k, "name"] },
      keys: { file: where.display, yaml: ["sources", j, "tables", k] },
    };
  });
}

async function loadModels(location: ProjectLocation, paths: ReadonlyArray<string>, reader: ModelReader): Promise<ModelSpec[]> {
  const inProject = relativeTo(location.projectDir);
  const files = paths
    .flatMap((path) => {
      const kind = kindForFile(path);
      return kind ? [{ path, kind }] : [];
    });
  // YAML and SQL files load synchronously (most come from the parse cache, unread); TS
  // files are imported, concurrently. The result keeps file order (the first of two
  // models with one name is the one kept).
  const loaded: Array<ModelSpec | null | Promise<ModelSpec | null>> = files.map(({ path, kind }) => {
    const file: ModelFile = { path, file: reader.display(path), projectFile: inProject(path), defaultName: basename(path, extname(path)) };
    const failed = (e: unknown) => {
      reader.problems.add({ file: file.file, line: 1, col: 1 }, `cannot load: ${(e as Error).message}`);
      return null;
    };
    try {
      const spec = kind.parse(file, reader);
      return spec instanceof Promise ? spec.catch(failed) : spec;
    } catch (e) {
      return failed(e);
    }
  });
  for (let i = 0; i < loaded.length; i++) if (loaded[i] instanceof Promise) loaded[i] = await loaded[i];
  return (loaded as Array<ModelSpec | null>).filter((m): m is ModelSpec => m !== null);
}

/** Walks up from `start` to the first directory holding xorq_project/project.yaml. */
export async function findProject(start: string): Promise<ProjectLocation | null> {
  let dir = resolve(start);
  for (;;) {
    try {
      if ((await stat(join(dir, PROJECT_DIR, "project.yaml"))).isFile()) return { root: dir, projectDir: join(dir, PROJECT_DIR) };
    } catch {
      // keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}
