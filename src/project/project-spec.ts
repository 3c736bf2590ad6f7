/**
 * What loading a project's files yields, before anything is resolved against an engine:
 * plain data (no functions: it can be written to target/ as JSON and read back). One
 * stage of the pipeline files -> spec -> selection -> resolution -> plan -> build/run.
 * Positions are data too (`SpecPos`), turned into file:line:col by `SpecPositions` only
 * when a message needs one.
 */
import type { CacheConfig, MaterializationConfig, Materialized } from "./model-kinds/model-definition.js";
import type { Profile } from "../backends/connections.js";
import type { SourcePos } from "./project-errors.js";
import type { YamlPath } from "./loading/yaml-locate.js";

export type { ModelSpec } from "./model-kinds/model-kinds.js";
import type { ModelSpec } from "./model-kinds/model-kinds.js";

export interface ProjectLocation {
  /** The directory holding `xorq_project/`, `builds/` and `target/`. */
  readonly root: string;
  /** `<root>/xorq_project`: relative paths in project files (reads, DuckDB files) resolve here. */
  readonly projectDir: string;
}

/** A node of a YAML document (a whole file, or a SQL file's front matter starting at `frontMatterLine`). */
export interface YamlPos {
  /** Relative to the project root, as messages show it. */
  readonly file: string;
  readonly yaml: YamlPath;
  /** The key of the path's last step rather than its value (for errors about a key). */
  readonly key?: true;
  /** For a SQL file's front matter: the file line its first line is on. */
  readonly frontMatterLine?: number;
  /** A place inside the string value at the path (1-based line and column of the string). */
  readonly inString?: { readonly line: number; readonly col: number };
}

/** A place in a project file, as data: known, a YAML node, or an offset into the file. */
export type SpecPos = SourcePos | YamlPos | { readonly file: string; readonly offset: number };

/** `cache:` of project.yaml: what `cache: true` means. */
export type CacheDefaults = Exclude<CacheConfig, boolean>;

export interface ProjectConfig {
  readonly name: string;
  readonly defaultProfile: string;
  readonly vars: Readonly<Record<string, unknown>>;
  readonly cache: CacheDefaults;
  /** Folders (relative to xorq_project/) holding models and sources. */
  readonly modelPaths: ReadonlyArray<string>;
  readonly sourcePaths: ReadonlyArray<string>;
  /** The default materialization (`materialized:`), null when not given (then: ephemeral). */
  readonly materialized: Materialized | null;
  /** The default schema of materialized models (`schema:`), null when not given. */
  readonly schema: string | null;
  /** The environment `xorq run` writes by default (`env:`), null when not given (then: prod). */
  readonly env: string | null;
  /** Per-folder defaults (`models:`), one entry per folder that sets one, deepest folders last. */
  readonly folderDefaults: ReadonlyArray<FolderDefaults>;
  /** Where `default_profile` is (errors about it point here). */
  readonly at: SpecPos;
}

/** Defaults of the models under one folder (`models: { marts: { +materialized: table } }` in project.yaml). */
export interface FolderDefaults {
  /** Relative to a models path, `/`-separated ("marts", "marts/finance"). */
  readonly folder: string;
  readonly materialized: Materialized | null;
  readonly schema: string | null;
}

/** A `ref('x')` or `source('x')` written in a model, with where it was written. */
export interface InputUse {
  readonly name: string;
  readonly at: SpecPos;
}

export interface SourceSpec {
  readonly name: string;
  /** Relative to xorq_project/. */
  readonly file: string;
  readonly profile: string | null;
  readonly read: { readonly format: "parquet" | "csv"; readonly path: string; readonly options: Readonly<Record<string, string | number | boolean>> } | null;
  readonly table: string | null;
  /** An entry of the project's catalog (alias or hash) whose expression is the source. */
  readonly catalog: string | null;
  readonly description: string | null;
  /** Declared columns and data tests (in sources/*.yaml or a properties file). */
  readonly columns: ReadonlyArray<ColumnDecl>;
  readonly tests: ReadonlyArray<TestDecl>;
  readonly at: SpecPos;
  /** The declaration's mapping (errors about one of its keys point at the key). */
  readonly keys: YamlPos;
}

/** A column as declared (model config or a properties file): its description, for the manifest and docs. */
export interface ColumnDecl {
  readonly name: string;
  readonly description: string | null;
}

/**
 * A data test as declared, before it is built into an expression (`src/testing/`): the
 * generic test's name and its arguments as written (`severity`, `where`, ... included),
 * the column it tests (null for a model-level test) and where it was written.
 */
export interface TestDecl {
  readonly test: string;
  readonly args: Readonly<Record<string, unknown>>;
  readonly column: string | null;
  /** The test's YAML path: inside `in` when given (a properties file), else inside its owner's mapping. */
  readonly path: YamlPath;
  readonly in: YamlPos | null;
}

/** What every model kind's spec holds; each kind adds its own fields (see model-kinds/). */
export interface ModelSpecBase {
  readonly name: string;
  /** Relative to xorq_project/. */
  readonly file: string;
  readonly description: string | null;
  readonly tags: ReadonlyArray<string>;
  /** Declared profile, or null (then: the default profile, or that of its input). */
  readonly profile: string | null;
  readonly cache: CacheConfig | null;
  /** Declared columns (with descriptions) and data tests (`columns:`, `tests:`, or a properties file's). */
  readonly columns: ReadonlyArray<ColumnDecl>;
  readonly tests: ReadonlyArray<TestDecl>;
  /** `materialized:`, `schema:`, `alias:` as declared (the defaults are applied by `src/materialize/`). */
  readonly materialization: MaterializationConfig;
  readonly refs: ReadonlyArray<InputUse>;
  readonly sources: ReadonlyArray<InputUse>;
  /** Content hash of the model's own definition (steps, SQL text, TS file), not its config. */
  readonly definitionHash: string;
  /** Where errors about the model point. */
  readonly at: SpecPos;
  /** The model's YAML mapping (file or front matter), or null when it has none (errors about a key then point at `at`). */
  readonly keys: YamlPos | null;
}

export interface ProjectSpec {
  readonly location: ProjectLocation;
  readonly config: ProjectConfig;
  readonly profiles: ReadonlyArray<Profile>;
  readonly sources: ReadonlyArray<SourceSpec>;
  readonly models: ReadonlyArray<ModelSpec>;
  /** Singular tests (the `.sql` files under `tests/`): SQL whose rows are the failures, read like SQL models (ref/source/var, Jinja). */
  readonly singularTests: ReadonlyArray<ModelSpec>;
}

/** Where a declared test was written. */
export function testPos(owner: { readonly at: SpecPos; readonly keys: YamlPos | null }, test: TestDecl): SpecPos {
  return test.in ? { ...test.in, yaml: [...test.in.yaml, ...test.path] } : keyPos(owner, test.path);
}

/** Where a key of a model's (or source's) YAML is. */
export function keyPos(owner: { readonly at: SpecPos; readonly keys: YamlPos | null }, path: YamlPath): SpecPos {
  return owner.keys ? { ...owner.keys, yaml: [...owner.keys.yaml, ...path], key: true } : owner.at;
}
