/**
 * The catalog as shared memory: an entry may hold its expression's result
 * (`entries/<hash>/result.parquet`, written by DuckDB's COPY), so whoever asks for the
 * same hash later (a teammate, CI, an agent) gets the stored rows instead of
 * recomputing them. The services' local DuckDB writes and reads the files, on a
 * connection of its own per call (its temporary `result` table meets no other call's).
 *
 * ```ts
 * const hit = await catalogLookup(catalog, expr.hash());
 * const table = hit?.resultPath ? await loadResult(catalog, hit.hash) : await expr.execute();
 * if (!hit?.resultPath) await storeResult(catalog, expr.hash(), table);
 * ```
 */
import * as arrow from "apache-arrow";
import { fromArrowSchema, toArrowSchema } from "../backends/arrow-types.js";
import { nodeHash } from "../expr/canonical.js";
import type { RelationNode } from "../expr/relation-nodes.js";
import type { Catalog, CatalogEntry } from "./catalog.js";
import { CatalogError } from "./catalog-error.js";
import { RESULT_FILE } from "./catalog-layout.js";
import { type Services, defaultServices } from "../services.js";

/** The entry for an expression hash (full or short), or null; `resultPath` says whether a result is stored. */
export function catalogLookup(catalog: Catalog, hash: string): Promise<CatalogEntry | null> {
  return catalog.find(hash);
}

/**
 * Stores an expression's result in its entry, as parquet, in one commit. The entry must
 * be in the catalog already (add the build first).
 */
export async function storeResult(catalog: Catalog, hash: string, table: arrow.Table, services: Services = defaultServices()): Promise<CatalogEntry> {
  const entry = await catalog.find(hash);
  if (entry === null) throw new CatalogError(`${hash} is not in the catalog at ${catalog.dir}: add its build first`);
  const schema = fromArrowSchema(table.schema);
  const message = `store result of ${entry.hash}${entry.model ? ` (model ${entry.model})` : ""}: ${table.numRows} rows`;
  await catalog.addEntryFile(entry.hash, RESULT_FILE, message, async (tmpPath) => {
    const duck = (await services.localEngine()).fork();
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

/**
 * Shared memory, before computing: the stored result of this expression when the
 * catalog holds its entry with a result, else null (compute it).
 */
export async function catalogResultFor(catalog: Catalog, node: RelationNode, services: Services = defaultServices()): Promise<arrow.Table | null> {
  const entry = await catalog.find(nodeHash(node));
  return entry?.resultPath ? loadResult(catalog, entry.hash, services) : null;
}
