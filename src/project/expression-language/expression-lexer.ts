/**
 * Splits a YAML step's expression string into tokens, each with its character span.
 *
 * SQL conventions, as a dbt user writes them: 'single quotes' for strings ('' escapes a
 * quote), "double quotes" or `backticks` for column names that are not plain
 * identifiers, `--` and `/* *\/` comments. Keywords are not decided here: the parser
 * reads unquoted identifiers case-insensitively where it expects a keyword.
 */
import type { ExpressionSource, Span } from "./expression-source.js";

export type TokenKind = "ident" | "number" | "string" | "op" | "eof";

export interface Token extends Span {
  readonly kind: TokenKind;
  /** The identifier's name (unquoted), the string's value, the number's or operator's text. */
  readonly value: string;
  /** True for "quoted" and `backticked` identifiers: never keywords. */
  readonly quoted: boolean;
}

const OPERATORS = ["::", "<=", ">=", "<>", "!=", "==", "||", "(", ")", ",", "+", "-", "*", "/", "%", "=", "<", ">", "."];

const isIdentStart = (c: string) => /[A-Za-z_]/.test(c);
const isIdentPart = (c: string) => /[A-Za-z0-9_$]/.test(c);
const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";

export function tokenize(source: ExpressionSource): Token[] {
  const text = source.text;
  const tokens: Token[] = [];
  let i = 0;
  const push = (kind: TokenKind, value: string, start: number, quoted = false) => tokens.push({ kind, value, start, end: i, quoted });

  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "-" && text[i + 1] === "-") {
      while (i < text.length && text[i] !== "\n") i++;
      continue;
    }
    if (c === "/" && text[i + 1] === "*") {
      const close = text.indexOf("*/", i + 2);
      if (close < 0) throw source.syntaxError("unterminated /* comment", { start: i, end: i + 2 });
      i = close + 2;
      continue;
    }
    const start = i;
    if (isIdentStart(c)) {
      while (i < text.length && isIdentPart(text[i]!)) i++;
      push("ident", text.slice(start, i), start);
      continue;
    }
    if (isDigit(c) || (c === "." && isDigit(text[i + 1]))) {
      while (isDigit(text[i])) i++;
      if (text[i] === "." && text[i + 1] !== ".") {
        i++;
        while (isDigit(text[i])) i++;
      }
      if (text[i] === "e" || text[i] === "E") {
        const exponentStart = i;
        i++;
        if (text[i] === "+" || text[i] === "-") i++;
        if (!isDigit(text[i])) throw source.syntaxError("a number's exponent needs digits", { start: exponentStart, end: i });
        while (isDigit(text[i])) i++;
      }
      if (i < text.length && isIdentStart(text[i]!)) {
        throw source.syntaxError(`unexpected '${text[i]}' after the number ${text.slice(start, i)}`, { start: i, end: i + 1 });
      }
      push("number", text.slice(start, i), start);
      continue;
    }
    if (c === "'" || c === '"' || c === "`") {
      const value = readQuoted(source, start, c);
      i = value.end;
      push(c === "'" ? "string" : "ident", value.text, start, c !== "'");
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op) {
      i += op.length;
      push("op", op, start);
      continue;
    }
    throw source.syntaxError(`unexpected character '${c}'`, { start, end: start + 1 });
  }
  tokens.push({ kind: "eof", value: "", start: text.length, end: text.length, quoted: false });
  return tokens;
}

/** Reads a quoted token starting at `start`; a doubled quote stands for itself. */
function readQuoted(source: ExpressionSource, start: number, quote: string): { text: string; end: number } {
  const text = source.text;
  let value = "";
  let i = start + 1;
  for (;;) {
    const next = text.indexOf(quote, i);
    if (next < 0) {
      const what = quote === "'" ? "string" : "quoted name";
      throw source.syntaxError(`unterminated ${what}: missing the closing ${quote}`, { start, end: text.length });
    }
    value += text.slice(i, next);
    if (text[next + 1] === quote) {
      value += quote;
      i = next + 2;
      continue;
    }
    return { text: value, end: next + 1 };
  }
}
