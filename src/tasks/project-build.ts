/**
 * `xorq build` as a library call: writes an artifact for each selected model whose
 * hash has none yet, then `target/manifest.json` for the whole project.
 *
 * Every other model of the project is an import boundary: a model's artifact holds its
 * own nodes and refers to the upstream models' artifacts by hash, so the artifacts of
 * a project are linear in its size (see `artifact-writer.ts`). An upstream artifact is
 * written before any artifact that imports it (a crash never leaves an artifact whose
 * imports are missing), including the artifacts of upstream models that were not
 * selected: an artifact's content then depends on the project alone, never on what
 * builds/ happened to hold. Independent artifacts are written concurrently.
 *
 * An artifact already in builds/ is reused only when intact (`ArtifactStamps`: its
 * files stat as when it was last found intact, else `verifyArtifact`); a damaged or
 * incomplete one (a file deleted, truncated or edited) is removed and written again.
 */
import { renameSync, rmSync } from "node:fs";
import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { nodeHash } from "../expr/canonical.js";
import type { RelationNode } from "../expr/relation-nodes.js";
import type { Project } from "../project/project.js";
import type { ArtifactResult } from "../artifacts/artifact-writer.js";
import { type ArtifactImport, ownNodes } from "../artifacts/expr-facts.js";
import { targetDir, writeManifest } from "../artifacts/manifest.js";
import { ArtifactStamps } from "../artifacts/artifact-stamps.js";
import { tempPathFor } from "../util/atomic-write.js";
import { removeStaleTemps } from "../util/stale-temps.js";
import type { ModelFinished, ModelListener } from "./model-events.js";
import { Semaphore } from "../util/semaphore.js";
import type { Services } from "../services.js";

export interface BuildOptions {
  /** Copy the local files each expression reads into its artifact (`reads/`). */
  readonly relocateReads?: boolean;
  readonly onEvent?: ModelListener;
  /** Write target/manifest.json after the artifacts (default true; the watch mode writes it after reporting). */
  readonly manifest?: boolean;
  /** Writes in-memory tables with its local engine (default: the default services). */
  readonly services?: Services;
}

/**
 * Artifacts written at once. Their small files are written synchronously (see
 * `writeDirAtomic`), so this bounds the asynchronous parts: in-memory tables written
 * as parquet by DuckDB and read files copied with `--relocate-reads`.
 */
const CONCURRENCY = 16;

/** Every model's root: node hash -> its artifact (the first model of a hash names it). */
export function projectImports(project: Project): Map<string, ArtifactImport> {
  const imports = new Map<string, ArtifactImport>();
  for (const [name, m] of project.models) {
    const h = m.hash;
    if (!imports.has(h)) imports.set(h, { artifact: h.slice(0, 12), model: name });
  }
  return imports;
}

export async function buildModels(project: Project, names: ReadonlyArray<string>, options: BuildOptions = {}): Promise<ModelFinished[]> {
  const builds = join(project.location.root, "builds");
  await mkdir(builds, { recursive: true });
  // One listing instead of a stat per model: a no-op build of a large project is mostly this.
  const listing = await readdir(builds);
  // Half-written artifacts of builds that died (kill -9) go with the listing this build makes anyway.
  removeStaleTemps(builds, listing.filter((n) => n.startsWith(".")));
  const existing = new Set(listing);
  const relocateReads = options.relocateReads ?? false;
  const stamps = ArtifactStamps.load(targetDir(project));
  const intactByHash = new Map<string, boolean>();
  /** Whether the artifact of `full` is in builds/ and intact; a damaged one is moved out of the way. */
  const reusable = (full: string): boolean => {
    const hash = full.slice(0, 12);
    if (!existing.has(hash) || relocateReads) return false;
    let intact = intactByHash.get(full);
    if (intact === undefined) {
      intact = stamps.damage(join(builds, hash), full) === null;
      if (!intact) discard(join(builds, hash));
      intactByHash.set(full, intact);
    }
    return intact;
  };
  const imports = projectImports(project);
  const slots = new Semaphore(CONCURRENCY);
  const jobs = new Map<string, Promise<ArtifactResult>>();

  // Progress events for the selected models, by root hash: started when its artifact's
  // write begins (not while it waits for its inputs), finished when it is done.
  const selected = new Map<string, string[]>();
  for (const name of names) {
    const full = project.models.get(name)!.hash;
    selected.set(full, [...(selected.get(full) ?? []), name]);
  }
  const startedAt = new Map<string, number>();
  const begin = (full: string): void => {
    if (startedAt.has(full)) return;
    startedAt.set(full, performance.now());
    for (const name of selected.get(full) ?? []) options.onEvent?.({ event: "model_started", name, hash: full.slice(0, 12) });
  };

  /**
   * The artifact of a model's root (written once per hash), after the artifacts it
   * imports. `node` is asked for only when the artifact is written: a model served by
   * the resolve cache is not rebuilt into nodes when its artifact exists.
   */
  const ensure = (full: string, node: () => RelationNode): Promise<ArtifactResult> => {
    let job = jobs.get(full);
    if (job === undefined) {
      job = write(full, node);
      jobs.set(full, job);
    }
    return job;
  };

  const write = async (full: string, nodeOf: () => RelationNode): Promise<ArtifactResult> => {
    const hash = full.slice(0, 12);
    if (reusable(full)) {
      begin(full);
      return { status: "unchanged", dir: join(builds, hash), hash };
    }
    for (const upstream of ownNodes(nodeOf(), imports).imported) {
      try {
        await ensure(nodeHash(upstream), () => upstream);
      } catch (e) {
        throw new Error(`its input model '${imports.get(nodeHash(upstream))!.model}' could not be built: ${(e as Error).message}`);
      }
    }
    await slots.acquire();
    begin(full);
    try {
      const model = imports.get(full)!.model!;
      // Imported on first write: a no-op build loads no writer (nor the engine that writes data files).
      const { writeArtifact } = await import("../artifacts/artifact-writer.js");
      const result = await writeArtifact(builds, {
        table: project.models.get(model)!.table,
        model,
        project: project.config.name,
        profiles: project.profiles,
        baseDir: project.location.projectDir,
        relocateReads,
        imports,
        ...(options.services ? { services: options.services } : {}),
      });
      if (result.status !== "unchanged") stamps.written(result.dir, full);
      return result;
    } finally {
      slots.release();
    }
  };

  const finish = (name: string, full: string, status: ModelFinished["status"], message?: string): ModelFinished => {
    const result: ModelFinished = {
      event: "model_finished",
      name,
      hash: full.slice(0, 12),
      status,
      ms: performance.now() - startedAt.get(full)!,
      ...(message !== undefined ? { message } : {}),
    };
    options.onEvent?.(result);
    return result;
  };
  // Models whose artifact exists finish at once (a no-op build of 10,000 models is this loop);
  // the others wait for their writes, concurrently.
  const results: Array<ModelFinished | Promise<ModelFinished>> = names.map((name) => {
    const m = project.models.get(name)!;
    const full = m.hash;
    if (reusable(full)) {
      begin(full);
      return finish(name, full, "unchanged");
    }
    return ensure(full, () => m.table.node).then(
      (r) => finish(name, full, r.status),
      (e: unknown) => {
        begin(full);
        return finish(name, full, "error", (e as Error).message);
      },
    );
  });
  const finished = await Promise.all(results);
  await stamps.save();
  if (options.manifest !== false) await writeManifest(project);
  return finished;
}

/**
 * Moves a damaged artifact out of builds/ (a rename, so no reader sees it half removed)
 * and deletes it, for the build to write it again.
 */
function discard(dir: string): void {
  const aside = tempPathFor(dir);
  try {
    renameSync(dir, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw e;
  }
  rmSync(aside, { recursive: true, force: true });
}
