/**
 * What loading a project's files yields, before anything is resolved against an engine:
 * plain data (plus, for TypeScript models, the imported definition). One stage of the
 * pipeline load -> graph -> resolve -> select -> plan -> build/run.
 */
import type { CacheConfig, ModelDefinition } from "./model-kinds/model-definition.js";
import type { Profile } from "../backends/connections.js";
import type { Locator } from "./project-errors.js";
import type { SourceOrigin } from "./expression-language/expression-source.js";
import type { TemplatePart } from "./model-kinds/sql-template.js";

export interface ProjectLocation {
  /** The directory holding `xorq_project/`, `builds/` and `target/`. */
  readonly root: string;
  /** `<root>/xorq_project`: relative paths in project files (reads, DuckDB files) resolve here. */
  readonly projectDir: string;
}

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
  readonly locate: Locator;
}

/** A `ref('x')` or `source('x')` written in a model, with where it was written. */
export interface InputUse {
  readonly name: string;
  readonly locate: Locator;
}

export interface SourceSpec {
  readonly name: string;
  /** Relative to xorq_project/. */
  readonly file: string;
  readonly profile: string | null;
  readonly read: { readonly format: "parquet" | "csv"; readonly path: string; readonly options: Readonly<Record<string, string | number | boolean>> } | null;
  readonly table: string | null;
  readonly description: string | null;
  readonly locate: Locator;
  /** Finds a key of the declaration (for errors about one field). */
  readonly locateKey: (key: string) => import("./project-errors.js").SourcePos;
}

interface ModelSpecBase {
  readonly name: string;
  /** Relative to xorq_project/. */
  readonly file: string;
  readonly description: string | null;
  readonly tags: ReadonlyArray<string>;
  /** Declared profile, or null (then: the default profile, or that of its input). */
  readonly profile: string | null;
  readonly cache: CacheConfig | null;
  readonly refs: ReadonlyArray<InputUse>;
  readonly sources: ReadonlyArray<InputUse>;
  /** Content hash of the model's own definition (steps, SQL text, TS file), not its config. */
  readonly definitionHash: string;
  readonly locate: Locator;
  /** Where a key of the model's YAML (or front matter) is, for errors about one field. */
  readonly locateKey: (path: ReadonlyArray<string | number>) => import("./project-errors.js").SourcePos;
}

export interface YamlStepsModelSpec extends ModelSpecBase {
  readonly kind: "yaml";
  readonly from: { readonly kind: "ref" | "source"; readonly name: string };
  readonly steps: ReadonlyArray<Readonly<Record<string, unknown>>>;
  /** Where an expression string at `path` starts (for the expression parser's positions). */
  readonly originOf: (path: ReadonlyArray<string | number>) => SourceOrigin;
}

export interface SqlModelSpec extends ModelSpecBase {
  readonly kind: "sql";
  readonly template: ReadonlyArray<TemplatePart>;
  /** Where the SQL body starts (errors from the engine point here). */
  readonly bodyPos: Locator;
}

export interface TsModelSpec extends ModelSpecBase {
  readonly kind: "ts";
  /** The file's default export, imported on first call. */
  readonly definition: () => Promise<ModelDefinition>;
}

export type ModelSpec = YamlStepsModelSpec | SqlModelSpec | TsModelSpec;

export interface ProjectSpec {
  readonly location: ProjectLocation;
  readonly config: ProjectConfig;
  readonly profiles: ReadonlyArray<Profile>;
  readonly sources: ReadonlyArray<SourceSpec>;
  readonly models: ReadonlyArray<ModelSpec>;
}
