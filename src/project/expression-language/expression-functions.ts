/**
 * The functions a YAML expression string may call, each mapped onto the expression API
 * so `sum(amount)` in YAML and `_.amount.sum()` in TypeScript build the same node.
 *
 * SQL spellings are accepted where they differ from ours (`avg`, `ceiling`,
 * `substring`, `date_trunc('month', x)`); SQL's 1-based `substr` start becomes the API's
 * 0-based one.
 */
import { TRUNCATE_UNITS, type ScalarFunction, type TruncateUnit } from "../../expr/functions.js";
import { type Value, call, denseRank, lit, rank, rowNumber } from "../../expr/value.js";
import type { CallAst, ExprAst } from "./expression-ast.js";
import type { Span } from "./expression-source.js";

export type FunctionKind = "scalar" | "aggregate" | "window";

/** What a function's builder gets: its lowered arguments, their syntax, and a way to fail. */
export interface FunctionCall {
  readonly ast: CallAst;
  readonly args: ReadonlyArray<Value>;
  fail(message: string, at?: Span): never;
}

interface FunctionDef {
  readonly kind: FunctionKind;
  readonly minArgs: number;
  readonly maxArgs: number;
  /** How the call is written, for arity errors. */
  readonly usage: string;
  readonly build: (c: FunctionCall) => Value;
}

const scalar = (fn: ScalarFunction, usage: string, minArgs: number, maxArgs = minArgs): FunctionDef => ({
  kind: "scalar",
  minArgs,
  maxArgs,
  usage,
  build: (c) => call(fn, c.args),
});

const aggregate = (usage: string, build: (arg: Value) => Value): FunctionDef => ({
  kind: "aggregate",
  minArgs: 1,
  maxArgs: 1,
  usage,
  build: (c) => build(c.args[0]!),
});

const ranking = (name: string, build: () => Value): FunctionDef => ({ kind: "window", minArgs: 0, maxArgs: 0, usage: `${name}() over (...)`, build });

/** A non-negative integer literal argument (lag/lead offsets), or a positioned error. */
function integerArgument(c: FunctionCall, index: number, what: string): number {
  const a = c.ast.args[index]!;
  if (a.kind !== "number" || !/^\d+$/.test(a.text)) c.fail(`${what} must be a whole number written as a literal`, a.span);
  return Number(a.text);
}

function shift(c: FunctionCall, direction: "lag" | "lead"): Value {
  const offset = c.args.length > 1 ? integerArgument(c, 1, `${direction}() offset`) : 1;
  const value = c.args[0]!;
  return direction === "lag" ? value.lag(offset) : value.lead(offset);
}

/** SQL's substr/substring count from 1; the expression API (like ibis) from 0. */
function substr(c: FunctionCall): Value {
  const [text, start, length] = c.args as [Value, Value, Value | undefined];
  const startAst: ExprAst = c.ast.args[1]!;
  let zeroBased: Value;
  if (startAst.kind === "number" && /^\d+$/.test(startAst.text)) {
    const n = Number(startAst.text);
    if (n < 1) c.fail(`${c.ast.name}() counts positions from 1 as in SQL; ${n} is not a position`, startAst.span);
    zeroBased = lit(n - 1);
  } else {
    zeroBased = start.sub(1);
  }
  return length === undefined ? text.substr(zeroBased) : text.substr(zeroBased, length);
}

function dateTrunc(c: FunctionCall): Value {
  const unit = c.ast.args[0]!;
  if (unit.kind !== "string" || !TRUNCATE_UNITS.includes(unit.value.toLowerCase() as TruncateUnit)) {
    c.fail(`date_trunc() unit must be one of ${TRUNCATE_UNITS.map((u) => `'${u}'`).join(", ")}`, unit.span);
  }
  return c.args[1]!.truncate(unit.value.toLowerCase() as TruncateUnit);
}

export const FUNCTIONS: Readonly<Record<string, FunctionDef>> = {
  // Aggregates (count is special-cased for count(*) and count(distinct x)).
  count: { kind: "aggregate", minArgs: 1, maxArgs: 1, usage: "count(x), count(*) or count(distinct x)", build: (c) => (c.ast.distinct ? c.args[0]!.countDistinct() : c.args[0]!.count()) },
  sum: aggregate("sum(x)", (v) => v.sum()),
  avg: aggregate("avg(x)", (v) => v.mean()),
  mean: aggregate("mean(x)", (v) => v.mean()),
  min: aggregate("min(x) (for the smaller of two values: least(a, b))", (v) => v.min()),
  max: aggregate("max(x) (for the larger of two values: greatest(a, b))", (v) => v.max()),
  any_value: aggregate("any_value(x)", (v) => v.anyValue()),

  // Window functions.
  row_number: ranking("row_number", rowNumber),
  rank: ranking("rank", rank),
  dense_rank: ranking("dense_rank", denseRank),
  lag: { kind: "window", minArgs: 1, maxArgs: 2, usage: "lag(x[, offset]) over (...)", build: (c) => shift(c, "lag") },
  lead: { kind: "window", minArgs: 1, maxArgs: 2, usage: "lead(x[, offset]) over (...)", build: (c) => shift(c, "lead") },

  // Scalars.
  coalesce: scalar("coalesce", "coalesce(a, b, ...)", 1, Infinity),
  greatest: scalar("greatest", "greatest(a, b, ...)", 1, Infinity),
  least: scalar("least", "least(a, b, ...)", 1, Infinity),
  lower: scalar("lower", "lower(text)", 1),
  upper: scalar("upper", "upper(text)", 1),
  length: scalar("length", "length(text)", 1),
  trim: scalar("trim", "trim(text)", 1),
  concat: scalar("concat", "concat(a, b, ...)", 1, Infinity),
  replace: scalar("replace", "replace(text, search, replacement)", 3),
  contains: scalar("contains", "contains(text, part)", 2),
  starts_with: scalar("starts_with", "starts_with(text, prefix)", 2),
  ends_with: scalar("ends_with", "ends_with(text, suffix)", 2),
  substr: { kind: "scalar", minArgs: 2, maxArgs: 3, usage: "substr(text, start[, length]) with start counted from 1", build: substr },
  substring: { kind: "scalar", minArgs: 2, maxArgs: 3, usage: "substring(text, start[, length]) with start counted from 1", build: substr },
  abs: scalar("abs", "abs(x)", 1),
  round: scalar("round", "round(x[, digits])", 1, 2),
  floor: scalar("floor", "floor(x)", 1),
  ceil: scalar("ceil", "ceil(x)", 1),
  ceiling: scalar("ceil", "ceiling(x)", 1),
  sqrt: scalar("sqrt", "sqrt(x)", 1),
  ln: scalar("ln", "ln(x)", 1),
  exp: scalar("exp", "exp(x)", 1),
  power: { kind: "scalar", minArgs: 2, maxArgs: 2, usage: "power(base, exponent)", build: (c) => c.args[0]!.pow(c.args[1]!) },
  pow: { kind: "scalar", minArgs: 2, maxArgs: 2, usage: "pow(base, exponent)", build: (c) => c.args[0]!.pow(c.args[1]!) },
  mod: { kind: "scalar", minArgs: 2, maxArgs: 2, usage: "mod(a, b)", build: (c) => c.args[0]!.mod(c.args[1]!) },
  year: scalar("year", "year(date)", 1),
  month: scalar("month", "month(date)", 1),
  day: scalar("day", "day(date)", 1),
  hour: scalar("hour", "hour(timestamp)", 1),
  minute: scalar("minute", "minute(timestamp)", 1),
  second: scalar("second", "second(timestamp)", 1),
  day_of_week: scalar("day_of_week", "day_of_week(date)", 1),
  dayofweek: scalar("day_of_week", "dayofweek(date)", 1),
  date: scalar("date", "date(timestamp)", 1),
  date_trunc: { kind: "scalar", minArgs: 2, maxArgs: 2, usage: "date_trunc('month', date)", build: dateTrunc },
};

export function functionDef(name: string): FunctionDef | undefined {
  return Object.prototype.hasOwnProperty.call(FUNCTIONS, name) ? FUNCTIONS[name] : undefined;
}
