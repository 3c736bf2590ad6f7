/**
 * The column-expression builder: `_.amount.gt(100)`, `_.region.lower()`, `_.amount.sum()`.
 *
 * A `Value` is deferred: it holds a function that, given the schemas of the relation(s)
 * it is used on, returns a checked `ValueNode`. Table methods resolve values at once, so
 * a wrong column name or a type mismatch fails when the expression is built.
 */
import { ExpressionError, unknownColumnError } from "./errors.js";
import {
  type DataType,
  type Schema,
  commonType,
  integerTypeFor,
  isDecimal,
  isFloat,
  isInteger,
  isNumeric,
  isTemporal,
  decimalParts,
  decimal,
  parseDataType,
  timestamp,
} from "./data-type.js";
import { type ScalarFunction, type TruncateUnit, scalarResultType } from "./functions.js";
import type { RelationNode } from "./relation-nodes.js";
import type {
  AggregateFn,
  AggregateNode,
  ArithmeticOp,
  BinaryNode,
  ComparisonOp,
  LiteralNode,
  ParamNode,
  SortKey,
  ValueNode,
  WindowFn,
} from "./value-nodes.js";

/** What a value is resolved against: the input relations of the operation using it. */
export interface Scope {
  readonly inputs: ReadonlyArray<{ readonly schema: Schema; readonly node: RelationNode | null }>;
  /** Names the operation in error messages, e.g. "filter on orders". */
  readonly where: string;
}

export type Literal = null | boolean | number | bigint | string | Date;
export type ValueLike = Value | Literal;

/** Describes a value for error messages: a column by name, anything else by kind. */
export function describeValue(node: ValueNode): string {
  if (node.kind === "column") return `column '${node.name}'`;
  // A parameter reads as the literal it stands for, as it did before it was a kind of its own.
  if (node.kind === "literal" || node.kind === "param") return `literal ${JSON.stringify(node.value)}`;
  return `${node.kind === "call" ? node.fn : node.kind} expression`;
}

export class Value {
  readonly #resolve: (scope: Scope) => ValueNode;
  /** The output name when used in select/agg without an explicit key. */
  readonly alias: string | null;

  constructor(resolve: (scope: Scope) => ValueNode, alias: string | null = null) {
    this.#resolve = resolve;
    this.alias = alias;
  }

  /** Binds this value to the given inputs, checking names and types. */
  resolve(scope: Scope): ValueNode {
    return this.#resolve(scope);
  }

  /** Names the value's output column (ibis' `.name()`). */
  name(alias: string): Value {
    return new Value(this.#resolve, alias);
  }

  #derive(build: (self: ValueNode, scope: Scope) => ValueNode): Value {
    return new Value((scope) => build(this.#resolve(scope), scope), this.alias);
  }

  // Arithmetic
  add(other: ValueLike): Value { return arithmetic("add", this, other); }
  sub(other: ValueLike): Value { return arithmetic("sub", this, other); }
  mul(other: ValueLike): Value { return arithmetic("mul", this, other); }
  div(other: ValueLike): Value { return arithmetic("div", this, other); }
  mod(other: ValueLike): Value { return arithmetic("mod", this, other); }
  floordiv(other: ValueLike): Value { return arithmetic("floordiv", this, other); }
  pow(other: ValueLike): Value { return arithmetic("pow", this, other); }
  neg(): Value {
    return this.#derive((arg, scope) => {
      if (!isNumeric(arg.type)) throw new ExpressionError(`cannot negate ${describeValue(arg)} of type ${arg.type} in ${scope.where}`);
      return { kind: "unary", op: "neg", arg, type: arg.type };
    });
  }

  // Comparison
  eq(other: ValueLike): Value { return comparison("eq", this, other); }
  ne(other: ValueLike): Value { return comparison("ne", this, other); }
  lt(other: ValueLike): Value { return comparison("lt", this, other); }
  le(other: ValueLike): Value { return comparison("le", this, other); }
  gt(other: ValueLike): Value { return comparison("gt", this, other); }
  ge(other: ValueLike): Value { return comparison("ge", this, other); }
  between(low: ValueLike, high: ValueLike): Value { return this.ge(low).and(this.le(high)); }

  // Boolean logic
  and(other: ValueLike): Value { return logical("and", this, other); }
  or(other: ValueLike): Value { return logical("or", this, other); }
  not(): Value {
    return this.#derive((arg, scope) => {
      requireBoolean(arg, "not", scope);
      return { kind: "unary", op: "not", arg, type: "boolean" };
    });
  }

  // Nulls
  isNull(): Value { return this.#derive((arg) => ({ kind: "unary", op: "is_null", arg, type: "boolean" })); }
  notNull(): Value { return this.#derive((arg) => ({ kind: "unary", op: "not_null", arg, type: "boolean" })); }
  coalesce(...others: ValueLike[]): Value { return call("coalesce", [this, ...others]); }
  fillNull(replacement: ValueLike): Value { return this.coalesce(replacement); }

  isin(values: ReadonlyArray<ValueLike>): Value { return membership(this, values, false); }
  notin(values: ReadonlyArray<ValueLike>): Value { return membership(this, values, true); }

  cast(type: DataType | string): Value {
    const target = parseDataType(type);
    return this.#derive((arg) => ({ kind: "cast", arg, type: target }));
  }

  // Strings
  lower(): Value { return call("lower", [this]); }
  upper(): Value { return call("upper", [this]); }
  length(): Value { return call("length", [this]); }
  strip(): Value { return call("trim", [this]); }
  contains(needle: ValueLike): Value { return call("contains", [this, needle]); }
  startsWith(prefix: ValueLike): Value { return call("starts_with", [this, prefix]); }
  endsWith(suffix: ValueLike): Value { return call("ends_with", [this, suffix]); }
  like(pattern: ValueLike): Value { return call("like", [this, pattern]); }
  ilike(pattern: ValueLike): Value { return call("ilike", [this, pattern]); }
  /** 0-based start, as in ibis. */
  substr(start: ValueLike, length?: ValueLike): Value { return call("substr", length === undefined ? [this, start] : [this, start, length]); }
  concat(...others: ValueLike[]): Value { return call("concat", [this, ...others]); }
  replace(pattern: ValueLike, replacement: ValueLike): Value { return call("replace", [this, pattern, replacement]); }

  // Numbers
  abs(): Value { return call("abs", [this]); }
  round(digits?: number): Value { return call("round", digits === undefined ? [this] : [this, digits]); }
  floor(): Value { return call("floor", [this]); }
  ceil(): Value { return call("ceil", [this]); }
  sqrt(): Value { return call("sqrt", [this]); }
  ln(): Value { return call("ln", [this]); }
  exp(): Value { return call("exp", [this]); }

  // Temporal
  year(): Value { return call("year", [this]); }
  month(): Value { return call("month", [this]); }
  day(): Value { return call("day", [this]); }
  hour(): Value { return call("hour", [this]); }
  minute(): Value { return call("minute", [this]); }
  second(): Value { return call("second", [this]); }
  dayOfWeek(): Value { return call("day_of_week", [this]); }
  date(): Value { return call("date", [this]); }
  truncate(unit: TruncateUnit): Value { return call("truncate", [this, unit]); }

  // Aggregates
  count(): Value { return aggregate("count", this); }
  countDistinct(): Value { return aggregate("count_distinct", this); }
  nunique(): Value { return this.countDistinct(); }
  sum(): Value { return aggregate("sum", this); }
  mean(): Value { return aggregate("mean", this); }
  min(): Value { return aggregate("min", this); }
  max(): Value { return aggregate("max", this); }
  anyValue(): Value { return aggregate("any_value", this); }

  // Windows
  lag(offset = 1): Value { return windowFn("lag", [this, offset]); }
  lead(offset = 1): Value { return windowFn("lead", [this, offset]); }
  /** Evaluates this aggregate or window function over a window. */
  over(spec: WindowSpec = {}): Value {
    return this.#derive((node, scope) => {
      const partitionBy = (spec.partitionBy === undefined ? [] : asArray(spec.partitionBy)).map((v) => toValue(typeof v === "string" ? col(v) : v).resolve(scope));
      const orderBy = (spec.orderBy === undefined ? [] : asArray(spec.orderBy)).map((k) => resolveSortKey(k, scope));
      if (node.kind === "aggregate") {
        return { kind: "window", fn: "aggregate", args: [], aggregate: node, partitionBy, orderBy, type: node.type };
      }
      if (node.kind === "window") return { ...node, partitionBy, orderBy };
      throw new ExpressionError(`over() applies to an aggregate or window function, not ${describeValue(node)} (in ${scope.where})`);
    });
  }

  // Sorting
  asc(): SortSpec { return { value: this, descending: false }; }
  desc(): SortSpec { return { value: this, descending: true }; }
}

export interface SortSpec {
  readonly value: Value;
  readonly descending: boolean;
}

/** A sort key: a column name ("-name" for descending), a value, or a SortSpec. */
export type SortLike = string | Value | SortSpec;

export interface WindowSpec {
  readonly partitionBy?: string | Value | ReadonlyArray<string | Value>;
  readonly orderBy?: SortLike | ReadonlyArray<SortLike>;
}

function asArray<T>(v: T | ReadonlyArray<T>): ReadonlyArray<T> {
  return Array.isArray(v) ? (v as ReadonlyArray<T>) : [v as T];
}

export function resolveSortKey(key: SortLike, scope: Scope): SortKey {
  if (typeof key === "string") {
    const descending = key.startsWith("-");
    return { expr: col(descending ? key.slice(1) : key).resolve(scope), descending };
  }
  if (key instanceof Value) return { expr: key.resolve(scope), descending: false };
  return { expr: key.value.resolve(scope), descending: key.descending };
}

/** Makes a literal node, inferring its type from the JS value. */
export function literalNode(value: Literal, type?: DataType): LiteralNode {
  if (value === null) return { kind: "literal", value: null, type: type ?? "null" };
  if (typeof value === "boolean") return { kind: "literal", value, type: type ?? "boolean" };
  if (typeof value === "bigint") return { kind: "literal", value: value.toString(), type: type ?? integerTypeFor(value) };
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new ExpressionError(`literal ${value} is not a finite number`);
    const normalized = Object.is(value, -0) ? 0 : value;
    return { kind: "literal", value: normalized, type: type ?? (Number.isInteger(normalized) ? integerTypeFor(normalized) : "float64") };
  }
  if (value instanceof Date) return { kind: "literal", value: value.toISOString().replace("Z", ""), type: type ?? "timestamp" };
  return { kind: "literal", value, type: type ?? "string" };
}

export function lit(value: Literal, type?: DataType | string): Value {
  const node = literalNode(value, type === undefined ? undefined : parseDataType(type));
  return new Value(() => node);
}

/**
 * A named parameter with a default value (ibis's `param`), typed from the value as a
 * literal is: it compiles as that value until given another (`xorq run BUILD -p
 * name=value` for a project var).
 *
 * ```ts
 * t.filter(_.amount.gt(param("min_amount", 100)));
 * ```
 */
export function param(name: string, value: Literal): Value {
  const { value: v, type: t } = literalNode(value);
  const node: ParamNode = { kind: "param", name, value: v, type: t };
  return new Value(() => node);
}

/** Marks the callable column objects of `_` (see deferred.ts) so they are taken as values. */
export const UNWRAP_VALUE = Symbol("xorq.value");

export function toValue(v: ValueLike): Value {
  if (v instanceof Value) return v;
  if (typeof v === "function" && UNWRAP_VALUE in v) return (v as unknown as Record<symbol, Value>)[UNWRAP_VALUE]!;
  return lit(v);
}

/** A column of the (first) input, by name. */
export function col(name: string): Value {
  return new Value((scope) => resolveColumn(name, 0, scope), name);
}

/** A column of a given input (0 = left, 1 = right in a join). */
export function inputColumn(name: string, input: number): Value {
  return new Value((scope) => resolveColumn(name, input, scope), name);
}

/** A column bound to one relation node: resolves to whichever input of the scope that node is. */
export function boundColumn(name: string, node: RelationNode): Value {
  return new Value((scope) => {
    const input = scope.inputs.findIndex((i) => i.node === node);
    if (input < 0) {
      if (scope.inputs.length === 1) return resolveColumn(name, 0, scope);
      throw new ExpressionError(`column '${name}' belongs to a table that is not an input of ${scope.where}`);
    }
    return resolveColumn(name, input, scope);
  }, name);
}

function resolveColumn(name: string, input: number, scope: Scope): ValueNode {
  const source = scope.inputs[input];
  if (!source) throw new ExpressionError(`${scope.where} has no input ${input} for column '${name}'`);
  const field = source.schema.find((f) => f.name === name);
  if (!field) throw unknownColumnError(name, source.schema.map((f) => f.name), scope.where);
  return { kind: "column", name, input, type: field.type };
}

/** Brings a string literal or parameter to the temporal type it is compared with ("2024-01-01" vs a date column). */
function coerceLiteral(node: ValueNode, target: DataType): ValueNode {
  if ((node.kind === "literal" || node.kind === "param") && typeof node.value === "string" && node.type === "string" && isTemporal(target)) {
    if (Number.isNaN(Date.parse(node.value)) && target !== "time") {
      throw new ExpressionError(`'${node.value}' is not a valid ${target} literal`);
    }
    return { ...node, type: target };
  }
  return node;
}

function binaryOperands(a: ValueLike, b: ValueLike, scope: Scope): [ValueNode, ValueNode] {
  let left = toValue(a).resolve(scope);
  let right = toValue(b).resolve(scope);
  left = coerceLiteral(left, right.type);
  right = coerceLiteral(right, left.type);
  return [left, right];
}

function arithmeticType(op: ArithmeticOp, l: DataType, r: DataType): DataType | null {
  if (!isNumeric(l) && l !== "null") return null;
  if (!isNumeric(r) && r !== "null") return null;
  if (op === "div" || op === "pow") return "float64";
  const common = commonType(l, r);
  if (common === null || common === "null") return common === "null" ? "int64" : null;
  if (op === "floordiv") return isInteger(common) ? "int64" : "float64";
  if (op === "mul" && isDecimal(common) && isDecimal(l) && isDecimal(r)) {
    const a = decimalParts(l);
    const b = decimalParts(r);
    return decimal(Math.min(38, a.precision + b.precision), Math.min(38, a.scale + b.scale));
  }
  if (isDecimal(common) && (op === "add" || op === "sub")) {
    const { precision, scale } = decimalParts(common);
    return decimal(Math.min(38, precision + 1), scale);
  }
  return common;
}

function arithmetic(op: ArithmeticOp, a: ValueLike, b: ValueLike): Value {
  return new Value((scope) => {
    const [left, right] = binaryOperands(a, b, scope);
    const type = arithmeticType(op, left.type, right.type);
    if (type === null) {
      throw new ExpressionError(
        `cannot apply ${op} to ${describeValue(left)} (${left.type}) and ${describeValue(right)} (${right.type}) in ${scope.where}`,
      );
    }
    return { kind: "binary", op, left, right, type } satisfies BinaryNode;
  }, toValue(a).alias);
}

function comparison(op: ComparisonOp, a: ValueLike, b: ValueLike): Value {
  return new Value((scope) => {
    const [left, right] = binaryOperands(a, b, scope);
    if (commonType(left.type, right.type) === null) {
      throw new ExpressionError(
        `cannot compare ${describeValue(left)} (${left.type}) with ${describeValue(right)} (${right.type}) in ${scope.where}`,
      );
    }
    return { kind: "binary", op, left, right, type: "boolean" };
  });
}

function requireBoolean(node: ValueNode, op: string, scope: Scope): void {
  if (node.type !== "boolean" && node.type !== "null") {
    throw new ExpressionError(`${op} needs boolean operands, got ${describeValue(node)} of type ${node.type} in ${scope.where}`);
  }
}

function logical(op: "and" | "or", a: ValueLike, b: ValueLike): Value {
  return new Value((scope) => {
    const left = toValue(a).resolve(scope);
    const right = toValue(b).resolve(scope);
    requireBoolean(left, op, scope);
    requireBoolean(right, op, scope);
    return { kind: "binary", op, left, right, type: "boolean" };
  });
}

function membership(v: Value, values: ReadonlyArray<ValueLike>, negated: boolean): Value {
  return new Value((scope) => {
    const arg = v.resolve(scope);
    const nodes = values.map((x) => coerceLiteral(toValue(x).resolve(scope), arg.type));
    for (const n of nodes) {
      if (commonType(arg.type, n.type) === null) {
        throw new ExpressionError(`isin: ${describeValue(arg)} (${arg.type}) cannot be compared with ${describeValue(n)} (${n.type}) in ${scope.where}`);
      }
    }
    if (nodes.length === 0) throw new ExpressionError(`isin needs at least one value (in ${scope.where})`);
    return { kind: "in", arg, values: nodes, negated, type: "boolean" };
  });
}

export function call(fn: ScalarFunction, args: ReadonlyArray<ValueLike>): Value {
  const first = args[0];
  return new Value((scope) => {
    const nodes = args.map((a) => toValue(a).resolve(scope));
    try {
      return { kind: "call", fn, args: nodes, type: scalarResultType(fn, nodes, describeValue) };
    } catch (e) {
      if (e instanceof ExpressionError) throw new ExpressionError(`${e.message} (in ${scope.where})`);
      throw e;
    }
  }, first instanceof Value ? first.alias : null);
}

function aggregateType(fn: AggregateFn, arg: ValueNode | null, scope: Scope): DataType {
  switch (fn) {
    case "count":
    case "count_star":
    case "count_distinct":
      return "int64";
    case "sum":
      if (!arg || !isNumeric(arg.type)) break;
      if (isInteger(arg.type)) return "int64";
      if (isFloat(arg.type)) return "float64";
      return decimal(38, decimalParts(arg.type as `decimal(${number},${number})`).scale);
    case "mean":
      if (!arg || !isNumeric(arg.type)) break;
      return "float64";
    case "min":
    case "max":
    case "any_value":
      return arg!.type;
  }
  throw new ExpressionError(`${fn}() needs a numeric argument, got ${arg ? `${describeValue(arg)} of type ${arg.type}` : "none"} in ${scope.where}`);
}

function aggregate(fn: AggregateFn, v: Value | null): Value {
  return new Value((scope) => {
    const arg = v ? v.resolve(scope) : null;
    return { kind: "aggregate", fn, arg, type: aggregateType(fn, arg, scope) } satisfies AggregateNode;
  }, v?.alias ?? null);
}

/** count(*) */
export function countStar(): Value {
  return aggregate("count_star", null);
}

function windowFn(fn: WindowFn, args: ReadonlyArray<ValueLike>): Value {
  return new Value((scope) => {
    const nodes = args.map((a) => toValue(a).resolve(scope));
    const type: DataType = fn === "lag" || fn === "lead" ? nodes[0]!.type : "int64";
    return { kind: "window", fn, args: nodes, aggregate: null, partitionBy: [], orderBy: [], type };
  });
}

/** row_number() over a window (1-based, as in SQL). */
export function rowNumber(): Value { return windowFn("row_number", []); }
export function rank(): Value { return windowFn("rank", []); }
export function denseRank(): Value { return windowFn("dense_rank", []); }

/** CASE WHEN: `cases([[cond, value], ...], otherwise)`. */
export function cases(branches: ReadonlyArray<readonly [Value, ValueLike]>, otherwise: ValueLike = null): Value {
  return new Value((scope) => {
    const resolved = branches.map(([when, then]) => {
      const w = when.resolve(scope);
      requireBoolean(w, "case", scope);
      return { when: w, then: toValue(then).resolve(scope) };
    });
    const other = toValue(otherwise).resolve(scope);
    let type: DataType = other.type;
    for (const b of resolved) {
      const next = commonType(type, b.then.type);
      if (next === null) throw new ExpressionError(`case branches mix ${type} and ${b.then.type} in ${scope.where}`);
      type = next;
    }
    return { kind: "case", branches: resolved, otherwise: other, type };
  });
}

export function ifElse(cond: Value, then: ValueLike, otherwise: ValueLike): Value {
  return cases([[cond, then]], otherwise);
}

export function coalesce(...values: ValueLike[]): Value {
  return call("coalesce", values);
}

export function date(value: string): Value { return lit(value, "date"); }
export function timestampLit(value: string, zone?: string): Value { return lit(value, timestamp(zone)); }

export function desc(key: string | Value): SortSpec {
  return { value: typeof key === "string" ? col(key) : key, descending: true };
}
export function asc(key: string | Value): SortSpec {
  return { value: typeof key === "string" ? col(key) : key, descending: false };
}

