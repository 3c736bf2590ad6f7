/**
 * What Jinja models need before any of them loads: the macro files (`macros/**\/*.sql`)
 * and the `{% docs name %}…{% enddocs %}` blocks of the project's `.md` files (for
 * `doc('name')`), read on every load (they are few, and every Jinja model's SQL depends
 * on them), plus the vars and profiles the models render with.
 */
import { readFile } from "node:fs/promises";
import type { Profile } from "../../backends/connections.js";
import { JinjaProject } from "../model-kinds/jinja/jinja-project.js";
import { MacroLibrary } from "../model-kinds/jinja/macro-library.js";
import type { ProblemList } from "../project-errors.js";

const DOCS = /\{%-?\s*docs\s+(\w+)\s*-?%\}([\s\S]*?)\{%-?\s*enddocs\s*-?%\}/g;

export async function loadJinjaProject(options: {
  /** Every file under the macro and model folders, as absolute paths, sorted. */
  readonly macroFiles: ReadonlyArray<string>;
  readonly docFiles: ReadonlyArray<string>;
  readonly display: (path: string) => string;
  readonly vars: Readonly<Record<string, unknown>>;
  readonly profiles: ReadonlyArray<Profile>;
  readonly problems: ProblemList;
  readonly defaultProfile: string;
}): Promise<JinjaProject> {
  const read = (paths: ReadonlyArray<string>) => Promise.all(paths.map(async (p) => ({ file: options.display(p), text: await readFile(p, "utf8") })));
  const [macros, docFiles] = await Promise.all([read(options.macroFiles), read(options.docFiles)]);
  const docs = new Map<string, string>();
  for (const d of docFiles) for (const m of d.text.matchAll(DOCS)) if (!docs.has(m[1]!)) docs.set(m[1]!, m[2]!.trim());
  return new JinjaProject({ macros: new MacroLibrary(macros), docs, vars: options.vars, profiles: options.profiles, env: process.env, problems: options.problems, defaultProfile: options.defaultProfile });
}
