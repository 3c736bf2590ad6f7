/**
 * `xorq docs generate` as a library call: load the project (every model resolved),
 * collect what the site shows, write it (default `target/docs/` at the project root).
 * Nothing is built or run; target/run_results.json, when there is one, adds the last
 * run's results.
 *
 * ```ts
 * const { dir } = await generateDocs({ project: "example-project" });
 * // open `${dir}/index.html` in a browser
 * ```
 */
import { join, resolve } from "node:path";
import { type LoadSession, loadProject } from "../project/project.js";
import { targetDir } from "../artifacts/manifest.js";
import { collectDocs } from "./docs-collect.js";
import { writeDocsSite } from "./site-writer.js";

export interface GenerateOptions {
  /** Where to start looking for the project (default: the working directory). */
  readonly cwd?: string;
  /** The project directory (`--project DIR`). */
  readonly project?: string;
  /** The site's directory (`--out DIR`, relative to `cwd`); default `<root>/target/docs`. */
  readonly out?: string;
  readonly vars?: Readonly<Record<string, unknown>>;
  /** Trace every model's column lineage (default true). */
  readonly lineage?: boolean;
}

export interface GeneratedDocs {
  readonly dir: string;
  readonly models: number;
  readonly sources: number;
  readonly ms: number;
}

/** Generates the site once; `session` (from `serveDocs`) keeps target/'s caches between generations. */
export async function generateDocs(options: GenerateOptions = {}, session?: LoadSession): Promise<GeneratedDocs> {
  const start = performance.now();
  const project = await loadProject({ cwd: options.cwd, project: options.project, vars: options.vars }, session);
  try {
    const site = await collectDocs(project, { lineage: options.lineage });
    const dir = options.out !== undefined ? resolve(options.cwd ?? process.cwd(), options.out) : join(targetDir(project), "docs");
    await writeDocsSite(site, dir);
    await session?.save?.();
    return { dir, models: project.models.size, sources: project.sources.size, ms: performance.now() - start };
  } finally {
    await project.close();
  }
}
