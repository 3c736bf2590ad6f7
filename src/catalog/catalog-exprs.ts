/**
 * The catalog as a library of expressions (SPEC "Catalog"): `catalog.get(alias)` gives
 * an entry's expression, ready to run and to extend, and `catalog.add(expr)` adds an
 * expression (a composition of entries, say) as an entry of its own.
 *
 * ```ts
 * const catalog = await Catalog.open("catalog");
 * const sales = (await catalog.get("sales")).expr();
 * const regions = (await catalog.get("regions")).expr();
 * const joined = sales.join(regions, "region").groupBy("zone").agg({ total: _.total.sum() });
 * await catalog.add(joined, { alias: "sales-by-zone" });
 * ```
 *
 * An entry's expression opens its engines from the entry's profiles (`${env:…}` read
 * when one opens), reads the entry's relocated copies of its files and follows the
 * entries it imports. Engines are shared by every entry one catalog handle opens, by
 * profile (name and parameters), so expressions of two entries combine; an in-memory
 * DuckDB profile named like the default connection is that connection, so an entry's
 * expression also combines with unconnected reads (`xo.deferredReadCsv(path)`).
 *
 * Adding an expression that reads an entry's relocated copies records the reads as the
 * entry recorded them (its original paths) and carries the same copies: the new entry's
 * hash is the one the composition of the original expressions has, wherever the
 * catalog sits.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve, sep } from "node:path";
import YAML from "yaml";
import type { Backend } from "../backends/backend.js";
import { Connections, type Profile } from "../backends/connections.js";
import { shortHash, stableStringify } from "../expr/canonical.js";
import { mapRelation } from "../expr/node-kinds.js";
import { relationInputs, type RelationNode } from "../expr/relation-nodes.js";
import { Table } from "../expr/table.js";
import { defaultConnection } from "../default-connection.js";
import { type Services, defaultServices } from "../services.js";
import type { AddOptions, AddResult, Catalog } from "./catalog.js";
import { CatalogError } from "./catalog-error.js";
import { ENTRIES_DIR } from "./catalog-layout.js";

export interface GetOptions {
  /** Where relative paths that were not relocated (and relative DuckDB files) resolve: default the working directory. */
  readonly baseDir?: string;
  /** Reads the entry's in-memory tables, and gives the default connection (default: the default services). */
  readonly services?: Services;
}

/** An entry of the catalog, as an expression. */
export class CatalogExpr {
  readonly hash: string;
  readonly alias: string | null;
  readonly model: string | null;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly #table: Table;

  constructor(hash: string, alias: string | null, metadata: Readonly<Record<string, unknown>>, table: Table) {
    this.hash = hash;
    this.alias = alias;
    this.metadata = metadata;
    this.model = typeof metadata["model"] === "string" ? metadata["model"] : null;
    this.#table = table;
  }

  /** The entry's expression: executable, and the start of new ones. */
  expr(): Table {
    return this.#table;
  }
}

/**
 * The engines entries opened through one catalog handle, by profile: one backend per
 * profile name and parameters (two entries of one project share theirs).
 */
export class EntryEngines {
  readonly #open = new Map<string, { readonly key: string; readonly backend: Backend }>();
  readonly #connections: Connections[] = [];
  readonly #given: Connections | null;

  /**
   * With `given` (a project's connections), entries run in those engines only: an entry
   * needing a profile they lack, or hold with other settings, is refused.
   */
  constructor(given: Connections | null = null) {
    this.#given = given;
  }

  backend(profile: Profile, options: { baseDir: string; services: Services }): Backend {
    const key = profileKey(profile);
    const known = this.#open.get(profile.name);
    if (known) {
      if (known.key !== key) {
        throw new CatalogError(`two entries name different connections '${profile.name}' (${known.key} and ${key}); open them through two catalog handles`);
      }
      return known.backend;
    }
    if (this.#given !== null) {
      const own = this.#given.profile(profile.name);
      if (!own) throw new CatalogError(`the entry runs in engine '${profile.name}' (${profile.kind}), which is not a profile here`);
      if (profileKey(own) !== key) {
        throw new CatalogError(`the entry's engine '${profile.name}' is ${key}, but the profile here is ${profileKey(own)}`);
      }
      const backend = this.#given.get(profile.name);
      this.#open.set(profile.name, { key, backend });
      return backend;
    }
    const fallback = defaultConnection(options.services);
    const isDefault = fallback.ref.name === profile.name && key === profileKey(fallback.ref);
    let backend: Backend = fallback;
    if (!isDefault) {
      const connections = new Connections([profile], { baseDir: options.baseDir });
      this.#connections.push(connections);
      backend = connections.get(profile.name);
    }
    this.#open.set(profile.name, { key, backend });
    return backend;
  }

  async close(): Promise<void> {
    for (const c of this.#connections.splice(0)) await c.closeAll();
    this.#open.clear();
  }
}

/** What makes two connections the same: the engine kind and its parameters (`${env:…}` references unread). */
function profileKey(profile: Pick<Profile, "kind" | "params">): string {
  return stableStringify({ kind: profile.kind, params: profile.params } as never);
}

/** Opens an entry (alias or hash) as an expression. */
export async function openCatalogExpr(catalog: Catalog, ref: string, engines: EntryEngines, options: GetOptions = {}): Promise<CatalogExpr> {
  const { hash, alias } = catalog.resolve(ref);
  const services = options.services ?? defaultServices();
  const baseDir = resolve(options.baseDir ?? process.cwd());
  const { openArtifact } = await import("../artifacts/artifact-reader.js");
  const opened = await openArtifact(join(catalog.dir, ENTRIES_DIR, hash), { baseDir, services });
  // Its own connections are never opened (they are lazy): the handle's shared ones replace them.
  await opened.close();
  const backends = new Map<string, Backend>();
  for (const { ref } of opened.table.context.backends.values()) {
    backends.set(ref.name, engines.backend({ name: ref.name, kind: ref.kind, params: ref.params }, { baseDir, services }));
  }
  return new CatalogExpr(hash, alias, opened.metadata, new Table(opened.table.node, { backends, memtables: opened.table.context.memtables }));
}

export interface AddExprOptions extends AddOptions {
  /** Recorded as the entry's model name. */
  readonly name?: string;
  /** Recorded in the entry's metadata.json, for `catalog.search`. */
  readonly tags?: ReadonlyArray<string>;
  readonly description?: string;
  /** Writes the expression's in-memory tables (default: the default services). */
  readonly services?: Services;
}

/** Adds an expression as an entry: built in a temporary directory (its reads carried), then added. */
export async function addCatalogExpr(catalog: Catalog, table: Table, options: AddExprOptions = {}): Promise<AddResult> {
  const { node, copies } = unrelocate(catalog, table.node);
  const { writeArtifact } = await import("../artifacts/artifact-writer.js");
  const builds = mkdtempSync(join(tmpdir(), "xorq-catalog-add-"));
  try {
    const built = await writeArtifact(builds, {
      table: new Table(node, table.context),
      model: options.name ?? null,
      project: null,
      ...(options.tags === undefined ? {} : { tags: options.tags }),
      ...(options.description === undefined ? {} : { description: options.description }),
      baseDir: resolve(options.baseDir ?? process.cwd()),
      relocateReads: options.relocateReads !== false,
      readFile: (read) => copies.get(read.node) ?? null,
      ...(options.services ? { services: options.services } : {}),
    });
    return await catalog.add(built.dir, { ...(options.alias === undefined ? {} : { alias: options.alias }), relocateReads: false });
  } finally {
    rmSync(builds, { recursive: true, force: true });
  }
}

interface RecordedRead {
  readonly path: string;
  readonly relocated?: string;
}

/**
 * The expression with each read of an entry's relocated copy (in this catalog) given
 * back the path the entry recorded, and where each such read's copy is (short node
 * hash -> file), to carry it into the new artifact.
 */
function unrelocate(catalog: Catalog, root: RelationNode): { node: RelationNode; copies: Map<string, string> } {
  const entries = join(catalog.dir, ENTRIES_DIR) + sep;
  const recorded = new Map<string, ReadonlyArray<RecordedRead>>();
  const readsOf = (entryDir: string) => {
    let reads = recorded.get(entryDir);
    if (reads === undefined) {
      const doc = YAML.parse(readFileSync(join(entryDir, "deferred_reads.yaml"), "utf8")) as { reads?: RecordedRead[] } | null;
      reads = doc?.reads ?? [];
      recorded.set(entryDir, reads);
    }
    return reads;
  };
  const copies = new Map<string, string>();
  const original = new Map<string, string>();
  const seen = new Set<RelationNode>();
  const visit = (n: RelationNode): void => {
    if (seen.has(n)) return;
    seen.add(n);
    if (n.kind === "read" && n.path.startsWith(entries)) {
      const inEntry = relative(entries, n.path).split(sep);
      if (inEntry.length === 3 && inEntry[1] === "reads") {
        const entryDir = join(entries, inEntry[0]!);
        const read = readsOf(entryDir).find((r) => r.relocated === `reads/${inEntry[2]}`);
        if (read) original.set(n.path, read.path);
      }
    }
    for (const input of relationInputs(n)) visit(input);
  };
  visit(root);
  if (original.size === 0) return { node: root, copies };
  let collision = false;
  const node = mapRelation(root, (n) => {
    if (n.kind !== "read" || !original.has(n.path)) return n;
    const back = { ...n, path: original.get(n.path)! };
    const id = shortHash(back);
    const known = copies.get(id);
    if (known !== undefined && known !== n.path) collision = true;
    copies.set(id, n.path);
    return back;
  });
  // Two copies of different data recorded under one path would become one read: keep the copies' paths then.
  return collision ? { node: root, copies: new Map() } : { node, copies };
}
