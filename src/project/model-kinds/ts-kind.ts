/**
 * The TypeScript model kind: a `.ts` file whose default export is `model({...}, build)`.
 * Loading imports it once to read its config (kept by the parse cache); resolving imports
 * it again (from Node's module cache) and runs `build`. Its definition hash covers the
 * file and the local modules it imports, transitively; what `build` reads besides its
 * inputs is checked on its nodes when it is kept in the resolve cache.
 */
import { statSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { sha256, stableStringify } from "../../expr/canonical.js";
import { ExpressionError } from "../../expr/errors.js";
import { sqlProbe } from "../../expr/sources.js";
import { Table, contextOf, mergeContexts } from "../../expr/table.js";
import type { FileReader, Obj } from "../loading/file-reader.js";
import { ProjectError, type SourcePos } from "../project-errors.js";
import type { InputUse, ModelSpecBase, SpecPos } from "../project-spec.js";
import { varLiteral } from "../project-vars.js";
import { type ModelConfig, type ModelContext, isModelDefinition } from "./model-definition.js";
import { type ModelFile, type ModelKind, type ResolveEnv, checkMaterialization, checkModelName, commonConfig } from "./model-kind.js";
import { normalizeSql } from "./sql-kind.js";
import { importTsModule } from "./ts-loader.js";
import { hopTo } from "./yaml-steps.js";

export interface TsModelSpec extends ModelSpecBase {
  readonly kind: "ts";
  /** The file's content hash, the version it is imported as (see ts-loader.ts). */
  readonly moduleHash: string;
}

export const TS_KIND: ModelKind<TsModelSpec> = {
  extensions: [".ts"],
  serial: true,
  parse: loadTsFile,
  resolve: resolveTs,
  cacheable: () => true,
  // Without a declared profile, the engine is whatever the build function's expression reads from.
  specProfile: (spec) => spec.profile,
};

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

/** `import … from "./x"`, `export … from "./x"`, `import "./x"`, `import("./x")`: relative specifiers only. */
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

async function parseTsFile(f: ModelFile, reader: FileReader, text: string): Promise<ParsedTsFile | null> {
  let definition: unknown;
  try {
    definition = await importTsModule(f.path, sha256(text));
  } catch (e) {
    reader.problems.add(errorPosition(e, f), `cannot import: ${(e as Error).message.split("\n")[0]}`);
    return null;
  }
  if (!isModelDefinition(definition)) {
    reader.problems.add({ file: f.file, line: 1, col: 1 }, "a TypeScript model must `export default model({...}, (ctx) => ...)` (import { model } from \"xorq\")");
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
      ...(c.materialized !== undefined ? { materialized: c.materialized } : {}),
      ...(c.schema !== undefined ? { schema: c.schema } : {}),
      ...(c.alias !== undefined ? { alias: c.alias } : {}),
      // Plain data (the parse cache keeps it as JSON).
      ...(c.columns !== undefined ? { columns: JSON.parse(JSON.stringify(c.columns)) as ModelConfig["columns"] } : {}),
      ...(c.tests !== undefined ? { tests: JSON.parse(JSON.stringify(c.tests)) as ModelConfig["tests"] } : {}),
    },
    modelCall: Math.max(0, text.search(/\bmodel\s*\(/)),
    inputs: [...text.matchAll(TS_INPUT)].map((m) => ({ kind: m[1] as "ref" | "source", name: m[3]!, offset: m.index! })),
    sha: sha256(text),
    imports: localImports(text),
    deps: localDependencyHashes(reader, f.path, localImports(text), new Set([f.path])),
  };
}

async function loadTsFile(f: ModelFile, reader: FileReader): Promise<TsModelSpec | null> {
  // A cached config holds while the local modules the model imports are unchanged (it may come from one).
  const parsed = await reader.cache.readAsync(f.path, f.file, "ts-model-tests", (text) => parseTsFile(f, reader, text), (cached) =>
    sameList(cached.deps, localDependencyHashes(reader, f.path, cached.imports, new Set([f.path]))),
  );
  const ts = parsed.data;
  if (ts === null) return null;
  const c = ts.config;
  const name = c.name ?? f.defaultName;
  const at: SpecPos = { file: f.file, offset: ts.modelCall };
  checkModelName(reader, name, at);
  const refs: InputUse[] = [];
  const sources: InputUse[] = [];
  for (const i of ts.inputs) (i.kind === "ref" ? refs : sources).push({ name: i.name, at: { file: f.file, offset: i.offset } });
  const deps = ts.deps;
  // No JSON Schema sees a TS config: its values are checked here.
  const config = commonConfig(c as Obj);
  checkMaterialization(reader, config.materialization, at);
  return {
    name,
    file: f.projectFile,
    ...config,
    at,
    keys: null,
    kind: "ts",
    moduleHash: ts.sha,
    refs,
    sources,
    definitionHash: deps.length === 0 ? ts.sha : sha256(stableStringify([ts.sha, ...deps])),
  };
}

/** The file:line:col of an error thrown while importing or running a TS file, from its stack when it points into the file. */
export function errorPosition(e: unknown, f: { path: string; file: string }): SourcePos {
  const stack = e instanceof Error ? e.stack ?? "" : "";
  const escaped = f.path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  // An edited file is imported as file.ts?v=<hash> (see ts-loader.ts).
  const m = new RegExp(`${escaped}(?:\\?v=\\w+)?:(\\d+):(\\d+)`).exec(stack);
  return m ? { file: f.file, line: Number(m[1]), col: Number(m[2]) } : { file: f.file, line: 1, col: 1 };
}

function isTable(x: unknown): x is Table {
  return !!x && typeof x === "object" && "node" in x && "context" in x && typeof (x as Table).hash === "function";
}

async function resolveTs(spec: TsModelSpec, env: ResolveEnv): Promise<Table | null> {
  const profile = env.profile();
  if (profile === null) return null;
  const { vars } = env;
  const declared = new Set(spec.refs.map((r) => r.name));
  const declaredSources = new Set(spec.sources.map((r) => r.name));
  const backend = env.connections.get(profile);
  const modelCtx: ModelContext = {
    ref(name) {
      if (!declared.has(name)) {
        throw new ExpressionError(`ref('${name}') must be written literally (ref("${name}")) so the project knows the model's inputs before running it`);
      }
      return env.input({ kind: "ref", name });
    },
    source(name) {
      if (!declaredSources.has(name)) {
        throw new ExpressionError(`source('${name}') must be written literally (source("${name}")) so the project knows the model's inputs before running it`);
      }
      return env.input({ kind: "source", name });
    },
    var(name) {
      if (!Object.prototype.hasOwnProperty.call(vars, name)) {
        throw new ExpressionError(`unknown var '${name}' (project vars: ${Object.keys(env.projectVars).join(", ") || "none"})`);
      }
      return varLiteral(name, vars[name]);
    },
    vars,
    async sql(query, inputs = {}) {
      const entries = Object.entries(inputs).sort(([a], [b]) => (a < b ? -1 : 1)).map(([n, t]) => [n, hopTo(t, backend)] as const);
      const trimmed = normalizeSql(query);
      const schema = await backend.querySchema(sqlProbe(backend.dialect, trimmed, entries.map(([n, t]) => [n, t.schema()] as const)));
      return new Table(
        { kind: "sql", query: trimmed, inputs: entries.map(([n, t]) => [n, t.node] as const), backend: backend.ref, schema },
        mergeContexts(contextOf(backend), ...entries.map(([, t]) => t.context)),
      );
    },
  };
  const path = resolve(env.location.projectDir, spec.file);
  try {
    // Imported here, not at load: the spec stays plain data, and a load served from the caches imports nothing.
    const definition = await importTsModule(path, spec.moduleHash);
    if (!isModelDefinition(definition)) throw new Error("the file no longer exports a model definition");
    const result = await definition.build(modelCtx);
    if (!isTable(result)) {
      env.problems.add(env.positions.pos(spec.at), `the model function must return a table expression, got ${result === null ? "null" : typeof result}`);
      return null;
    }
    return result;
  } catch (e) {
    if (e instanceof ProjectError) throw e;
    env.problems.add(errorPosition(e, { path, file: spec.at.file }), (e as Error).message);
    return null;
  }
}
