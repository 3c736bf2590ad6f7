/**
 * Where an expression string sits in its YAML file, and the errors that point into it.
 *
 * A YAML step like `filter: "amount > 10 and staus = 'open'"` is parsed long after YAML
 * has stripped its quotes, so the caller passes the position of the string's first
 * character; every error then names `file:line:col` of the exact character at fault and
 * repeats the expression with a caret under it.
 */
import { ExpressionError } from "../../expr/errors.js";

/** The position of an expression string's first character in its file (1-based). */
export interface SourceOrigin {
  readonly file?: string;
  readonly line?: number;
  readonly col?: number;
  /**
   * For multi-line (block) strings: the indentation YAML stripped from each line after
   * the first, so columns on later lines still match the file.
   */
  readonly indent?: number;
}

/** A range of characters inside the expression text. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** An expression error that knows its file:line:col; exit code 2 (an invalid project). */
export class ExpressionSourceError extends ExpressionError {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** The message without the position prefix and the caret lines. */
  readonly reason: string;
  readonly exitCode = 2;

  constructor(reason: string, file: string, line: number, col: number, frame: string) {
    super(`${file}:${line}:${col}: ${reason}${frame}`);
    this.reason = reason;
    this.file = file;
    this.line = line;
    this.col = col;
  }
}

/** The expression text itself is malformed (an unexpected token, an unknown function, ...). */
export class ExpressionSyntaxError extends ExpressionSourceError {}

/** The expression text with its origin: turns spans into positioned errors. */
export class ExpressionSource {
  readonly text: string;
  readonly origin: SourceOrigin;
  readonly #lineStarts: number[];

  constructor(text: string, origin: SourceOrigin) {
    this.text = text;
    this.origin = origin;
    this.#lineStarts = [0];
    for (let i = 0; i < text.length; i++) if (text[i] === "\n") this.#lineStarts.push(i + 1);
  }

  /** File line and column of a character of the text (1-based). */
  position(offset: number): { line: number; col: number } {
    let index = 0;
    while (index + 1 < this.#lineStarts.length && this.#lineStarts[index + 1]! <= offset) index++;
    const inLine = offset - this.#lineStarts[index]!;
    const line = (this.origin.line ?? 1) + index;
    const col = index === 0 ? (this.origin.col ?? 1) + inLine : (this.origin.indent ?? 0) + inLine + 1;
    return { line, col };
  }

  /** The text line holding `span.start`, with `^~~~` under the span. */
  frame(span: Span): string {
    let index = 0;
    while (index + 1 < this.#lineStarts.length && this.#lineStarts[index + 1]! <= span.start) index++;
    const lineStart = this.#lineStarts[index]!;
    const lineEnd = this.text.indexOf("\n", lineStart);
    const lineText = this.text.slice(lineStart, lineEnd < 0 ? undefined : lineEnd);
    const from = span.start - lineStart;
    const width = Math.max(1, Math.min(span.end, lineStart + lineText.length) - span.start);
    // Tabs keep their width in the caret line so the caret stays under its character.
    const pad = lineText.slice(0, from).replace(/[^\t]/g, " ");
    return `\n  ${lineText}\n  ${pad}^${"~".repeat(width - 1)}`;
  }

  syntaxError(reason: string, span: Span): ExpressionSyntaxError {
    const { line, col } = this.position(span.start);
    return new ExpressionSyntaxError(reason, this.origin.file ?? "<expression>", line, col, this.frame(span));
  }

  /** Wraps an error raised while the value is resolved against a table (unknown column, type mismatch). */
  resolveError(error: unknown, span: Span): unknown {
    if (error instanceof ExpressionSourceError || !(error instanceof ExpressionError)) return error;
    const { line, col } = this.position(span.start);
    return new ExpressionSourceError(error.message, this.origin.file ?? "<expression>", line, col, this.frame(span));
  }
}
