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
 * then removes the old one, so a crash at any point leaves an index whose nodes exist.
 *
 * Only models whose expression is a function of that key are kept: YAML steps, and SQL
 * on an in-memory DuckDB (whose schema depends only on the query and its inputs). TS
 * models run code that can read anything, and SQL on a database file or a server can
 * read its tables, so those are resolved on every load.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { type Json, canonicalNode, fromGraph, nodeHash } from "../../expr/canonical.js";
import type { Schema } from "../../expr/data-type.js";
import { type RelationNode, relationInputs } from "../../expr/relation-nodes.js";

const VERSION = 3;

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

  /** Reads the cache; an entry written under another fingerprint (profiles, settings, tool version) is not used. */
  static open(file: string | null, fingerprint: string): ResolveCache {
    if (file) {
      try {
        const doc = JSON.parse(readFileSync(file, "utf8")) as CacheFile;
        if (doc.version === VERSION && doc.fingerprint === fingerprint) {
          return new ResolveCache(file, fingerprint, doc.schemas, new Map(Object.entries(doc.models)), doc.generation);
        }
      } catch {
        // no cache yet
      }
    }
    return new ResolveCache(file, fingerprint, [], new Map(), null);
  }

  #nodesFile(generation: string): string {
    return join(dirname(this.#file!), `resolve_nodes.${generation}.json`);
  }

  #oldNodes(): NodesFile {
    if (!this.#nodes) {
      try {
        this.#nodes = this.#generation ? (JSON.parse(readFileSync(this.#nodesFile(this.#generation), "utf8")) as NodesFile) : {};
      } catch (e) {
        throw new Error(`target/resolve_nodes.${this.#generation}.json could not be read (${(e as Error).message}); another xorq process may have replaced it: run the command again`);
      }
    }
    return this.#nodes;
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
        writeAtomic(this.#nodesFile(generation), JSON.stringify(nodes));
      }
      const used = [...new Set([...this.#kept.values()].map((e) => e.schema))].sort((a, b) => a - b);
      const renumber = new Map(used.map((old, i) => [old, i]));
      const models = Object.fromEntries(
        [...this.#kept].sort(([a], [b]) => (a < b ? -1 : 1)).map(([n, e]) => [n, { ...e, schema: renumber.get(e.schema)! }]),
      );
      const doc: CacheFile = { version: VERSION, fingerprint: this.#fingerprint, generation, schemas: used.map((i) => this.#schemas[i]!), models };
      writeAtomic(this.#file, JSON.stringify(doc));
      if (this.#generation && this.#generation !== generation) rmSync(this.#nodesFile(this.#generation), { force: true });
      this.#savedGeneration = generation;
    } catch {
      // a cache that cannot be written only costs the next load time
    }
  }
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
