/**
 * Errors in a project's files. Loading collects every problem with its place
 * (file:line:col, the file relative to the project root) and reports them together;
 * nothing runs while there is one (exit code 2).
 */

import type { SourcePos } from "../util/source-pos.js";

export type { SourcePos };

export interface ProjectProblem extends SourcePos {
  readonly message: string;
}

export function formatProblem(p: ProjectProblem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.message}`;
}

/** One or more problems in the project; exit code 2. */
export class ProjectError extends Error {
  override readonly name = "ProjectError";
  readonly exitCode = 2;
  readonly problems: ReadonlyArray<ProjectProblem>;

  constructor(problems: ReadonlyArray<ProjectProblem>) {
    const sorted = [...problems].sort(compareProblems);
    super(
      sorted.length === 1
        ? formatProblem(sorted[0]!)
        : `${sorted.length} problems in the project:\n${sorted.map((p) => `  ${formatProblem(p)}`).join("\n")}`,
    );
    this.problems = sorted;
  }
}

function compareProblems(a: ProjectProblem, b: ProjectProblem): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.col - b.col || (a.message < b.message ? -1 : 1);
}

/** Collects problems while loading; `throwIfAny` stops before anything runs. */
export class ProblemList {
  readonly #problems: ProjectProblem[] = [];

  add(pos: SourcePos, message: string): void {
    this.#problems.push({ file: pos.file, line: pos.line, col: pos.col, message });
  }

  get size(): number {
    return this.#problems.length;
  }

  get all(): ReadonlyArray<ProjectProblem> {
    return this.#problems;
  }

  throwIfAny(): void {
    if (this.#problems.length > 0) throw new ProjectError(this.#problems);
  }
}

/** A problem found after loading (e.g. while a connection opens) that still has a place in a file. */
export function projectErrorAt(pos: SourcePos, message: string): ProjectError {
  return new ProjectError([{ ...pos, message }]);
}

/** The position carried by an error thrown by a parser, if it has one. */
export function positionOf(e: unknown): { line: number; col: number; file?: string } | null {
  if (e && typeof e === "object") {
    const o = e as { line?: unknown; col?: unknown; column?: unknown; file?: unknown };
    const col = typeof o.col === "number" ? o.col : typeof o.column === "number" ? o.column : null;
    if (typeof o.line === "number" && col !== null) {
      return { line: o.line, col, ...(typeof o.file === "string" ? { file: o.file } : {}) };
    }
  }
  return null;
}

/** No project where one was expected; exit code 2. */
export class ProjectNotFoundError extends Error {
  override readonly name = "ProjectNotFoundError";
  readonly exitCode = 2;
}
