/**
 * The syntax tree of a YAML expression string. Every node keeps the span it was read
 * from, so an error found later (an unknown column, a type mismatch) points at the
 * exact characters. The tree is short-lived: `expression-parser.ts` turns it into a
 * `Value` of the expression API right away.
 */
import type { Span } from "./expression-source.js";

export type LiteralAst =
  | { readonly kind: "number"; readonly text: string; readonly span: Span }
  | { readonly kind: "string"; readonly value: string; readonly span: Span }
  | { readonly kind: "boolean"; readonly value: boolean; readonly span: Span }
  | { readonly kind: "null"; readonly span: Span }
  /** `date '2024-01-31'`, `timestamp '2024-01-31 10:00:00'` */
  | { readonly kind: "typed_string"; readonly type: "date" | "timestamp"; readonly value: string; readonly span: Span };

export interface ColumnAst {
  readonly kind: "column";
  readonly name: string;
  readonly quoted: boolean;
  readonly span: Span;
}

/** `var('name')` or `var('name', default)`: a project var, substituted as a literal. */
export interface VarAst {
  readonly kind: "var";
  readonly name: string;
  readonly fallback: ExprAst | null;
  readonly span: Span;
  readonly nameSpan: Span;
}

export interface UnaryAst {
  readonly kind: "unary";
  readonly op: "neg" | "plus" | "not";
  readonly arg: ExprAst;
  readonly span: Span;
}

/** Arithmetic, comparison, `and`/`or` and `||`; `span` is the operator's. */
export interface BinaryAst {
  readonly kind: "binary";
  readonly op: string;
  readonly left: ExprAst;
  readonly right: ExprAst;
  readonly span: Span;
}

export interface IsNullAst {
  readonly kind: "is_null";
  readonly arg: ExprAst;
  readonly negated: boolean;
  readonly span: Span;
}

export interface InAst {
  readonly kind: "in";
  readonly arg: ExprAst;
  /** A parenthesised list, or a var holding a list. */
  readonly values: ReadonlyArray<ExprAst> | VarAst;
  readonly negated: boolean;
  readonly span: Span;
}

export interface BetweenAst {
  readonly kind: "between";
  readonly arg: ExprAst;
  readonly low: ExprAst;
  readonly high: ExprAst;
  readonly negated: boolean;
  readonly span: Span;
}

export interface LikeAst {
  readonly kind: "like";
  readonly arg: ExprAst;
  readonly pattern: ExprAst;
  readonly caseInsensitive: boolean;
  readonly negated: boolean;
  readonly span: Span;
}

export interface CaseAst {
  readonly kind: "case";
  /** `case x when 1 then ...` compares x with each `when` value. */
  readonly operand: ExprAst | null;
  readonly branches: ReadonlyArray<{ readonly when: ExprAst; readonly then: ExprAst }>;
  readonly otherwise: ExprAst | null;
  readonly span: Span;
}

export interface CastAst {
  readonly kind: "cast";
  readonly arg: ExprAst;
  /** The type as written, e.g. "decimal(12,2)". */
  readonly type: string;
  readonly typeSpan: Span;
  readonly span: Span;
}

export interface SortAst {
  readonly expr: ExprAst;
  readonly descending: boolean;
}

export interface WindowAst {
  readonly partitionBy: ReadonlyArray<ExprAst>;
  readonly orderBy: ReadonlyArray<SortAst>;
}

export interface CallAst {
  readonly kind: "call";
  /** Lower-cased function name. */
  readonly name: string;
  readonly nameSpan: Span;
  readonly args: ReadonlyArray<ExprAst>;
  /** `count(*)` */
  readonly star: boolean;
  /** `count(distinct x)` */
  readonly distinct: boolean;
  readonly over: WindowAst | null;
  /** From the function name to the closing parenthesis (of `over (...)` if any). */
  readonly span: Span;
}

export type ExprAst =
  | LiteralAst
  | ColumnAst
  | VarAst
  | UnaryAst
  | BinaryAst
  | IsNullAst
  | InAst
  | BetweenAst
  | LikeAst
  | CaseAst
  | CastAst
  | CallAst;
