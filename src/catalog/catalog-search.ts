/**
 * Finding entries in the catalog, as an agent or a teammate looks for an expression to
 * reuse or extend (Xorq's "search the catalog" step): by free text, by a column of the
 * result, by model name, by tag. Reads what `catalog ls` reads (each entry's
 * metadata.json and one `git log`), no engine.
 *
 * ```ts
 * const hits = await catalog.search({ column: "customer_id", tag: "marts" });
 * const expr = (await catalog.get(hits[0]!.hash)).expr();
 * ```
 */
import type { Field } from "../expr/data-type.js";
import type { Catalog, CatalogEntry } from "./catalog.js";
import { readArtifactInfo } from "./artifact-info.js";

export interface SearchQuery {
  /** Case-insensitive, in the hash, model name, aliases, description, tags and column names. */
  readonly text?: string;
  /** A column of the result (case-insensitive name). */
  readonly column?: string;
  /** The model name, exactly. */
  readonly model?: string;
  /** A tag the entry was built with (metadata.json `tags`). */
  readonly tag?: string;
}

export interface SearchHit extends CatalogEntry {
  /** The result's columns. */
  readonly schema: ReadonlyArray<Field>;
  readonly tags: ReadonlyArray<string>;
  readonly description: string | null;
}

/** The entries that match every given criterion (all entries for an empty query), sorted by hash. */
export async function searchCatalog(catalog: Catalog, query: SearchQuery): Promise<SearchHit[]> {
  const text = query.text?.toLowerCase();
  const column = query.column?.toLowerCase();
  const hits: SearchHit[] = [];
  for (const entry of await catalog.entries()) {
    const { metadata } = readArtifactInfo(entry.path);
    const schema = Array.isArray(metadata["schema"]) ? (metadata["schema"] as Field[]) : [];
    const tags = Array.isArray(metadata["tags"]) ? (metadata["tags"] as unknown[]).map(String) : [];
    const description = typeof metadata["description"] === "string" ? metadata["description"] : null;
    const hit: SearchHit = { ...entry, schema, tags, description };
    if (query.model !== undefined && entry.model !== query.model) continue;
    if (query.tag !== undefined && !tags.includes(query.tag)) continue;
    if (column !== undefined && !schema.some((f) => f.name.toLowerCase() === column)) continue;
    if (text !== undefined && !haystack(hit).some((s) => s.toLowerCase().includes(text))) continue;
    hits.push(hit);
  }
  return hits;
}

function haystack(hit: SearchHit): string[] {
  return [hit.fullHash, hit.model ?? "", ...hit.aliases, hit.description ?? "", ...hit.tags, ...hit.schema.map((f) => f.name)];
}
