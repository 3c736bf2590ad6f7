/**
 * What a model kind is: the one interface every kind of model file (YAML steps, SQL,
 * TypeScript) implements, and what loading and resolving give it. The loader and the
 * resolver know kinds only through the `MODEL_KINDS` table (`model-kinds.ts`), so a new
 * kind is one file implementing `ModelKind` plus one line there.
 */
import type { Connections } from "../../backends/connections.js";
import type { CachePolicyLike, Table } from "../../expr/table.js";
import type { FileReader, ModelReader, Obj } from "../loading/file-reader.js";
import { strList } from "../loading/file-reader.js";
import type { SpecPositions } from "../loading/spec-positions.js";
import type { ProblemList, SourcePos } from "../project-errors.js";
import type { ColumnDecl, ModelSpecBase, ProjectLocation, SpecPos, TestDecl } from "../project-spec.js";
import type { SchemaCache } from "../resolve/schema-cache.js";
import { type CacheConfig, type MaterializationConfig, type Materialized, MATERIALIZED } from "./model-definition.js";
import type { ModelSpec } from "./model-kinds.js";
import { declaredTests } from "../../testing/test-declarations.js";

export interface ModelKind<S extends ModelSpecBase> {
  /** The file name endings this kind loads (`.sql`, `.yaml`). */
  readonly extensions: ReadonlyArray<string>;
  /**
   * Reads one model file into its spec (plain data), reporting every problem with
   * file:line:col to `reader.problems`; null when the file has one that leaves no model.
   * A YAML file may declare a model of another kind (`sql:`), so any spec may come back.
   */
  parse(file: ModelFile, reader: ModelReader): ModelSpec | null | Promise<ModelSpec | null>;
  /** The model's expression, its inputs resolved; null when a problem was reported. */
  resolve(spec: S, env: ResolveEnv): Table | null | Promise<Table | null>;
  /**
   * Whether the resolve cache may serve the model: its key (the kind, `definitionHash`,
   * the declared profile and cache policy, the inputs' hashes and the values of the vars
   * it read) then covers everything its expression depends on. The key's definition part
   * is what `parse` hashed: say there what it covers.
   */
  cacheable(spec: S, engines: { readonly connections: Connections; readonly defaultProfile: string }): boolean;
  /**
   * The profile the model runs in as the spec tells it (what resolving would say), or
   * null when only resolving can tell (a TS model without a declared one). `input` gives
   * an input's profile the same way.
   */
  specProfile(spec: S, env: { readonly defaultProfile: string; input(ref: { readonly kind: "ref" | "source"; readonly name: string }): string | null }): string | null;
  /** Resolved one at a time in DAG order (the model runs code that may open connections, whose default names follow the order they open in). */
  readonly serial: boolean;
}

/** A model file as the loader hands it to its kind. */
export interface ModelFile {
  readonly path: string;
  /** Relative to the project root, for messages. */
  readonly file: string;
  /** Relative to xorq_project/, as the manifest and `path:` selectors use. */
  readonly projectFile: string;
  /** The file's base name: the model's name unless it declares one. */
  readonly defaultName: string;
}

/** What resolving one model is given (by `model-resolver.ts`). */
export interface ResolveEnv {
  readonly location: ProjectLocation;
  /** Every project var (messages name them). */
  readonly projectVars: Readonly<Record<string, unknown>>;
  /** The vars as the model reads them (reads are tracked: their values are part of its definition). */
  readonly vars: Readonly<Record<string, unknown>>;
  readonly connections: Connections;
  readonly schemas: SchemaCache;
  readonly problems: ProblemList;
  readonly positions: SpecPositions;
  /** The declared profile (checked), or null: then the model starts where its input is (YAML steps) or in `profile`. */
  readonly declaredProfile: string | null;
  /** The declared profile, else the default one; null when it is not a profile (reported). */
  profile(): string | null;
  /** A model's or source's expression (resolved before this model). */
  input(ref: { readonly kind: "ref" | "source"; readonly name: string }): Table;
  /** The policy of a `cache:` setting. */
  cachePolicy(config: CacheConfig): CachePolicyLike;
  /** Records an error as a problem: at its own position if it has one, else at `fallback`. */
  report(e: unknown, fallback: SourcePos): void;
}

/** Model and source names: also selector and SQL identifiers, so no spaces, commas, '+', ':' or '@'. */
export const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The source a dbt-style `source('src', 'table')` reads: the table of a `tables:` entry (project-loader.ts). */
export function sourceTableName(source: string, table: string): string {
  return `${source}.${table}`;
}

export function checkModelName(reader: FileReader, name: string, at: SpecPos): void {
  if (!NAME.test(name)) reader.problems.add(reader.positions.pos(at), `model name '${name}' must be letters, digits and '_' (not starting with a digit)`);
}

/** Reports a materialization setting that is not one of the allowed values (for configs no JSON Schema checked). */
export function checkMaterialization(reader: FileReader, m: MaterializationConfig, at: SpecPos): void {
  const problem = (message: string) => reader.problems.add(reader.positions.pos(at), message);
  if (m.materialized !== null && !MATERIALIZED.includes(m.materialized)) problem(`materialized must be one of ${MATERIALIZED.join(", ")}, got '${m.materialized}'`);
  if (m.schema !== null && !NAME.test(m.schema)) problem(`schema '${m.schema}' must be letters, digits and '_' (not starting with a digit)`);
  if (m.alias !== null && !NAME.test(m.alias)) problem(`alias '${m.alias}' must be letters, digits and '_' (not starting with a digit)`);
}

/** The settings every kind declares the same way (YAML keys, front matter, or `model({...})`). */
export function commonConfig(v: Obj): { description: string | null; tags: string[]; profile: string | null; cache: CacheConfig | null; materialization: MaterializationConfig; columns: ColumnDecl[]; tests: TestDecl[] } {
  const str = (key: string) => (v[key] === undefined ? null : String(v[key]));
  return {
    description: str("description"),
    tags: strList(v["tags"]),
    profile: str("profile"),
    cache: v["cache"] === undefined || v["cache"] === false ? null : (v["cache"] as CacheConfig),
    // The JSON Schemas checked the values (a TS config is checked by `checkMaterialization`).
    materialization: { materialized: str("materialized") as Materialized | null, schema: str("schema"), alias: str("alias") },
    ...declaredTests(v),
  };
}

/** Whether a profile is an in-memory DuckDB (whose schemas depend only on the queries run in it). */
export function inMemoryDuckDB(params: Readonly<Record<string, unknown>> | null, kind: string | undefined): boolean {
  return kind === "duckdb" && (params?.["path"] ?? ":memory:") === ":memory:";
}

/** Plain JSON values (bigints as strings): var values as they are hashed and kept in artifacts. */
export function jsonable(v: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x))) as Record<string, unknown>;
}
