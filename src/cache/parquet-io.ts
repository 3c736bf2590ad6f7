/**
 * Writing a cache node's result to a parquet file and serving a parquet file to the
 * engine that consumes it. DuckDB writes and reads the files (`COPY ... TO`,
 * `read_parquet`); other engines receive the rows as Arrow batches.
 */
import type { Backend, FileReadingBackend } from "../backends/backend.js";
import { canReadFiles } from "../backends/backend.js";
import { ExecutionError, type ExecutionRun } from "../backends/executor.js";
import type { Schema } from "../expr/data-type.js";
import type { CacheNode, CachePolicy } from "../expr/relation-nodes.js";

/** What a storage needs to fill or serve one cache node. */
export interface CacheRequest {
  readonly node: CacheNode;
  readonly key: string;
  readonly run: ExecutionRun;
  /** The engine whose query reads the cached rows. */
  readonly backend: Backend;
}

/** The engine a policy names with `source`, if any (a connection of the expression, or a profile). */
export async function policySource(policy: CachePolicy, run: ExecutionRun): Promise<Backend | null> {
  const name = policy.options.source;
  if (name === undefined) return null;
  const kind = (policy.options.source_kind ?? "duckdb") as Backend["ref"]["kind"];
  return run.backendFor({ name, kind, params: {} });
}

/**
 * The DuckDB that writes and reads a parquet policy's files: the policy's source, the
 * consuming engine when it is DuckDB, else the run's local engine.
 */
export async function parquetEngine(policy: CachePolicy, run: ExecutionRun, backend: Backend): Promise<FileReadingBackend> {
  const source = await policySource(policy, run);
  if (source) {
    if (!canReadFiles(source)) throw new ExecutionError(`parquet cache source '${source.ref.name}' is ${source.ref.kind}; it must be a DuckDB connection`, null);
    return source;
  }
  return canReadFiles(backend) ? backend : run.localEngine();
}

/** Key/value metadata stored in the parquet footer: `xorq cache ls` and `prune` read it. */
export interface EntryMetadata {
  readonly key: string;
  readonly input: string;
  readonly strategy: string;
  readonly ttl: number | null;
}

export const METADATA_KEY = "xorq_cache";

/** Computes the node's input and writes it to `path` as parquet (the caller renames it into place). */
export async function writeParquet(req: CacheRequest, engine: FileReadingBackend, path: string, metadata: EntryMetadata): Promise<void> {
  const d = engine.dialect;
  const options = `(FORMAT parquet, KV_METADATA {${METADATA_KEY}: ${d.stringLiteral(JSON.stringify(metadata))}})`;
  if (engine === req.backend) {
    const sql = await req.run.prepareSegment(req.node.input, engine);
    await runOrExplain(engine, `COPY (\n${sql}\n) TO ${d.stringLiteral(path)} ${options}`);
    return;
  }
  // The rows come from another engine: land them in a temporary table, then copy that.
  const staging = `_xorq_stage_${req.key.slice(0, 16)}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await engine.ingest(staging, req.node.schema, req.run.stream(req.node.input), { temporary: true });
  try {
    await runOrExplain(engine, `COPY ${d.quoteIdentifier(staging)} TO ${d.stringLiteral(path)} ${options}`);
  } finally {
    await engine.run(`DROP TABLE IF EXISTS ${d.quoteIdentifier(staging)}`).catch(() => undefined);
  }
}

async function runOrExplain(engine: Backend, sql: string): Promise<void> {
  try {
    await engine.run(sql);
  } catch (e) {
    throw new ExecutionError(`${engine.ref.kind} failed while writing a cache entry: ${(e as Error).message}\nSQL:\n${sql}`, sql, { cause: e });
  }
}

/** `SELECT` of a parquet file with the node's exact column types (the file's may be wider). */
export function parquetScanSql(engine: FileReadingBackend, path: string, schema: Schema): string {
  const d = engine.dialect;
  const cols = schema.map((f) => `CAST(${d.quoteIdentifier(f.name)} AS ${d.typeName(f.type)}) AS ${d.quoteIdentifier(f.name)}`);
  return `SELECT ${cols.join(", ")} FROM ${d.readFile("parquet", path, {})}`;
}

/**
 * Makes the rows of a parquet file available to `req.backend` under a table name.
 * `view`, for a file that stays put: a view over the file in the DuckDB that consumes
 * it, so a hit costs what reading the file costs. Otherwise (another engine, or a
 * downloaded copy about to be deleted) the rows are moved in as Arrow batches into a
 * temporary table the run drops when it ends.
 */
export async function serveParquet(req: CacheRequest, engine: FileReadingBackend, path: string, mode: "view" | "copy"): Promise<string> {
  const { backend, node, key, run } = req;
  const scan = parquetScanSql(engine, path, node.schema);
  if (mode === "view" && engine === backend) {
    const name = `_xorq_parquet_${key.slice(0, 32)}`;
    // Named by the key: every run asking for this entry on this connection defines the same view.
    await engine.run(`CREATE OR REPLACE TEMP VIEW ${engine.dialect.quoteIdentifier(name)} AS ${scan}`);
    return name;
  }
  const name = `_xorq_cached_${key.slice(0, 32)}`;
  await run.moveInto(backend, name, node.schema, () => engine.stream(scan, node.schema), node);
  return name;
}
