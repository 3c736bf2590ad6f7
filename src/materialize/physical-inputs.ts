/**
 * A model's expression over its upstream models' physical relations: every
 * sub-expression that is a materialized upstream model's expression (found by content
 * hash) becomes a read of the relation that holds its rows, so a model is computed from
 * its inputs' tables and never recomputes them.
 */
import { nodeHash } from "../expr/canonical.js";
import { relationInputs, withInputs } from "../expr/node-kinds.js";
import type { DatabaseTableNode, RelationNode } from "../expr/relation-nodes.js";

/** `root` with each sub-expression whose hash `relations` holds replaced, top-down (a replaced subtree is not entered). */
export function overRelations(root: RelationNode, relations: ReadonlyMap<string, DatabaseTableNode>): RelationNode {
  if (relations.size === 0) return root;
  const done = new Map<RelationNode, RelationNode>();
  const visit = (node: RelationNode): RelationNode => {
    let out = done.get(node);
    if (out === undefined) {
      const inputs = relationInputs(node);
      out = relations.get(nodeHash(node)) ?? (inputs.length === 0 ? node : rebuilt(node, inputs.map(visit), inputs));
      done.set(node, out);
    }
    return out;
  };
  return visit(root);
}

/** The node over new inputs, or the same node when none changed (hashes and caches of untouched subtrees stay). */
function rebuilt(node: RelationNode, inputs: RelationNode[], before: RelationNode[]): RelationNode {
  return inputs.every((n, i) => n === before[i]) ? node : withInputs(node, inputs);
}
