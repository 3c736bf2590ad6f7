/**
 * What a build would do and why, without doing it. A model is rebuilt when no complete
 * artifact exists for its hash; the reasons compare it with the previous manifest
 * (`target/manifest.json`, or `--state DIR`): new, definition changed, config changed,
 * source changed, upstream changed (a model it reads got a new hash).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { shortHashOf } from "../expr/canonical.js";
import type { Project } from "../project/project.js";
import { type Manifest, ownChanges } from "../artifacts/manifest.js";

export interface PlanEntry {
  readonly name: string;
  readonly hash: string;
  readonly action: "build" | "unchanged";
  readonly reasons: ReadonlyArray<string>;
}

export function planBuild(project: Project, names: ReadonlyArray<string>, previous: Manifest | null): PlanEntry[] {
  const builds = join(project.location.root, "builds");
  return names.map((name) => {
    const m = project.models.get(name)!;
    const hash = shortHashOf(m.hash);
    if (existsSync(join(builds, hash))) return { name, hash, action: "unchanged", reasons: [] };
    return { name, hash, action: "build", reasons: explain(project, previous, name) };
  });
}

function explain(project: Project, previous: Manifest | null, name: string): string[] {
  if (!previous) return ["new"];
  const prev = previous.models[name];
  if (!prev) return ["new"];
  const m = project.models.get(name)!;
  const reasons = ownChanges(project, previous, name);
  const upstream = (project.graph.parents.get(name) ?? []).filter((p) => previous.models[p]?.hash !== project.models.get(p)!.hash);
  if (upstream.length > 0) reasons.push(`upstream changed (${upstream.join(", ")})`);
  if (reasons.length === 0) reasons.push(prev.hash !== m.hash ? "expression changed" : "artifact missing");
  return reasons;
}
