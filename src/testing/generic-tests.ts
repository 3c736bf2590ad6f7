/**
 * The generic data tests, each a function from the tested table to its failing rows (an
 * expression like any other: compiled for the tested model's engine, hashed, cached).
 * A test passes when it returns no rows. The names and arguments are dbt's (and
 * dbt_utils' for `expression_is_true` / `accepted_range`), so properties files written
 * for dbt load unchanged.
 *
 * ```ts
 * GENERIC_TESTS.unique.failures({ table: orders, column: "id", args: {}, ... })
 * // orders.filter(id not null).group_by(id).agg(n_records: count(*)).filter(n_records > 1)
 * ```
 */
import type { Table } from "../expr/table.js";
import { type Value, col, countStar, lit } from "../expr/value.js";
import { backendOf } from "../expr/relation-nodes.js";
import type { Obj } from "../project/loading/file-reader.js";
import { hopTo, parseInputRef } from "../project/model-kinds/yaml-steps.js";

/** A problem with a test's arguments, at the argument it concerns (`[]`: the test itself). */
export class TestArgumentError extends Error {
  constructor(readonly arg: ReadonlyArray<string>, message: string) {
    super(message);
  }
}

/** What building one test's failing rows is given. */
export interface TestInputs {
  /** The tested model or source, `where:` applied. */
  readonly table: Table;
  /** The tested column (checked to exist), or null for a model-level test. */
  readonly column: string | null;
  /** The test's own arguments (the shared ones, `severity`, `where`, ..., taken out). */
  readonly args: Obj;
  /** Parses an expression string written at an argument (errors then point into it). */
  expression(text: string, arg: string): Value;
  /** A model's or source's table (relationships' `to:`). */
  input(ref: { readonly kind: "ref" | "source"; readonly name: string }): Table;
}

export interface GenericTest {
  /** Whether the test is written under a column. */
  readonly column: "required" | "none" | "optional";
  /** Arguments it takes; `required` lists those it needs. */
  readonly args: ReadonlyArray<string>;
  readonly required: ReadonlyArray<string>;
  failures(i: TestInputs): Table;
}

const column = (i: TestInputs): Value => col(i.column!);

/** A bound of `accepted_range` / a value of `accepted_values` with `quote: false`: numbers and booleans as literals, strings as expressions. */
function bound(i: TestInputs, arg: string, v: unknown): Value {
  if (typeof v === "number" || typeof v === "boolean") return lit(v);
  if (typeof v === "string") return i.expression(v, arg);
  throw new TestArgumentError([arg], `${arg} must be a number or an expression string, got ${JSON.stringify(v)}`);
}

export const GENERIC_TESTS = {
  unique: {
    column: "required", args: [], required: [],
    failures: (i) => i.table.filter(column(i).notNull()).groupBy(i.column!).agg({ n_records: countStar() }).filter(col("n_records").gt(1)),
  },
  not_null: {
    column: "required", args: [], required: [],
    failures: (i) => i.table.filter(column(i).isNull()),
  },
  accepted_values: {
    column: "required", args: ["values", "quote"], required: ["values"],
    failures(i) {
      const values = i.args["values"];
      if (!Array.isArray(values) || values.length === 0) throw new TestArgumentError(["values"], "values must be a non-empty list");
      // quote: false (dbt) writes each value as SQL; here, as an expression.
      const quoted = i.args["quote"] !== false;
      const list = values.map((v) => (quoted ? lit(v as string | number | boolean) : bound(i, "values", v)));
      // SQL's NOT IN: a null is not a failure (not_null says whether it may be one).
      return i.table.filter(column(i).notin(list));
    },
  },
  relationships: {
    column: "required", args: ["to", "field"], required: ["to", "field"],
    failures(i) {
      const target = parseInputRef(i.args["to"]);
      if (!target) throw new TestArgumentError(["to"], `to must be ref('model') or source('name'), got ${JSON.stringify(i.args["to"])}`);
      const field = String(i.args["field"]);
      let parent = i.input(target);
      if (!parent.columns.includes(field)) throw new TestArgumentError(["field"], `field '${field}' is not a column of ${target.kind} '${target.name}' (columns: ${parent.columns.join(", ")})`);
      // The parent moves into the child's engine, as a YAML join's right side does.
      const here = backendOf(i.table.node);
      const backend = here ? i.table.context.backends.get(here.name) : undefined;
      if (backend) parent = hopTo(parent, backend);
      const keys = parent.select({ __xorq_parent_key: col(field) }).distinct();
      return i.table.filter(column(i).notNull()).join(keys, [[i.column!, "__xorq_parent_key"]], { how: "anti" });
    },
  },
  expression_is_true: {
    column: "optional", args: ["expression"], required: ["expression"],
    failures(i) {
      const text = String(i.args["expression"]);
      // dbt_utils: under a column, the expression continues it (`expression: ">= 0"`).
      const e = i.expression(i.column === null ? text : `${i.column} ${text}`, "expression");
      return i.table.filter(e.not());
    },
  },
  accepted_range: {
    column: "required", args: ["min", "max", "min_value", "max_value", "inclusive"], required: [],
    failures(i) {
      const given = (a: string, b: string) => (i.args[a] !== undefined ? ([a, i.args[a]] as const) : i.args[b] !== undefined ? ([b, i.args[b]] as const) : null);
      const min = given("min", "min_value");
      const max = given("max", "max_value");
      if (!min && !max) throw new TestArgumentError([], "accepted_range needs min or max (or both)");
      const inclusive = i.args["inclusive"] !== false;
      const c = column(i);
      const within = [
        ...(min ? [inclusive ? c.ge(bound(i, min[0], min[1])) : c.gt(bound(i, min[0], min[1]))] : []),
        ...(max ? [inclusive ? c.le(bound(i, max[0], max[1])) : c.lt(bound(i, max[0], max[1]))] : []),
      ].reduce((a, b) => a.and(b));
      return i.table.filter(within.not());
    },
  },
  row_count: {
    column: "none", args: ["min", "max"], required: [],
    failures(i) {
      const min = i.args["min"];
      const max = i.args["max"];
      if (min === undefined && max === undefined) throw new TestArgumentError([], "row_count needs min or max (or both)");
      for (const [k, v] of [["min", min], ["max", max]] as const) {
        if (v !== undefined && (typeof v !== "number" || !Number.isInteger(v) || v < 0)) throw new TestArgumentError([k], `${k} must be a whole number, got ${JSON.stringify(v)}`);
      }
      const n = col("row_count");
      const outside = [...(min === undefined ? [] : [n.lt(min as number)]), ...(max === undefined ? [] : [n.gt(max as number)])].reduce((a, b) => a.or(b));
      return i.table.agg({ row_count: countStar() }).filter(outside);
    },
  },
} satisfies Readonly<Record<string, GenericTest>>;

export type GenericTestName = keyof typeof GENERIC_TESTS;

export function isGenericTest(name: string): name is GenericTestName {
  return Object.hasOwn(GENERIC_TESTS, name);
}
