/**
 * MiniJinja (the engine of dbt's Rust engine, as WASM through `minijinja-js`) behind one
 * small class: render a named template with globals, and get either the text or an error
 * with its template name, line and column.
 *
 * Why MiniJinja over nunjucks: it is Jinja2 as dbt writes it (Python methods such as
 * `.items()`, `~`, `loop.*`, `{% macro %}`/`{% call %}`), its errors carry the template's
 * line and column, and it renders faster here (0.36 vs 0.57 ms per model).
 *
 * Its bindings are young: a JS callback that throws, or any engine panic, leaves the WASM
 * environment unusable ("recursive use of an object"), so callbacks never throw (see
 * dbt-context.ts) and the environment is rebuilt after an error that is not a template
 * error. The module loads on first use: a project without Jinja models never loads it.
 */
import { createRequire } from "node:module";
import type * as MiniJinja from "minijinja-js";

const require = createRequire(import.meta.url);

export interface TemplateFailure {
  /** The template's name (a file as messages show it), or null when the engine failed without one. */
  readonly name: string | null;
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

export type RenderResult = { readonly text: string } | { readonly error: TemplateFailure };

/** A MiniJinja environment holding named templates (macro files); models render against it. */
export class JinjaEngine {
  readonly #templates = new Map<string, string>();
  #env: MiniJinja.Environment | null = null;

  /** Registers a template (a macro library) every render can import. */
  addTemplate(name: string, source: string): TemplateFailure | null {
    this.#templates.set(name, source);
    try {
      this.#environment().addTemplate(name, source);
      return null;
    } catch (e) {
      this.#templates.delete(name);
      return this.#failure(e);
    }
  }

  /** Renders `source` as template `name` with `globals` as its context. */
  render(name: string, source: string, globals: Readonly<Record<string, unknown>>): RenderResult {
    try {
      return { text: this.#environment().renderNamedStr(name, source, globals) };
    } catch (e) {
      return { error: this.#failure(e) };
    }
  }

  #environment(): MiniJinja.Environment {
    if (this.#env) return this.#env;
    const { Environment } = require("minijinja-js") as typeof MiniJinja;
    const env = new Environment();
    env.enablePyCompat();
    env.debug = true;
    // dbt's behaviour: printing an undefined name is an error; testing it (`is defined`, `if x`) is not.
    // ("semi_strct" is the bindings' own spelling; any other string panics.)
    env.undefinedBehavior = "semi_strct";
    env.keepTrailingNewline = true;
    for (const [n, s] of this.#templates) env.addTemplate(n, s);
    this.#env = env;
    return env;
  }

  /** An error as a failure; the environment is dropped unless it was an ordinary template error. */
  #failure(e: unknown): TemplateFailure {
    const text = e instanceof Error ? e.message : String(e);
    const at = /\(in ([^\n]*):(\d+)\)/.exec(text);
    if (!at) {
      this.#env = null;
      return { name: null, line: 1, col: 1, message: text.split("\n")[0]! };
    }
    const message = text.slice(0, at.index).trim();
    return { name: at[1]!, line: Number(at[2]), col: caretColumn(text, Number(at[2])), message };
  }
}

/**
 * The column MiniJinja's debug view marks with `^` under the failing line
 * (`   2 >   {{ foo( }}` then `     i           ^`); 1 when there is none.
 */
function caretColumn(text: string, line: number): number {
  const lines = text.split("\n");
  const at = lines.findIndex((l) => new RegExp(`^\\s*${line} > `).test(l));
  const marks = at >= 0 ? lines[at + 1] : undefined;
  if (at < 0 || marks === undefined || !/^\s*i\s/.test(marks)) return 1;
  const prefix = lines[at]!.indexOf("> ") + 2;
  const caret = marks.indexOf("^");
  return caret >= prefix ? caret - prefix + 1 : 1;
}
