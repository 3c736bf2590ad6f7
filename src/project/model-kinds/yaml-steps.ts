/**
 * YAML steps -> calls on the `Table` API. Expression strings go through the expression
 * parser (never into SQL as text), so a YAML model builds the same nodes, and the same
 * hash, as the TypeScript it reads like.
 */
import type { Backend } from "../../backends/backend.js";
import { backendOf } from "../../expr/relation-nodes.js";
import type { CachePolicyLike, GroupedTable, JoinOn, SelectItem, Table } from "../../expr/table.js";
import { type SortSpec, type Value, lit } from "../../expr/value.js";
import { parseSortKey, parseValueExpression } from "../expression-language/expression-parser.js";
import type { SourceOrigin } from "../expression-language/expression-source.js";
import type { CacheConfig } from "./model-definition.js";
import { varLiteral } from "../project-vars.js";

type Obj = Readonly<Record<string, unknown>>;
export type StepPath = ReadonlyArray<string | number>;

/** A step that cannot be applied; `path` is the YAML path of the offending value. */
export class StepError extends Error {
  override readonly name = "StepError";
  readonly path: StepPath;
  constructor(path: StepPath, message: string) {
    super(message);
    this.path = path;
  }
}

export interface StepEnv {
  readonly vars: Readonly<Record<string, unknown>>;
  /** Where the string at `path` starts in the file (positions of expression errors). */
  readonly origin: (path: StepPath) => SourceOrigin;
  /** A model or source named in a step. */
  input(ref: { kind: "ref" | "source"; name: string }): Table;
  /** The connection of a profile (into_backend). */
  backend(profile: string, path: StepPath): Backend;
  /** The policy of a `cache:` setting. */
  cache(config: CacheConfig, path: StepPath): CachePolicyLike;
}

export const STEP_KINDS = [
  "filter", "select", "drop", "rename", "mutate", "group_by", "agg", "join", "union",
  "distinct", "order_by", "limit", "into_backend", "cache",
] as const;

/** Applies `steps` (the YAML list) to `start`; errors name the step's YAML path. */
export function applySteps(start: Table, steps: ReadonlyArray<Obj>, env: StepEnv): Table {
  let table = start;
  let grouped: { keys: GroupedTable; path: StepPath } | null = null;
  steps.forEach((step, i) => {
    const keys = Object.keys(step);
    const kind = keys[0];
    const path: StepPath = ["steps", i, kind ?? ""];
    if (keys.length !== 1 || !(STEP_KINDS as readonly string[]).includes(kind!)) {
      throw new StepError(["steps", i], `a step is one of ${STEP_KINDS.join(", ")} (one key per list item), got ${keys.join(", ") || "nothing"}`);
    }
    if (grouped && kind !== "agg") throw new StepError(grouped.path, "group_by must be followed by an agg step");
    const arg = step[kind!];
    const value = (text: unknown, p: StepPath): Value => expression(text, p, env);
    try {
      switch (kind) {
        case "filter":
          table = table.filter(...list(arg).map((x, j) => value(x, Array.isArray(arg) ? [...path, j] : path)));
          break;
        case "select":
          table = table.select(...selectItems(arg, path, env));
          break;
        case "drop":
          table = table.drop(...list(arg).map(String));
          break;
        case "rename":
          table = table.rename(Object.fromEntries(Object.entries(obj(arg, path)).map(([k, v]) => [k, String(v)])));
          break;
        case "mutate":
          table = table.mutate(Object.fromEntries(Object.entries(obj(arg, path)).map(([k, v]) => [k, value(v, [...path, k])])));
          break;
        case "group_by":
          grouped = { keys: table.groupBy(...selectItems(arg, path, env)), path };
          break;
        case "agg": {
          const metrics = Object.fromEntries(Object.entries(obj(arg, path)).map(([k, v]) => [k, value(v, [...path, k])]));
          table = grouped ? grouped.keys.agg(metrics) : table.agg(metrics);
          grouped = null;
          break;
        }
        case "join":
          table = join(table, obj(arg, path), path, env);
          break;
        case "union": {
          const { targets, distinct } = unionArgs(arg);
          const others = targets.map(([p, t]) => hopInto(table, input(t, [...path, ...p], env)));
          table = table.union(others, { distinct });
          break;
        }
        case "distinct":
          if (arg !== false) table = table.distinct();
          break;
        case "order_by":
          table = table.orderBy(...list(arg).map((x, j) => sortKey(x, Array.isArray(arg) ? [...path, j] : path, env)));
          break;
        case "limit": {
          const o = typeof arg === "number" ? { n: arg } : obj(arg, path);
          table = table.limit(o["n"] === null ? null : Number(o["n"]), Number(o["offset"] ?? 0));
          break;
        }
        case "into_backend":
          table = table.intoBackend(env.backend(String(arg), path));
          break;
        case "cache":
          if (arg !== false) table = table.cache(env.cache(arg as CacheConfig, path));
          break;
      }
    } catch (e) {
      if (e instanceof StepError || hasPosition(e)) throw e;
      throw new StepError(path, `${kind}: ${(e as Error).message}`);
    }
  });
  if (grouped) throw new StepError((grouped as { path: StepPath }).path, "group_by must be followed by an agg step");
  return table;
}

function hasPosition(e: unknown): boolean {
  return !!e && typeof e === "object" && typeof (e as { line?: unknown }).line === "number";
}

function list(arg: unknown): unknown[] {
  return Array.isArray(arg) ? arg : arg === undefined || arg === null ? [] : [arg];
}

function obj(arg: unknown, path: StepPath): Obj {
  if (!arg || typeof arg !== "object" || Array.isArray(arg)) throw new StepError(path, `expected a mapping, got ${JSON.stringify(arg)}`);
  return arg as Obj;
}

function expression(text: unknown, path: StepPath, env: StepEnv): Value {
  if (typeof text !== "string") {
    if (text === null || typeof text === "number" || typeof text === "boolean") return lit(text);
    throw new StepError(path, `expected an expression string, got ${JSON.stringify(text)}`);
  }
  return parseValueExpression(text, { vars: env.vars, varLiteral, ...env.origin(path) });
}

function sortKey(text: unknown, path: StepPath, env: StepEnv): SortSpec {
  if (typeof text !== "string") throw new StepError(path, `a sort key is a string like "-total" or "name asc", got ${JSON.stringify(text)}`);
  return parseSortKey(text, { vars: env.vars, varLiteral, ...env.origin(path) });
}

/** select / group_by items: "column", "expr" (a column keeps its name) or { name: "expr" }. */
function selectItems(arg: unknown, path: StepPath, env: StepEnv): SelectItem[] {
  if (arg && typeof arg === "object" && !Array.isArray(arg)) {
    return Object.entries(arg as Obj).map(([k, v]) => ({ [k]: expression(v, [...path, k], env) }));
  }
  return list(arg).map((item, j) => {
    const p = Array.isArray(arg) ? [...path, j] : path;
    if (item && typeof item === "object" && !Array.isArray(item)) {
      return Object.fromEntries(Object.entries(item as Obj).map(([k, v]) => [k, expression(v, [...p, k], env)]));
    }
    const v = expression(item, p, env);
    if (!v.alias) throw new StepError(p, `a computed column needs a name: write { name: ${JSON.stringify(item)} }`);
    return v;
  });
}

function input(target: unknown, path: StepPath, env: StepEnv): Table {
  const r = parseInputRef(target);
  if (!r) throw new StepError(path, `expected ref('model') or source('name'), got ${JSON.stringify(target)}`);
  return env.input(r);
}

/** Moves `table` into `backend` unless it already runs there (or is in-memory data). */
export function hopTo(table: Table, backend: Backend): Table {
  const b = backendOf(table.node);
  return b && b.name !== backend.ref.name ? table.intoBackend(backend) : table;
}

/** Moves `other` into `table`'s engine when they differ, so YAML joins and unions work across engines. */
function hopInto(table: Table, other: Table): Table {
  const here = backendOf(table.node);
  const backend = here ? table.context.backends.get(here.name) : undefined;
  return backend ? hopTo(other, backend) : other;
}

function join(table: Table, arg: Obj, path: StepPath, env: StepEnv): Table {
  const right = hopInto(table, input(arg["with"], [...path, "with"], env));
  const rawOn = arg["on"];
  let on: JoinOn;
  if (rawOn === undefined) on = [];
  else if (typeof rawOn === "string") on = [rawOn];
  else if (Array.isArray(rawOn)) {
    on = rawOn.map((k, j) => {
      if (typeof k === "string") return k;
      if (Array.isArray(k) && k.length === 2) return [String(k[0]), String(k[1])] as const;
      throw new StepError([...path, "on", j], `a join key is a column name or [left, right], got ${JSON.stringify(k)}`);
    });
  } else if (typeof rawOn === "object" && rawOn !== null) {
    on = Object.entries(rawOn as Obj).map(([l, r]) => [l, String(r)] as const);
  } else throw new StepError([...path, "on"], `on: column names, [left, right] pairs or { left: right }, got ${JSON.stringify(rawOn)}`);
  const how = (arg["how"] ?? "inner") as NonNullable<Parameters<Table["join"]>[2]>["how"];
  if (how === "cross") return table.join(right, [], { how: "cross" });
  if (rawOn === undefined) throw new StepError(path, `a ${how} join needs on: (column names or [left, right] pairs); use how: cross for a cross join`);
  return table.join(right, on, { how, ...(arg["rsuffix"] !== undefined ? { rsuffix: String(arg["rsuffix"]) } : {}) });
}

/** `ref('x')` / `source('x')` as written in a YAML value. */
const INPUT = /^\s*(ref|source)\(\s*(['"])([^'"]+)\2\s*\)\s*$/;

export function parseInputRef(text: unknown): { kind: "ref" | "source"; name: string } | null {
  if (typeof text !== "string") return null;
  const m = INPUT.exec(text);
  return m ? { kind: m[1] as "ref" | "source", name: m[3]! } : null;
}

/** The other tables a step reads (join's `with`, union's tables), with their YAML paths inside the step. */
export function stepInputs(step: Obj): Array<[StepPath, unknown]> {
  const out: Array<[StepPath, unknown]> = [];
  if ("join" in step) out.push([["join", "with"], ((step["join"] ?? {}) as Obj)["with"]]);
  if ("union" in step) for (const [p, x] of unionArgs(step["union"]).targets) out.push([["union", ...p], x]);
  return out;
}

function unionArgs(arg: unknown): { targets: Array<[StepPath, unknown]>; distinct: boolean } {
  if (typeof arg === "string") return { targets: [[[], arg]], distinct: false };
  if (Array.isArray(arg)) return { targets: arg.map((x, i) => [[i], x]), distinct: false };
  const o = (arg ?? {}) as Obj;
  const w = o["with"];
  const targets: Array<[StepPath, unknown]> = typeof w === "string" ? [[["with"], w]] : (Array.isArray(w) ? w : []).map((x, i) => [["with", i], x]);
  return { targets, distinct: o["distinct"] === true };
}
