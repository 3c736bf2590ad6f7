/**
 * Snowflake through the official `snowflake-sdk`, imported when the first connection
 * opens (the SDK takes ~330 ms to load; nobody who does not use Snowflake pays it).
 * Results stream as rows from the SDK and are batched into Arrow; Arrow is written
 * back with array binds (the SDK moves large binds through a stage by itself).
 */
import type * as arrow from "apache-arrow";
import type { Connection, RowStatement, StatementOption } from "snowflake-sdk";
import type { Schema } from "../../expr/data-type.js";
import type { Batches, ChangeSignal, IngestOptions } from "../backend.js";
import { ConnectionError } from "../connection-error.js";
import { ConfiguredBackend } from "../base-backend.js";
import { RowBatcher } from "../row-batcher.js";
import { envRef } from "../secrets.js";
import { SnowflakeDialect } from "./snowflake-dialect.js";
import { snowflakeEngine } from "./snowflake-engine.js";
import { type SnowflakeSignalRow, snowflakeChangeSignal, snowflakeChangeSignalSql } from "./snowflake-change-signal.js";
import { FETCH_AS_STRING, SESSION_SQL, batchBinds, fromSnowflakeType, ingestStatements, snowflakeValue } from "./snowflake-values.js";

export interface SnowflakeOptions {
  /** The profile name expressions refer to this connection by (default "snowflake"). */
  readonly name?: string;
  readonly account?: string;
  readonly user?: string;
  /** A `${env:VAR}` reference, or a literal that is used but never recorded. */
  readonly password?: string;
  readonly warehouse?: string;
  readonly database?: string;
  readonly schema?: string;
  readonly role?: string;
  /** e.g. SNOWFLAKE_JWT with `privateKeyPath`, or EXTERNALBROWSER. */
  readonly authenticator?: string;
  readonly privateKeyPath?: string;
}

const DIALECT = new SnowflakeDialect();

export class SnowflakeBackend extends ConfiguredBackend<SnowflakeOptions> {
  readonly dialect = DIALECT;
  #connection: Promise<Connection> | null = null;

  constructor(options: SnowflakeOptions = {}) {
    super(snowflakeEngine, options);
  }

  fork(): SnowflakeBackend {
    return new SnowflakeBackend(this.options);
  }

  /** The SDK connection, for users who need what the API does not cover. */
  connection(): Promise<Connection> {
    this.#connection ??= this.#open().catch((e: unknown) => {
      this.#connection = null;
      throw e;
    });
    return this.#connection;
  }

  async #open(): Promise<Connection> {
    const p = this.params.resolve();
    const { default: sdk } = await import("snowflake-sdk");
    sdk.configure({ logLevel: "ERROR" });
    const connection = sdk.createConnection({
      account: p.account, username: p.user, password: p.password, warehouse: p.warehouse, database: p.database,
      schema: p.schema, role: p.role, authenticator: p.authenticator, privateKeyPath: p.privateKeyPath,
      application: "xorq",
    });
    try {
      await connection.connectAsync();
    } catch (e) {
      throw new ConnectionError(this.params.redact(`cannot connect to snowflake '${this.ref.name}' (account ${p.account ?? "?"}, user ${p.user ?? "?"}): ${(e as Error).message}`));
    }
    for (const sql of SESSION_SQL) await this.#execute(connection, { sqlText: sql });
    return connection;
  }

  #execute(connection: Connection, options: StatementOption): Promise<{ statement: RowStatement; rows: unknown[] | undefined }> {
    return new Promise((resolve, reject) => {
      connection.execute({
        ...options,
        complete: (err, statement, rows) => {
          if (err) reject(new Error(this.params.redact(err.message), { cause: err }));
          else resolve({ statement: statement as RowStatement, rows });
        },
      });
    });
  }

  async run(sql: string): Promise<void> {
    await this.#execute(await this.connection(), { sqlText: sql });
  }

  /** Column names and types from a describe-only statement: nothing runs over data. */
  async querySchema(sql: string): Promise<Schema> {
    const { statement } = await this.#execute(await this.connection(), { sqlText: sql, describeOnly: true });
    return (statement.getColumns() ?? []).map((c) => ({
      name: c.getName(),
      type: fromSnowflakeType({ name: c.getName(), type: c.getType(), precision: c.getPrecision(), scale: c.getScale() }),
    }));
  }

  async *stream(sql: string, schema: Schema): AsyncGenerator<arrow.RecordBatch> {
    const { statement } = await this.#execute(await this.connection(), {
      sqlText: sql, streamResult: true, rowMode: "array", fetchAsString: [...FETCH_AS_STRING],
    });
    const batcher = new RowBatcher(schema);
    const names = schema.map((f) => f.name);
    for await (const row of statement.streamRows() as AsyncIterable<unknown[]>) {
      const values = schema.map((f, c) => snowflakeValue(row[c], f.type, names[c]!));
      const batch = batcher.push(values);
      if (batch) yield batch;
    }
    const last = batcher.flush();
    if (last) yield last;
  }

  async ingest(name: string, schema: Schema, batches: Batches, options: IngestOptions = {}): Promise<void> {
    const plan = ingestStatements(this.dialect, name, schema, options.temporary ?? false);
    const connection = await this.connection();
    await this.#execute(connection, { sqlText: plan.create });
    try {
      for await (const batch of batches) {
        if (batch.numRows > 0) await this.#execute(connection, { sqlText: plan.insert, binds: batchBinds(batch, schema) });
      }
      for (const sql of plan.finish) await this.#execute(connection, { sqlText: sql });
    } catch (e) {
      if (plan.cleanup) await this.#execute(connection, { sqlText: plan.cleanup }).catch(() => undefined);
      throw e;
    }
  }

  async listTables(): Promise<string[]> {
    const { rows } = await this.#execute(await this.connection(), {
      sqlText: "SELECT table_name FROM information_schema.tables WHERE table_schema = CURRENT_SCHEMA() ORDER BY 1",
      rowMode: "array",
    });
    return (rows as unknown[][] | undefined)?.map((r) => String(r[0])) ?? [];
  }

  /** LAST_ALTERED plus the change-commit token, one metadata query (snowflake-change-signal.ts). */
  async changeSignal(table: string): Promise<ChangeSignal> {
    const { rows } = await this.#execute(await this.connection(), { sqlText: snowflakeChangeSignalSql(this.dialect, table) });
    return snowflakeChangeSignal(table, (rows as SnowflakeSignalRow[] | undefined)?.[0]);
  }

  async close(): Promise<void> {
    const pending = this.#connection;
    this.#connection = null;
    const connection = await pending?.catch(() => null);
    if (connection) await new Promise<void>((resolve) => connection.destroy(() => resolve()));
  }
}

/** Connects to Snowflake (nothing happens until the first query). */
export function connect(options: SnowflakeOptions = {}): SnowflakeBackend {
  return new SnowflakeBackend(options);
}

/**
 * Connects with SNOWFLAKE_ACCOUNT, SNOWFLAKE_USER, SNOWFLAKE_PASSWORD, SNOWFLAKE_WAREHOUSE,
 * SNOWFLAKE_DATABASE, SNOWFLAKE_SCHEMA, SNOWFLAKE_ROLE; the expression keeps the references.
 */
export function connectEnv(options: { readonly name?: string } = {}): SnowflakeBackend {
  return new SnowflakeBackend({
    name: options.name,
    account: envRef("SNOWFLAKE_ACCOUNT"),
    user: envRef("SNOWFLAKE_USER"),
    password: envRef("SNOWFLAKE_PASSWORD", ""),
    warehouse: envRef("SNOWFLAKE_WAREHOUSE", ""),
    database: envRef("SNOWFLAKE_DATABASE", ""),
    schema: envRef("SNOWFLAKE_SCHEMA", ""),
    role: envRef("SNOWFLAKE_ROLE", ""),
  });
}

/** Snowflake (snowflake-sdk, loaded on first use): `xo.snowflake.connect({ account, user, password, warehouse })` or `.connectEnv()`. */
export const snowflake = { connect, connectEnv };
