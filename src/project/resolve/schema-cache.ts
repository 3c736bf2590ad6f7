/**
 * Result schemas learned from an engine (a SQL model's prepared query, a file's
 * footer), kept in `target/schema_cache.json` so loading a project again asks no engine
 * about what did not change. Keys are content hashes of exactly what the schema depends
 * on: the probe SQL for a query in an in-memory DuckDB (it can only see its stand-ins),
 * the path, size and modification time for a file.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { sha256, stableStringify } from "../../expr/canonical.js";
import type { Schema } from "../../expr/data-type.js";

const VERSION = 1;

export class SchemaCache {
  readonly #file: string | null;
  readonly #entries: Map<string, Schema>;
  readonly #used = new Map<string, Schema>();
  #changed = false;

  private constructor(file: string | null, entries: Map<string, Schema>) {
    this.#file = file;
    this.#entries = entries;
  }

  /** Reads the cache file (a missing or unreadable file is an empty cache). */
  static async open(file: string | null): Promise<SchemaCache> {
    const entries = new Map<string, Schema>();
    if (file) {
      try {
        const data = JSON.parse(await readFile(file, "utf8")) as { version?: number; entries?: Record<string, Schema> };
        if (data.version === VERSION) for (const [k, v] of Object.entries(data.entries ?? {})) entries.set(k, v);
      } catch {
        // no cache yet
      }
    }
    return new SchemaCache(file, entries);
  }

  static key(parts: unknown): string {
    return sha256(stableStringify(parts));
  }

  /** The cached schema, or the computed one (then remembered). */
  async get(key: string, compute: () => Promise<Schema>): Promise<Schema> {
    let schema = this.#entries.get(key);
    if (!schema) {
      schema = await compute();
      this.#entries.set(key, schema);
      this.#changed = true;
    }
    this.#used.set(key, schema);
    return schema;
  }

  /** The cache as the next load in this process finds it (every entry it knows). */
  successor(): SchemaCache {
    return new SchemaCache(this.#file, new Map(this.#entries));
  }

  /**
   * Writes the entries used by this load; older ones are dropped (so the file does not
   * grow) unless `keepUnused`: when the resolve cache served some models, their schemas
   * were not asked for but are still wanted (e.g. by their descendants after an edit).
   */
  async save(options: { keepUnused?: boolean } = {}): Promise<void> {
    if (!this.#file) return;
    if (options.keepUnused ? !this.#changed : !this.#changed && this.#used.size === this.#entries.size) return;
    const kept = options.keepUnused ? this.#entries : this.#used;
    const entries = Object.fromEntries([...kept].sort(([a], [b]) => (a < b ? -1 : 1)));
    const tmp = `${this.#file}.${process.pid}.tmp`;
    await mkdir(dirname(this.#file), { recursive: true });
    await writeFile(tmp, JSON.stringify({ version: VERSION, entries }));
    await rename(tmp, this.#file);
  }
}
