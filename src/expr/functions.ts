/**
 * The scalar functions a `call` node may name, with their argument checks and result
 * types. One table serves the builder (type checks), the YAML expression parser (names)
 * and every dialect (which must render each of them or list it as unsupported).
 */
import { ExpressionError } from "./errors.js";
import { type DataType, isInteger, isNumeric, isTemporal, isTimestamp, commonType } from "./data-type.js";
import type { ValueNode } from "./value-nodes.js";

type ArgCheck = (t: DataType) => boolean;

const isString: ArgCheck = (t) => t === "string" || t === "null";
const isNum: ArgCheck = (t) => isNumeric(t) || t === "null";
const isInt: ArgCheck = (t) => isInteger(t) || t === "null";
const isTime: ArgCheck = (t) => isTemporal(t) || t === "null";
const isDateLike: ArgCheck = (t) => t === "date" || isTimestamp(t) || t === "null";
const any: ArgCheck = () => true;

interface FunctionSpec {
  /** Checks per argument position; the last one repeats for variadic functions. */
  readonly args: ReadonlyArray<readonly [string, ArgCheck]>;
  readonly minArgs: number;
  readonly variadic?: boolean;
  readonly result: (args: ReadonlyArray<ValueNode>) => DataType;
}

const first = (args: ReadonlyArray<ValueNode>): DataType => args[0]!.type;

export const SCALAR_FUNCTIONS = {
  lower: { args: [["string", isString]], minArgs: 1, result: () => "string" },
  upper: { args: [["string", isString]], minArgs: 1, result: () => "string" },
  length: { args: [["string", isString]], minArgs: 1, result: () => "int64" },
  trim: { args: [["string", isString]], minArgs: 1, result: () => "string" },
  contains: { args: [["string", isString], ["string", isString]], minArgs: 2, result: () => "boolean" },
  starts_with: { args: [["string", isString], ["string", isString]], minArgs: 2, result: () => "boolean" },
  ends_with: { args: [["string", isString], ["string", isString]], minArgs: 2, result: () => "boolean" },
  like: { args: [["string", isString], ["string", isString]], minArgs: 2, result: () => "boolean" },
  ilike: { args: [["string", isString], ["string", isString]], minArgs: 2, result: () => "boolean" },
  /** substr(s, start, length): start is 0-based (as in ibis); dialects render 1-based SQL. */
  substr: { args: [["string", isString], ["integer", isInt], ["integer", isInt]], minArgs: 2, result: () => "string" },
  concat: { args: [["string", isString]], minArgs: 1, variadic: true, result: () => "string" },
  replace: { args: [["string", isString], ["string", isString], ["string", isString]], minArgs: 3, result: () => "string" },
  coalesce: { args: [["any", any]], minArgs: 1, variadic: true, result: (a) => coalesceType(a) },
  abs: { args: [["numeric", isNum]], minArgs: 1, result: first },
  round: { args: [["numeric", isNum], ["integer", isInt]], minArgs: 1, result: first },
  floor: { args: [["numeric", isNum]], minArgs: 1, result: (a) => (isInteger(first(a)) ? first(a) : "float64") },
  ceil: { args: [["numeric", isNum]], minArgs: 1, result: (a) => (isInteger(first(a)) ? first(a) : "float64") },
  sqrt: { args: [["numeric", isNum]], minArgs: 1, result: () => "float64" },
  ln: { args: [["numeric", isNum]], minArgs: 1, result: () => "float64" },
  exp: { args: [["numeric", isNum]], minArgs: 1, result: () => "float64" },
  greatest: { args: [["any", any]], minArgs: 1, variadic: true, result: (a) => coalesceType(a) },
  least: { args: [["any", any]], minArgs: 1, variadic: true, result: (a) => coalesceType(a) },
  year: { args: [["date or timestamp", isDateLike]], minArgs: 1, result: () => "int32" },
  month: { args: [["date or timestamp", isDateLike]], minArgs: 1, result: () => "int32" },
  day: { args: [["date or timestamp", isDateLike]], minArgs: 1, result: () => "int32" },
  hour: { args: [["time or timestamp", isTime]], minArgs: 1, result: () => "int32" },
  minute: { args: [["time or timestamp", isTime]], minArgs: 1, result: () => "int32" },
  second: { args: [["time or timestamp", isTime]], minArgs: 1, result: () => "int32" },
  day_of_week: { args: [["date or timestamp", isDateLike]], minArgs: 1, result: () => "int32" },
  date: { args: [["timestamp", isDateLike]], minArgs: 1, result: () => "date" },
  /** truncate(t, unit): the unit is a string literal among TRUNCATE_UNITS. */
  truncate: { args: [["date or timestamp", isDateLike], ["unit", isString]], minArgs: 2, result: first },
} satisfies Record<string, FunctionSpec>;

export type ScalarFunction = keyof typeof SCALAR_FUNCTIONS;

export const TRUNCATE_UNITS = ["year", "quarter", "month", "week", "day", "hour", "minute", "second"] as const;
export type TruncateUnit = (typeof TRUNCATE_UNITS)[number];

function coalesceType(args: ReadonlyArray<ValueNode>): DataType {
  let t: DataType = "null";
  for (const a of args) {
    const next = commonType(t, a.type);
    if (next === null) throw new ExpressionError(`cannot combine ${t} and ${a.type} values`);
    t = next;
  }
  return t;
}

/** Checks the arguments of a call and returns its result type, or throws naming the bad argument. */
export function scalarResultType(fn: ScalarFunction, args: ReadonlyArray<ValueNode>, describe: (n: ValueNode) => string): DataType {
  const spec: FunctionSpec = SCALAR_FUNCTIONS[fn];
  if (args.length < spec.minArgs || (!spec.variadic && args.length > spec.args.length)) {
    throw new ExpressionError(`${fn}() takes ${spec.minArgs === spec.args.length && !spec.variadic ? spec.minArgs : `${spec.minArgs}+`} arguments, got ${args.length}`);
  }
  args.forEach((arg, i) => {
    const [want, check] = spec.args[Math.min(i, spec.args.length - 1)]!;
    if (!check(arg.type)) {
      throw new ExpressionError(`${fn}() expects ${want} for argument ${i + 1}, got ${describe(arg)} of type ${arg.type}`);
    }
  });
  if (fn === "truncate") {
    const unit = args[1]!;
    // A var may name the unit (a parameter); the dialects write it into the SQL as a keyword.
    if ((unit.kind !== "literal" && unit.kind !== "param") || !TRUNCATE_UNITS.includes(unit.value as TruncateUnit)) {
      throw new ExpressionError(`truncate() unit must be one of ${TRUNCATE_UNITS.join(", ")}`);
    }
  }
  return spec.result(args);
}
