/**
 * An expression's cache key, and whether its entry is stored, asked before running it
 * (Xorq's `expr.ls.get_key()` / `expr.ls.exists()`): the key of the outermost `cache`
 * node, the one whose entry would serve the expression, computed exactly as execution
 * computes it (same signals), and looked up in the store the policy names.
 */
import type { ExecutionRun } from "../backends/executor.js";
import { ExpressionError } from "../expr/errors.js";
import { backendOf, type CacheNode, relationInputs, type RelationNode } from "../expr/relation-nodes.js";
import { cacheKeyOf } from "./cache-key.js";
import { storeFor } from "./cache-store.js";

export interface CacheStatus {
  readonly key: string;
  readonly cached: boolean;
}

/** The key of the outermost cache node under `root` and whether a live entry holds it. */
export async function cacheStatus(root: RelationNode, run: ExecutionRun): Promise<CacheStatus> {
  const node = outermostCache(root);
  if (!node) throw new ExpressionError("the expression has no cache: call .cache() on it (or on the part to reuse) first");
  const { key } = await cacheKeyOf(node, run);
  const store = await storeFor(node.policy, run, await run.backendFor(backendOf(node)));
  return { key, cached: await store.has(key) };
}

/** The cache node nearest the root (breadth first, so the root's own cache wins over one deeper down). */
function outermostCache(root: RelationNode): CacheNode | null {
  const seen = new Set<RelationNode>();
  let level: RelationNode[] = [root];
  while (level.length > 0) {
    const next: RelationNode[] = [];
    for (const n of level) {
      if (seen.has(n)) continue;
      seen.add(n);
      if (n.kind === "cache") return n;
      next.push(...relationInputs(n));
    }
    level = next;
  }
  return null;
}
