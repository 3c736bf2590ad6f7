/**
 * A storage of cache entries: finds an entry by key and serves its rows to the engine
 * that reads them, or computes the cached sub-expression and stores it atomically.
 */
import type { Backend } from "../backends/backend.js";
import type { ExecutionRun } from "../backends/executor.js";
import type { CachePolicy } from "../expr/relation-nodes.js";
import { parquetDir } from "./cache-dirs.js";
import { GcsObjectStore } from "./gcs-object-store.js";
import { LocalObjectStore } from "./local-object-store.js";
import { ParquetCacheStore } from "./parquet-cache-store.js";
import { type CacheRequest, parquetEngine, policySource } from "./parquet-io.js";
import { SourceCacheStore } from "./source-cache-store.js";

export type { CacheRequest };

export interface CacheStore {
  /** Where this store's entries live (a directory, a bucket URL, an engine), for events and locks. */
  readonly location: string;
  /** Where the entry for `key` lives (a file, an object URL, a table). */
  entryLocation(key: string): string;
  /** Whether a live entry for `key` exists, without serving it (`expr.isCached()`). */
  has(key: string): Promise<boolean>;
  /** A table of `req.backend` holding the entry's rows, or null when there is no live entry. */
  serve(req: CacheRequest): Promise<string | null>;
  /** Computes `req.node.input` and stores its rows under `req.key`, all or nothing. */
  write(req: CacheRequest): Promise<void>;
}

/** The store a policy names, for a cache node consumed by `backend`. */
export async function storeFor(policy: CachePolicy, run: ExecutionRun, backend: Backend): Promise<CacheStore> {
  switch (policy.storage) {
    case "source":
      return new SourceCacheStore((await policySource(policy, run)) ?? backend);
    case "parquet":
      return new ParquetCacheStore(new LocalObjectStore(parquetDir(policy, run.options.baseDir)), policy, await parquetEngine(policy, run, backend));
    case "gcs":
      return new ParquetCacheStore(new GcsObjectStore(policy.options.bucket!, policy.options.prefix), policy, await parquetEngine(policy, run, backend));
  }
}
