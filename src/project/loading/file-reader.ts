/**
 * How the loader and the model kinds read project files: through the parse cache, YAML
 * validated against its schema, every problem collected with file:line:col.
 */
import { relative, sep } from "node:path";
import type { JinjaProject } from "../model-kinds/jinja/jinja-project.js";
import type { ProblemList } from "../project-errors.js";
import type { SpecPositions } from "./spec-positions.js";
import type { ParseCache, ParsedFile } from "./parse-cache.js";
import { type YamlFileKind, validateYaml } from "./validate.js";

export interface FileReader {
  readonly cache: ParseCache;
  /** An absolute path as messages show it (relative to the project root). */
  readonly display: (path: string) => string;
  readonly problems: ProblemList;
  /** Positions for the problems found while loading. */
  readonly positions: SpecPositions;
}

/** What a model kind reads its files with: a `FileReader`, and what Jinja SQL models render with (macros, docs, vars, profiles). */
export interface ModelReader extends FileReader {
  readonly jinja: JinjaProject;
}

/**
 * Paths below `dir` as `/`-separated relative paths (by slicing: a project's 10,000
 * files should not each pay for `path.relative`).
 */
export function relativeTo(dir: string): (abs: string) => string {
  const prefix = dir.endsWith(sep) ? dir : dir + sep;
  return (abs) => {
    const rel = abs.startsWith(prefix) ? abs.slice(prefix.length) : relative(dir, abs);
    return sep === "/" ? rel : rel.split(sep).join("/");
  };
}

/**
 * A YAML file validated against the schema of `kind` (problems reported), through the
 * parse cache; null when the file does not exist.
 */
export function readYaml(reader: FileReader, path: string, kind: YamlFileKind): ParsedFile<unknown> | null {
  const file = reader.display(path);
  try {
    return reader.cache.read(path, file, kind, (text) => {
      const { value, errors } = validateYaml(kind, text, file);
      addValidationErrors(reader.problems, errors);
      return errors.length > 0 ? null : (value ?? {});
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}

export function addValidationErrors(problems: ProblemList, errors: ReadonlyArray<{ file: string; line: number; col: number; message: string }>): void {
  for (const e of errors) problems.add({ file: e.file, line: e.line, col: e.col }, e.message);
}

export type Obj = Readonly<Record<string, unknown>>;

export function asObj(v: unknown): Obj {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {};
}

export function strList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}
