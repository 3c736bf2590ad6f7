/**
 * `model()`: how a TypeScript model file declares itself.
 *
 * ```ts
 * import { model, _ } from "xorq";
 * export default model({ name: "big_orders", tags: ["daily"] }, ({ source, var: v }) =>
 *   source("orders").filter(_.amount.gt(v("min_amount"))));
 * ```
 */
import type { Value } from "../../expr/value.js";
import type { Table } from "../../expr/table.js";

/** A model's cache setting: `true` for the project default, or a policy. */
export type CacheConfig = boolean | {
  readonly storage?: "parquet" | "source" | "gcs";
  readonly strategy?: "modification_time" | "snapshot";
  /** Seconds, or a duration such as "1h", "30m", "2d". */
  readonly ttl?: number | string;
  readonly bucket?: string;
  /** For source storage: the profile whose engine stores the result. */
  readonly profile?: string;
};

/** What `xorq run` leaves in the model's engine (see SPEC "Materializations and environments"). */
export type Materialized = "ephemeral" | "view" | "table";

export const MATERIALIZED: ReadonlyArray<Materialized> = ["ephemeral", "view", "table"];

/** A model's materialization settings as declared (null: not declared, the project's or folder's default applies). */
export interface MaterializationConfig {
  readonly materialized: Materialized | null;
  /** The schema of its environment views. */
  readonly schema: string | null;
  /** The name of its relations (default: the model's name). */
  readonly alias: string | null;
}

export interface ModelConfig {
  /** Defaults to the file's base name. */
  readonly name?: string;
  readonly description?: string;
  readonly tags?: ReadonlyArray<string>;
  /** The engine the model starts in (default: the project's default profile). */
  readonly profile?: string;
  readonly cache?: CacheConfig;
  /** What `xorq run` leaves in the engine (default: the project's `materialized:`, else ephemeral). */
  readonly materialized?: Materialized;
  /** The schema of its environment views (default: the project's `schema:`, else the engine's default schema). */
  readonly schema?: string;
  /** The name of its relations in the engine (default: the model's name). */
  readonly alias?: string;
  /** Column descriptions and tests: `{ id: { description: "...", tests: ["unique", "not_null"] } }`. */
  readonly columns?: Readonly<Record<string, { readonly description?: string; readonly tests?: ReadonlyArray<TestEntry> }>>;
  /** Model-level tests: `[{ row_count: { min: 1 } }, { expression_is_true: "amount >= 0" }]`. */
  readonly tests?: ReadonlyArray<TestEntry>;
}

/** A data test as written: a generic test's name, or `{ name: arguments }` (see SPEC "Columns, descriptions and tests"). */
export type TestEntry = string | Readonly<Record<string, string | Readonly<Record<string, unknown>>>>;

export interface ModelContext {
  /** Another model of the project. */
  ref(name: string): Table;
  /** A source declared in sources/*.yaml. */
  source(name: string): Table;
  /**
   * A project var as an expression value (a literal that stays visible in the build
   * artifact, so `xorq run BUILD -p name=value` can override it).
   */
  var(name: string): Value;
  /** The project vars as plain values (baked into the expression; not overridable at run time). */
  readonly vars: Readonly<Record<string, unknown>>;
  /** A SQL query in the model's engine over named inputs (`{ orders: source("orders") }`). */
  sql(query: string, inputs?: Readonly<Record<string, Table>>): Promise<Table>;
}

export type ModelBuild = (ctx: ModelContext) => Table | Promise<Table>;

/** Marks a model definition; a global symbol so definitions are recognized across module copies. */
export const MODEL_DEFINITION = Symbol.for("xorq.model-definition");

export interface ModelDefinition {
  readonly [MODEL_DEFINITION]: true;
  readonly config: ModelConfig;
  readonly build: ModelBuild;
}

/** Declares a TypeScript model; the file's default export. */
export function model(config: ModelConfig, build: ModelBuild): ModelDefinition {
  return Object.freeze({ [MODEL_DEFINITION]: true as const, config: Object.freeze({ ...config }), build });
}

export function isModelDefinition(x: unknown): x is ModelDefinition {
  return !!x && typeof x === "object" && (x as Record<symbol, unknown>)[MODEL_DEFINITION] === true;
}
