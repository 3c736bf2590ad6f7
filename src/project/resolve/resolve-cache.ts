/**
 * The persistent resolve cache, `target/resolve_cache.json`: each model's expression
 * from the last load, keyed by everything resolving it depends on (its definition, its
 * declared profile and cache policy, the vars it read and its inputs' hashes, under a
 * fingerprint of the profiles and project settings). A model whose key is unchanged is
 * not resolved again: its hash, profile and schema come from here, and its nodes are
 * rebuilt only if something asks for its expression (building or running it, or
 * resolving a changed model downstream). So a load after one edit resolves only the
 * edited model and its descendants, and an unchanged load resolves nothing.
 *
 * Each model keeps only its own nodes, those between its root and its inputs' roots;
 * the inputs' nodes come from their own entries (or their fresh resolution). The entry
 * is trusted as written by this tool version: its node hashes are not recomputed.
 *
 * The nodes live in a second file, `target/resolve_nodes.<generation>.json`, read only
 * when a model's expression is rebuilt (`xorq ls` and a no-op `xorq plan` never read
 * it). A save writes a new generation, then the index naming it (renamed into place),
 * then removes every other generation (a spare left by a crash or a concurrent save
 * too), so a crash at any point leaves an index whose nodes exist. A process whose
 * generation another one's save removed reads the generation that replaced it.
 *
 * Like every file in target/, both are caches: the index records the nodes file's size,
 * so a nodes file that is missing, cut short or rewritten is noticed when the cache
 * opens (a stat, not a read), and the cache starts empty: the load resolves every model
 * again and the next save writes a fresh pair. A nodes file damaged in place with its
 * size kept is only found when read; it is then removed with the index, and the command
 * stops with an error that says so.
 *
 * Only models whose expression is a function of that key are kept: YAML steps, and SQL
 * on an in-memory DuckDB (whose schema depends only on the query and its inputs). TS
 * models run code that can read anything, and SQL on a database file or a server can
 * read its tables, so those are resolved on every load.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { type Json, canonicalNode, fromGraph, nodeHash } from "../../expr/canonical.js";
import type { Schema } from "../../expr/data-type.js";
import { type RelationNode, relationInputs } from "../../expr/relation-nodes.js";

const VERSION = 4;

/** What a model's entry holds besides its nodes. */
export interface CachedModelFacts {
  readonly hash: string;
  readonly profile: string;
  /** The names of the vars the model read (their values are part of the key). */
  readonly varNames: ReadonlyArray<string>;
  readonly schema: Schema;
  /** The model's definition and config hashes (functions of the key; kept so a load computes none). */
  readonly definitionHash: string;
  readonly configHash: string;
}

interface Entry {
  readonly key: string;
  readonly hash: string;
  readonly profile: string;
  readonly varNames: ReadonlyArray<string>;
  readonly definitionHash: string;
  readonly configHash: string;
  /** Index into the file's schema table (models share a few schemas). */
  readonly schema: number;
}

interface CacheFile {
  readonly version: number;
  readonly fingerprint: string;
  /** Names the nodes file: resolve_nodes.<generation>.json. */
  readonly generation: string;
  /** The nodes file's size when written: a different size means it was damaged or replaced. */
  readonly nodesBytes: number;
  readonly schemas: Schema[];
  readonly models: Record<string, Entry>;
}

/** The nodes file: per model root hash, the JSON of the model's own nodes (by hash, inputs as hashes). */
type NodesFile = Record<string, string>;

export class ResolveCache {
  readonly #file: string | null;
  readonly #fingerprint: string;
  readonly #schemas: Schema[];
  readonly #entries: Map<string, Entry>;
  readonly #generation: string | null;
  /** The generation on disk after `save` (the next load's). */
  #savedGeneration: string | null;
  /** Nodes a previous load in this process had in memory, by root hash. */
  #carried: ReadonlyMap<string, string> = new Map();
  readonly #kept = new Map<string, Entry>();
  /** Nodes of the models resolved in this load, by root hash. */
  readonly #newNodes = new Map<string, string>();
  #nodes: NodesFile | null = null;
  #schemaIds: Map<string, number> | null = null;
  #reused = 0;
  #changed = false;

  private constructor(file: string | null, fingerprint: string, schemas: Schema[], entries: Map<string, Entry>, generation: string | null) {
    this.#file = file;
    this.#fingerprint = fingerprint;
    this.#schemas = schemas;
    this.#entries = entries;
    this.#generation = generation;
    this.#savedGeneration = generation;
  }

  /**
   * Reads the cache; an entry written under another fingerprint (profiles, settings,
   * tool version) is not used, nor one whose nodes file is missing or of another size.
   */
  static open(file: string | null, fingerprint: string): ResolveCache {
    if (file) {
      try {
        const doc = JSON.parse(readFileSync(file, "utf8")) as CacheFile;
        if (doc.version === VERSION && doc.fingerprint === fingerprint && nodesIntact(file, doc)) {
          return new ResolveCache(file, fingerprint, doc.schemas, new Map(Object.entries(doc.models)), doc.generation);
        }
      } catch {
        // no cache yet, or not one this version can read: start empty
      }
    }
    return new ResolveCache(file, fingerprint, [], new Map(), null);
  }

  #nodesFile(generation: string): string {
    return nodesFileOf(this.#file!, generation);
  }

  #oldNodes(): NodesFile {
    if (!this.#nodes) {
      try {
        this.#nodes = this.#generation ? readNodes(this.#nodesFile(this.#generation)) : {};
      } catch (e) {
        const current = this.#replacedBy();
        if (current) return (this.#nodes = current);
        // The next command must not meet it again: without the pair, it resolves afresh.
        rmSync(this.#file!, { force: true });
        rmSync(this.#nodesFile(this.#generation!), { force: true });
        throw new Error(
          `target/resolve_nodes.${this.#generation}.json is damaged (${(e as Error).message}); it was removed with target/resolve_cache.json, and the next command resolves the project without them`,
        );
      }
    }
    return this.#nodes;
  }

  /** The nodes of the generation a concurrent save put in place of this load's, if it holds every kept model's. */
  #replacedBy(): NodesFile | null {
    try {
      const doc = JSON.parse(readFileSync(this.#file!, "utf8")) as CacheFile;
      if (doc.generation === this.#generation || !nodesIntact(this.#file!, doc)) return null;
      const nodes = readNodes(this.#nodesFile(doc.generation));
      return [...this.#kept.values()].every((e) => e.hash in nodes || this.#newNodes.has(e.hash)) ? nodes : null;
    } catch {
      return null;
    }
  }

  /** The names of the vars the model read last time (its key needs their values), or null when it has no entry. */
  varNamesOf(name: string): ReadonlyArray<string> | null {
    return this.#entries.get(name)?.varNames ?? null;
  }

  /** How many models this load took from the cache. */
  get reused(): number {
    return this.#reused;
  }

  /** The model's facts when its entry has this key (the entry is then kept), else null. */
  lookup(name: string, key: string): CachedModelFacts | null {
    const e = this.#entries.get(name);
    if (!e || e.key !== key) return null;
    this.#kept.set(name, e);
    this.#reused++;
    return { hash: e.hash, profile: e.profile, varNames: e.varNames, definitionHash: e.definitionHash, configHash: e.configHash, schema: this.#schemas[e.schema]! };
  }

  /**
   * Rebuilds a kept model's root node; `boundary` gives its inputs' root nodes by hash
   * (the nodes its entry does not hold).
   */
  restore(name: string, boundary: ReadonlyMap<string, RelationNode>): RelationNode {
    const e = this.#kept.get(name);
    const text = e && (this.#newNodes.get(e.hash) ?? this.#carried.get(e.hash) ?? this.#oldNodes()[e.hash]);
    if (!e || text === undefined) throw new Error(`resolve cache: no nodes for model '${name}'`);
    return fromGraph({ root: e.hash, nodes: JSON.parse(text) as Record<string, Record<string, Json>> }, { known: boundary, trustHashes: true });
  }

  /**
   * Keeps the entries of models this load did not visit (a partial load resolves only a
   * selection's closure): they are checked against their keys by the next load.
   */
  keep(names: Iterable<string>): void {
    for (const name of names) {
      const e = this.#entries.get(name);
      if (e && !this.#kept.has(name)) this.#kept.set(name, e);
    }
  }

  /** Keeps a freshly resolved model under `key`; `boundary` holds its inputs' root hashes. */
  remember(name: string, key: string, root: RelationNode, facts: Omit<CachedModelFacts, "hash" | "schema">, boundary: ReadonlySet<string>): void {
    const nodes: Record<string, Record<string, Json>> = {};
    const visit = (n: RelationNode): void => {
      const h = nodeHash(n);
      if (boundary.has(h) || nodes[h]) return;
      nodes[h] = canonicalNode(n, nodeHash);
      for (const input of relationInputs(n)) visit(input);
    };
    visit(root);
    const hash = nodeHash(root);
    this.#newNodes.set(hash, JSON.stringify(nodes));
    this.#kept.set(name, { key, hash, ...facts, schema: this.#schemaIndex(root.schema) });
    this.#changed = true;
  }

  #schemaIndex(schema: Schema): number {
    this.#schemaIds ??= new Map(this.#schemas.map((s, i) => [JSON.stringify(s), i]));
    const text = JSON.stringify(schema);
    let i = this.#schemaIds.get(text);
    if (i === undefined) {
      i = this.#schemas.push(schema) - 1;
      this.#schemaIds.set(text, i);
    }
    return i;
  }

  /**
   * The cache as the next load in this process finds it (call after `save`): a
   * long-lived process (`xorq build --watch`) keeps it in memory instead of reading
   * target/ again, with the nodes it already holds.
   */
  successor(): ResolveCache {
    const next = new ResolveCache(this.#file, this.#fingerprint, this.#schemas, new Map(this.#kept), this.#savedGeneration);
    next.#carried = merged(this.#carried, [...Object.entries(this.#nodes ?? {}), ...this.#newNodes]);
    return next;
  }

  /** The profiles-and-settings fingerprint the entries were resolved under. */
  get fingerprint(): string {
    return this.#fingerprint;
  }

  /** Writes the entries of this load's models (those of deleted or uncacheable models are dropped), atomically. */
  save(): void {
    if (!this.#file || (!this.#changed && this.#kept.size === this.#entries.size)) return;
    try {
      mkdirSync(dirname(this.#file), { recursive: true });
      let generation = this.#generation;
      let nodesBytes = generation ? statSync(this.#nodesFile(generation)).size : 0;
      if (this.#newNodes.size > 0 || !generation) {
        // Kept models' nodes come from the old file, resolved ones' from this load.
        const needsOld = [...this.#kept.values()].some((e) => !this.#newNodes.has(e.hash) && !this.#carried.has(e.hash));
        const old = this.#generation && needsOld ? this.#oldNodes() : {};
        const nodes: NodesFile = {};
        for (const e of [...this.#kept.values()].sort((a, b) => (a.hash < b.hash ? -1 : 1))) {
          const text = this.#newNodes.get(e.hash) ?? this.#carried.get(e.hash) ?? old[e.hash];
          if (text !== undefined) nodes[e.hash] = text;
        }
        generation = randomBytes(6).toString("hex");
        const text = JSON.stringify(nodes);
        writeAtomic(this.#nodesFile(generation), text);
        nodesBytes = Buffer.byteLength(text);
      }
      const used = [...new Set([...this.#kept.values()].map((e) => e.schema))].sort((a, b) => a - b);
      const renumber = new Map(used.map((old, i) => [old, i]));
      const models = Object.fromEntries(
        [...this.#kept].sort(([a], [b]) => (a < b ? -1 : 1)).map(([n, e]) => [n, { ...e, schema: renumber.get(e.schema)! }]),
      );
      const doc: CacheFile = { version: VERSION, fingerprint: this.#fingerprint, generation, nodesBytes, schemas: used.map((i) => this.#schemas[i]!), models };
      writeAtomic(this.#file, JSON.stringify(doc));
      removeNodesFilesBut(this.#file, generation);
      this.#savedGeneration = generation;
    } catch {
      // a cache that cannot be written only costs the next load time
    }
  }
}

function nodesFileOf(index: string, generation: string): string {
  return join(dirname(index), `resolve_nodes.${generation}.json`);
}

/** Whether the nodes file `doc` names is there with the size it was written with. */
function nodesIntact(index: string, doc: CacheFile): boolean {
  if (typeof doc.generation !== "string" || !/^[0-9a-f]+$/.test(doc.generation)) return false;
  try {
    return statSync(nodesFileOf(index, doc.generation)).size === doc.nodesBytes;
  } catch {
    return false;
  }
}

/** Removes the nodes files of generations other than `keep` (and their temporary files). */
function removeNodesFilesBut(index: string, keep: string): void {
  for (const name of readdirSync(dirname(index))) {
    if (/^resolve_nodes\.[0-9a-f]+\.json$/.test(name) && name !== `resolve_nodes.${keep}.json`) rmSync(join(dirname(index), name), { force: true });
  }
}

function readNodes(file: string): NodesFile {
  const nodes: unknown = JSON.parse(readFileSync(file, "utf8"));
  if (nodes === null || typeof nodes !== "object" || Array.isArray(nodes)) throw new Error("not a map of nodes");
  return nodes as NodesFile;
}

/** A copy of `map` with `more`'s entries added. */
function merged(map: ReadonlyMap<string, string>, more: Iterable<readonly [string, string]>): Map<string, string> {
  const out = new Map(map);
  for (const [k, v] of more) out.set(k, v);
  return out;
}

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}
