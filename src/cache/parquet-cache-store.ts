/**
 * Parquet entries in an object store (a local directory or a bucket): `<key>.parquet`,
 * written to a staging name and published atomically, expired after the policy's ttl.
 */
import { rm } from "node:fs/promises";
import type { FileReadingBackend } from "../backends/backend.js";
import { nodeHash } from "../expr/canonical.js";
import type { CachePolicy } from "../expr/relation-nodes.js";
import type { CacheStore } from "./cache-store.js";
import type { ObjectStore } from "./object-store.js";
import { type CacheRequest, type EntryMetadata, METADATA_KEY, serveParquet, writeParquet } from "./parquet-io.js";

export const ENTRY_SUFFIX = ".parquet";

export class ParquetCacheStore implements CacheStore {
  readonly #store: ObjectStore;
  readonly #policy: CachePolicy;
  readonly #engine: FileReadingBackend;

  constructor(store: ObjectStore, policy: CachePolicy, engine: FileReadingBackend) {
    this.#store = store;
    this.#policy = policy;
    this.#engine = engine;
  }

  get location(): string {
    return this.#store.location;
  }

  entryLocation(key: string): string {
    const base = this.#store.location;
    return `${base}${base.endsWith("/") ? "" : "/"}${key}${ENTRY_SUFFIX}`;
  }

  async has(key: string): Promise<boolean> {
    const info = await this.#store.stat(key + ENTRY_SUFFIX);
    return info !== null && !isExpired(info.writtenMs, this.#policy.ttl);
  }

  async serve(req: CacheRequest): Promise<string | null> {
    if (!(await this.has(req.key))) return null;
    const name = req.key + ENTRY_SUFFIX;
    const file = await this.#store.fetch(name);
    try {
      return await serveParquet(req, this.#engine, file.path, file.inPlace ? "view" : "copy");
    } finally {
      await file.release();
    }
  }

  async write(req: CacheRequest): Promise<void> {
    const name = req.key + ENTRY_SUFFIX;
    const staged = await this.#store.stagingPath(name);
    const { strategy, ttl } = this.#policy;
    const metadata: EntryMetadata = { key: req.key, input: nodeHash(req.node.input), strategy, ttl };
    try {
      await writeParquet(req, this.#engine, staged, metadata);
      await this.#store.publish(staged, name, { [METADATA_KEY]: JSON.stringify(metadata) });
    } catch (e) {
      await rm(staged, { force: true });
      throw e;
    }
  }
}

/** True when an entry written at `writtenMs` is older than `ttl` seconds (never, without a ttl). */
export function isExpired(writtenMs: number, ttl: number | null, now = Date.now()): boolean {
  return ttl !== null && now - writtenMs > ttl * 1000;
}
