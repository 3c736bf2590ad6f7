/**
 * `xorq build` as a library call: writes an artifact for each selected model whose
 * hash has none yet, then `target/manifest.json` for the whole project.
 */
import { join } from "node:path";
import { shortHash } from "../expr/canonical.js";
import type { Project } from "../project/project.js";
import { writeArtifact } from "./artifact-writer.js";
import { writeManifest } from "./manifest.js";
import type { ModelFinished, ModelListener } from "./model-events.js";

export interface BuildOptions {
  /** Copy the local files each expression reads into its artifact (`reads/`). */
  readonly relocateReads?: boolean;
  readonly onEvent?: ModelListener;
}

export async function buildModels(project: Project, names: ReadonlyArray<string>, options: BuildOptions = {}): Promise<ModelFinished[]> {
  const builds = join(project.location.root, "builds");
  const results: ModelFinished[] = [];
  for (const name of names) {
    const m = project.models.get(name)!;
    const hash = shortHash(m.table.node);
    options.onEvent?.({ event: "model_started", name, hash });
    const start = performance.now();
    let result: ModelFinished;
    try {
      const r = await writeArtifact(builds, {
        table: m.table,
        model: name,
        project: project.config.name,
        profiles: project.profiles,
        baseDir: project.location.projectDir,
        relocateReads: options.relocateReads ?? false,
      });
      result = { event: "model_finished", name, hash, status: r.status, ms: performance.now() - start };
    } catch (e) {
      result = { event: "model_finished", name, hash, status: "error", ms: performance.now() - start, message: (e as Error).message };
    }
    results.push(result);
    options.onEvent?.(result);
  }
  await writeManifest(project);
  return results;
}
