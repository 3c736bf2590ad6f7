/**
 * Plugs caching into execution: the executor asks every materializer whether a node is
 * already stored; for a `cache` node this computes the key, serves a live entry, or
 * computes the cached sub-expression, stores it and serves that. What is downstream of
 * the cache node then reads the entry's table like any other table.
 */
import type { Backend } from "../backends/backend.js";
import { ExecutionError, type ExecutionRun, type Materializer } from "../backends/executor.js";
import { nodeHash } from "../expr/canonical.js";
import type { CacheNode } from "../expr/relation-nodes.js";
import { cacheKeyOf } from "./cache-key.js";
import { storeFor } from "./cache-store.js";

/**
 * The cache's materializer. It remembers the writes in flight through it, so concurrent
 * runs of one key (parallel models sharing a cached input) compute it once; `Services`
 * makes one.
 */
export function createCacheMaterializer(): Materializer {
  const writing = new Map<string, Promise<void>>();
  return (node, run, backend) => (node.kind === "cache" ? materialize(node, run, backend, writing) : Promise.resolve(null));
}

async function materialize(node: CacheNode, run: ExecutionRun, backend: Backend, writing: Map<string, Promise<void>>): Promise<string> {
  const started = performance.now();
  const { key, inputHash } = await cacheKeyOf(node, run);
  const store = await storeFor(node.policy, run, backend);
  const req = { node, key, run, backend };
  let status: "cached" | "computed" = "cached";
  let table = await store.serve(req);
  if (table === null) {
    const lock = `${store.location}\u0000${key}`;
    let write = writing.get(lock);
    if (!write) {
      status = "computed";
      write = store.write(req).finally(() => writing.delete(lock));
      writing.set(lock, write);
    }
    await write;
    table = await store.serve(req);
    if (table === null) {
      throw new ExecutionError(`cache entry ${key.slice(0, 12)} was written to ${store.location} but is gone (deleted by another process?)`, null);
    }
  }
  run.options.onCacheEvent?.({
    status,
    key,
    inputHash,
    nodeHash: nodeHash(node),
    strategy: node.policy.strategy,
    storage: node.policy.storage,
    location: store.entryLocation(key),
    ms: performance.now() - started,
  });
  return table;
}
