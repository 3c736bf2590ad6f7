/**
 * Cached test results, `target/test_cache.json`: per test, the key its last result was
 * computed under and that result. The key is the test's expression hash (its
 * definition and the tested expression, so any upstream edit changes it) folded with
 * the change signals of every source the test reads (`sourceSignals`, as a
 * modification_time cache key is: file inode/mtime/size, table statistics). So a result
 * is served while neither the test, the models it reads nor their sources changed;
 * any of those changing, or deleting the file, runs the test again. A test over data
 * without a change signal is never served from here.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { jsonText, writeFileAtomic } from "../util/atomic-write.js";

const VERSION = 1;

export interface CachedResult {
  readonly key: string;
  readonly failures: number;
  /** A few failing rows, shown again when the cached result is reported. */
  readonly sample: ReadonlyArray<Readonly<Record<string, unknown>>>;
}

export class TestCache {
  readonly #file: string;
  readonly #entries: Map<string, CachedResult>;

  private constructor(file: string, entries: Map<string, CachedResult>) {
    this.#file = file;
    this.#entries = entries;
  }

  /** The cache of a project's `target/` (empty when missing, unreadable or of another version). */
  static async open(targetDir: string): Promise<TestCache> {
    const file = join(targetDir, "test_cache.json");
    try {
      const doc = JSON.parse(await readFile(file, "utf8")) as { version?: number; tests?: Record<string, CachedResult> };
      if (doc.version === VERSION && doc.tests) return new TestCache(file, new Map(Object.entries(doc.tests)));
    } catch {
      // no cache yet
    }
    return new TestCache(file, new Map());
  }

  /** The stored result of `test` when it was computed under `key`. */
  get(test: string, key: string): CachedResult | null {
    const found = this.#entries.get(test);
    return found && found.key === key ? found : null;
  }

  set(test: string, result: CachedResult): void {
    this.#entries.set(test, result);
  }

  /** Writes the entries (one per test: a new key replaces the test's old one). */
  async save(): Promise<void> {
    const tests = Object.fromEntries([...this.#entries].sort(([a], [b]) => (a < b ? -1 : 1)));
    await writeFileAtomic(this.#file, jsonText({ version: VERSION, tests }));
  }
}
