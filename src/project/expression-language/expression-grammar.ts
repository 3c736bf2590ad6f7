/**
 * A recursive-descent (Pratt) parser for the SQL-like expression strings of YAML steps.
 *
 * Precedence, loosest first, as in PostgreSQL:
 *   or < and < not < comparison / is / in / between / like < || < + - < * / % < unary - < ::
 * The parser only builds the syntax tree; which functions exist and what they mean is
 * decided when the tree becomes a `Value` (`expression-parser.ts`).
 */
import type { CallAst, ExprAst, SortAst, VarAst, WindowAst } from "./expression-ast.js";
import type { Token } from "./expression-lexer.js";
import { tokenize } from "./expression-lexer.js";
import type { ExpressionSource, Span } from "./expression-source.js";

/** Words that end or continue an expression, so they cannot name a column unquoted. */
const RESERVED = new Set([
  "and", "or", "not", "is", "null", "true", "false", "in", "between", "like", "ilike",
  "case", "when", "then", "else", "end",
]);

const COMPARISON = new Set(["=", "==", "!=", "<>", "<", "<=", ">", ">="]);

const BP = {
  or: 10,
  and: 20,
  not: 30,
  comparison: 40,
  concat: 45,
  additive: 50,
  multiplicative: 60,
  unary: 70,
  cast: 80,
} as const;

const span = (start: Span, end: Span): Span => ({ start: start.start, end: end.end });

export class ExpressionGrammar {
  readonly #source: ExpressionSource;
  readonly #tokens: Token[];
  #pos = 0;

  constructor(source: ExpressionSource) {
    this.#source = source;
    this.#tokens = tokenize(source);
  }

  /** A whole expression; anything left over is an error. */
  parseExpression(): ExprAst {
    this.#refuseEmpty();
    const expr = this.#expr(0);
    this.#expectEnd();
    return expr;
  }

  /** A sort key: `-total`, `total desc`, `lower(name) asc`. */
  parseSortKey(): SortAst {
    this.#refuseEmpty();
    const minus = this.#peek().kind === "op" && this.#peek().value === "-" ? this.#next() : null;
    const expr = this.#expr(0);
    const direction = this.#keywordIs("asc") || this.#keywordIs("desc") ? this.#next() : null;
    if (minus && direction) {
      throw this.#source.syntaxError(`a sort key takes either a leading '-' or '${direction.value}', not both`, direction);
    }
    if (this.#keywordIs("nulls")) throw this.#source.syntaxError("'nulls first/last' is not supported in sort keys", this.#peek());
    this.#expectEnd();
    return { expr, descending: minus !== null || direction?.value.toLowerCase() === "desc" };
  }

  // --- token helpers ---

  #peek(offset = 0): Token {
    return this.#tokens[Math.min(this.#pos + offset, this.#tokens.length - 1)]!;
  }

  #next(): Token {
    const t = this.#peek();
    if (t.kind !== "eof") this.#pos++;
    return t;
  }

  #isOp(value: string, offset = 0): boolean {
    const t = this.#peek(offset);
    return t.kind === "op" && t.value === value;
  }

  #keywordIs(word: string, offset = 0): boolean {
    const t = this.#peek(offset);
    return t.kind === "ident" && !t.quoted && t.value.toLowerCase() === word;
  }

  #expectOp(value: string, context: string): Token {
    if (!this.#isOp(value)) throw this.#unexpected(`'${value}' ${context}`);
    return this.#next();
  }

  #expectKeyword(word: string, context: string): Token {
    if (!this.#keywordIs(word)) throw this.#unexpected(`'${word}' ${context}`);
    return this.#next();
  }

  #expectEnd(): void {
    if (this.#peek().kind !== "eof") {
      const t = this.#peek();
      const hint = t.kind === "op" && t.value === "." ? " (qualified names like t.col are not supported: name the column alone)" : "";
      throw this.#source.syntaxError(`unexpected ${describe(t)} after the end of the expression${hint}`, t);
    }
  }

  #refuseEmpty(): void {
    if (this.#peek().kind === "eof") throw this.#source.syntaxError("empty expression", { start: 0, end: Math.max(1, this.#source.text.length) });
  }

  #unexpected(expected: string): Error {
    const t = this.#peek();
    return this.#source.syntaxError(`expected ${expected}, found ${describe(t)}`, t);
  }

  // --- Pratt loop ---

  #expr(minBp: number): ExprAst {
    let left = this.#prefix();
    for (;;) {
      const t = this.#peek();
      const lower = t.kind === "ident" && !t.quoted ? t.value.toLowerCase() : null;
      if (t.kind === "op" && t.value === "::") {
        if (BP.cast <= minBp) break;
        this.#next();
        const { type, typeSpan } = this.#typeName();
        left = { kind: "cast", arg: left, type, typeSpan, span: span(left.span, typeSpan) };
        continue;
      }
      const bp = this.#infixPower(t, lower);
      if (bp === null || bp <= minBp) break;
      left = this.#infix(left, bp);
    }
    return left;
  }

  #infixPower(t: Token, lower: string | null): number | null {
    if (t.kind === "op") {
      if (COMPARISON.has(t.value)) return BP.comparison;
      if (t.value === "||") return BP.concat;
      if (t.value === "+" || t.value === "-") return BP.additive;
      if (t.value === "*" || t.value === "/" || t.value === "%") return BP.multiplicative;
      return null;
    }
    switch (lower) {
      case "or": return BP.or;
      case "and": return BP.and;
      case "is":
      case "in":
      case "between":
      case "like":
      case "ilike":
        return BP.comparison;
      case "not": {
        const after = this.#peek(1);
        const word = after.kind === "ident" && !after.quoted ? after.value.toLowerCase() : "";
        return ["in", "between", "like", "ilike"].includes(word) ? BP.comparison : null;
      }
      default:
        return null;
    }
  }

  #infix(left: ExprAst, bp: number): ExprAst {
    const op = this.#next();
    if (op.kind === "op") {
      const right = this.#expr(bp);
      return { kind: "binary", op: op.value, left, right, span: op };
    }
    let word = op.value.toLowerCase();
    if (word === "or" || word === "and") {
      const right = this.#expr(bp);
      return { kind: "binary", op: word, left, right, span: op };
    }
    let negated = false;
    if (word === "not") {
      negated = true;
      word = this.#next().value.toLowerCase();
    }
    switch (word) {
      case "is": {
        const not = this.#keywordIs("not") ? this.#next() : null;
        const nullToken = this.#expectKeyword("null", `after '${not ? "is not" : "is"}'`);
        return { kind: "is_null", arg: left, negated: not !== null, span: span(op, nullToken) };
      }
      case "in":
        return this.#inList(left, op, negated);
      case "between": {
        const low = this.#expr(BP.comparison);
        this.#expectKeyword("and", "between the bounds of 'between'");
        const high = this.#expr(BP.comparison);
        return { kind: "between", arg: left, low, high, negated, span: span(op, high.span) };
      }
      default: {
        const pattern = this.#expr(BP.comparison);
        return { kind: "like", arg: left, pattern, caseInsensitive: word === "ilike", negated, span: op };
      }
    }
  }

  #inList(left: ExprAst, op: Token, negated: boolean): ExprAst {
    if (this.#keywordIs("var") && this.#isOp("(", 1)) {
      const v = this.#prefix();
      return { kind: "in", arg: left, values: v as VarAst, negated, span: span(op, v.span) };
    }
    this.#expectOp("(", `after '${negated ? "not in" : "in"}'`);
    if (this.#isOp(")")) throw this.#source.syntaxError("'in' needs at least one value", this.#peek());
    const values = this.#list();
    const close = this.#expectOp(")", "to close the 'in' list");
    return { kind: "in", arg: left, values, negated, span: span(op, close) };
  }

  /** Comma-separated expressions (at least one). */
  #list(): ExprAst[] {
    const items = [this.#expr(0)];
    while (this.#isOp(",")) {
      this.#next();
      items.push(this.#expr(0));
    }
    return items;
  }

  // --- prefix positions ---

  #prefix(): ExprAst {
    const t = this.#peek();
    if (t.kind === "eof") throw this.#unexpected("an expression");
    if (t.kind === "number") {
      this.#next();
      return { kind: "number", text: t.value, span: t };
    }
    if (t.kind === "string") {
      this.#next();
      return { kind: "string", value: t.value, span: t };
    }
    if (t.kind === "op") {
      if (t.value === "(") {
        this.#next();
        const inner = this.#expr(0);
        const at = this.#source.position(t.start);
        this.#expectOp(")", `to close the '(' at ${at.line}:${at.col}`);
        return inner;
      }
      if (t.value === "-" || t.value === "+") {
        this.#next();
        const arg = this.#expr(BP.unary);
        return { kind: "unary", op: t.value === "-" ? "neg" : "plus", arg, span: span(t, arg.span) };
      }
      throw this.#unexpected("an expression");
    }
    if (t.quoted) {
      this.#next();
      return { kind: "column", name: t.value, quoted: true, span: t };
    }
    const word = t.value.toLowerCase();
    switch (word) {
      case "true":
      case "false":
        this.#next();
        return { kind: "boolean", value: word === "true", span: t };
      case "null":
        this.#next();
        return { kind: "null", span: t };
      case "not": {
        this.#next();
        const arg = this.#expr(BP.not);
        return { kind: "unary", op: "not", arg, span: t };
      }
      case "case":
        return this.#caseExpr();
    }
    if ((word === "date" || word === "timestamp") && this.#peek(1).kind === "string") {
      this.#next();
      const value = this.#next();
      return { kind: "typed_string", type: word, value: value.value, span: span(t, value) };
    }
    if (this.#isOp("(", 1)) {
      if (word === "cast") return this.#castCall();
      if (word === "var") return this.#varCall();
      return this.#call();
    }
    if (RESERVED.has(word)) {
      throw this.#source.syntaxError(`expected an expression, found the keyword '${t.value}' (write "${t.value}" for a column of that name)`, t);
    }
    this.#next();
    return { kind: "column", name: t.value, quoted: false, span: t };
  }

  #caseExpr(): ExprAst {
    const start = this.#next();
    const operand = this.#keywordIs("when") ? null : this.#expr(0);
    const branches: { when: ExprAst; then: ExprAst }[] = [];
    while (this.#keywordIs("when")) {
      this.#next();
      const when = this.#expr(0);
      this.#expectKeyword("then", "after the 'when' condition");
      branches.push({ when, then: this.#expr(0) });
    }
    if (branches.length === 0) throw this.#unexpected("'when' in 'case'");
    let otherwise: ExprAst | null = null;
    if (this.#keywordIs("else")) {
      this.#next();
      otherwise = this.#expr(0);
    }
    const end = this.#expectKeyword("end", "to close 'case'");
    return { kind: "case", operand, branches, otherwise, span: span(start, end) };
  }

  #castCall(): ExprAst {
    const start = this.#next();
    this.#next();
    const arg = this.#expr(0);
    this.#expectKeyword("as", "in cast(value as type)");
    const { type, typeSpan } = this.#typeName();
    const close = this.#expectOp(")", "to close cast(");
    return { kind: "cast", arg, type, typeSpan, span: span(start, close) };
  }

  /** A type name: `int`, `decimal(12, 2)`, `timestamp('UTC')`. */
  #typeName(): { type: string; typeSpan: Span } {
    const name = this.#peek();
    if (name.kind !== "ident") throw this.#unexpected("a type name");
    this.#next();
    let type = name.value.toLowerCase();
    let end: Span = name;
    if (this.#isOp("(")) {
      this.#next();
      const params: string[] = [];
      do {
        const p = this.#next();
        if (p.kind === "number") params.push(p.value);
        else if (p.kind === "string") params.push(`'${p.value}'`);
        else throw this.#source.syntaxError(`expected a number or a 'string' as a type parameter, found ${describe(p)}`, p);
      } while (this.#isOp(",") && this.#next());
      end = this.#expectOp(")", "to close the type's parameters");
      type += `(${params.join(",")})`;
    }
    return { type, typeSpan: span(name, end) };
  }

  #varCall(): VarAst {
    const start = this.#next();
    this.#next();
    const name = this.#peek();
    if (name.kind !== "string") throw this.#unexpected("the var's name as a 'string'");
    this.#next();
    let fallback: ExprAst | null = null;
    if (this.#isOp(",")) {
      this.#next();
      fallback = this.#expr(0);
    }
    const close = this.#expectOp(")", "to close var(");
    return { kind: "var", name: name.value, fallback, span: span(start, close), nameSpan: name };
  }

  #call(): CallAst {
    const nameToken = this.#next();
    this.#next();
    let star = false;
    let distinct = false;
    let args: ExprAst[] = [];
    if (this.#isOp("*")) {
      star = true;
      this.#next();
    } else if (!this.#isOp(")")) {
      if (this.#keywordIs("distinct")) {
        distinct = true;
        this.#next();
      }
      args = this.#list();
    }
    let end: Span = this.#expectOp(")", `to close ${nameToken.value}(`);
    let over: WindowAst | null = null;
    if (this.#keywordIs("over")) {
      this.#next();
      const w = this.#window();
      over = w.window;
      end = w.end;
    }
    return { kind: "call", name: nameToken.value.toLowerCase(), nameSpan: nameToken, args, star, distinct, over, span: span(nameToken, end) };
  }

  /** `over (partition by a, b order by c desc)` */
  #window(): { window: WindowAst; end: Span } {
    this.#expectOp("(", "after 'over'");
    let partitionBy: ExprAst[] = [];
    const orderBy: SortAst[] = [];
    if (this.#keywordIs("partition")) {
      this.#next();
      this.#expectKeyword("by", "after 'partition'");
      partitionBy = this.#list();
    }
    if (this.#keywordIs("order")) {
      this.#next();
      this.#expectKeyword("by", "after 'order'");
      do {
        const expr = this.#expr(0);
        let descending = false;
        if (this.#keywordIs("asc") || this.#keywordIs("desc")) descending = this.#next().value.toLowerCase() === "desc";
        if (this.#keywordIs("nulls")) throw this.#source.syntaxError("'nulls first/last' is not supported in window ordering", this.#peek());
        orderBy.push({ expr, descending });
      } while (this.#isOp(",") && this.#next());
    }
    if (this.#keywordIs("rows") || this.#keywordIs("range")) {
      throw this.#source.syntaxError("window frames (rows/range between ...) are not supported", this.#peek());
    }
    const end = this.#expectOp(")", "to close 'over ('");
    return { window: { partitionBy, orderBy }, end };
  }
}

function describe(t: Token): string {
  switch (t.kind) {
    case "eof": return "the end of the expression";
    case "string": return `the string '${t.value}'`;
    case "number": return `the number ${t.value}`;
    case "op": return `'${t.value}'`;
    case "ident": return t.quoted ? `the name "${t.value}"` : `'${t.value}'`;
  }
}
