/**
 * Embedded DuckDB through @duckdb/node-api: the default engine (in-process, no server).
 */
import { isUrl, localCopy } from "../../urls/url-copy.js";
import * as arrow from "apache-arrow";
import type { DuckDBConnection, DuckDBInstance, DuckDBPreparedStatement } from "@duckdb/node-api";
import { duckdbApi } from "./duckdb-api.js";
import type { Schema } from "../../expr/data-type.js";
import type { BackendRef, ReadFormat } from "../../expr/relation-nodes.js";
import { DuckDBDialect } from "./duckdb-dialect.js";
import { toArrowSchema } from "../arrow-types.js";
import type { Batches, ChangeSignal, FileReadingBackend, IngestOptions } from "../backend.js";
import { BaseBackend } from "../base-backend.js";
import { ConnectionError } from "../connection-error.js";
import { chunkToRecordBatch, fillChunk, fromDuckDBType } from "./duckdb-arrow.js";
import { duckdbChangeSignal } from "./duckdb-change-signal.js";

export interface DuckDBOptions {
  /** A database file, or ":memory:" (the default). */
  readonly path?: string;
  /** The profile name expressions refer to this connection by (default "duckdb", or the file's name). */
  readonly name?: string;
  /** Extra DuckDB settings (https://duckdb.org/docs/configuration/overview). */
  readonly config?: Readonly<Record<string, string>>;
  /**
   * A project's folder: relative paths of deferred reads resolve against it, never the
   * working directory; it is also DuckDB's `file_search_path`, for paths written in SQL.
   */
  readonly baseDir?: string;
}

/**
 * Offline by default: DuckDB would otherwise try to download extensions (and write into
 * ~/.duckdb) the first time a query needs one; here that fails fast with a clear error.
 */
const DEFAULT_CONFIG: Record<string, string> = {
  autoinstall_known_extensions: "false",
  autoload_known_extensions: "false",
};

const DIALECT = new DuckDBDialect();

/** A prepared statement's result columns (the statement is then released). */
function schemaOf(prepared: DuckDBPreparedStatement): Schema {
  const schema: Schema = Array.from({ length: prepared.columnCount }, (_, i) => ({
    name: prepared.columnName(i),
    type: fromDuckDBType(prepared.columnType(i)),
  }));
  prepared.destroySync?.();
  return schema;
}

/**
 * A DuckDB database. Construction is synchronous (`xo.connect()` returns at once); the
 * database opens on first use, since DuckDB's Node API opens asynchronously.
 */
export class DuckDBBackend extends BaseBackend implements FileReadingBackend {
  readonly ref: BackendRef;
  readonly dialect: DuckDBDialect;
  readonly #opening: Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }>;
  /** Connections for `probeSchema`, created on demand: as many as probes ever ran at once. */
  readonly #probes: Array<Promise<DuckDBConnection>> = [];
  readonly #idleProbes: Array<Promise<DuckDBConnection>> = [];
  readonly #options: DuckDBOptions;
  /** False for a fork: it closes only its connection, the database belongs to the original. */
  readonly #ownsInstance: boolean;

  constructor(options: DuckDBOptions = {}, shared?: Promise<DuckDBInstance>) {
    super();
    const path = options.path ?? ":memory:";
    this.ref = { name: options.name ?? "duckdb", kind: "duckdb", params: { path } };
    this.#options = options;
    this.dialect = options.baseDir === undefined ? DIALECT : DIALECT.withFileBase(options.baseDir);
    this.#ownsInstance = shared === undefined;
    const searchPath: Record<string, string> = options.baseDir === undefined ? {} : { file_search_path: options.baseDir };
    this.#opening = (shared ?? duckdbApi.DuckDBInstance.create(path, { ...DEFAULT_CONFIG, ...searchPath, ...options.config })).then(async (instance) => ({
      instance,
      connection: await instance.connect(),
    })).catch((e: unknown) => {
      throw new ConnectionError(`cannot open duckdb '${this.ref.name}' (${path}): ${(e as Error).message}`, { cause: e });
    });
    // A failure is reported by the first call that uses the connection, not as an unhandled rejection.
    this.#opening.catch(() => undefined);
  }

  /** The underlying connection, for users who need DuckDB features the API does not cover. */
  async connection(): Promise<DuckDBConnection> {
    return (await this.#opening).connection;
  }

  async run(sql: string): Promise<void> {
    await (await this.connection()).run(sql);
  }

  async querySchema(sql: string): Promise<Schema> {
    return schemaOf(await (await this.connection()).prepare(sql));
  }

  /**
   * The schema of a query that reads no temporary table (a SQL model's probe over its
   * stand-ins), learned on a connection of its own with the optimizer off: `prepare`
   * binds and optimizes, and optimizing (a third of its time) never changes the result's
   * columns. Loading a 10,000-model project prepares each SQL model once.
   */
  async probeSchema(sql: string): Promise<Schema> {
    // A connection binds one statement at a time: concurrent probes (a project load
    // resolves independent models together) each take an idle connection.
    let probe = this.#idleProbes.pop();
    if (!probe) {
      probe = this.#opening.then(async ({ instance }) => {
        const connection = await instance.connect();
        await connection.run("PRAGMA disable_optimizer");
        return connection;
      });
      this.#probes.push(probe);
    }
    try {
      return schemaOf(await (await probe).prepare(sql));
    } finally {
      this.#idleProbes.push(probe);
    }
  }

  async fileSchema(format: ReadFormat, path: string, options: Readonly<Record<string, string | number | boolean>>): Promise<Schema> {
    // A URL's schema is its local copy's (src/urls): httpfs cannot be downloaded at run time.
    const local = isUrl(path) ? (await localCopy(path)).path : path;
    return this.querySchema(`SELECT * FROM ${this.dialect.readFile(format, local, options)}`);
  }

  async *stream(sql: string, schema: Schema): AsyncGenerator<arrow.RecordBatch> {
    const result = await (await this.connection()).stream(sql);
    const arrowSchema = toArrowSchema(schema);
    if (result.columnCount !== schema.length) {
      throw new Error(`query returned ${result.columnCount} columns, expected ${schema.length}`);
    }
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      yield chunkToRecordBatch(chunk, schema, arrowSchema);
    }
  }

  async ingest(name: string, schema: Schema, batches: Batches, options: IngestOptions = {}): Promise<void> {
    const d = this.dialect;
    // Intervals and UUIDs travel as text in Arrow; DuckDB parses them after the load.
    const asText = schema.filter((f) => f.type === "interval" || f.type === "uuid");
    const columns = schema.map((f) => `${d.quoteIdentifier(f.name)} ${asText.includes(f) ? "VARCHAR" : d.typeName(f.type)}`).join(", ");
    await this.run(`CREATE OR REPLACE ${options.temporary ? "TEMP " : ""}TABLE ${d.quoteIdentifier(name)} (${columns})`);
    const appender = await (await this.connection()).createAppender(name, options.temporary ? "main" : null, options.temporary ? "temp" : null);
    try {
      const types = Array.from({ length: appender.columnCount }, (_, i) => appender.columnType(i));
      const chunk = duckdbApi.DuckDBDataChunk.create(types);
      const CHUNK = 2048;
      for await (const batch of batches) {
        for (let offset = 0; offset < batch.numRows; offset += CHUNK) {
          chunk.reset();
          fillChunk(chunk, batch, schema, offset, Math.min(CHUNK, batch.numRows - offset));
          appender.appendDataChunk(chunk);
        }
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
    for (const f of asText) {
      await this.run(`ALTER TABLE ${d.quoteIdentifier(name)} ALTER ${d.quoteIdentifier(f.name)} TYPE ${d.typeName(f.type)}`);
    }
  }

  async listTables(): Promise<string[]> {
    const reader = await (await this.connection()).runAndReadAll(
      "SELECT table_name FROM information_schema.tables ORDER BY table_name",
    );
    return reader.getColumnsJS()[0]?.map(String) ?? [];
  }

  /**
   * A checksum of the rows (DuckDB has no exact write counter), rescanned only when the
   * database files changed since it was taken; in-memory databases scan every time
   * (see duckdb-change-signal.ts).
   */
  async changeSignal(table: string): Promise<ChangeSignal> {
    return duckdbChangeSignal(await this.connection(), this.dialect, table, this.ref.params.path !== ":memory:");
  }

  /** The tables and views `sql` reads, found by DuckDB's binder (CTEs excluded; [] when it does not bind). */
  async tablesReadBy(sql: string): Promise<string[]> {
    return [...(await this.connection()).getTableNames(sql, true)];
  }

  /**
   * Another connection to the same database, with its own temporary tables and
   * transaction: DuckDB runs one statement at a time per connection, so parallel work
   * (e.g. `xorq run --threads`) takes one fork each.
   */
  fork(): DuckDBBackend {
    return new DuckDBBackend(this.#options, this.#opening.then((o) => o.instance));
  }

  async close(): Promise<void> {
    const { instance, connection } = await this.#opening;
    for (const probe of this.#probes.splice(0)) (await probe.catch(() => null))?.closeSync();
    this.#idleProbes.length = 0;
    connection.closeSync();
    if (this.#ownsInstance) instance.closeSync();
  }
}
