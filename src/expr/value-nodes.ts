/**
 * Column-level expression nodes: immutable, plain data, each carrying its output type.
 *
 * A value node only ever refers to columns of the relation(s) it is evaluated against:
 * `column.input` is 0 for single-input operations and 0/1 (left/right) inside a join
 * predicate. The builders (`value.ts`) create these after checking names and types; the
 * compiler, hasher and lineage walker read them. `node-kinds.ts` lists each kind's fields.
 */
import type { DataType } from "./data-type.js";
import { valueChildren } from "./node-kinds.js";

export type LiteralValue = null | boolean | number | string;

export interface ColumnNode {
  readonly kind: "column";
  readonly name: string;
  readonly input: number;
  readonly type: DataType;
}

/**
 * A constant. Integers beyond 2^53, dates and timestamps are held as strings (ISO text),
 * so the canonical form never depends on JS number formatting of a Date or a bigint.
 */
export interface LiteralNode {
  readonly kind: "literal";
  readonly value: LiteralValue;
  readonly type: DataType;
}

/**
 * A named, typed value with a default, as ibis's `ScalarParameter`: a project var used
 * in an expression (`var('min_amount')`). It compiles as a literal of `value`; running
 * an artifact with `-p min_amount=250` gives it another value (`overrideVars` in
 * `artifact-reader.ts`), keeping its type so the result's schema stays.
 *
 * Its canonical form is the literal it stands for plus the var's name
 * (`{kind: literal, value, type, var}`), the form artifacts held before parameters were
 * a node kind of their own, so expressions built with vars kept their hashes.
 */
export interface ParamNode {
  readonly kind: "param";
  readonly name: string;
  readonly value: LiteralValue;
  readonly type: DataType;
}

export type ArithmeticOp = "add" | "sub" | "mul" | "div" | "mod" | "floordiv" | "pow";
export type ComparisonOp = "eq" | "ne" | "lt" | "le" | "gt" | "ge";
export type LogicalOp = "and" | "or";
export type BinaryOp = ArithmeticOp | ComparisonOp | LogicalOp;

export interface BinaryNode {
  readonly kind: "binary";
  readonly op: BinaryOp;
  readonly left: ValueNode;
  readonly right: ValueNode;
  readonly type: DataType;
}

export type UnaryOp = "not" | "neg" | "is_null" | "not_null";

export interface UnaryNode {
  readonly kind: "unary";
  readonly op: UnaryOp;
  readonly arg: ValueNode;
  readonly type: DataType;
}

/** Scalar functions with a fixed name: see `SCALAR_FUNCTIONS` in `functions.ts`. */
export interface CallNode {
  readonly kind: "call";
  readonly fn: string;
  readonly args: ReadonlyArray<ValueNode>;
  readonly type: DataType;
}

export interface CastNode {
  readonly kind: "cast";
  readonly arg: ValueNode;
  readonly type: DataType;
}

export interface InNode {
  readonly kind: "in";
  readonly arg: ValueNode;
  readonly values: ReadonlyArray<ValueNode>;
  readonly negated: boolean;
  readonly type: DataType;
}

export interface CaseBranch {
  readonly when: ValueNode;
  readonly then: ValueNode;
}

export interface CaseNode {
  readonly kind: "case";
  readonly branches: ReadonlyArray<CaseBranch>;
  readonly otherwise: ValueNode;
  readonly type: DataType;
}

export type AggregateFn = "count" | "count_star" | "count_distinct" | "sum" | "mean" | "min" | "max" | "any_value";

export interface AggregateNode {
  readonly kind: "aggregate";
  readonly fn: AggregateFn;
  readonly arg: ValueNode | null;
  readonly type: DataType;
}

export interface SortKey {
  readonly expr: ValueNode;
  readonly descending: boolean;
}

export type WindowFn = "row_number" | "rank" | "dense_rank" | "lag" | "lead" | "aggregate";

/** A window function; `aggregate` wraps an ordinary aggregate evaluated over the window. */
export interface WindowNode {
  readonly kind: "window";
  readonly fn: WindowFn;
  readonly args: ReadonlyArray<ValueNode>;
  readonly aggregate: AggregateNode | null;
  readonly partitionBy: ReadonlyArray<ValueNode>;
  readonly orderBy: ReadonlyArray<SortKey>;
  readonly type: DataType;
}

export type ValueNode =
  | ColumnNode
  | LiteralNode
  | ParamNode
  | BinaryNode
  | UnaryNode
  | CallNode
  | CastNode
  | InNode
  | CaseNode
  | AggregateNode
  | WindowNode;

export type ValueNodeKind = ValueNode["kind"];

/** True when the node (or anything under it, outside a window) aggregates rows. */
export function containsAggregate(node: ValueNode): boolean {
  if (node.kind === "aggregate") return true;
  if (node.kind === "window") return false;
  return valueChildren(node).some(containsAggregate);
}

export function containsWindow(node: ValueNode): boolean {
  if (node.kind === "window") return true;
  return valueChildren(node).some(containsWindow);
}

/** The columns a value reads, as `input:name` pairs (for lineage and validation). */
export function columnsOf(node: ValueNode, out: ColumnNode[] = []): ColumnNode[] {
  if (node.kind === "column") out.push(node);
  for (const c of valueChildren(node)) columnsOf(c, out);
  return out;
}
