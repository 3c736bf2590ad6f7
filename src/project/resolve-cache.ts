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
 * Only models whose expression is a function of that key are kept: YAML steps, and SQL
 * on an in-memory DuckDB (whose schema depends only on the query and its inputs). TS
 * models run code that can read anything, and SQL on a database file or a server can
 * read its tables, so those are resolved on every load.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { type Json, canonicalNode, fromGraph, nodeHash } from "../expr/canonical.js";
import type { Schema } from "../expr/data-type.js";
import { type RelationNode, relationInputs } from "../expr/relation-nodes.js";

const VERSION = 1;

/** What a model's entry holds besides its nodes. */
export interface CachedModelFacts {
  readonly hash: string;
  readonly profile: string;
  /** The names of the vars the model read (their values are part of the key). */
  readonly varNames: ReadonlyArray<string>;
  readonly schema: Schema;
}

interface Entry {
  readonly key: string;
  readonly hash: string;
  readonly profile: string;
  readonly varNames: ReadonlyArray<string>;
  /** Index into the file's schema table (models share a few schemas). */
  readonly schema: number;
  /** JSON of the model's own nodes, by hash, inputs as hashes (parsed only to rebuild). */
  readonly nodes: string;
}

interface CacheFile {
  readonly version: number;
  readonly fingerprint: string;
  readonly schemas: Schema[];
  readonly models: Record<string, Entry>;
}

export class ResolveCache {
  readonly #file: string | null;
  readonly #fingerprint: string;
  readonly #schemas: Schema[];
  readonly #entries: Map<string, Entry>;
  readonly #kept = new Map<string, Entry>();
  #schemaIds: Map<string, number> | null = null;
  #changed = false;

  private constructor(file: string | null, fingerprint: string, schemas: Schema[], entries: Map<string, Entry>) {
    this.#file = file;
    this.#fingerprint = fingerprint;
    this.#schemas = schemas;
    this.#entries = entries;
  }

  /** Reads the cache; an entry written under another fingerprint (profiles, settings, tool version) is not used. */
  static open(file: string | null, fingerprint: string): ResolveCache {
    if (file) {
      try {
        const doc = JSON.parse(readFileSync(file, "utf8")) as CacheFile;
        if (doc.version === VERSION && doc.fingerprint === fingerprint) {
          return new ResolveCache(file, fingerprint, doc.schemas, new Map(Object.entries(doc.models)));
        }
      } catch {
        // no cache yet
      }
    }
    return new ResolveCache(file, fingerprint, [], new Map());
  }

  /** The names of the vars the model read last time (its key needs their values), or null when it has no entry. */
  varNamesOf(name: string): ReadonlyArray<string> | null {
    return this.#entries.get(name)?.varNames ?? null;
  }

  /** The model's facts when its entry has this key (the entry is then kept), else null. */
  lookup(name: string, key: string): CachedModelFacts | null {
    const e = this.#entries.get(name);
    if (!e || e.key !== key) return null;
    this.#kept.set(name, e);
    return { hash: e.hash, profile: e.profile, varNames: e.varNames, schema: this.#schemas[e.schema]! };
  }

  /**
   * Rebuilds a kept model's root node; `boundary` gives its inputs' root nodes by hash
   * (the nodes its entry does not hold).
   */
  restore(name: string, boundary: ReadonlyMap<string, RelationNode>): RelationNode {
    const e = this.#kept.get(name);
    if (!e) throw new Error(`resolve cache: no entry for model '${name}'`);
    return fromGraph({ root: e.hash, nodes: JSON.parse(e.nodes) as Record<string, Record<string, Json>> }, { known: boundary, trustHashes: true });
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
    this.#kept.set(name, {
      key,
      hash: nodeHash(root),
      profile: facts.profile,
      varNames: facts.varNames,
      schema: this.#schemaIndex(root.schema),
      nodes: JSON.stringify(nodes),
    });
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

  /** Writes the entries of this load's models (those of deleted or uncacheable models are dropped), atomically. */
  save(): void {
    if (!this.#file || (!this.#changed && this.#kept.size === this.#entries.size)) return;
    const used = [...new Set([...this.#kept.values()].map((e) => e.schema))].sort((a, b) => a - b);
    const renumber = new Map(used.map((old, i) => [old, i]));
    const models = Object.fromEntries(
      [...this.#kept].sort(([a], [b]) => (a < b ? -1 : 1)).map(([n, e]) => [n, { ...e, schema: renumber.get(e.schema)! }]),
    );
    const doc: CacheFile = { version: VERSION, fingerprint: this.#fingerprint, schemas: used.map((i) => this.#schemas[i]!), models };
    const tmp = `${this.#file}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(this.#file), { recursive: true });
      writeFileSync(tmp, JSON.stringify(doc));
      renameSync(tmp, this.#file);
    } catch {
      // a cache that cannot be written only costs the next load time
    }
  }
}
