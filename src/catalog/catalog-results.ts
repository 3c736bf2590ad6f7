/**
 * The catalog as shared memory: an entry may hold its expression's result
 * (`entries/<hash>/result.parquet`, written by DuckDB's COPY), so whoever asks for the
 * same hash later (a teammate, CI, an agent) gets the stored rows instead of
 * recomputing them.
 *
 * ```ts
 * const hit = await catalogLookup(catalog, expr.hash());
 * const table = hit?.resultPath ? await loadResult(catalog, hit.hash) : await expr.execute();
 * if (!hit?.resultPath) await storeResult(catalog, expr.hash(), table);
 * ```
 */
import * as arrow from "apache-arrow";
import { fromArrowSchema, toArrowSchema } from "../backends/arrow-types.js";
import { DuckDBBackend } from "../backends/duckdb/duckdb-backend.js";
import { nodeHash } from "../expr/canonical.js";
import type { RelationNode } from "../expr/relation-nodes.js";
import type { Catalog, CatalogEntry } from "./catalog.js";
import { CatalogError } from "./catalog-error.js";
import { RESULT_FILE } from "./catalog-layout.js";

/** The entry for an expression hash (full or short), or null; `resultPath` says whether a result is stored. */
export function catalogLookup(catalog: Catalog, hash: string): Promise<CatalogEntry | null> {
  return catalog.find(hash);
}

/**
 * Stores an expression's result in its entry, as parquet, in one commit. The entry must
 * be in the catalog already (add the build first).
 */
export async function storeResult(catalog: Catalog, hash: string, table: arrow.Table): Promise<CatalogEntry> {
  const entry = await catalog.find(hash);
  if (entry === null) throw new CatalogError(`${hash} is not in the catalog at ${catalog.dir}: add its build first`);
  const schema = fromArrowSchema(table.schema);
  const message = `store result of ${entry.hash}${entry.model ? ` (model ${entry.model})` : ""}: ${table.numRows} rows`;
  await catalog.addEntryFile(entry.hash, RESULT_FILE, message, async (tmpPath) => {
    const duck = new DuckDBBackend({ name: "_xorq_catalog_results" });
    try {
      await duck.ingest("result", schema, table.batches, { temporary: true });
      await duck.run(`COPY result TO ${duck.dialect.stringLiteral(tmpPath)} (FORMAT parquet)`);
    } finally {
      await duck.close();
    }
  });
  return (await catalog.find(entry.hash))!;
}

/** Reads the stored result of an entry (by hash or alias). */
export async function loadResult(catalog: Catalog, ref: string): Promise<arrow.Table> {
  const { hash } = catalog.resolve(ref);
  const entry = await catalog.find(hash);
  if (entry?.resultPath == null) throw new CatalogError(`${hash} has no stored result in the catalog at ${catalog.dir}`);
  const duck = new DuckDBBackend({ name: "_xorq_catalog_results" });
  try {
    const schema = await duck.fileSchema("parquet", entry.resultPath, {});
    const batches: arrow.RecordBatch[] = [];
    for await (const b of duck.stream(`SELECT * FROM ${duck.dialect.readFile("parquet", entry.resultPath, {})}`, schema)) batches.push(b);
    return batches.length > 0 ? new arrow.Table(batches) : new arrow.Table(toArrowSchema(schema));
  } finally {
    await duck.close();
  }
}

/**
 * Shared memory, before computing: the stored result of this expression when the
 * catalog holds its entry with a result, else null (compute it).
 */
export async function catalogResultFor(catalog: Catalog, node: RelationNode): Promise<arrow.Table | null> {
  const entry = await catalog.find(nodeHash(node));
  return entry?.resultPath ? loadResult(catalog, entry.hash) : null;
}

/**
 * Shared memory, after computing: stores the result when the catalog holds the
 * expression's entry without one (entries are what a team chose to share; other
 * expressions are not added implicitly). Returns whether it stored.
 */
export async function rememberResult(catalog: Catalog, node: RelationNode, table: arrow.Table): Promise<boolean> {
  const entry = await catalog.find(nodeHash(node));
  if (entry === null || entry.resultPath !== null) return false;
  await storeResult(catalog, entry.hash, table);
  return true;
}
