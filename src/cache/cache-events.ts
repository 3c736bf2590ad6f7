/**
 * What happened at each cache node of a run, for reporters (the CLI prints
 * "computed" / "cached" per model) and callers (`runModels` returns each model's events).
 */
import type { CacheStorage, CacheStrategy } from "../expr/relation-nodes.js";

export interface CacheEvent {
  /** "cached": served from a stored entry; "computed": the input ran and was stored. */
  readonly status: "cached" | "computed";
  /** The entry's key (sha256 hex). */
  readonly key: string;
  /** The content hash of the cached sub-expression (the cache node's input). */
  readonly inputHash: string;
  /** The content hash of the cache node itself. */
  readonly nodeHash: string;
  readonly strategy: CacheStrategy;
  readonly storage: CacheStorage;
  /** Where the entry lives: a file, an object URL or an engine table. */
  readonly location: string;
  /** Time spent at the node: key, lookup, and on a miss computing and storing. */
  readonly ms: number;
}

/** Hears cache events: of one execution (`ExecutionScope.onCacheEvent`), or of all executions through a `Services`. */
export type CacheListener = (event: CacheEvent) => void;
