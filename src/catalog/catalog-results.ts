/**
 * The catalog as shared memory: an entry may hold its expression's result
 * (`entries/<hash>/result.parquet`, written by DuckDB's COPY), so whoever asks for the
 * same hash later (a teammate, CI, an agent) gets the stored rows instead of
 * recomputing them. The services' local DuckDB writes and reads the files, on a
 * connection of its own per call (its temporary `result` table meets no other call's).
 *
 * Never stale: the expression's hash does not change when its data does (multiply a
 * source CSV's amounts by 10 and the hash stays), so a stored result also records the
 * change signals of its inputs when it was computed (`result.json`: the
 * modification_time signals of `cache-key.ts`, read before computing) and is served
 * only while they still match; otherwise it is recomputed and stored again, or, offline,
 * refused. A result stored without signals (`storeResult` without `signals`) can be
 * read with `loadResult` but is never served as shared memory.
 *
 * ```ts
 * const shared = await sharedResult(catalog, expr, { services });
 * const table = shared.stored ?? (await services.execute(expr));
 * if (!shared.stored && shared.entry) await shared.store(table);
 * ```
 */
import * as arrow from "apache-arrow";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fromArrowSchema, toArrowSchema } from "../backends/arrow-types.js";
import { type InputSignals, changedSignals, inputSignals } from "../cache/input-signals.js";
import { jsonText } from "../util/atomic-write.js";
import { nodeHash } from "../expr/canonical.js";
import type { Table } from "../expr/table.js";
import type { Catalog, CatalogEntry } from "./catalog.js";
import { CatalogError } from "./catalog-error.js";
import { RESULT_FILE, RESULT_SIGNALS_FILE } from "./catalog-layout.js";
import { type Services, defaultServices } from "../services.js";

/** The entry for an expression hash (full or short), or null; `resultPath` says whether a result is stored. */
export function catalogLookup(catalog: Catalog, hash: string): Promise<CatalogEntry | null> {
  return catalog.find(hash);
}

export interface StoreOptions {
  /** The change signals of the result's inputs, read before it was computed (see `inputSignals`). */
  readonly signals?: InputSignals;
}

/**
 * Stores an expression's result in its entry, as parquet, with the signals of its
 * inputs, in one commit. The entry must be in the catalog already (add the build first).
 */
export async function storeResult(
  catalog: Catalog,
  hash: string,
  table: arrow.Table,
  services: Services = defaultServices(),
  options: StoreOptions = {},
): Promise<CatalogEntry> {
  const entry = await catalog.find(hash);
  if (entry === null) throw new CatalogError(`${hash} is not in the catalog at ${catalog.dir}: add its build first`);
  const schema = fromArrowSchema(table.schema);
  const message = `store result of ${entry.hash}${entry.model ? ` (model ${entry.model})` : ""}: ${table.numRows} rows`;
  const parquet = async (tmpPath: string) => {
    const duck = (await services.localEngine()).fork();
    try {
      await duck.ingest("result", schema, table.batches, { temporary: true });
      await duck.run(`COPY result TO ${duck.dialect.stringLiteral(tmpPath)} (FORMAT parquet)`);
    } finally {
      await duck.close();
    }
  };
  const { signals } = options;
  // Without signals, an older result's signals go: they would vouch for this result.
  const record = signals === undefined ? null : async (tmpPath: string) => writeFileSync(tmpPath, jsonText({ rows: table.numRows, signals }));
  await catalog.addEntryFiles(entry.hash, { [RESULT_FILE]: parquet, [RESULT_SIGNALS_FILE]: record }, message);
  return (await catalog.find(entry.hash))!;
}

/** Reads the stored result of an entry (by hash or alias). */
export async function loadResult(catalog: Catalog, ref: string, services: Services = defaultServices()): Promise<arrow.Table> {
  const { hash } = catalog.resolve(ref);
  const entry = await catalog.find(hash);
  if (entry?.resultPath == null) throw new CatalogError(`${hash} has no stored result in the catalog at ${catalog.dir}`);
  const duck = (await services.localEngine()).fork();
  try {
    const schema = await duck.fileSchema("parquet", entry.resultPath, {});
    const batches: arrow.RecordBatch[] = [];
    for await (const b of duck.stream(`SELECT * FROM ${duck.dialect.readFile("parquet", entry.resultPath, {})}`, schema)) batches.push(b);
    return batches.length > 0 ? new arrow.Table(batches) : new arrow.Table(toArrowSchema(schema));
  } finally {
    await duck.close();
  }
}

export interface SharedResultOptions {
  readonly services?: Services;
  /** Where the expression's relative paths resolve when it runs (a project's xorq_project/). */
  readonly baseDir?: string;
  /** The entry's hash, when the expression was rebuilt from it with paths that differ (relocated reads); default: its own. */
  readonly hash?: string;
  /** Serve stored results only: a stale or missing one is an error instead of a computation. */
  readonly offline?: boolean;
}

export interface SharedResult {
  /** The stored result, when the catalog holds one whose inputs are unchanged; else null (compute it). */
  readonly stored: arrow.Table | null;
  /** The expression's entry, or null when it is not in the catalog (then nothing is stored). */
  readonly entry: CatalogEntry | null;
  /** Why nothing was served: no entry, no result stored, or the inputs named here changed. */
  readonly stale: ReadonlyArray<string>;
  /** Stores a computed result in the entry, with the signals read before computing it. */
  store(result: arrow.Table): Promise<CatalogEntry>;
}

/**
 * Shared memory, before computing an expression: its stored result when the signals of
 * its inputs still match the ones stored with it. The current signals are read now,
 * before any computation, and are the ones `store` records (a change during the
 * computation then shows as a change next time).
 */
export async function sharedResult(catalog: Catalog, table: Table, options: SharedResultOptions = {}): Promise<SharedResult> {
  const services = options.services ?? defaultServices();
  const entry = await catalog.find(options.hash ?? nodeHash(table.node));
  const refuse = (why: string): never => {
    throw new CatalogError(`--offline: ${why}; run without --offline to compute it`);
  };
  if (entry === null) {
    if (options.offline) refuse(`${nodeHash(table.node).slice(0, 12)} is not in the catalog at ${catalog.dir}`);
    return { stored: null, entry: null, stale: [], store: () => Promise.reject(new CatalogError("the expression is not in the catalog: add its build first")) };
  }
  const current = await inputSignals(table, services, options.baseDir === undefined ? {} : { baseDir: options.baseDir });
  const store = (result: arrow.Table) => storeResult(catalog, entry.hash, result, services, { signals: current.signals });
  const what = `the stored result of ${entry.hash}${entry.model ? ` (model ${entry.model})` : ""}`;
  if (entry.resultPath === null) {
    if (options.offline) refuse(`${entry.hash}${entry.model ? ` (model ${entry.model})` : ""} has no stored result`);
    return { stored: null, entry, stale: [], store };
  }
  const recorded = storedSignals(entry);
  const changed = recorded === null ? ["(no signals were stored with it)"] : changedSignals(recorded, current.signals).map((id) => current.described[id] ?? id);
  if (changed.length > 0) {
    if (options.offline) refuse(`${what} is stale: its inputs changed since it was computed (${changed.join(", ")})`);
    return { stored: null, entry, stale: changed, store };
  }
  return { stored: await loadResult(catalog, entry.hash, services), entry, stale: [], store };
}

/**
 * Runs `table` through the catalog's shared memory, as a stream: the stored rows when
 * they are fresh, else the computed rows, stored in the entry (when there is one) once
 * the stream was read to its end.
 */
export async function* sharedBatches(catalog: Catalog, table: Table, options: SharedResultOptions = {}): AsyncGenerator<arrow.RecordBatch> {
  const services = options.services ?? defaultServices();
  const shared = await sharedResult(catalog, table, options);
  if (shared.stored) {
    yield* shared.stored.batches;
    return;
  }
  const kept: arrow.RecordBatch[] = [];
  for await (const b of services.stream(table, options.baseDir === undefined ? {} : { baseDir: options.baseDir })) {
    if (shared.entry) kept.push(b);
    yield b;
  }
  if (shared.entry) await shared.store(kept.length > 0 ? new arrow.Table(kept) : new arrow.Table(toArrowSchema(table.schema())));
}

function storedSignals(entry: CatalogEntry): InputSignals | null {
  try {
    const doc = JSON.parse(readFileSync(join(entry.path, RESULT_SIGNALS_FILE), "utf8")) as { signals?: InputSignals };
    return doc.signals ?? null;
  } catch {
    return null;
  }
}
