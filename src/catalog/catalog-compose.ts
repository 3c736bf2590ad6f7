/**
 * Composing catalog entries into a new one (`xorq catalog compose ALIAS… --code FILE.ts
 * --alias NEW`): a TypeScript module's default export is a function of the entries'
 * expressions, in the order given, that returns the new expression; it is added to the
 * catalog like `catalog.add(expr)`, so it runs from the catalog alone.
 *
 * ```ts
 * // spend.ts
 * import { _, type Table } from "xorq";
 * export default (orders: Table, customers: Table) =>
 *   orders.join(customers, "customer_id").groupBy("name").agg({ spent: _.amount.sum() });
 * ```
 *
 * The module is imported with the loader of TS models (`import … from "xorq"` is this tool).
 */
import { resolve } from "node:path";
import { Table } from "../expr/table.js";
import type { Services } from "../services.js";
import type { AddResult, Catalog } from "./catalog.js";
import { CatalogError } from "./catalog-error.js";

/** What a compose module's default export is. */
export type ComposeFunction = (...exprs: Table[]) => Table | Promise<Table>;

export interface ComposeOptions {
  /** The alias of the new entry. */
  readonly alias: string;
  /** Its model name (default: the alias). */
  readonly name?: string;
  readonly description?: string;
  readonly tags?: ReadonlyArray<string>;
  /** Where relative paths (the code file, reads the entries did not carry) resolve: default the working directory. */
  readonly baseDir?: string;
  readonly services?: Services;
}

/** Adds `compose(...entries' expressions)` under `options.alias`; the entries are aliases or hashes. */
export async function composeEntries(catalog: Catalog, refs: ReadonlyArray<string>, code: string, options: ComposeOptions): Promise<AddResult> {
  if (refs.length === 0) throw new CatalogError("compose needs at least one entry (an alias or a hash)");
  const baseDir = resolve(options.baseDir ?? process.cwd());
  const compose = await importComposeFunction(resolve(baseDir, code));
  const shared = { baseDir, ...(options.services ? { services: options.services } : {}) };
  const exprs: Table[] = [];
  for (const ref of refs) exprs.push((await catalog.get(ref, shared)).expr());
  const composed = await compose(...exprs);
  if (!(composed instanceof Table)) throw new CatalogError(`${code}: the compose function returned ${describe(composed)}, not an expression (a Table)`);
  return catalog.add(composed, {
    alias: options.alias,
    name: options.name ?? options.alias,
    baseDir,
    ...(options.description === undefined ? {} : { description: options.description }),
    ...(options.tags === undefined ? {} : { tags: options.tags }),
    ...(options.services ? { services: options.services } : {}),
  });
}

async function importComposeFunction(file: string): Promise<ComposeFunction> {
  const { importTsModule } = await import("../project/model-kinds/ts-loader.js");
  const main = await importTsModule(file);
  if (typeof main !== "function") {
    throw new CatalogError(`${file}: the default export must be a function of the entries' expressions, got ${describe(main)}`);
  }
  return main as ComposeFunction;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === "object") return `an object (${(value as object).constructor?.name ?? "Object"})`;
  return `a ${typeof value}`;
}
