/**
 * Which macros a Jinja model's template calls, each with the hash of its text, for the
 * manifest: `xorq plan` then tells a model whose rendered SQL changed because a macro
 * did ("rendered SQL changed (macro cents_to_dollars)") from one whose own file changed.
 * The calls are read from the text, as dbt's parser records `depends_on.macros`: a
 * macro's name followed by `(`, `adapter.dispatch('x')` as the engine's `<engine>__x`
 * (else `default__x`), and the macros those macros call.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { sha256 } from "../expr/canonical.js";

const MACRO = /\{%-?\s*macro\s+(\w+)\s*\(([\s\S]*?)\{%-?\s*endmacro\s*-?%\}/g;
const CALL = /\b(\w+)\s*\(/g;
const DISPATCH = /adapter\s*\.\s*dispatch\s*\(\s*['"](\w+)['"]/g;

/** The project's macros by name: each one's text, and its content hash (12 hex digits). */
export class MacroIndex {
  readonly #text = new Map<string, string>();
  readonly #hash = new Map<string, string>();

  /** Reads every `.sql` file under `macroDir` (none when it does not exist). */
  static read(macroDir: string): MacroIndex {
    let files: string[] = [];
    try {
      files = readdirSync(macroDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith(".sql")).map((e) => join(e.parentPath, e.name)).sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    return new MacroIndex(files.map((f) => readFileSync(f, "utf8")));
  }

  constructor(texts: ReadonlyArray<string>) {
    for (const text of texts) {
      for (const m of text.matchAll(MACRO)) {
        // The first definition of a name is the one kept, as the macro library keeps it.
        if (this.#text.has(m[1]!)) continue;
        this.#text.set(m[1]!, m[0]);
        this.#hash.set(m[1]!, sha256(m[0]).slice(0, 12));
      }
    }
  }

  get size(): number {
    return this.#text.size;
  }

  /**
   * The macros `template` calls for a model running in `engine`, directly or through
   * other macros, sorted, with their hashes.
   * @example index.usedBy("select {{ cents_to_dollars('x') }}", "duckdb") // { cents_to_dollars: "…", default__cents_to_dollars: "…" }
   */
  usedBy(template: string, engine: string): Record<string, string> {
    const seen = new Set<string>();
    const pending = this.#calls(template, engine);
    while (pending.length > 0) {
      const name = pending.pop()!;
      if (seen.has(name)) continue;
      seen.add(name);
      pending.push(...this.#calls(this.#text.get(name)!, engine));
    }
    return Object.fromEntries([...seen].sort().map((n) => [n, this.#hash.get(n)!]));
  }

  #calls(text: string, engine: string): string[] {
    const direct = [...text.matchAll(CALL)].map((m) => m[1]!);
    const dispatched = [...text.matchAll(DISPATCH)].map((m) => (this.#text.has(`${engine}__${m[1]}`) ? `${engine}__${m[1]}` : `default__${m[1]}`));
    return [...direct, ...dispatched].filter((n) => this.#text.has(n));
  }
}
