/**
 * The project's macros (`macros/**\/*.sql`, loaded before any model, as dbt does) as one
 * Jinja library that every Jinja model renders with: the library's text goes in front of
 * the model's body in one template, so macros see the model's context (`ref`, `var`,
 * `target`, …) and call each other whatever file they are in (MiniJinja binds names when
 * they are called).
 *
 * `adapter.dispatch('name')` becomes the engine's implementation, `<engine>__name`, else
 * `default__name` (else `dbt.name` for dbt's own macros), rewritten in the text before
 * rendering: MiniJinja cannot hand a macro to a JS callback and back.
 */
import { sha256 } from "../../../expr/canonical.js";
import type { SourcePos } from "../../project-errors.js";
import { returningMacros, wrapReturningCalls } from "./return-calls.js";

export interface MacroFile {
  /** As messages show it (relative to the project root). */
  readonly file: string;
  readonly text: string;
}

/** What the library defines in Jinja itself (see dbt-context.ts for the JS half). */
const PRELUDE =
  "{% macro __xorq_raise_compiler_error(msg) %}{{ __xorq_fail(msg)() }}{% endmacro %}" +
  "{% macro __xorq_warn(msg) %}{{ log(msg) }}{% endmacro %}" +
  "{% set exceptions = {'raise_compiler_error': __xorq_raise_compiler_error, 'warn': __xorq_warn} %}";

const DISPATCH = /adapter\s*\.\s*dispatch\s*\(\s*(['"])(\w+)\1\s*(?:,\s*(?:macro_namespace\s*=\s*)?(['"])(\w+)\3\s*)?\)/g;

export class MacroLibrary {
  readonly files: ReadonlyArray<MacroFile>;
  /** Every macro's name. */
  readonly macros: ReadonlySet<string>;
  /** Content hash of every macro file (part of what a Jinja model's render depends on). */
  readonly hash: string;
  /** The macros that `return()` a value (their calls are wrapped: return-calls.ts). */
  readonly #returning: ReadonlySet<string>;
  readonly #byEngine = new Map<string, string>();

  constructor(files: ReadonlyArray<MacroFile>) {
    this.files = files;
    this.macros = new Set(files.flatMap((f) => [...f.text.matchAll(/\{%-?\s*macro\s+(\w+)/g)].map((m) => m[1]!)));
    this.#returning = new Set(files.flatMap((f) => [...returningMacros(f.text)]));
    this.hash = sha256(files.map((f) => `${f.file}\n${f.text}`).join("\0"));
  }

  /**
   * The library's template for models of `engine`: the prelude on line 1, then each
   * macro file from its own line (each followed by a line break), dispatch rewritten.
   */
  source(engine: string, dbtMacros: ReadonlySet<string>): string {
    let src = this.#byEngine.get(engine);
    if (src === undefined) {
      src = PRELUDE + "\n" + this.files.map((f) => `${this.prepare(f.text, engine, dbtMacros)}\n`).join("");
      this.#byEngine.set(engine, src);
    }
    return src;
  }

  /** How many lines `source` takes (a model's body starts on the next one). */
  get lines(): number {
    return 1 + this.files.reduce((n, f) => n + lineCount(f.text), 0);
  }

  /** A template's text as it renders for `engine`: dispatch resolved, calls of returning macros wrapped. */
  prepare(text: string, engine: string, dbtMacros: ReadonlySet<string>): string {
    return wrapReturningCalls(this.#rewriteDispatch(text, engine, dbtMacros), this.#returning);
  }

  /** `adapter.dispatch('x')` as the macro it picks for `engine`; unknown ones call `__xorq_no_dispatch`, which reports them. */
  #rewriteDispatch(text: string, engine: string, dbtMacros: ReadonlySet<string>): string {
    return text.replace(DISPATCH, (_all, _q, name: string, _q2, ns: string | undefined) => {
      if (this.macros.has(`${engine}__${name}`)) return `${engine}__${name}`;
      if (this.macros.has(`default__${name}`)) return `default__${name}`;
      if ((ns === undefined || ns === "dbt") && dbtMacros.has(name)) return `dbt.${name}`;
      return `__xorq_no_dispatch('${name}', '${engine}')`;
    });
  }

  /** A line of the library's template as a place in its macro file (null for the prelude). */
  locate(line: number, col: number): SourcePos | null {
    let start = 2;
    for (const f of this.files) {
      const n = lineCount(f.text);
      if (line < start + n) return { file: f.file, line: line - start + 1, col };
      start += n;
    }
    return null;
  }
}

function lineCount(text: string): number {
  let n = 1;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) n++;
  return n;
}
