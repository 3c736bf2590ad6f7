/**
 * Plugs caching into execution: the executor asks every materializer whether a node is
 * already stored; for a `cache` node this computes the key, serves a live entry, or
 * computes the cached sub-expression, stores it and serves that. What is downstream of
 * the cache node then reads the entry's table like any other table.
 */
import { ExecutionError, type Materializer } from "../backends/executor.js";
import { nodeHash } from "../expr/canonical.js";
import { emitCacheEvent } from "./cache-events.js";
import { cacheKeyOf } from "./cache-key.js";
import { storeFor } from "./cache-store.js";

/** Writes in flight in this process, so concurrent runs of one key compute it once. */
const writing = new Map<string, Promise<void>>();

export const cacheMaterializer: Materializer = async (node, run, backend) => {
  if (node.kind !== "cache") return null;
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
  emitCacheEvent({
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
};
