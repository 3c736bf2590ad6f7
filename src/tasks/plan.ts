/**
 * What a build would do and why, without doing it. A model is rebuilt when no complete
 * artifact exists for its hash; the reasons compare it with the previous manifest
 * (`target/manifest.json`, or `--state DIR`): new, definition changed, config changed,
 * source changed, upstream changed (a model it reads got a new hash). A Jinja model
 * whose file is as it was but whose rendered SQL is not says why: "rendered SQL changed
 * (macro cents_to_dollars)", or without a macro when a var or the environment did.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { shortHashOf } from "../expr/canonical.js";
import type { Project } from "../project/project.js";
import { type Manifest, jinjaUses, ownChanges, projectMacros } from "../artifacts/manifest.js";
import type { MacroIndex } from "../artifacts/macro-uses.js";

export interface PlanEntry {
  readonly name: string;
  readonly hash: string;
  readonly action: "build" | "unchanged";
  readonly reasons: ReadonlyArray<string>;
}

export function planBuild(project: Project, names: ReadonlyArray<string>, previous: Manifest | null): PlanEntry[] {
  const builds = join(project.location.root, "builds");
  let macros: MacroIndex | null = null;
  const macrosOf = () => (macros ??= projectMacros(project));
  return names.map((name) => {
    const m = project.models.get(name)!;
    const hash = shortHashOf(m.hash);
    if (existsSync(join(builds, hash))) return { name, hash, action: "unchanged", reasons: [] };
    return { name, hash, action: "build", reasons: explain(project, previous, name, macrosOf) };
  });
}

function explain(project: Project, previous: Manifest | null, name: string, macros: () => MacroIndex): string[] {
  if (!previous) return ["new"];
  const prev = previous.models[name];
  if (!prev) return ["new"];
  const m = project.models.get(name)!;
  const reasons = ownChanges(project, previous, name).map((r) => (r === "definition changed" ? definitionChange(project, prev, name, macros) : r));
  const upstream = (project.graph.parents.get(name) ?? []).filter((p) => previous.models[p]?.hash !== project.models.get(p)!.hash);
  if (upstream.length > 0) reasons.push(`upstream changed (${upstream.join(", ")})`);
  if (reasons.length === 0) reasons.push(prev.hash !== m.hash ? "expression changed" : "artifact missing");
  return reasons;
}

/** "definition changed", or for a Jinja model whose template is as it was, what changed its rendered SQL. */
function definitionChange(project: Project, prev: Manifest["models"][string], name: string, macros: () => MacroIndex): string {
  if (prev.template_hash === undefined) return "definition changed";
  const now = jinjaUses(project, name, macros());
  if (now.template_hash !== prev.template_hash) return "definition changed";
  const before = prev.macros ?? {};
  const after = now.macros ?? {};
  const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => before[k] !== after[k]).sort();
  return changed.length === 0 ? "rendered SQL changed" : `rendered SQL changed (macro${changed.length > 1 ? "s" : ""} ${changed.join(", ")})`;
}
