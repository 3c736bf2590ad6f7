/**
 * PostgreSQL through `pg`, with data moving by binary COPY (`pg-copy-streams`):
 * results are read as `COPY (query) TO STDOUT (FORMAT binary)` and decoded straight
 * into Arrow buffers; ingest writes Arrow batches as `COPY ... FROM STDIN (FORMAT binary)`.
 *
 * One main session per backend: queries, streams and temporary tables (e.g. the data
 * of a hop) live in it. Operations on it are serialized, and a stream holds it until
 * it is consumed or abandoned, so a consumer of a stream must not wait for a temporary
 * table of the same backend (the executor compiles a hop into the engine it comes from
 * as plain SQL instead). Permanent tables are written through a second session, so
 * a backend's own query can be stored in it (`ingest(name, schema, stream)`).
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type * as arrow from "apache-arrow";
import type pg from "pg";
import { PostgresDialect } from "./postgres-dialect.js";
import type { Schema } from "../../expr/data-type.js";
import type { Batches, ChangeSignal, IngestOptions } from "../backend.js";
import { ConnectionError } from "../connection-error.js";
import { ConfiguredBackend } from "../base-backend.js";
import { envRef } from "../secrets.js";
import { BinaryCopyDecoder } from "./copy-binary-decoder.js";
import { BinaryCopyEncoder } from "./copy-binary-encoder.js";
import { CopyOutQuery } from "./copy-out-query.js";
import {
  POSTGRES_CHANGE_SIGNAL_SQL, POSTGRES_FLUSH_STATS_SQL, type PostgresSignalRow, postgresChangeSignal, relationsInPlan,
} from "./postgres-change-signal.js";
import { PostgresSession, sendCancel } from "./postgres-session.js";
import { postgresEngine } from "./postgres-engine.js";
import { convertedAfterLoad, fromPostgresType, wireTypeName } from "./postgres-types.js";

export interface PostgresOptions {
  /** The profile name expressions refer to this connection by (default "postgres"). */
  readonly name?: string;
  readonly host?: string;
  readonly port?: number | string;
  readonly user?: string;
  /**
   * A `${env:VAR}` reference (kept in the expression, read when the connection opens),
   * or a literal password, which is used but never recorded anywhere.
   */
  readonly password?: string;
  readonly database?: string;
}

const DIALECT = new PostgresDialect();

/**
 * A PostgreSQL database. Construction is synchronous; the connection opens on first
 * use, reading `${env:...}` parameters from the environment at that moment.
 */
export class PostgresBackend extends ConfiguredBackend<PostgresOptions> {
  readonly dialect = DIALECT;
  readonly #main = new PostgresSession(() => this.#open());
  /** For permanent tables, opened on first use. */
  readonly #writer = new PostgresSession(() => this.#open());

  constructor(options: PostgresOptions = {}) {
    super(postgresEngine, options);
  }

  /** Another session to the same database (its own temporary tables), for parallel work. */
  fork(): PostgresBackend {
    return new PostgresBackend(this.options);
  }

  /**
   * The main session, for users who need PostgreSQL features the API does not cover.
   * Once handed out, it keeps the process alive until `close()`.
   */
  connection(): Promise<pg.Client> {
    return this.#main.pinnedClient();
  }

  async #open(): Promise<pg.Client> {
    // An empty value (e.g. `${env:PGUSER:-}` with PGUSER unset) means "not given": pg's default applies.
    const resolved = this.params.resolve();
    // Loaded on first use: a program that never touches PostgreSQL does not pay for the driver.
    const { default: driver } = await import("pg");
    const client = new driver.Client({
      host: resolved.host,
      port: resolved.port === undefined ? undefined : Number(resolved.port),
      user: resolved.user,
      database: resolved.database,
      password: resolved.password,
      application_name: "xorq",
      // Results must not depend on the server's configured zone (date_trunc, casts of timestamptz to date or text).
      options: "-c TimeZone=UTC",
    });
    const where = `${resolved.user ?? "(default user)"}@${resolved.host ?? "localhost"}:${resolved.port ?? 5432}/${resolved.database ?? "(default database)"}`;
    try {
      await client.connect();
    } catch (e) {
      await client.end().catch(() => undefined);
      throw new ConnectionError(this.#redact(`cannot connect to postgres '${this.ref.name}' (${where}): ${(e as Error).message}`));
    }
    return client;
  }

  #redact(message: string): string {
    return this.params.redact(message);
  }

  async #query(client: pg.Client, sql: string, values?: unknown[]): Promise<pg.QueryResult> {
    try {
      return await client.query(sql, values);
    } catch (e) {
      throw this.#sqlError(e, sql);
    }
  }

  /** PostgreSQL's message with its code, hint and position (as line:column of `sql`, minus `prefix` characters of wrapping). */
  #sqlError(e: unknown, sql: string, prefix = 0): Error {
    const err = e as pg.DatabaseError;
    let message = err.message;
    if (err.code) message += ` (SQLSTATE ${err.code})`;
    if (err.detail) message += `\nDETAIL: ${err.detail}`;
    if (err.hint) message += `\nHINT: ${err.hint}`;
    const at = err.position ? Number(err.position) - 1 - prefix : -1;
    if (at >= 0 && at <= sql.length) {
      const before = sql.slice(0, at).split("\n");
      message += `\nat line ${before.length}, column ${before.at(-1)!.length + 1} of the SQL`;
    }
    return new Error(this.#redact(message), { cause: e });
  }

  async run(sql: string): Promise<void> {
    await this.#main.exclusive((client) => this.#query(client, sql));
  }

  /**
   * Column names and types from the statement's row description, with `LIMIT 0` so no
   * row is computed. Domains arrive as their base type.
   */
  querySchema(sql: string): Promise<Schema> {
    return this.#main.exclusive(async (client) => {
      const prefix = "SELECT * FROM (\n";
      let result: pg.QueryResult;
      try {
        result = await client.query(`${prefix}${sql}\n) AS _xorq_q LIMIT 0`);
      } catch (e) {
        throw this.#sqlError(e, sql, prefix.length);
      }
      return result.fields.map((f) => ({ name: f.name, type: fromPostgresType(f.dataTypeID, f.dataTypeModifier) }));
    });
  }

  /** A table's columns from the catalog (`schema.table` names are accepted). */
  override tableSchema(name: string): Promise<Schema> {
    return this.#main.exclusive(async (client) => {
      const result = await this.#query(
        client,
        `SELECT a.attname AS name,
                (CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END)::int8 AS oid,
                CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END AS typmod
           FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
          WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
          ORDER BY a.attnum`,
        [this.dialect.tableName(name)],
      );
      return result.rows.map((r: { name: string; oid: string; typmod: number }) => ({ name: r.name, type: fromPostgresType(Number(r.oid), r.typmod) }));
    });
  }

  /**
   * Streams a query's rows as Arrow record batches of ~64k rows. Each column is cast to
   * the type whose binary layout its declared type expects, so a text column of any
   * PostgreSQL type (enum, inet, array, ...) arrives as its text form.
   */
  async *stream(sql: string, schema: Schema): AsyncGenerator<arrow.RecordBatch> {
    const q = (n: string) => this.dialect.quoteIdentifier(n);
    const columns = schema.length === 0 ? "" : schema.map((f) => `CAST(${q(f.name)} AS ${wireTypeName(f.type, this.dialect)}) AS ${q(f.name)}`).join(", ");
    const prefix = `COPY (SELECT ${columns} FROM (\n`;
    const copySql = `${prefix}${sql}\n) AS _xorq_q) TO STDOUT (FORMAT binary)`;
    const release = await this.#main.acquire();
    try {
      const client = await this.#main.client();
      const decoder = new BinaryCopyDecoder(schema);
      let failure: unknown = null;
      const query = new CopyOutQuery(copySql, (buf, start, end) => {
        // A decoding error must not stop the protocol parsing mid-chunk: remember it, stop decoding.
        if (failure) return;
        try {
          decoder.feed(buf, start, end);
        } catch (e) {
          failure = e;
        }
      });
      client.query(query as unknown as pg.QueryConfig);
      let settled = false;
      try {
        for (;;) {
          const more = query.pump();
          if (failure) throw failure;
          const ready = decoder.take();
          for (const batch of ready) yield batch;
          if (!more || query.error) break;
          // Wait only when the socket was read dry: after a yield, bytes that arrived
          // meanwhile raise no new 'readable' event until they are read.
          if (ready.length === 0) await query.waitForData();
        }
        try {
          await query.done();
        } catch (e) {
          settled = true; // the server ended the COPY with an error; the session is usable again
          throw this.#sqlError(e, sql, prefix.length);
        }
        settled = true;
        const last = decoder.end();
        if (last) yield last;
      } finally {
        if (!settled) await this.#abandon(client, query);
      }
    } finally {
      release();
    }
  }

  /**
   * The consumer stopped reading (an error downstream, a `break`): cancel the query and
   * drain what is already on its way, so the session stays usable.
   */
  async #abandon(client: pg.Client, query: CopyOutQuery): Promise<void> {
    query.onData = () => undefined;
    if (query.pump() && !query.error) {
      void sendCancel(client);
      while (query.pump() && !query.error) await query.waitForData();
    }
    await query.done().catch(() => undefined); // "canceling statement due to user request"
  }

  /**
   * Creates (or replaces) a table and fills it by binary COPY, in one transaction: a
   * failure leaves the previous table (or none) in place, never a partial one.
   */
  async ingest(name: string, schema: Schema, batches: Batches, options: IngestOptions = {}): Promise<void> {
    const d = this.dialect;
    // pg_temp. keeps DROP from reaching a permanent table of the same name.
    const table = options.temporary ? `pg_temp.${d.quoteIdentifier(name)}` : d.tableName(name);
    const columns = schema.map((f) => `${d.quoteIdentifier(f.name)} ${convertedAfterLoad(f.type) ? "TEXT" : wireTypeName(f.type, d)}`);
    const copySql = `COPY ${table} FROM STDIN (FORMAT binary)`;
    // The first batch is awaited before taking the session: producing it may need this
    // engine (a lazy source runs its own upstream steps on first read).
    const source = Symbol.asyncIterator in batches ? batches[Symbol.asyncIterator]() : batches[Symbol.iterator]();
    const first = await source.next();
    await (options.temporary ? this.#main : this.#writer).exclusive(async (client) => {
      await this.#query(client, "BEGIN");
      try {
        await this.#query(client, `DROP TABLE IF EXISTS ${table}`);
        await this.#query(client, `CREATE ${options.temporary ? "TEMP " : ""}TABLE ${options.temporary ? d.quoteIdentifier(name) : table} (${columns.join(", ")})`);
        const encoder = new BinaryCopyEncoder(schema);
        async function* bytes(): AsyncGenerator<Buffer> {
          yield encoder.header();
          for (let next = first; !next.done; next = await source.next()) yield* encoder.encode(next.value);
          yield encoder.trailer();
        }
        try {
          const { from: copyFrom } = await import("pg-copy-streams");
          await pipeline(Readable.from(bytes(), { objectMode: false }), client.query(copyFrom(copySql)));
        } catch (e) {
          throw (e as pg.DatabaseError).severity ? this.#sqlError(e, copySql) : e;
        }
        for (const f of schema.filter((f) => convertedAfterLoad(f.type))) {
          const c = d.quoteIdentifier(f.name);
          await this.#query(client, `ALTER TABLE ${table} ALTER COLUMN ${c} TYPE ${d.typeName(f.type)} USING ${c}::${d.typeName(f.type)}`);
        }
        await this.#query(client, "COMMIT");
      } catch (e) {
        await client.query("ROLLBACK").catch(() => undefined);
        await Promise.resolve(source.return?.()).catch(() => undefined); // let an abandoned source release its engine
        throw e;
      }
    });
  }

  /** Tables and views visible without a schema prefix by their bare name, others as schema.name. */
  listTables(): Promise<string[]> {
    return this.#main.exclusive(async (client) => {
      const result = await this.#query(
        client,
        `SELECT CASE WHEN pg_table_is_visible(c.oid) THEN c.relname ELSE n.nspname || '.' || c.relname END AS name
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f')
            AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
            AND (n.nspname NOT LIKE 'pg\\_temp\\_%' OR n.oid = pg_my_temp_schema())
          ORDER BY 1`,
      );
      return result.rows.map((r: { name: string }) => r.name);
    });
  }

  /** Exact write counters and the table's identity (postgres-change-signal.ts says when they lag). */
  changeSignal(table: string): Promise<ChangeSignal | null> {
    return this.#main.exclusive(async (client) => {
      // Our own committed writes may still be pending in this session's statistics.
      await client.query(POSTGRES_FLUSH_STATS_SQL).catch(() => undefined); // PostgreSQL < 15 has no such function
      const result = await this.#query(client, POSTGRES_CHANGE_SIGNAL_SQL, [this.dialect.tableName(table)]);
      return postgresChangeSignal(table, result.rows[0] as PostgresSignalRow | undefined);
    });
  }

  /** The base tables a query scans, from its plan (views expanded), as `schema.table`. */
  tablesReadBy(sql: string): Promise<string[]> {
    return this.#main.exclusive(async (client) => {
      const result = await this.#query(client, `EXPLAIN (FORMAT JSON, VERBOSE) ${sql}`);
      return relationsInPlan(result.rows[0]?.["QUERY PLAN"]);
    });
  }

  async close(): Promise<void> {
    await this.#writer.close();
    await this.#main.close();
  }
}

/**
 * Connects to PostgreSQL. Parameters may be `${env:VAR}` references; a literal password
 * is used to log in but kept out of the expression (and so out of hashes and artifacts).
 *
 * ```ts
 * const pg = xo.postgres.connect({ host: "localhost", user: "me", database: "shop", password: "${env:PGPASSWORD}" });
 * const users = await pg.table("users");
 * ```
 */
export function connect(options: PostgresOptions = {}): PostgresBackend {
  return new PostgresBackend(options);
}

/**
 * Connects with the libpq environment variables (PGHOST, PGPORT, PGUSER, PGPASSWORD,
 * PGDATABASE). The expression records the references, not the values: the same
 * expression runs against whatever server the environment names.
 */
export function connectEnv(options: { readonly name?: string } = {}): PostgresBackend {
  return new PostgresBackend({
    name: options.name,
    host: envRef("PGHOST", "localhost"),
    port: envRef("PGPORT", "5432"),
    user: envRef("PGUSER", ""),
    password: envRef("PGPASSWORD", ""),
    database: envRef("PGDATABASE", ""),
  });
}

/** PostgreSQL: `xo.postgres.connect({ host, port, user, password, database })` or `xo.postgres.connectEnv()`. */
export const postgres = { connect, connectEnv };
