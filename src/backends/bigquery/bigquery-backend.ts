/**
 * BigQuery through the official `@google-cloud/bigquery`, imported when the first
 * connection opens. Queries run as jobs (schemas from dry runs, which read no data);
 * results stream as rows and are batched into Arrow; Arrow is written with a load job
 * fed newline-delimited JSON as it is produced (no file in between).
 *
 * Credentials come the SDK's usual way (GOOGLE_APPLICATION_CREDENTIALS, or the
 * environment's default credentials); `key_file` may name a key file explicitly.
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type * as arrow from "apache-arrow";
import type { BigQuery, Job, Query } from "@google-cloud/bigquery";
import type { Schema } from "../../expr/data-type.js";
import type { Batches, ChangeSignal, IngestOptions } from "../backend.js";
import { ConfiguredBackend } from "../base-backend.js";
import { RowBatcher } from "../row-batcher.js";
import { envRef } from "../secrets.js";
import { BigQueryDialect } from "./bigquery-dialect.js";
import { bigqueryEngine } from "./bigquery-engine.js";
import { type BigQuerySignalRow, bigqueryChangeSignal, bigqueryChangeSignalSql } from "./bigquery-change-signal.js";
import { type BigQueryField, batchToNdjson, fromBigQueryType, loadSchema, wireValue } from "./bigquery-values.js";

export interface BigQueryOptions {
  /** The profile name expressions refer to this connection by (default "bigquery"). */
  readonly name?: string;
  /** The project jobs run (and are billed) in. */
  readonly project_id?: string;
  /** The dataset unqualified table names refer to, and where xorq writes tables (hops, caches). */
  readonly dataset?: string;
  readonly location?: string;
  /** A service account key file (default: the SDK's own discovery). */
  readonly key_file?: string;
}

const DIALECT = new BigQueryDialect();
/** Tables written for a run (hops, in-memory data) expire on their own if a run dies before dropping them. */
const TEMPORARY_TTL_MS = 24 * 3600 * 1000;

export class BigQueryBackend extends ConfiguredBackend<BigQueryOptions> {
  readonly dialect = DIALECT;
  #client: Promise<{ bq: BigQuery; project: string | undefined; dataset: string | undefined; location: string | undefined }> | null = null;

  constructor(options: BigQueryOptions = {}) {
    super(bigqueryEngine, options);
  }

  fork(): BigQueryBackend {
    return new BigQueryBackend(this.options);
  }

  /** The SDK client, for users who need what the API does not cover. */
  async client(): Promise<BigQuery> {
    return (await this.#open()).bq;
  }

  #open() {
    this.#client ??= (async () => {
      const p = this.params.resolve();
      const { BigQuery } = await import("@google-cloud/bigquery");
      const bq = new BigQuery({ projectId: p.project_id, location: p.location, keyFilename: p.key_file });
      return { bq, project: p.project_id, dataset: p.dataset, location: p.location };
    })().catch((e: unknown) => {
      this.#client = null;
      throw e;
    });
    return this.#client;
  }

  /** A query job with this backend's default dataset (unqualified names resolve there). */
  async #job(sql: string, extra: Partial<Query> = {}): Promise<Job> {
    const { bq, project, dataset, location } = await this.#open();
    const [job] = await bq.createQueryJob({
      query: sql, useLegacySql: false, location,
      ...(dataset ? { defaultDataset: { projectId: project, datasetId: dataset } } : {}),
      ...extra,
    });
    return job;
  }

  async run(sql: string): Promise<void> {
    await (await this.#job(sql)).getQueryResults({ maxResults: 0 });
  }

  /** The schema of a dry run: BigQuery validates and types the query without reading data (and bills nothing). */
  async querySchema(sql: string): Promise<Schema> {
    const job = await this.#job(sql, { dryRun: true });
    const fields = (job.metadata?.statistics?.query?.schema?.fields ?? []) as BigQueryField[];
    return fields.map((f) => ({ name: String(f.name), type: fromBigQueryType(f) }));
  }

  async *stream(sql: string, schema: Schema): AsyncGenerator<arrow.RecordBatch> {
    const job = await this.#job(sql);
    await job.promise();
    // The result's field types (the wire form of a value depends on them).
    const [, , response] = await job.getQueryResults({ maxResults: 0 });
    const fields = ((response as { schema?: { fields?: BigQueryField[] } } | undefined)?.schema?.fields ?? []) as BigQueryField[];
    if (fields.length !== schema.length) throw new Error(`query returned ${fields.length} columns, expected ${schema.length}`);
    const batcher = new RowBatcher(schema);
    const rows = job.getQueryResultsStream({ skipParsing: true } as Parameters<Job["getQueryResultsStream"]>[0]);
    for await (const row of rows as AsyncIterable<{ f: Array<{ v: unknown }> }>) {
      const batch = batcher.push(row.f.map((cell, c) => wireValue(cell.v, fields[c]!)));
      if (batch) yield batch;
    }
    const last = batcher.flush();
    if (last) yield last;
  }

  /** Replaces the table with a load job (atomic: WRITE_TRUNCATE takes effect when the job succeeds). */
  async ingest(name: string, schema: Schema, batches: Batches, options: IngestOptions = {}): Promise<void> {
    const { bq, project, dataset } = await this.#open();
    const parts = name.split(".");
    const tableId = parts.at(-1)!;
    const datasetId = parts.at(-2) ?? dataset;
    if (!datasetId) throw new Error(`bigquery '${this.ref.name}' needs a dataset to write '${name}': set 'dataset' in its profile or qualify the name`);
    const table = bq.dataset(datasetId, { projectId: parts.at(-3) ?? project }).table(tableId);
    const sink = table.createWriteStream({
      sourceFormat: "NEWLINE_DELIMITED_JSON", schema: loadSchema(schema),
      writeDisposition: "WRITE_TRUNCATE", createDisposition: "CREATE_IF_NEEDED",
    });
    const done = new Promise<void>((resolve, reject) => {
      sink.once("complete", () => resolve());
      sink.once("error", reject);
    });
    async function* lines(): AsyncGenerator<string> {
      for await (const batch of batches) yield batchToNdjson(batch, schema);
    }
    await Promise.all([pipeline(Readable.from(lines()), sink), done]);
    if (options.temporary) await table.setMetadata({ expirationTime: String(Date.now() + TEMPORARY_TTL_MS) });
  }

  /** last_modified_time from the dataset's __TABLES__ (bigquery-change-signal.ts); null for a view. */
  async changeSignal(table: string): Promise<ChangeSignal | null> {
    const { dataset } = await this.#open();
    const [rows] = await (await this.#job(bigqueryChangeSignalSql(this.dialect, table, dataset))).getQueryResults();
    return bigqueryChangeSignal(table, rows[0] as BigQuerySignalRow | undefined);
  }

  /** The tables a query reads, from a dry run's `referencedTables` (nothing runs, nothing is billed). */
  async tablesReadBy(sql: string): Promise<string[]> {
    const job = await this.#job(sql, { dryRun: true });
    const refs = (job.metadata?.statistics?.query?.referencedTables ?? []) as Array<{ projectId: string; datasetId: string; tableId: string }>;
    return refs.map((r) => `${r.projectId}.${r.datasetId}.${r.tableId}`).sort();
  }

  async listTables(): Promise<string[]> {
    const { bq, dataset } = await this.#open();
    if (!dataset) return [];
    const [tables] = await bq.dataset(dataset).getTables();
    return tables.map((t) => String(t.id)).sort();
  }

  async close(): Promise<void> {
    this.#client = null; // the SDK keeps no connection open between requests
  }
}

/** Connects to BigQuery (nothing happens until the first query). */
export function connect(options: BigQueryOptions = {}): BigQueryBackend {
  return new BigQueryBackend(options);
}

/** Connects with GCP_PROJECT, BIGQUERY_DATASET and BIGQUERY_LOCATION; credentials the SDK's usual way. */
export function connectEnv(options: { readonly name?: string } = {}): BigQueryBackend {
  return new BigQueryBackend({
    name: options.name,
    project_id: envRef("GCP_PROJECT"),
    dataset: envRef("BIGQUERY_DATASET", ""),
    location: envRef("BIGQUERY_LOCATION", ""),
  });
}

/** BigQuery (@google-cloud/bigquery, loaded on first use): `xo.bigquery.connect({ project_id, dataset })` or `.connectEnv()`. */
export const bigquery = { connect, connectEnv };
