/**
 * Databricks (a SQL warehouse or cluster) through the official `@databricks/sql`
 * driver, imported when the first connection opens. One session per backend, in UTC.
 * Schemas come from `DESCRIBE QUERY` (nothing runs over data); results stream as
 * driver rows batched into Arrow (`databricks-values.ts` says how values stay exact);
 * Arrow is written with batched INSERTs into a staging Delta table swapped in at once.
 */
import type * as arrow from "apache-arrow";
import type { DBSQLClient } from "@databricks/sql";
import type { Schema } from "../../expr/data-type.js";
import type { Batches, ChangeSignal, IngestOptions } from "../backend.js";
import { ConnectionError } from "../connection-error.js";
import { ConfiguredBackend } from "../base-backend.js";
import { RowBatcher } from "../row-batcher.js";
import { envRef } from "../secrets.js";
import {
  type DatabricksHistoryRow, type DatabricksTableRow, databricksHistorySignal, databricksHistorySql, databricksLastAlteredSignal,
  databricksLastAlteredSql,
} from "./databricks-change-signal.js";
import { DatabricksDialect } from "./databricks-dialect.js";
import { databricksEngine } from "./databricks-engine.js";
import {
  type DescribeRow, type ShowTablesRow, databricksValue, describedSchema, ingestStatements, streamSql, valuesLists,
} from "./databricks-values.js";

export interface DatabricksOptions {
  /** The profile name expressions refer to this connection by (default "databricks"). */
  readonly name?: string;
  /** The workspace host, e.g. dbc-a1b2c3d4-e5f6.cloud.databricks.com. */
  readonly host?: string;
  /** The warehouse's or cluster's HTTP path, e.g. /sql/1.0/warehouses/abc123. */
  readonly http_path?: string;
  /** A personal access token: a `${env:VAR}` reference, or a literal that is used but never recorded. */
  readonly token?: string;
  /** The catalog and schema unqualified names refer to, and where xorq writes tables (hops, caches). */
  readonly catalog?: string;
  readonly schema?: string;
}

const DIALECT = new DatabricksDialect();

/** Results must not depend on the warehouse's configured zone (instants render as UTC text). */
const SESSION_SQL = ["SET TIME ZONE 'UTC'"] as const;

/** Rows per fetch from the warehouse. */
const FETCH_ROWS = 10_000;

type Session = Awaited<ReturnType<DBSQLClient["openSession"]>>;

interface Open {
  readonly client: DBSQLClient;
  readonly session: Session;
}

export class DatabricksBackend extends ConfiguredBackend<DatabricksOptions> {
  readonly dialect = DIALECT;
  #open: Promise<Open> | null = null;
  /** Tables written as temporary: Databricks SQL has none, so they are dropped on close (if nothing did before). */
  readonly #temporary = new Set<string>();

  constructor(options: DatabricksOptions = {}) {
    super(databricksEngine, options);
  }

  /** Another session on the same warehouse, for parallel work. */
  fork(): DatabricksBackend {
    return new DatabricksBackend(this.options);
  }

  /** The driver's session, for users who need what the API does not cover. */
  async session(): Promise<Session> {
    return (await this.#connect()).session;
  }

  #connect(): Promise<Open> {
    this.#open ??= this.#connectNow().catch((e: unknown) => {
      this.#open = null;
      throw e;
    });
    return this.#open;
  }

  async #connectNow(): Promise<Open> {
    const p = this.params.resolve();
    if (!p.host || !p.http_path || !p.token) {
      throw new ConnectionError(`cannot connect to databricks '${this.ref.name}': host, http_path and token are all needed`);
    }
    const { DBSQLClient } = await import("@databricks/sql");
    // The driver's default logger writes to stdout and installs an uncaught-exception handler; errors reach us as rejections.
    const client = new DBSQLClient({ logger: { log: () => undefined } });
    try {
      await client.connect({ host: p.host, path: p.http_path, token: p.token, userAgentEntry: "xorq", telemetryEnabled: false });
      const session = await client.openSession({
        ...(p.catalog ? { initialCatalog: p.catalog } : {}),
        ...(p.schema ? { initialSchema: p.schema } : {}),
      });
      for (const sql of SESSION_SQL) await (await session.executeStatement(sql)).close();
      return { client, session };
    } catch (e) {
      await client.close().catch(() => undefined);
      throw new ConnectionError(this.params.redact(`cannot connect to databricks '${this.ref.name}' (${p.host}${p.http_path}): ${(e as Error).message}`), { cause: e });
    }
  }

  /** Runs a driver call; its errors come back without any secret in them. */
  async #redacting<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      throw new Error(this.params.redact((e as Error).message), { cause: e });
    }
  }

  /** Runs a statement and returns all its rows. */
  async #rows<T>(sql: string): Promise<T[]> {
    const { session } = await this.#connect();
    const operation = await this.#redacting(() => session.executeStatement(sql));
    try {
      return (await this.#redacting(() => operation.fetchAll())) as T[];
    } finally {
      await operation.close().catch(() => undefined);
    }
  }

  async run(sql: string): Promise<void> {
    await this.#rows(sql);
  }

  /** Column names and types from `DESCRIBE QUERY`: Spark plans the query without running it. */
  async querySchema(sql: string): Promise<Schema> {
    return describedSchema(await this.#rows<DescribeRow>(`DESCRIBE QUERY ${sql}`));
  }

  async *stream(sql: string, schema: Schema): AsyncGenerator<arrow.RecordBatch> {
    const { session } = await this.#connect();
    const operation = await this.#redacting(() => session.executeStatement(streamSql(this.dialect, sql, schema)));
    try {
      const batcher = new RowBatcher(schema);
      const next = async () => ((await operation.hasMoreRows()) ? operation.fetchChunk({ maxRows: FETCH_ROWS }) : null);
      for (let rows = await this.#redacting(next); rows; rows = await this.#redacting(next)) {
        for (const row of rows as Array<Record<string, unknown>>) {
          const batch = batcher.push(schema.map((f) => databricksValue(row[f.name], f)));
          if (batch) yield batch;
        }
      }
      const last = batcher.flush();
      if (last) yield last;
    } finally {
      await operation.close().catch(() => undefined);
    }
  }

  async ingest(name: string, schema: Schema, batches: Batches, options: IngestOptions = {}): Promise<void> {
    const temporary = options.temporary ?? false;
    const plan = ingestStatements(this.dialect, name, schema, temporary);
    await this.run(plan.create);
    if (temporary) this.#temporary.add(name);
    try {
      for await (const batch of batches) {
        for (const values of valuesLists(this.dialect, batch, schema)) await this.run(`${plan.insertInto}\n${values}`);
      }
      for (const sql of plan.finish) await this.run(sql);
    } catch (e) {
      if (plan.cleanup) await this.run(plan.cleanup).catch(() => undefined);
      throw e;
    }
  }

  async listTables(): Promise<string[]> {
    return (await this.#rows<ShowTablesRow>("SHOW TABLES")).map((r) => r.tableName).sort();
  }

  /** The Delta table's latest version, or its last-modified time (databricks-change-signal.ts); null for a view. */
  async changeSignal(table: string): Promise<ChangeSignal | null> {
    let history: DatabricksHistoryRow[] | null = null;
    try {
      history = await this.#rows<DatabricksHistoryRow>(databricksHistorySql(this.dialect, table));
    } catch {
      // Not a Delta table (or a view): the catalog's last-modified time instead.
    }
    if (history) return databricksHistorySignal(table, history[0]);
    const [row] = await this.#rows<DatabricksTableRow>(databricksLastAlteredSql(this.dialect, table));
    return databricksLastAlteredSignal(table, row);
  }

  async close(): Promise<void> {
    const pending = this.#open;
    this.#open = null;
    const open = await pending?.catch(() => null);
    if (!open) return;
    for (const name of this.#temporary) {
      // Best effort: the executor drops a hop's table itself once the query is done.
      await open.session.executeStatement(`DROP TABLE IF EXISTS ${this.dialect.tableName(name)}`).then((op) => op.close()).catch(() => undefined);
    }
    this.#temporary.clear();
    await open.session.close().catch(() => undefined);
    await open.client.close();
  }
}

/** Connects to Databricks (nothing happens until the first query). */
export function connect(options: DatabricksOptions = {}): DatabricksBackend {
  return new DatabricksBackend(options);
}

/**
 * Connects with DATABRICKS_HOST, DATABRICKS_HTTP_PATH and DATABRICKS_TOKEN (plus
 * DATABRICKS_CATALOG, DATABRICKS_SCHEMA); the expression keeps the references.
 */
export function connectEnv(options: { readonly name?: string } = {}): DatabricksBackend {
  return new DatabricksBackend({
    name: options.name,
    host: envRef("DATABRICKS_HOST"),
    http_path: envRef("DATABRICKS_HTTP_PATH"),
    token: envRef("DATABRICKS_TOKEN"),
    catalog: envRef("DATABRICKS_CATALOG", ""),
    schema: envRef("DATABRICKS_SCHEMA", ""),
  });
}

/** Databricks (@databricks/sql, loaded on first use): `xo.databricks.connect({ host, http_path, token })` or `.connectEnv()`. */
export const databricks = { connect, connectEnv };
