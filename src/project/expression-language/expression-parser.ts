/**
 * Turns the expression strings of YAML steps into `Value`s of the expression API.
 *
 * ```ts
 * const v = parseValueExpression("amount > var('min_amount') and status in ('open', 'shipped')",
 *   { vars: { min_amount: 100 }, file: "models/big.yaml", line: 4, col: 14 });
 * orders.filter(v);   // the same node (and hash) as
 * orders.filter(_.amount.gt(100).and(_.status.isin(["open", "shipped"])));
 * ```
 *
 * The text is tokenized and parsed (never spliced into SQL), then built through the same
 * `Value` methods TypeScript models call, so both routes give identical nodes. Every
 * built value remembers where it was written: an unknown column or a type mismatch found
 * when it is applied to a table is reported at `file:line:col` of its characters.
 */
import { ExpressionError, closestMatch } from "../../expr/errors.js";
import { parseDataType } from "../../expr/data-type.js";
import {
  type Literal,
  type SortSpec,
  Value,
  cases,
  col,
  countStar,
  date,
  lit,
  timestampLit,
} from "../../expr/value.js";
import type { CallAst, ExprAst, LiteralAst, VarAst } from "./expression-ast.js";
import { FUNCTIONS, type FunctionCall, functionDef } from "./expression-functions.js";
import { ExpressionGrammar } from "./expression-grammar.js";
import { ExpressionSource, type SourceOrigin, type Span } from "./expression-source.js";

export { ExpressionSourceError, ExpressionSyntaxError } from "./expression-source.js";
export type { SourceOrigin } from "./expression-source.js";

export interface ExpressionParseOptions extends SourceOrigin {
  /** The project's vars (after command-line overrides), read by `var('name')`. */
  readonly vars: Readonly<Record<string, unknown>>;
  /**
   * Builds the literal of a var's value. The project passes one that keeps the var's
   * name on the node (so `xorq run BUILD -p name=value` can change it); default: `lit`.
   */
  readonly varLiteral?: (name: string, value: Literal) => Value;
}

/**
 * Parses an expression string (`"amount * 0.92"`, `"sum(amount)"`, `"status in ('a', 'b')"`)
 * into a deferred `Value`. Syntax errors throw `ExpressionSyntaxError` at once; errors that
 * need a table's columns (unknown column, type mismatch) throw `ExpressionSourceError` when
 * the value is used on a table. Both name `file:line:col`.
 */
export function parseValueExpression(text: string, options: ExpressionParseOptions): Value {
  const source = new ExpressionSource(text, options);
  const ast = new ExpressionGrammar(source).parseExpression();
  return new Lowering(source, options.vars, options.varLiteral).value(ast);
}

/** Parses an `order_by` key: `"-total"` or `"total desc"` (descending), `"amount"` or `"amount asc"`. */
export function parseSortKey(text: string, options: ExpressionParseOptions): SortSpec {
  const source = new ExpressionSource(text, options);
  const key = new ExpressionGrammar(source).parseSortKey();
  return { value: new Lowering(source, options.vars, options.varLiteral).value(key.expr), descending: key.descending };
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Builds `Value`s from the syntax tree through the public expression API. */
class Lowering {
  readonly #source: ExpressionSource;
  readonly #vars: Readonly<Record<string, unknown>>;
  readonly #varLiteral: (name: string, value: Literal) => Value;

  constructor(source: ExpressionSource, vars: Readonly<Record<string, unknown>>, varLiteral?: (name: string, value: Literal) => Value) {
    this.#source = source;
    this.#vars = vars;
    this.#varLiteral = varLiteral ?? ((_name, value) => lit(value));
  }

  #fail(message: string, at: Span): never {
    throw this.#source.syntaxError(message, at);
  }

  /** Makes resolution errors of `v` point at `span`. */
  #located(v: Value, span: Span, hint?: (e: ExpressionError) => string | null): Value {
    return new Value((scope) => {
      try {
        return v.resolve(scope);
      } catch (e) {
        const extra = hint && e instanceof ExpressionError ? hint(e) : null;
        throw this.#source.resolveError(extra ? new ExpressionError(`${e instanceof Error ? e.message : e}${extra}`) : e, span);
      }
    }, v.alias);
  }

  value(ast: ExprAst): Value {
    switch (ast.kind) {
      case "number":
      case "string":
      case "boolean":
      case "null":
      case "typed_string":
        return this.#literal(ast, false);
      case "column":
        return this.#column(ast.name, ast.quoted, ast.span);
      case "var":
        return this.#varValue(ast);
      case "unary": {
        if (ast.op === "neg" && ast.arg.kind === "number") return this.#literal(ast.arg, true, ast.span);
        const arg = this.value(ast.arg);
        if (ast.op === "plus") return arg;
        return this.#located(ast.op === "neg" ? arg.neg() : arg.not(), ast.span);
      }
      case "binary":
        return this.#located(this.#binary(ast.op, this.value(ast.left), this.value(ast.right)), ast.span);
      case "is_null": {
        const arg = this.value(ast.arg);
        return this.#located(ast.negated ? arg.notNull() : arg.isNull(), ast.span);
      }
      case "in": {
        const arg = this.value(ast.arg);
        const values = Array.isArray(ast.values) ? (ast.values as ExprAst[]).map((v) => this.value(v)) : this.#varList(ast.values as VarAst);
        return this.#located(ast.negated ? arg.notin(values) : arg.isin(values), ast.span);
      }
      case "between": {
        const within = this.value(ast.arg).between(this.value(ast.low), this.value(ast.high));
        return this.#located(ast.negated ? within.not() : within, ast.span);
      }
      case "like": {
        const arg = this.value(ast.arg);
        const pattern = this.value(ast.pattern);
        const matches = ast.caseInsensitive ? arg.ilike(pattern) : arg.like(pattern);
        return this.#located(ast.negated ? matches.not() : matches, ast.span);
      }
      case "case": {
        const operand = ast.operand ? this.value(ast.operand) : null;
        const branches = ast.branches.map((b): readonly [Value, Value] => {
          const when = this.value(b.when);
          return [operand ? this.#located(operand.eq(when), b.when.span) : when, this.value(b.then)];
        });
        return this.#located(ast.otherwise ? cases(branches, this.value(ast.otherwise)) : cases(branches), ast.span);
      }
      case "cast": {
        let type;
        try {
          type = parseDataType(ast.type);
        } catch (e) {
          this.#fail((e as Error).message, ast.typeSpan);
        }
        return this.#located(this.value(ast.arg).cast(type), ast.span);
      }
      case "call":
        return this.#call(ast);
    }
  }

  #binary(op: string, l: Value, r: Value): Value {
    switch (op) {
      case "and": return l.and(r);
      case "or": return l.or(r);
      case "=":
      case "==": return l.eq(r);
      case "!=":
      case "<>": return l.ne(r);
      case "<": return l.lt(r);
      case "<=": return l.le(r);
      case ">": return l.gt(r);
      case ">=": return l.ge(r);
      case "+": return l.add(r);
      case "-": return l.sub(r);
      case "*": return l.mul(r);
      case "/": return l.div(r);
      case "%": return l.mod(r);
      case "||": return l.concat(r);
    }
    throw new Error(`unhandled operator ${op}`);
  }

  #column(name: string, quoted: boolean, span: Span): Value {
    // A dbt user may write "open" meaning a string: SQL reads double quotes as a name.
    const doubleQuoted = quoted && this.#source.text[span.start] === '"';
    return this.#located(col(name), span, (e) =>
      doubleQuoted && e.message.includes("not found") ? `; "${name}" is a column name, a string takes single quotes: '${name}'` : null,
    );
  }

  #literal(ast: LiteralAst, negative: boolean, span: Span = ast.span): Value {
    switch (ast.kind) {
      case "number": {
        if (/^\d+$/.test(ast.text)) {
          const n = negative ? -BigInt(ast.text) : BigInt(ast.text);
          if (n < INT64_MIN || n > INT64_MAX) this.#fail(`the integer ${negative ? "-" : ""}${ast.text} does not fit in 64 bits`, span);
          return lit(n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n);
        }
        // A decimal point or an exponent makes a float, as in SQL (1.0 is not an integer).
        const x = Number(ast.text) * (negative ? -1 : 1);
        if (!Number.isFinite(x)) this.#fail(`the number ${ast.text} is out of range`, span);
        return lit(x, "float64");
      }
      case "string":
        return lit(ast.value);
      case "boolean":
        return lit(ast.value);
      case "null":
        return lit(null);
      case "typed_string":
        if (ast.type === "date") {
          if (!/^\d{4}-\d{2}-\d{2}$/.test(ast.value) || !validDate(ast.value)) this.#fail(`'${ast.value}' is not a date (write YYYY-MM-DD)`, ast.span);
          return date(ast.value);
        }
        if (!/^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?$/.test(ast.value) || !validDate(ast.value.slice(0, 10))) {
          this.#fail(`'${ast.value}' is not a timestamp (write YYYY-MM-DD HH:MM:SS)`, ast.span);
        }
        return timestampLit(ast.value);
    }
  }

  #lookupVar(ast: VarAst): unknown {
    if (Object.prototype.hasOwnProperty.call(this.#vars, ast.name)) return this.#vars[ast.name];
    const names = Object.keys(this.#vars);
    const hint = closestMatch(ast.name, names);
    this.#fail(
      `unknown var '${ast.name}'${hint ? ` (did you mean '${hint}'?)` : ""}; ` +
        (names.length ? `defined vars: ${names.join(", ")}` : "the project defines no vars (add them under vars: in project.yaml)"),
      ast.nameSpan,
    );
  }

  #varValue(ast: VarAst): Value {
    if (ast.fallback && !Object.prototype.hasOwnProperty.call(this.#vars, ast.name)) return this.value(ast.fallback);
    const v = this.#lookupVar(ast);
    if (Array.isArray(v)) this.#fail(`var '${ast.name}' is a list; a list can only follow 'in', as in: x in var('${ast.name}')`, ast.span);
    return this.#varLiteral(ast.name, this.#scalarVar(ast, v));
  }

  #varList(ast: VarAst): Value[] {
    if (ast.fallback && !Object.prototype.hasOwnProperty.call(this.#vars, ast.name)) {
      this.#fail(`a default for a list var is not supported; define '${ast.name}' in project.yaml`, ast.fallback.span);
    }
    const v = this.#lookupVar(ast);
    const items = Array.isArray(v) ? v : [v];
    if (items.length === 0) this.#fail(`var '${ast.name}' is an empty list; 'in' needs at least one value`, ast.span);
    // List items stay plain literals: one `-p name=value` could not stand for a list.
    return items.map((item) => lit(this.#scalarVar(ast, item)));
  }

  #scalarVar(ast: VarAst, v: unknown): Literal {
    if (v === null || typeof v === "boolean" || typeof v === "string" || typeof v === "bigint" || v instanceof Date) return v;
    if (typeof v === "number" && Number.isFinite(v)) return v;
    this.#fail(`var '${ast.name}' holds ${describeJs(v)}; an expression can use a string, number, boolean or null`, ast.span);
  }

  #call(ast: CallAst): Value {
    const def = functionDef(ast.name);
    if (!def) {
      const hint = closestMatch(ast.name, Object.keys(FUNCTIONS));
      this.#fail(`unknown function '${ast.name}'${hint ? ` (did you mean '${hint}'?)` : ""}`, ast.nameSpan);
    }
    const where = ast.nameSpan;
    if (ast.star) {
      if (ast.name !== "count") this.#fail(`'*' is only valid in count(*)`, where);
      return this.#withWindow(ast, this.#located(countStar(), ast.span), "aggregate");
    }
    if (ast.distinct && ast.name !== "count") this.#fail(`'distinct' is only supported as count(distinct x)`, where);
    if (ast.args.length < def.minArgs || ast.args.length > def.maxArgs) {
      const wanted = def.minArgs === def.maxArgs ? `${def.minArgs}` : def.maxArgs === Infinity ? `at least ${def.minArgs}` : `${def.minArgs} to ${def.maxArgs}`;
      this.#fail(`${ast.name}() takes ${wanted} argument${wanted === "1" ? "" : "s"}, got ${ast.args.length}: ${def.usage}`, ast.span);
    }
    if (def.kind === "aggregate") {
      for (const a of ast.args) {
        const nested = findAggregate(a);
        if (nested) this.#fail(`aggregate functions cannot be nested: ${nested.name}() inside ${ast.name}()`, nested.nameSpan);
      }
    }
    const args = ast.args.map((a) => this.value(a));
    const callInfo: FunctionCall = { ast, args, fail: (message, at) => this.#fail(message, at ?? ast.span) };
    return this.#withWindow(ast, this.#located(def.build(callInfo), ast.span), def.kind);
  }

  #withWindow(ast: CallAst, v: Value, kind: "scalar" | "aggregate" | "window"): Value {
    if (!ast.over) {
      if (kind === "window") this.#fail(`${ast.name}() is a window function: add over (partition by ... order by ...)`, ast.span);
      return v;
    }
    if (kind === "scalar") this.#fail(`${ast.name}() is not an aggregate or window function, so 'over' does not apply`, ast.nameSpan);
    const partitionBy = ast.over.partitionBy.map((p) => this.value(p));
    const orderBy = ast.over.orderBy.map((k): SortSpec => ({ value: this.value(k.expr), descending: k.descending }));
    return this.#located(v.over({ partitionBy, orderBy }), ast.span);
  }
}

/** The first aggregate call (outside a window) in a syntax tree, if any. */
function findAggregate(ast: ExprAst): CallAst | null {
  const children: ExprAst[] = [];
  switch (ast.kind) {
    case "call":
      if (!ast.over && functionDef(ast.name)?.kind === "aggregate") return ast;
      children.push(...ast.args);
      break;
    case "unary":
    case "cast":
    case "is_null":
      children.push(ast.arg);
      break;
    case "binary":
      children.push(ast.left, ast.right);
      break;
    case "in":
      children.push(ast.arg, ...(Array.isArray(ast.values) ? (ast.values as ExprAst[]) : []));
      break;
    case "between":
      children.push(ast.arg, ast.low, ast.high);
      break;
    case "like":
      children.push(ast.arg, ast.pattern);
      break;
    case "case":
      if (ast.operand) children.push(ast.operand);
      for (const b of ast.branches) children.push(b.when, b.then);
      if (ast.otherwise) children.push(ast.otherwise);
      break;
    default:
      break;
  }
  for (const c of children) {
    const found = findAggregate(c);
    if (found) return found;
  }
  return null;
}

function validDate(ymd: string): boolean {
  const d = new Date(`${ymd}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === ymd;
}

function describeJs(v: unknown): string {
  if (Array.isArray(v)) return "a list";
  if (v === undefined) return "nothing";
  if (typeof v === "object") return "a mapping";
  return `the ${typeof v} ${String(v)}`;
}
