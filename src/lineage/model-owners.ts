/**
 * Which model each node of an expression belongs to, so a lineage tree can name the
 * upstream model behind a SQL node (`SQL:stg_orders`) instead of a bare `SQL`.
 *
 * The caller knows the models (a project's, or the artifacts of a build's import
 * closure) and passes their roots' content hashes; a node belongs to the nearest model
 * root above it. Hashes are not changed: this is read beside the expression, never put
 * into it.
 */
import { nodeHash } from "../expr/canonical.js";
import { type RelationNode, relationInputs } from "../expr/relation-nodes.js";

/** Model root node hash -> model name. */
export type ModelNames = ReadonlyMap<string, string>;

/** The owning model of every node under `root` that lies inside some model (nodes above every model root have none). */
export function modelOwners(root: RelationNode, names: ModelNames): ReadonlyMap<RelationNode, string> {
  const owners = new Map<RelationNode, string>();
  if (names.size === 0) return owners;
  const seen = new Set<RelationNode>();
  // Explicit stack: a chain of thousands of models must not overflow the call stack.
  const stack: Array<readonly [RelationNode, string | null]> = [[root, null]];
  while (stack.length > 0) {
    const [node, above] = stack.pop()!;
    if (seen.has(node)) continue;
    seen.add(node);
    const owner = names.get(nodeHash(node)) ?? above;
    if (owner !== null) owners.set(node, owner);
    for (const input of relationInputs(node)) stack.push([input, owner]);
  }
  return owners;
}
