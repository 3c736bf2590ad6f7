/**
 * What Jinja models of one project load share: its macro library and docs blocks, its
 * vars and profiles, and one MiniJinja engine (made on the first Jinja model, so a project
 * without any never loads the WASM). One per load: nothing here outlives it.
 */
import type { Profile } from "../../../backends/connections.js";
import { sha256, stableStringify } from "../../../expr/canonical.js";
import { jsonable } from "../model-kind.js";
import type { ProblemList, SourcePos } from "../../project-errors.js";
import { type RenderRecord, type TemplateTarget, dbtContext, dbtMacroNames } from "./dbt-context.js";
import { JinjaEngine } from "./jinja-engine.js";
import type { MacroLibrary } from "./macro-library.js";

/** Schemas an engine uses when a profile names none (dbt's `target.schema`). */
const DEFAULT_SCHEMA: Readonly<Record<string, string>> = { duckdb: "main", postgres: "public", snowflake: "PUBLIC", databricks: "default" };

export interface JinjaModelSource {
  readonly name: string;
  /** As messages show it. */
  readonly file: string;
  /** The SQL body (after any front matter) and the file line it starts on. */
  readonly body: string;
  readonly bodyLine: number;
  /** The profile it renders for (its `target`, and the engine `adapter.dispatch` picks). */
  readonly profile: string;
}

export type JinjaRender =
  | { readonly text: string; readonly record: RenderRecord }
  | { readonly error: { readonly pos: SourcePos; readonly message: string } };

export class JinjaProject {
  readonly #macros: MacroLibrary;
  readonly #docs: ReadonlyMap<string, string>;
  readonly #vars: Readonly<Record<string, unknown>>;
  readonly #profiles: ReadonlyArray<Profile>;
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #problems: ProblemList;
  /** The profile a model without one renders for. */
  readonly defaultProfile: string;
  #engine: JinjaEngine | null = null;
  /** Whether every macro file compiles (if not, its errors were reported once and models are not rendered). */
  #macrosOk = true;

  constructor(options: {
    macros: MacroLibrary;
    docs: ReadonlyMap<string, string>;
    vars: Readonly<Record<string, unknown>>;
    profiles: ReadonlyArray<Profile>;
    env: Readonly<Record<string, string | undefined>>;
    problems: ProblemList;
    defaultProfile: string;
  }) {
    this.defaultProfile = options.defaultProfile;
    this.#macros = options.macros;
    this.#docs = options.docs;
    this.#vars = options.vars;
    this.#profiles = options.profiles;
    this.#env = options.env;
    this.#problems = options.problems;
  }

  #fingerprint: string | null = null;

  /** Content hash of everything a render reads but the template and the environment: macros, docs, vars, profiles. */
  get fingerprint(): string {
    return (this.#fingerprint ??= sha256(
      stableStringify({
        macros: this.#macros.hash,
        docs: [...this.#docs].sort(([a], [b]) => (a < b ? -1 : 1)),
        vars: jsonable(this.#vars),
        profiles: this.#profiles.map((p) => [p.name, p.kind, p.params]),
      }),
    ));
  }

  /** Whether an environment variable a render read has another value now. */
  envChanged(read: Readonly<Record<string, string | null>>): boolean {
    return Object.entries(read).some(([n, v]) => (this.#env[n] ?? null) !== v);
  }

  /** The engine kind of a profile (dbt's `target.type`); unknown profiles render as DuckDB (the graph reports them). */
  engineOf(profile: string): string {
    return this.#profiles.find((p) => p.name === profile)?.kind ?? "duckdb";
  }

  /**
   * Renders a model; null when the macro library does not compile (its errors are
   * already reported, once for all models).
   */
  render(model: JinjaModelSource): JinjaRender | null {
    const engine = this.#engineWithMacros();
    if (!this.#macrosOk) return null;
    const kind = this.engineOf(model.profile);
    const dbtNames = dbtMacroNames(kind);
    const library = this.#macros.source(kind, dbtNames);
    const { globals, record } = dbtContext({
      modelName: model.name,
      vars: this.#vars,
      projectVarNames: Object.keys(this.#vars),
      env: this.#env,
      target: this.#target(model.profile, kind),
      docs: this.#docs,
    });
    const out = engine.render(model.file, library + this.#macros.prepare(model.body, kind, dbtNames), globals);
    if (record.error) return { error: { pos: this.#callPos(model, record.error.call), message: record.error.message } };
    if ("error" in out) {
      const e = out.error;
      const inModel = e.name === model.file && e.line > this.#macros.lines;
      const pos = inModel
        ? { file: model.file, line: model.bodyLine + e.line - this.#macros.lines - 1, col: e.col }
        : e.name === model.file ? this.#macros.locate(e.line, e.col) ?? { file: model.file, line: model.bodyLine, col: 1 } : { file: model.file, line: model.bodyLine, col: 1 };
      return { error: { pos, message: `Jinja: ${e.message}` } };
    }
    return { text: out.text, record };
  }

  #engineWithMacros(): JinjaEngine {
    if (this.#engine) return this.#engine;
    const engine = new JinjaEngine();
    // Each macro file compiled on its own: a syntax error is reported once, in its file.
    for (const f of this.#macros.files) {
      const failure = engine.addTemplate(f.file, f.text);
      if (failure) {
        this.#problems.add({ file: f.file, line: failure.line, col: failure.col }, `Jinja: ${failure.message}`);
        this.#macrosOk = false;
      }
    }
    this.#engine = engine;
    return engine;
  }

  #target(profile: string, kind: string): TemplateTarget {
    const params = this.#profiles.find((p) => p.name === profile)?.params ?? {};
    const schema = params["schema"] ?? params["dataset"] ?? DEFAULT_SCHEMA[kind] ?? "main";
    const database = params["database"] ?? params["catalog"] ?? params["project"] ?? null;
    return { name: profile, type: kind, schema: String(schema), database: database === null ? null : String(database) };
  }

  /** Where a callback's problem is: its call in the model's body, else in a macro file, else the body's start. */
  #callPos(model: JinjaModelSource, call: string): SourcePos {
    const inBody = positionOf(model.body, call);
    if (inBody) return { file: model.file, line: model.bodyLine + inBody.line - 1, col: inBody.col };
    for (const f of this.#macros.files) {
      const at = positionOf(f.text, call);
      if (at) return { file: f.file, ...at };
    }
    return { file: model.file, line: model.bodyLine, col: 1 };
  }
}

/** The 1-based line and column of the first `needle` in `text` (its `'` quotes may be `"` there). */
export function positionOf(text: string, needle: string): { line: number; col: number } | null {
  const single = text.indexOf(needle);
  const i = single >= 0 ? single : text.indexOf(needle.replaceAll("'", '"'));
  if (i < 0) return null;
  const before = text.slice(0, i);
  const line = before.split("\n").length;
  return { line, col: i - before.lastIndexOf("\n") };
}
