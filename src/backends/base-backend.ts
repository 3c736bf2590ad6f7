/**
 * What every engine's backend shares: the expression shortcuts (`table`, `sql`,
 * `readParquet`, `readCsv`) and a table's schema as the schema of `SELECT *` over it.
 * Engines that cannot read files still offer the file readers: DuckDB reads the file
 * and the executor moves its rows in.
 */
import type { RecordBatch } from "apache-arrow";
import type { Dialect } from "../compile/dialect.js";
import type { Schema } from "../expr/data-type.js";
import type { BackendRef } from "../expr/relation-nodes.js";
import { type ReadOptions, databaseTable, deferredRead, sqlQuery } from "../expr/sources.js";
import type { Table } from "../expr/table.js";
import type { Backend, Batches, IngestOptions } from "./backend.js";
import { ConnectionParams } from "./connection-params.js";
import type { EngineDefinition } from "./engine.js";
import type { BackendKind } from "./engines.js";

export abstract class BaseBackend implements Backend {
  abstract readonly ref: BackendRef;
  abstract readonly dialect: Dialect;
  abstract querySchema(sql: string): Promise<Schema>;
  abstract stream(sql: string, schema: Schema): AsyncIterable<RecordBatch>;
  abstract run(sql: string): Promise<void>;
  abstract ingest(name: string, schema: Schema, batches: Batches, options?: IngestOptions): Promise<void>;
  abstract listTables(): Promise<string[]>;
  abstract close(): Promise<void>;

  tableSchema(name: string): Promise<Schema> {
    return this.querySchema(`SELECT * FROM ${this.dialect.tableName(name)}`);
  }

  /** An expression over a table or view of this database. */
  table(name: string): Promise<Table> {
    return databaseTable(this, name);
  }

  /** An expression over a SQL query, with other expressions visible to it by name. */
  sql(query: string, inputs: Readonly<Record<string, Table>> = {}): Promise<Table> {
    return sqlQuery(this, query, inputs);
  }

  /** A parquet file, read when the expression runs. */
  readParquet(path: string, options: ReadOptions = {}): Promise<Table> {
    return deferredRead(this, "parquet", path, options);
  }

  /** A CSV file (types sniffed from it), read when the expression runs. */
  readCsv(path: string, options: ReadOptions = {}): Promise<Table> {
    return deferredRead(this, "csv", path, options);
  }
}

/**
 * A backend configured by connection settings (every engine but the embedded DuckDB):
 * its `ref` records the settings its engine accepts, secrets only as `${env:…}`
 * references (`ConnectionParams`).
 */
export abstract class ConfiguredBackend<Options extends { readonly name?: string }> extends BaseBackend {
  readonly ref: BackendRef;
  /** The options it was created with (a fork is created with the same). */
  protected readonly options: Options;
  protected readonly params: ConnectionParams;

  constructor(engine: EngineDefinition, options: Options) {
    super();
    this.options = options;
    const name = options.name ?? engine.kind;
    this.params = new ConnectionParams(engine.kind, name, options, engine.params, engine.secrets, engine.settingTypes);
    this.ref = { name, kind: engine.kind as BackendKind, params: this.params.recorded };
  }
}
