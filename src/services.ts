/**
 * What running expressions needs besides the expressions' own connections: the local
 * embedded DuckDB (it runs in-memory data, reads files for engines that cannot, and
 * writes and reads result files), the materializers that serve nodes from storage (the
 * cache), and the sinks of cache events. A program makes one `Services` (a CLI command, a
 * watch session, a script), passes it to what runs, and closes it once.
 *
 * ```ts
 * const services = new Services();
 * const off = services.onCacheEvent((e) => console.log(e.status, e.key));
 * const table = await services.execute(expr);
 * off();
 * await services.close();
 * ```
 *
 * Nothing opens until it is used: a command that runs nothing loads neither the
 * executor, Arrow nor DuckDB.
 */
import type { RecordBatch, Table as ArrowTable } from "apache-arrow";
import type { DuckDBBackend } from "./backends/duckdb/duckdb-backend.js";
import type { ExecuteOptions, ExecutionRun, Materializer } from "./backends/executor.js";
import type { CacheEvent, CacheListener } from "./cache/cache-events.js";
import type { CacheStatus } from "./cache/cache-status.js";
import type { Table, TableRunner } from "./expr/table.js";

/** What one execution adds to the services: where relative cache paths resolve, who hears its cache events. */
export interface ExecutionScope {
  /** Relative cache `path`s resolve against this directory (default: the working directory). */
  readonly baseDir?: string;
  /** Hears this execution's cache events only (the services' sinks hear every execution's). */
  readonly onCacheEvent?: CacheListener;
}

export class Services implements TableRunner {
  #engine: Promise<DuckDBBackend> | null = null;
  #materializers: Promise<ReadonlyArray<Materializer>> | null = null;
  readonly #cacheListeners = new Set<CacheListener>();

  /** The local embedded DuckDB (in memory), opened on first use. */
  localEngine(): Promise<DuckDBBackend> {
    this.#engine ??= import("./backends/duckdb/duckdb-backend.js").then(({ DuckDBBackend }) => new DuckDBBackend({ name: "_xorq_local" }));
    return this.#engine;
  }

  /** Calls `listener` for every cache node served through these services; returns the unsubscribe function. */
  onCacheEvent(listener: CacheListener): () => void {
    this.#cacheListeners.add(listener);
    return () => this.#cacheListeners.delete(listener);
  }

  /**
   * The executor's options for one execution of `table` through these services, and
   * what to call when it ends. The execution gets a connection of its own to the local
   * engine (made when first needed): one DuckDB connection runs one statement stream, so
   * executions that run at once must not share one (they did, and read empty results).
   */
  async #execution(table: Table, scope: ExecutionScope): Promise<{ options: ExecuteOptions; end: () => Promise<void> }> {
    // Caching is built in: a `cache` node is served from its storage or computed and stored.
    // URL reads are served from local copies (no engine extension downloads them).
    this.#materializers ??= Promise.all([import("./cache/cache-materializer.js"), import("./urls/url-read-materializer.js")]).then(([c, u]) => [
      c.createCacheMaterializer(),
      u.createUrlReadMaterializer(),
    ]);
    const own = scope.onCacheEvent;
    const report = (e: CacheEvent) => {
      own?.(e);
      for (const l of this.#cacheListeners) l(e);
    };
    let local: Promise<DuckDBBackend> | null = null;
    const options: ExecuteOptions = {
      context: table.context,
      localEngine: () => (local ??= this.localEngine().then((engine) => engine.fork())),
      materializers: await this.#materializers,
      onCacheEvent: report,
      ...(scope.baseDir === undefined ? {} : { baseDir: scope.baseDir }),
    };
    return { options, end: async () => void (await (await local)?.close()) };
  }

  /** Runs `table`; the result has exactly `table.schema()`'s columns and types. */
  async execute(table: Table, scope: ExecutionScope = {}): Promise<ArrowTable> {
    const { executeToTable } = await import("./backends/executor.js");
    const { options, end } = await this.#execution(table, scope);
    try {
      return await executeToTable(table.node, options);
    } finally {
      await end();
    }
  }

  /** Runs `table` and yields its rows as Arrow record batches, without holding them all. */
  async *stream(table: Table, scope: ExecutionScope = {}): AsyncGenerator<RecordBatch> {
    const { executeStream } = await import("./backends/executor.js");
    const { options, end } = await this.#execution(table, scope);
    try {
      yield* executeStream(table.node, options);
    } finally {
      await end();
    }
  }

  /**
   * Runs `body` with one execution over `table`'s connections, for work beyond streaming
   * a result (`xorq run` prepares a segment and writes it into a table, and reads cache
   * keys); the run's temporary tables are dropped when `body` ends.
   */
  async withRun<T>(table: Table, scope: ExecutionScope, body: (run: ExecutionRun) => Promise<T>): Promise<T> {
    const { ExecutionRun } = await import("./backends/executor.js");
    const { options, end } = await this.#execution(table, scope);
    const run = new ExecutionRun(options);
    try {
      return await body(run);
    } finally {
      await run.cleanup();
      await end();
    }
  }

  /** The cache key of `table`'s outermost `.cache()`, as running it now would compute it (`expr.cacheKey()`). */
  async cacheKey(table: Table, scope: ExecutionScope = {}): Promise<string> {
    return (await this.#cacheStatus(table, scope)).key;
  }

  /** Whether running `table` now would serve its outermost `.cache()` from storage (`expr.isCached()`). */
  async isCached(table: Table, scope: ExecutionScope = {}): Promise<boolean> {
    return (await this.#cacheStatus(table, scope)).cached;
  }

  async #cacheStatus(table: Table, scope: ExecutionScope): Promise<CacheStatus> {
    const { cacheStatus } = await import("./cache/cache-status.js");
    return this.withRun(table, scope, (run) => cacheStatus(table.node, run));
  }

  /** Closes the local engine if it was opened; using the services again opens a new one. */
  async close(): Promise<void> {
    const engine = this.#engine;
    this.#engine = null;
    if (engine) await (await engine).close();
  }
}

let fallback: Services | null = null;

/**
 * The services of plain library use (`xo.connect()`, `expr.execute()` with no project),
 * made on first use. Its DuckDB is in memory and holds no handle on the event loop, so a
 * script that never closes it still exits when its work is done.
 */
export function defaultServices(): Services {
  fallback ??= new Services();
  return fallback;
}
