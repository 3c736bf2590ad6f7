/**
 * Reads a project's files into a `ProjectSpec`: project.yaml, profiles.yaml,
 * sources/*.yaml and every model file (YAML steps, SQL, TypeScript). Every YAML file
 * is checked against its JSON Schema (`validate.ts`); every problem is collected with
 * file:line:col and the caller decides what runs (nothing, while there is one).
 * No engine is opened here.
 */
import { statSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { basename, dirname, extname, join, relative, resolve, sep } from "node:path";
import { sha256, stableStringify } from "../../expr/canonical.js";
import type { CacheConfig } from "../model-kinds/model-definition.js";
import { type ModelConfig, type ModelDefinition, isModelDefinition } from "../model-kinds/model-definition.js";
import type { Profile } from "../../backends/connections.js";
import { type ParamValue, isEnvOnly } from "../../backends/env-refs.js";
import { type Locator, ProblemList, type SourcePos } from "../project-errors.js";
import type {
  CacheDefaults,
  InputUse,
  ModelSpec,
  ProjectConfig,
  ProjectLocation,
  ProjectSpec,
  SourceSpec,
} from "../project-spec.js";
import { type TemplateError, type TemplatePart, type TemplatePos, parseSqlTemplate, splitFrontMatter } from "../model-kinds/sql-template.js";
import { importTsModule } from "../model-kinds/ts-loader.js";
import type { ParseCache, ParsedFile } from "./parse-cache.js";
import { type YamlFileKind, validateYaml } from "./validate.js";
import { YamlLocator, positionInString } from "./yaml-locate.js";

export const PROJECT_DIR = "xorq_project";

/** Model and source names: also selector and SQL identifiers, so no spaces, commas, '+', ':' or '@'. */
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Keys whose values must come from the environment (SPEC: no secrets in profiles.yaml). */
const SECRET_KEY = /pass(word)?|secret|token|private_?key|credentials?$|api_?key/i;

/** Reads every file of the project; returns the spec and the problems found. */
export async function loadProjectSpec(location: ProjectLocation, cache: ParseCache): Promise<{ spec: ProjectSpec; problems: ProblemList }> {
  const problems = new ProblemList();
  const display = relativeTo(location.root);
  const reader: FileReader = { cache, display, problems };
  const profiles = loadProfiles(location, reader);
  const loaded = loadConfig(location, reader);
  // No default_profile: the first profile of profiles.yaml.
  const config = loaded && loaded.defaultProfile === "" ? { ...loaded, defaultProfile: profiles[0]?.name ?? "" } : loaded;
  if (config && profiles.length > 0 && !profiles.some((p) => p.name === config.defaultProfile)) {
    problems.add(config.locate(), `default_profile '${config.defaultProfile}' is not a profile in profiles.yaml (profiles: ${profiles.map((p) => p.name).join(", ")})`);
  }
  const fallbackConfig: ProjectConfig = config ?? {
    name: basename(location.root), defaultProfile: profiles[0]?.name ?? "local", vars: {}, cache: {},
    modelPaths: ["models"], sourcePaths: ["sources"], locate: () => ({ file: `${PROJECT_DIR}/project.yaml`, line: 1, col: 1 }),
  };
  const [sources, models] = await Promise.all([
    loadSources(location, fallbackConfig, reader),
    loadModels(location, fallbackConfig, reader),
  ]);
  return { spec: { location, config: fallbackConfig, profiles, sources, models }, problems };
}

/**
 * Paths below `dir` as `/`-separated relative paths (by slicing: a project's 10,000
 * files should not each pay for `path.relative`).
 */
function relativeTo(dir: string): (abs: string) => string {
  const prefix = dir.endsWith(sep) ? dir : dir + sep;
  return (abs) => {
    const rel = abs.startsWith(prefix) ? abs.slice(prefix.length) : relative(dir, abs);
    return sep === "/" ? rel : rel.split(sep).join("/");
  };
}

/** How the loader reads files: through the parse cache, with problems collected. */
interface FileReader {
  readonly cache: ParseCache;
  /** An absolute path as messages show it (relative to the project root). */
  readonly display: (path: string) => string;
  readonly problems: ProblemList;
}

/**
 * A YAML file validated against the schema of `kind` (problems reported), through the
 * parse cache; null when the file does not exist.
 */
function readYaml(reader: FileReader, path: string, kind: YamlFileKind): ParsedFile<unknown> | null {
  const file = reader.display(path);
  try {
    return reader.cache.read(path, file, kind, (text) => {
      const { value, errors } = validateYaml(kind, text, file);
      addValidationErrors(reader.problems, errors);
      return errors.length > 0 ? null : (value ?? {});
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}

function addValidationErrors(problems: ProblemList, errors: ReadonlyArray<{ file: string; line: number; col: number; message: string }>): void {
  for (const e of errors) problems.add({ file: e.file, line: e.line, col: e.col }, e.message);
}

type Obj = Readonly<Record<string, unknown>>;

function asObj(v: unknown): Obj {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {};
}

function strList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
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
  const locator = new YamlLocator(parsed.text, file);
  const paths = asObj(v["paths"]);
  return {
    name: String(v["name"]),
    defaultProfile: v["default_profile"] === undefined ? "" : String(v["default_profile"]),
    vars: asObj(v["vars"]),
    cache: asObj(v["cache"]) as CacheDefaults,
    modelPaths: paths["models"] === undefined ? ["models"] : strList(paths["models"]),
    sourcePaths: paths["sources"] === undefined ? ["sources"] : strList(paths["sources"]),
    locate: () => locator.pos(["default_profile"]),
  };
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
      if (SECRET_KEY.test(k) && !isEnvOnly(v)) {
        problems.add(locator.pos(["profiles", name, k]),
          `profile '${name}': '${k}' holds a literal value; secrets come from the environment: ${k}: "\${env:${name.toUpperCase()}_${k.toUpperCase()}}"`);
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
    const locator = new YamlLocator(parsed.text, file);
    const list = asObj(parsed.data)["sources"];
    (Array.isArray(list) ? list : []).forEach((raw, j) => {
      const s = asObj(raw);
      const name = String(s["name"]);
      const locate: Locator = () => locator.pos(["sources", j, "name"]);
      if (!NAME.test(name)) problems.add(locate(), `source name '${name}' must be letters, digits and '_' (not starting with a digit)`);
      const fmt = s["read_parquet"] !== undefined ? "parquet" : s["read_csv"] !== undefined ? "csv" : null;
      out.push({
        name,
        file: inProject(path),
        profile: s["profile"] === undefined ? null : String(s["profile"]),
        read: fmt ? { format: fmt, path: String(s[`read_${fmt}`]), options: asObj(s["options"]) as Record<string, string | number | boolean> } : null,
        table: s["table"] === undefined ? null : String(s["table"]),
        description: s["description"] === undefined ? null : String(s["description"]),
        locate,
        locateKey: (key) => locator.keyPos(["sources", j, key]),
      });
    });
  });
  return out;
}

const MODEL_EXTENSIONS = new Set([".yaml", ".yml", ".sql", ".ts"]);

async function loadModels(location: ProjectLocation, config: ProjectConfig, reader: FileReader): Promise<ModelSpec[]> {
  const inProject = relativeTo(location.projectDir);
  const files = (await Promise.all(config.modelPaths.map((p) => listFiles(resolve(location.projectDir, p)))))
    .flat()
    .filter((f) => MODEL_EXTENSIONS.has(extname(f)) && !f.endsWith(".d.ts"));
  // YAML and SQL files load synchronously (most come from the parse cache, unread); TS
  // files are imported, concurrently. The result keeps file order (the first of two
  // models with one name is the one kept).
  const loaded: Array<ModelSpec | null | Promise<ModelSpec | null>> = files.map((path) => {
    const ctx: FileContext = {
      path,
      file: reader.display(path),
      projectFile: inProject(path),
      defaultName: basename(path, extname(path)),
      problems: reader.problems,
    };
    const failed = (e: unknown) => {
      reader.problems.add({ file: ctx.file, line: 1, col: 1 }, `cannot load: ${(e as Error).message}`);
      return null;
    };
    try {
      switch (extname(path)) {
        case ".sql":
          return loadSqlFile(ctx, reader.cache.read(path, ctx.file, "sql-model", (text) => parseSqlFile(ctx, text)));
        case ".ts":
          return loadTsFile(ctx, reader).catch(failed);
        default: {
          const parsed = readYaml(reader, path, "model");
          return parsed && parsed.data !== null ? loadYamlModel(ctx, parsed) : null;
        }
      }
    } catch (e) {
      return failed(e);
    }
  });
  for (let i = 0; i < loaded.length; i++) if (loaded[i] instanceof Promise) loaded[i] = await loaded[i];
  return (loaded as Array<ModelSpec | null>).filter((m): m is ModelSpec => m !== null);
}

interface FileContext {
  readonly path: string;
  /** Relative to the project root, for messages. */
  readonly file: string;
  /** Relative to xorq_project/, as the manifest and `path:` selectors use. */
  readonly projectFile: string;
  readonly defaultName: string;
  readonly problems: ProblemList;
}

/** `ref('x')` / `source('x')` as written in a YAML value. */
const INPUT = /^\s*(ref|source)\(\s*(['"])([^'"]+)\2\s*\)\s*$/;

export function parseInputRef(text: unknown): { kind: "ref" | "source"; name: string } | null {
  if (typeof text !== "string") return null;
  const m = INPUT.exec(text);
  return m ? { kind: m[1] as "ref" | "source", name: m[3]! } : null;
}

function checkName(ctx: FileContext, name: string, at: () => SourcePos): void {
  if (!NAME.test(name)) ctx.problems.add(at(), `model name '${name}' must be letters, digits and '_' (not starting with a digit)`);
}

function commonConfig(v: Obj): { description: string | null; tags: string[]; profile: string | null; cache: CacheConfig | null } {
  return {
    description: v["description"] === undefined ? null : String(v["description"]),
    tags: strList(v["tags"]),
    profile: v["profile"] === undefined ? null : String(v["profile"]),
    cache: v["cache"] === undefined || v["cache"] === false ? null : (v["cache"] as CacheConfig),
  };
}

function loadYamlModel(ctx: FileContext, parsed: ParsedFile<unknown>): ModelSpec | null {
  const v = asObj(parsed.data);
  const locator = new YamlLocator(parsed.text, ctx.file);
  const name = v["name"] === undefined ? ctx.defaultName : String(v["name"]);
  const locate: Locator = () => (v["name"] === undefined ? locator.pos([]) : locator.pos(["name"]));
  checkName(ctx, name, locate);
  const base = { name, file: ctx.projectFile, ...commonConfig(v), locate, locateKey: (p: ReadonlyArray<string | number>) => locator.keyPos(p) };

  if (typeof v["sql"] === "string") {
    const origin = () => locator.origin(["sql"]);
    const { parts, errors: tErrors } = parseSqlTemplate(v["sql"]);
    for (const e of tErrors) ctx.problems.add(positionInString(origin(), e.pos.line, e.pos.col), e.message);
    const at = (p: { line: number; col: number }): Locator => () => positionInString(origin(), p.line, p.col);
    return {
      ...base,
      kind: "sql",
      template: parts,
      bodyPos: () => positionInString(origin(), 1, 1),
      ...templateInputs(parts, at),
      definitionHash: sha256(stableStringify({ sql: v["sql"] })),
    };
  }

  const from = parseInputRef(v["from"]);
  if (!from) {
    ctx.problems.add(locator.pos(["from"]), `from must be ref('model') or source('name'), got ${JSON.stringify(v["from"] ?? null)}`);
    return null;
  }
  const steps = (Array.isArray(v["steps"]) ? v["steps"] : []) as Obj[];
  const refs: InputUse[] = [];
  const sources: InputUse[] = [];
  const use = (r: { kind: "ref" | "source"; name: string }, path: ReadonlyArray<string | number>) =>
    (r.kind === "ref" ? refs : sources).push({ name: r.name, locate: () => locator.pos(path) });
  use(from, ["from"]);
  steps.forEach((step, i) => {
    for (const [path, target] of stepInputs(step)) {
      const r = parseInputRef(target);
      if (r) use(r, ["steps", i, ...path]);
      else ctx.problems.add(locator.pos(["steps", i, ...path]), `expected ref('model') or source('name'), got ${JSON.stringify(target)}`);
    }
  });
  return {
    ...base,
    kind: "yaml",
    from,
    steps,
    refs,
    sources,
    originOf: (p) => locator.origin(p),
    definitionHash: sha256(stableStringify({ from: v["from"], steps })),
  };
}

/** The other tables a step reads (join's `with`, union's tables), with their YAML paths inside the step. */
export function stepInputs(step: Obj): Array<[ReadonlyArray<string | number>, unknown]> {
  const out: Array<[ReadonlyArray<string | number>, unknown]> = [];
  if ("join" in step) out.push([["join", "with"], asObj(step["join"])["with"]]);
  if ("union" in step) {
    const u = step["union"];
    const list = typeof u === "string" ? [[["union"], u] as const] : Array.isArray(u)
      ? u.map((x, i) => [["union", i], x] as const)
      : (() => {
          const w = asObj(u)["with"];
          return typeof w === "string" ? [[["union", "with"], w] as const] : (Array.isArray(w) ? w : []).map((x, i) => [["union", "with", i], x] as const);
        })();
    for (const [p, x] of list) out.push([p, x]);
  }
  return out;
}

function templateInputs(parts: ReadonlyArray<TemplatePart>, at: (p: { line: number; col: number }) => Locator): { refs: InputUse[]; sources: InputUse[] } {
  const refs: InputUse[] = [];
  const sources: InputUse[] = [];
  for (const p of parts) {
    if (p.kind === "ref") refs.push({ name: p.name, locate: at(p.pos) });
    else if (p.kind === "source") sources.push({ name: p.name, locate: at(p.pos) });
  }
  return { refs, sources };
}

/** What a `.sql` model file parses to (what the parse cache keeps; the SQL body itself is re-read only to resolve the model). */
interface ParsedSqlFile {
  /** The validated front matter, null without one. */
  readonly config: Obj | null;
  readonly frontMatterLine: number;
  readonly bodyLine: number;
  readonly definitionHash: string;
  readonly inputs: ReadonlyArray<{ readonly kind: "ref" | "source"; readonly name: string; readonly pos: TemplatePos }>;
  readonly errors: ReadonlyArray<TemplateError>;
}

function parseSqlFile(ctx: FileContext, text: string): ParsedSqlFile | null {
  const split = splitFrontMatter(text);
  if ("error" in split) {
    ctx.problems.add({ file: ctx.file, line: split.error.pos.line, col: split.error.pos.col }, split.error.message);
    return null;
  }
  let config: Obj | null = null;
  if (split.frontMatter !== null) {
    const { value, errors } = validateYaml("sql-front-matter", split.frontMatter, ctx.file, { lineOffset: split.frontMatterLine - 1 });
    addValidationErrors(ctx.problems, errors);
    if (errors.length > 0) return null;
    config = asObj(value);
  }
  const { parts, errors } = parseSqlTemplate(split.body, split.bodyLine);
  return {
    config,
    frontMatterLine: split.frontMatterLine,
    bodyLine: split.bodyLine,
    definitionHash: sha256(stableStringify({ sql: split.body })),
    inputs: parts.flatMap((p) => (p.kind === "ref" || p.kind === "source" ? [{ kind: p.kind, name: p.name, pos: p.pos }] : [])),
    errors,
  };
}

function loadSqlFile(ctx: FileContext, parsed: ParsedFile<ParsedSqlFile>): ModelSpec | null {
  const sql = parsed.data;
  if (sql === null) return null;
  for (const e of sql.errors) ctx.problems.add({ file: ctx.file, ...e.pos }, e.message);
  const v = sql.config ?? {};
  const frontMatterText = () => {
    const split = splitFrontMatter(parsed.text());
    return "error" in split ? "" : split.frontMatter ?? "";
  };
  const locator = sql.config ? new YamlLocator(frontMatterText, ctx.file, sql.frontMatterLine - 1) : null;
  const name = v["name"] === undefined ? ctx.defaultName : String(v["name"]);
  const locate: Locator = () => (locator && v["name"] !== undefined ? locator.pos(["name"]) : { file: ctx.file, line: 1, col: 1 });
  checkName(ctx, name, locate);
  const at = (p: { line: number; col: number }): Locator => () => ({ file: ctx.file, line: p.line, col: p.col });
  let template: TemplatePart[] | null = null;
  return {
    name,
    file: ctx.projectFile,
    ...commonConfig(v),
    locate,
    locateKey: (p) => (locator ? locator.keyPos(p) : { file: ctx.file, line: 1, col: 1 }),
    kind: "sql",
    // Parsed again from the file when the model is resolved (a load served from caches never is).
    get template(): TemplatePart[] {
      if (template === null) {
        const split = splitFrontMatter(parsed.text());
        template = "error" in split ? [] : parseSqlTemplate(split.body, split.bodyLine).parts;
      }
      return template;
    },
    bodyPos: () => ({ file: ctx.file, line: sql.bodyLine, col: 1 }),
    refs: sql.inputs.filter((i) => i.kind === "ref").map((i) => ({ name: i.name, locate: at(i.pos) })),
    sources: sql.inputs.filter((i) => i.kind === "source").map((i) => ({ name: i.name, locate: at(i.pos) })),
    definitionHash: sql.definitionHash,
  };
}

/** `ref("x")`, `source('x')`, `ctx.ref(\`x\`)` written literally in a TS model: its inputs, found without running it. */
const TS_INPUT = /(?<![\w$])(ref|source)\(\s*(["'`])([^"'`$]+)\2\s*\)/g;

/** What a TS model file parses to (kept by the parse cache): its config, read by importing it once. */
interface ParsedTsFile {
  readonly config: ModelConfig;
  /** Offset of the `model(` call (where errors about the model point). */
  readonly modelCall: number;
  readonly inputs: ReadonlyArray<{ readonly kind: "ref" | "source"; readonly name: string; readonly offset: number }>;
  readonly sha: string;
  /** The relative module specifiers it imports (local helpers, whose content is part of its definition). */
  readonly imports: ReadonlyArray<string>;
  /** The local modules it imports, transitively, with their content hashes, when it was imported. */
  readonly deps: ReadonlyArray<string>;
}

/** A local TS module a model imports: its content hash and its own local imports. */
interface ParsedTsModule {
  readonly sha: string;
  readonly imports: ReadonlyArray<string>;
}

/** `import … from "../x"`, `export … from "../x"`, `import "../x"`, `import("../x")`: relative specifiers only. */
const TS_LOCAL_IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)(["'])(\.{1,2}\/[^"']+)\1/g;

function sameList(a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function localImports(text: string): string[] {
  return [...new Set([...text.matchAll(TS_LOCAL_IMPORT)].map((m) => m[2]!))].sort();
}

/** The file a relative specifier names (TS allows `./x`, `./x.js` for `./x.ts`, `./x/index.ts`), or null. */
function resolveLocal(from: string, specifier: string): string | null {
  const base = resolve(dirname(from), specifier);
  const candidates = [base, `${base}.ts`, base.replace(/\.js$/, ".ts"), base.replace(/\.mjs$/, ".mts"), join(base, "index.ts")];
  for (const c of candidates) {
    try {
      if (statSync(c).isFile()) return c;
    } catch {
      // next candidate
    }
  }
  return null;
}

/**
 * The content hashes of the local modules a TS model imports, transitively (through the
 * parse cache, so an unchanged helper is only stat'ed): an edited helper changes the
 * model's definition hash, so the model is resolved again.
 */
function localDependencyHashes(reader: FileReader, from: string, imports: ReadonlyArray<string>, seen: Set<string>): string[] {
  const out: string[] = [];
  for (const specifier of imports) {
    const path = resolveLocal(from, specifier);
    if (!path || seen.has(path) || path.includes(`${sep}node_modules${sep}`)) continue;
    seen.add(path);
    const mod = reader.cache.read<ParsedTsModule>(path, reader.display(path), "ts-module", (text) => ({ sha: sha256(text), imports: localImports(text) })).data!;
    out.push(`${reader.display(path)}:${mod.sha}`, ...localDependencyHashes(reader, path, mod.imports, seen));
  }
  return out;
}

async function parseTsFile(ctx: FileContext, reader: FileReader, text: string): Promise<ParsedTsFile | null> {
  let definition: unknown;
  try {
    definition = await importTsModule(ctx.path, sha256(text));
  } catch (e) {
    ctx.problems.add(errorPosition(e, ctx), `cannot import: ${(e as Error).message.split("\n")[0]}`);
    return null;
  }
  if (!isModelDefinition(definition)) {
    ctx.problems.add({ file: ctx.file, line: 1, col: 1 }, "a TypeScript model must `export default model({...}, (ctx) => ...)` (import { model } from \"xorq\")");
    return null;
  }
  const c = definition.config;
  return {
    config: {
      ...(c.name !== undefined ? { name: c.name } : {}),
      ...(c.description !== undefined ? { description: c.description } : {}),
      ...(c.tags !== undefined ? { tags: [...c.tags].map(String) } : {}),
      ...(c.profile !== undefined ? { profile: c.profile } : {}),
      ...(c.cache !== undefined ? { cache: c.cache } : {}),
    },
    modelCall: Math.max(0, text.search(/\bmodel\s*\(/)),
    inputs: [...text.matchAll(TS_INPUT)].map((m) => ({ kind: m[1] as "ref" | "source", name: m[3]!, offset: m.index! })),
    sha: sha256(text),
    imports: localImports(text),
    deps: localDependencyHashes(reader, ctx.path, localImports(text), new Set([ctx.path])),
  };
}

async function loadTsFile(ctx: FileContext, reader: FileReader): Promise<ModelSpec | null> {
  // A cached config holds while the local modules the model imports are unchanged (it may come from one).
  const parsed = await reader.cache.readAsync(ctx.path, ctx.file, "ts-model", (text) => parseTsFile(ctx, reader, text), (cached) =>
    sameList(cached.deps, localDependencyHashes(reader, ctx.path, cached.imports, new Set([ctx.path]))),
  );
  const ts = parsed.data;
  if (ts === null) return null;
  const c = ts.config;
  const name = c.name ?? ctx.defaultName;
  let lineStarts: number[] | null = null;
  const posAt = (offset: number): SourcePos => {
    if (!lineStarts) {
      const text = parsed.text();
      lineStarts = [0];
      for (let i = 0; i < text.length; i++) if (text[i] === "\n") lineStarts.push(i + 1);
    }
    let line = 0;
    while (line + 1 < lineStarts.length && lineStarts[line + 1]! <= offset) line++;
    return { file: ctx.file, line: line + 1, col: offset - lineStarts[line]! + 1 };
  };
  const locate: Locator = () => posAt(ts.modelCall);
  checkName(ctx, name, locate);
  const refs: InputUse[] = [];
  const sources: InputUse[] = [];
  for (const i of ts.inputs) (i.kind === "ref" ? refs : sources).push({ name: i.name, locate: () => posAt(i.offset) });
  const deps = ts.deps;
  let definition: Promise<ModelDefinition> | null = null;
  return {
    name,
    file: ctx.projectFile,
    description: c.description ?? null,
    tags: [...(c.tags ?? [])],
    profile: c.profile ?? null,
    cache: c.cache === undefined || c.cache === false ? null : c.cache,
    locate,
    locateKey: () => locate(),
    kind: "ts",
    // Imported only to resolve the model (a load served from the caches never is).
    definition: () => (definition ??= importTsModule(ctx.path, ts.sha).then((d) => {
      if (!isModelDefinition(d)) throw new Error("the file no longer exports a model definition");
      return d;
    })),
    refs,
    sources,
    definitionHash: deps.length === 0 ? ts.sha : sha256(stableStringify([ts.sha, ...deps])),
  };
}

/** The file:line:col of an error thrown while importing a TS file, from its stack when it points into the file. */
export function errorPosition(e: unknown, ctx: { path: string; file: string }): SourcePos {
  const stack = e instanceof Error ? e.stack ?? "" : "";
  const escaped = ctx.path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  // An edited file is imported as file.ts?v=<hash> (see ts-loader.ts).
  const m = new RegExp(`${escaped}(?:\\?v=\\w+)?:(\\d+):(\\d+)`).exec(stack);
  return m ? { file: ctx.file, line: Number(m[1]), col: Number(m[2]) } : { file: ctx.file, line: 1, col: 1 };
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
