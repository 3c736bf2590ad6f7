/**
 * Positions inside a YAML file, computed only when an error needs one: the file is
 * parsed a second time, with a line counter, the first time a position is asked for.
 * (Loading parses each file once; 10,000 model files should not pay for positions
 * nobody reads.)
 */
import type { Document, LineCounter, Node } from "yaml";
import { yamlLib } from "./lazy-libs.js";
import type { SourceOrigin } from "../expression-language/expression-source.js";
import type { SourcePos } from "../project-errors.js";

export type YamlPath = ReadonlyArray<string | number>;

export class YamlLocator {
  readonly #text: string | (() => string);
  readonly #file: string;
  /** Added to every line (the front matter of a SQL file starts below line 1). */
  readonly #lineOffset: number;
  #parsed: { text: string; doc: Document.Parsed; lines: LineCounter } | null = null;

  /** `text` may be a function: a file served by the parse cache is read only if a position is asked for. */
  constructor(text: string | (() => string), file: string, lineOffset = 0) {
    this.#text = text;
    this.#file = file;
    this.#lineOffset = lineOffset;
  }

  #doc() {
    if (!this.#parsed) {
      const { LineCounter, parseDocument } = yamlLib();
      const lines = new LineCounter();
      const text = typeof this.#text === "string" ? this.#text : this.#text();
      const doc = parseDocument(text, { lineCounter: lines, keepSourceTokens: false });
      this.#parsed = { text, doc, lines };
    }
    return this.#parsed;
  }

  #at(offset: number): SourcePos {
    const { line, col } = this.#doc().lines.linePos(offset);
    return { file: this.#file, line: line + this.#lineOffset, col };
  }

  /** The deepest node on `path` (the value at `path`, or its nearest existing parent). */
  #find(path: YamlPath, wantKey: boolean): Node | null {
    const { isMap, isPair, isScalar, isSeq } = yamlLib();
    let node: unknown = this.#doc().doc.contents;
    let keyNode: Node | null = null;
    for (const step of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(step));
        if (!pair) break;
        keyNode = pair.key as Node;
        node = pair.value;
      } else if (isSeq(node) && typeof step === "number" && node.items[step] !== undefined) {
        keyNode = null;
        node = node.items[step];
      } else {
        break;
      }
    }
    if (wantKey && keyNode) return keyNode;
    if (isPair(node)) return node.key as Node;
    return (node as Node | null) ?? keyNode;
  }

  /** The position of the value at `path` (the start of the file when nothing is there). */
  pos(path: YamlPath = []): SourcePos {
    const node = this.#find(path, false);
    return this.#at(node?.range?.[0] ?? 0);
  }

  /** The position of the key of `path`'s last step (for "unknown key" style errors). */
  keyPos(path: YamlPath): SourcePos {
    const node = this.#find(path, true);
    return this.#at(node?.range?.[0] ?? 0);
  }

  /** Where a string value's first character is, with the indentation of block strings. */
  origin(path: YamlPath): SourceOrigin {
    const node = this.#find(path, false);
    if (!node || !yamlLib().isScalar(node) || !node.range) return this.pos(path);
    const start = node.range[0];
    switch (node.type) {
      case "QUOTE_DOUBLE":
      case "QUOTE_SINGLE":
        return { ...this.#at(start + 1) };
      case "BLOCK_LITERAL":
      case "BLOCK_FOLDED": {
        // Content starts on the line after the `|` header, at the block's indentation.
        const text = this.#doc().text;
        const nl = text.indexOf("\n", start);
        let i = nl + 1;
        while (text[i] === "\n" || text[i] === "\r") i++;
        let indent = 0;
        while (text[i + indent] === " ") indent++;
        const p = this.#at(i + indent);
        return { file: p.file, line: p.line, col: p.col, indent };
      }
      default: {
        const p = this.#at(start);
        return { file: p.file, line: p.line, col: p.col, indent: p.col - 1 };
      }
    }
  }
}

/** Maps a 1-based line/col inside a string value to the file, given the string's origin. */
export function positionInString(origin: SourceOrigin, line: number, col: number): SourcePos {
  const first = line === 1;
  return {
    file: origin.file ?? "",
    line: (origin.line ?? 1) + line - 1,
    col: first ? (origin.col ?? 1) + col - 1 : (origin.indent ?? 0) + col,
  };
}
