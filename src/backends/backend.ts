/**
 * What every engine provides. The executor only talks to engines through this
 * interface; each engine lives in its own folder (`duckdb/`, `postgres/`, ...).
 */
import type { RecordBatch, Schema as ArrowSchema } from "apache-arrow";
import type { Dialect } from "../compile/dialect.js";
import type { Schema } from "../expr/data-type.js";
import type { BackendRef, ReadFormat } from "../expr/relation-nodes.js";

export interface Backend {
  /** The portable, secret-free description that expression nodes carry. */
  readonly ref: BackendRef;
  readonly dialect: Dialect;
  /** The schema of a table or view in this engine. */
  tableSchema(name: string): Promise<Schema>;
  /** The schema a query would return, found without running it over data. */
  querySchema(sql: string): Promise<Schema>;
  /**
   * Optional: `querySchema` for a query that reads no temporary table (a SQL model's probe
   * over stand-ins), where the engine has a cheaper way (DuckDB: a connection without the optimizer).
   */
  probeSchema?(sql: string): Promise<Schema>;
  /** Runs a query and streams the result as Arrow record batches of the given schema. */
  stream(sql: string, schema: Schema): AsyncIterable<RecordBatch>;
  /** Runs a statement that returns no rows. */
  run(sql: string): Promise<void>;
  /**
   * Creates (or replaces) a table from a stream of Arrow record batches. `temporary`
   * tables live as long as the connection.
   */
  ingest(name: string, schema: Schema, batches: Batches, options?: IngestOptions): Promise<void>;
  listTables(): Promise<string[]>;
  close(): Promise<void>;
  /**
   * A value that changes whenever the rows of a table (or view) change, read without
   * scanning where the engine allows it; modification_time caches fold it into their
   * keys. `null` when the engine keeps no signal for that object (e.g. a PostgreSQL
   * view): the cache then signs the tables the object reads (`tablesReadBy`).
   * Each engine documents what its signal is and when it can miss a change.
   */
  changeSignal?(table: string): Promise<ChangeSignal | null>;
  /**
   * The engine that reads files (deferred reads) for this one when it cannot read them
   * itself; without it, the process-wide default DuckDB does (paths relative to the
   * working directory).
   */
  fileReader?(): Promise<FileReadingBackend>;
  /** The tables and views a query reads (not its CTEs), as qualified as the engine reports them. */
  tablesReadBy?(sql: string): Promise<string[]>;
}

/** The rows `ingest` writes. */
export type Batches = AsyncIterable<RecordBatch> | Iterable<RecordBatch>;

export interface IngestOptions {
  /** A table that lives as long as the connection (a hop's rows, a memtable). */
  readonly temporary?: boolean;
}

/** An engine's change signal: plain, canonically serializable fields. */
export type ChangeSignal = Readonly<Record<string, string | number | boolean | null>>;

/** An engine that can read files itself (DuckDB); the others receive file data through a hop. */
export interface FileReadingBackend extends Backend {
  fileSchema(format: ReadFormat, path: string, options: Readonly<Record<string, string | number | boolean>>): Promise<Schema>;
}

export function canReadFiles(b: Backend): b is FileReadingBackend {
  return typeof (b as Partial<FileReadingBackend>).fileSchema === "function";
}

export type { ArrowSchema };
