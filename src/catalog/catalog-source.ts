/**
 * A catalog entry as a project source (`sources/*.yaml`: `- name: orders` /
 * `catalog: orders-v2`), so every model kind reads it as `source('orders')`: the
 * entry's expression, run from the project's catalog (its relocated reads, its imports),
 * in the project's own engines. An entry whose engine is not a profile of the project
 * (same name, same settings) is refused rather than opened behind the project's back.
 */
import type { Connections } from "../backends/connections.js";
import type { Table } from "../expr/table.js";
import type { ProjectLocation } from "../project/project-spec.js";
import { Catalog } from "./catalog.js";
import { CatalogError } from "./catalog-error.js";
import { EntryEngines, openCatalogExpr } from "./catalog-exprs.js";
import { catalogDir } from "./target-resolver.js";

/** The expression of the entry `ref` (an alias or a hash) of the project's catalog. */
export async function catalogSourceTable(ref: string, location: ProjectLocation, connections: Connections): Promise<Table> {
  const dir = catalogDir({ projectRoot: location.root });
  const catalog = await Catalog.open(dir);
  try {
    const entry = await openCatalogExpr(catalog, ref, new EntryEngines(connections), { baseDir: location.projectDir });
    return entry.expr();
  } catch (e) {
    if (e instanceof CatalogError) throw new CatalogError(`catalog entry '${ref}' (${dir}): ${e.message}`);
    throw e;
  }
}
