/**
 * Turns the positions a project spec holds as data (`SpecPos`) into file:line:col. A
 * YAML position is a key path, found by parsing the file a second time, and a TS position
 * is an offset, turned into a line by reading the file: only an error pays for either,
 * so a load served from the parse cache reads no file for positions nobody asks for.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { SourceOrigin } from "../expression-language/expression-source.js";
import type { SourcePos } from "../project-errors.js";
import type { SpecPos, YamlPos } from "../project-spec.js";
import { splitFrontMatter } from "../model-kinds/sql-template.js";
import { YamlLocator, positionInString } from "./yaml-locate.js";

export class SpecPositions {
  readonly #root: string;
  readonly #texts = new Map<string, string>();
  readonly #locators = new Map<string, YamlLocator>();
  readonly #lineStarts = new Map<string, number[]>();

  /** `root`: the directory positions' files are relative to (the project root). */
  constructor(root: string) {
    this.#root = root;
  }

  /** file:line:col of a position. */
  pos(p: SpecPos): SourcePos {
    if ("line" in p) return { file: p.file, line: p.line, col: p.col };
    if ("offset" in p) return this.#offsetPos(p.file, p.offset);
    const locator = this.#locator(p);
    if (p.inString) return positionInString(locator.origin(p.yaml), p.inString.line, p.inString.col);
    return p.key ? locator.keyPos(p.yaml) : locator.pos(p.yaml);
  }

  /** Where the string value at a YAML position starts (for positions inside an expression string). */
  origin(p: YamlPos): SourceOrigin {
    return this.#locator(p).origin(p.yaml);
  }

  #text(file: string): string {
    let text = this.#texts.get(file);
    if (text === undefined) {
      text = readFileSync(join(this.#root, file), "utf8");
      this.#texts.set(file, text);
    }
    return text;
  }

  #locator(p: YamlPos): YamlLocator {
    const id = `${p.frontMatterLine ?? 0}:${p.file}`;
    let locator = this.#locators.get(id);
    if (!locator) {
      const line = p.frontMatterLine;
      locator = line === undefined
        ? new YamlLocator(() => this.#text(p.file), p.file)
        : new YamlLocator(() => {
            const split = splitFrontMatter(this.#text(p.file));
            return "error" in split ? "" : split.frontMatter ?? "";
          }, p.file, line - 1);
      this.#locators.set(id, locator);
    }
    return locator;
  }

  #offsetPos(file: string, offset: number): SourcePos {
    let starts = this.#lineStarts.get(file);
    if (!starts) {
      const text = this.#text(file);
      starts = [0];
      for (let i = 0; i < text.length; i++) if (text[i] === "\n") starts.push(i + 1);
      this.#lineStarts.set(file, starts);
    }
    let line = 0;
    while (line + 1 < starts.length && starts[line + 1]! <= offset) line++;
    return { file, line: line + 1, col: offset - starts[line]! + 1 };
  }
}
