/**
 * The profile each model runs in, from the spec alone (for `profile:` selections before
 * anything is resolved): what resolving would report, or null when some model's profile
 * only resolving can tell (then the caller resolves first).
 */
import { kindOf } from "../model-kinds/model-kinds.js";
import type { ProjectGraph } from "./project-graph.js";

export function specProfiles(graph: ProjectGraph, defaultProfile: string): ReadonlyMap<string, string> | null {
  const out = new Map<string, string>();
  for (const name of graph.order) {
    const spec = graph.models.get(name)!;
    const profile = kindOf(spec).specProfile(spec, {
      defaultProfile,
      input: (r) => (r.kind === "ref" ? out.get(r.name) ?? null : graph.sources.get(r.name)?.profile ?? defaultProfile),
    });
    if (profile === null) return null;
    out.set(name, profile);
  }
  return out;
}
