/**
 * The cache nodes a project's models own, so `xorq cache clear --select S` can delete
 * the entries of just those models. A model owns the cache nodes of its own expression,
 * not those of the upstream models its expression embeds through `ref`.
 */
import type { CacheNode, RelationNode } from "../expr/relation-nodes.js";
import { relationInputs } from "../expr/relation-nodes.js";
import type { Project } from "../project/project.js";

export function ownCacheNodes(project: Project, name: string): CacheNode[] {
  const model = project.models.get(name);
  if (!model) throw new Error(`no model named '${name}'`);
  const otherRoots = new Set<RelationNode>();
  for (const [n, m] of project.models) if (n !== name) otherRoots.add(m.table.node);
  const out: CacheNode[] = [];
  const seen = new Set<RelationNode>();
  const visit = (node: RelationNode): void => {
    if (seen.has(node) || otherRoots.has(node)) return;
    seen.add(node);
    if (node.kind === "cache") out.push(node);
    for (const input of relationInputs(node)) visit(input);
  };
  visit(model.table.node);
  return out;
}
