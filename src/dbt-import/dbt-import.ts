/**
 * `xorq init DIR --from-dbt DBT_DIR`: a dbt project as a xorq project. The conversion is
 * a pure function from the dbt files to the files of `DIR/` (plus the report of what it
 * left out); writing them is the last step, and nothing is written when the project is
 * refused or a file would be overwritten.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { basename, dirname, extname, join, relative, resolve } from "node:path";
import YAML from "yaml";
import { PROJECT_DIR } from "../project/loading/project-loader.js";
import { type ReportItem, renderReport } from "./import-report.js";
import { convertModelsConfig, folderTags, isDisabled } from "./dbt-models-config.js";
import { type ConvertedProfiles, DbtImportError, convertProfiles, localProfiles } from "./dbt-profiles.js";

type Obj = Readonly<Record<string, unknown>>;

export const REPORT_FILE = "dbt-import-report.md";
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NOT_PROPERTIES = { exposures: "exposures", semantic_models: "semantic models", metrics: "semantic models", saved_queries: "semantic models" } as const;

export interface DbtImportOptions {
  /** Where profiles.yml is (dbt's `--profiles-dir`); default: the dbt project's own folder. */
  readonly profilesDir?: string;
}

export interface DbtImport {
  /** Relative to DIR, with their content; `dbt-import-report.md` among them. */
  readonly files: ReadonlyMap<string, string | Buffer>;
  readonly report: ReadonlyArray<ReportItem>;
  /** What the import chose where dbt left it open (printed, not reported). */
  readonly notes: ReadonlyArray<string>;
}

/**
 * @example await writeDbtImport("shop", convertDbtProject("~/jaffle_shop"))
 */
export function convertDbtProject(dbtDir: string, options: DbtImportOptions = {}): DbtImport {
  const root = resolve(dbtDir);
  const projectFile = join(root, "dbt_project.yml");
  if (!existsSync(projectFile)) throw new DbtImportError(`${dbtDir} has no dbt_project.yml`);
  const project = (YAML.parse(readFileSync(projectFile, "utf8")) ?? {}) as Obj;
  const name = String(project["name"] ?? basename(root));
  if (!NAME.test(name)) throw new DbtImportError(`dbt_project.yml: name '${name}' must be letters, digits and '_'`);
  const paths = (key: string, fallback: string): string[] => ([] as unknown[]).concat(project[key] ?? fallback).map(String);
  const files = new Map<string, string | Buffer>();
  const report: ReportItem[] = [];
  const notes: string[] = [];
  const put = (path: string, content: string | Buffer) => {
    if (files.has(path)) throw new DbtImportError(`two dbt files become ${path}; rename one of them`);
    files.set(path, content);
  };
  const inProject = (p: string) => `${PROJECT_DIR}/${p}`;

  for (const hook of ["on-run-start", "on-run-end"]) {
    if (project[hook] !== undefined) report.push({ kind: "hooks", file: "dbt_project.yml", what: `${hook}: ${JSON.stringify(project[hook])}` });
  }
  const packages = readPackages(root, report);
  const models = convertModelsConfig((project["models"] ?? {}) as Obj, name, "dbt_project.yml");
  report.push(...models.report);
  const profiles = readProfiles(root, name, String(project["profile"] ?? name), options, notes);
  report.push(...profiles.report);

  for (const modelPath of paths("model-paths", "models")) {
    for (const rel of listFiles(join(root, modelPath))) {
      const file = `${modelPath}/${rel}`;
      const folder = dirname(rel) === "." ? "" : dirname(rel);
      const text = readFileSync(join(root, file), "utf8");
      const ext = extname(rel);
      if (ext === ".sql") {
        if (isDisabled(models.disabled, folder)) {
          notes.push(`${file}: left out (enabled: false in dbt_project.yml)`);
          continue;
        }
        if (/\{%-?\s*snapshot\b/.test(text)) report.push({ kind: "snapshots", file, what: "a snapshot block" });
        const tags = folderTags(models.tags, folder);
        put(inProject(`models/${rel}`), tags.length === 0 ? text : `---\ntags: ${JSON.stringify(tags)}\n---\n${text}`);
      } else if (ext === ".py") {
        report.push({ kind: "python models", file, what: "a Python model" });
      } else if (ext === ".yml" || ext === ".yaml") {
        const doc = (YAML.parse(text) ?? {}) as Obj;
        for (const [key, kind] of Object.entries(NOT_PROPERTIES)) {
          const names = ([] as unknown[]).concat(doc[key] ?? []).map((e) => String((e as Obj)["name"]));
          if (names.length > 0) report.push({ kind, file, what: `${key}: ${names.join(", ")}` });
        }
        put(inProject(`models/${rel}`), text);
        const declared = sourceDeclarations(doc["sources"]);
        if (declared.length > 0) put(inProject(`sources/${rel.replace(/\.ya?ml$/, "")}.yaml`), `# The sources ${file} declares (its descriptions, columns and tests stay there).\n${YAML.stringify({ sources: declared })}`);
      } else if (ext === ".md") {
        put(inProject(`models/${rel}`), text);
      } else {
        report.push({ kind: "other files", file, what: "not a model, properties or docs file" });
      }
    }
  }
  const seeds = convertSeeds(root, paths(project["data-paths"] !== undefined ? "data-paths" : "seed-paths", "seeds"), put, report);
  if (seeds.length > 0) {
    put(inProject("sources/seeds.yaml"), YAML.stringify({ sources: seeds.map((s) => ({ name: s.name, description: `dbt seed ${s.file}`, read_csv: s.data })) }));
    for (const s of seeds) put(inProject(`models/seeds/${s.name}.yaml`), `# dbt's seed ${s.file}, read by ref('${s.name}') as in dbt\nname: ${s.name}\nfrom: source('${s.name}')\n`);
  }
  copyTree(root, paths("macro-paths", "macros"), "macros", [".sql", ".md"], put, report);
  copyTree(root, paths("test-paths", "tests"), "tests", [".sql"], put, report);
  for (const snapshotPath of paths("snapshot-paths", "snapshots")) {
    for (const rel of listFiles(join(root, snapshotPath))) report.push({ kind: "snapshots", file: `${snapshotPath}/${rel}`, what: "a snapshot" });
  }
  for (const analysisPath of paths("analysis-paths", "analyses")) {
    for (const rel of listFiles(join(root, analysisPath))) report.push({ kind: "other files", file: `${analysisPath}/${rel}`, what: "an analysis (dbt compiles, never runs them)" });
  }
  reportPackageUses(files, packages, report);

  put(inProject("project.yaml"), projectYaml(name, project, models, profiles, report));
  put(inProject("profiles.yaml"), `# Converted from dbt's profiles.yml: one profile per output. Secrets stay in the environment.\n${YAML.stringify({ profiles: profiles.profiles })}`);
  put(REPORT_FILE, renderReport(name, report));
  return { files, report, notes };
}

/**
 * dbt declares sources in properties files; xorq declares them in `sources/` and reads
 * the properties file's descriptions, columns and tests onto them, so the declaration
 * keeps only what names the tables (tests written twice would run twice).
 */
function sourceDeclarations(list: unknown): Obj[] {
  const pick = (o: Obj, keys: ReadonlyArray<string>) => Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
  return ([] as unknown[]).concat(list ?? []).map((raw) => {
    const s = raw as Obj;
    return { ...pick(s, ["name", "schema", "database", "description"]), tables: ([] as unknown[]).concat(s["tables"] ?? []).map((t) => pick(t as Obj, ["name", "identifier", "description"])) };
  });
}

/** Writes a conversion into `dir`; refuses when `dir` already holds a project or any of its files. */
export async function writeDbtImport(dir: string, converted: DbtImport): Promise<string> {
  const target = resolve(dir);
  if (existsSync(join(target, PROJECT_DIR))) throw new DbtImportError(`${join(dir, PROJECT_DIR)} already exists; xorq init never overwrites a project`);
  const clashes = [...converted.files.keys()].filter((f) => existsSync(join(target, f)));
  if (clashes.length > 0) throw new DbtImportError(`init would overwrite ${clashes.join(", ")} in ${dir}`);
  for (const [file, content] of converted.files) {
    await mkdir(dirname(join(target, file)), { recursive: true });
    await writeFile(join(target, file), content);
  }
  return target;
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && !e.name.startsWith("."))
    .map((e) => relative(dir, join(e.parentPath, e.name)).split("\\").join("/"))
    .sort();
}

function copyTree(root: string, from: ReadonlyArray<string>, to: string, exts: ReadonlyArray<string>, put: (p: string, c: string) => void, report: ReportItem[]): void {
  for (const dir of from) {
    for (const rel of listFiles(join(root, dir))) {
      if (exts.includes(extname(rel))) put(`${PROJECT_DIR}/${to}/${rel}`, readFileSync(join(root, dir, rel), "utf8"));
      else report.push({ kind: "other files", file: `${dir}/${rel}`, what: `not copied (xorq reads ${exts.join(", ")} files in ${to}/)` });
    }
  }
}

interface Seed {
  readonly name: string;
  readonly file: string;
  /** Relative to xorq_project/. */
  readonly data: string;
}

/** Each seed CSV to `data/`, read by a CSV source and a model of the seed's name (what `ref('seed')` reads in dbt). */
function convertSeeds(root: string, seedPaths: ReadonlyArray<string>, put: (p: string, c: Buffer) => void, report: ReportItem[]): Seed[] {
  const seeds: Seed[] = [];
  for (const dir of seedPaths) {
    for (const rel of listFiles(join(root, dir))) {
      const file = `${dir}/${rel}`;
      const name = basename(rel, extname(rel));
      if (extname(rel) !== ".csv" || !NAME.test(name)) {
        report.push({ kind: "other files", file, what: extname(rel) === ".csv" ? `seed name '${name}' is not a model name (letters, digits, '_')` : "seed properties or a non-CSV file" });
        continue;
      }
      put(`${PROJECT_DIR}/data/${rel}`, readFileSync(join(root, file)));
      seeds.push({ name, file, data: `data/${rel}` });
    }
  }
  return seeds;
}

/** packages.yml / dependencies.yml: each package is reported; returns the names their macros are called by. */
function readPackages(root: string, report: ReportItem[]): string[] {
  const names: string[] = [];
  for (const file of ["packages.yml", "dependencies.yml"]) {
    if (!existsSync(join(root, file))) continue;
    const doc = (YAML.parse(readFileSync(join(root, file), "utf8")) ?? {}) as Obj;
    for (const raw of ([] as unknown[]).concat(doc["packages"] ?? [])) {
      const p = raw as Obj;
      const id = String(p["package"] ?? p["git"] ?? p["local"] ?? p["tarball"] ?? "?");
      const name = basename(id).replace(/\.git$/, "").replace(/^dbt-/, "").replace(/-/g, "_");
      names.push(name);
      report.push({ kind: "packages", file, what: `${id}${p["version"] ? ` ${JSON.stringify(p["version"])}` : ""} (xorq does not install dbt packages; its macros are missing)` });
    }
  }
  return names;
}

/** One line per package macro a converted file calls (`dbt_utils.generate_surrogate_key`). */
function reportPackageUses(files: ReadonlyMap<string, string | Buffer>, packages: ReadonlyArray<string>, report: ReportItem[]): void {
  if (packages.length === 0) return;
  const call = new RegExp(`\\b(${packages.join("|")})\\.(\\w+)`, "g");
  for (const [file, content] of files) {
    if (typeof content !== "string" || !/\.(sql|ya?ml)$/.test(file)) continue;
    const used = [...new Set([...content.matchAll(call)].map((m) => `${m[1]}.${m[2]}`))].sort();
    if (used.length > 0) report.push({ kind: "packages", file: file.slice(PROJECT_DIR.length + 1), what: `uses ${used.join(", ")}` });
  }
}

function projectYaml(name: string, project: Obj, models: ReturnType<typeof convertModelsConfig>, profiles: ConvertedProfiles, report: ReportItem[]): string {
  const vars: Record<string, unknown> = {};
  const scalar = (v: unknown) => v === null || ["string", "number", "boolean"].includes(typeof v);
  const addVar = (key: string, value: unknown) => {
    if (NAME.test(key) && (scalar(value) || (Array.isArray(value) && value.every(scalar)))) vars[key] = value;
    else if (/^\w+:/.test(key)) report.push({ kind: "packages", file: "dbt_project.yml", what: `vars: ${key} is a var of package ${key.split(":")[0]}` });
    else report.push({ kind: "vars", file: "dbt_project.yml", what: `vars: ${key}: ${JSON.stringify(value)} (a var is a name with a string, number, boolean, null or list of them)` });
  };
  for (const [key, value] of Object.entries((project["vars"] ?? {}) as Obj)) {
    // dbt scopes vars by project: `vars: { jaffle_shop: { x: 1 } }` is `x` in this project.
    if (key === name && value && typeof value === "object" && !Array.isArray(value)) for (const [k, v] of Object.entries(value)) addVar(k, v);
    else addVar(key, value);
  }
  const doc: Record<string, unknown> = { name, default_profile: profiles.defaultProfile };
  if (Object.keys(vars).length > 0) doc["vars"] = vars;
  const schema = models.root.schema ?? profiles.schema;
  if (models.root.materialized) doc["materialized"] = models.root.materialized;
  if (schema) doc["schema"] = schema;
  if (Object.keys(models.tree).length > 0) doc["models"] = models.tree;
  return `# Converted from ${name}'s dbt_project.yml by xorq init --from-dbt.\n${YAML.stringify(doc)}`;
}

function readProfiles(root: string, projectName: string, profileName: string, options: DbtImportOptions, notes: string[]): ConvertedProfiles {
  const dir = options.profilesDir ?? root;
  const file = join(dir, "profiles.yml");
  if (!existsSync(file)) {
    notes.push(`no profiles.yml in ${dir}: models run in DuckDB (profile 'local', file xorq_project/${projectName}.duckdb); pass --profiles-dir to convert dbt's`);
    return localProfiles(projectName);
  }
  return convertProfiles((YAML.parse(readFileSync(file, "utf8")) ?? {}) as Obj, profileName, "profiles.yml");
}
