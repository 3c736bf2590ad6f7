/**
 * Entries as tables in an engine (`SourceCache`): `_xorq_cache_<key prefix>`, found
 * through the engine's table list.
 *
 * Atomicity comes from the engine's transactions: `CREATE TABLE ... AS` is one
 * statement, so a writer killed mid-way leaves no table. When the rows come from
 * another engine they are loaded under a staging name and renamed into place. Two
 * writers racing for one key: the loser's CREATE or RENAME fails because the table
 * exists, and it serves the winner's table.
 */
import { randomBytes } from "node:crypto";
import type { Backend } from "../backends/backend.js";
import { ExecutionError } from "../backends/executor.js";
import type { CacheStore } from "./cache-store.js";
import type { CacheRequest } from "./parquet-io.js";

/** 40 hex digits (160 bits) keep the name under PostgreSQL's 63-character identifier limit. */
export function sourceTableName(key: string): string {
  return `${SOURCE_TABLE_PREFIX}${key.slice(0, 40)}`;
}

export const SOURCE_TABLE_PREFIX = "_xorq_cache_";

export class SourceCacheStore implements CacheStore {
  readonly #engine: Backend;

  constructor(engine: Backend) {
    this.#engine = engine;
  }

  get location(): string {
    return `${this.#engine.ref.kind}:${this.#engine.ref.name}`;
  }

  entryLocation(key: string): string {
    return `${this.location}/${sourceTableName(key)}`;
  }

  async #exists(name: string): Promise<boolean> {
    return (await this.#engine.listTables()).includes(name);
  }

  /** Same connection: the entry table is read in place; otherwise it is moved over as Arrow. */
  #local(req: CacheRequest): boolean {
    return req.backend === this.#engine || req.backend.ref.name === this.#engine.ref.name;
  }

  has(key: string): Promise<boolean> {
    return this.#exists(sourceTableName(key));
  }

  async serve(req: CacheRequest): Promise<string | null> {
    const name = sourceTableName(req.key);
    if (!(await this.#exists(name))) return null;
    if (this.#local(req)) return name;
    const moved = `_xorq_cached_${req.key.slice(0, 32)}`;
    const sql = `SELECT * FROM ${this.#engine.dialect.quoteIdentifier(name)}`;
    await req.run.moveInto(req.backend, moved, req.node.schema, () => this.#engine.stream(sql, req.node.schema), req.node);
    return moved;
  }

  async write(req: CacheRequest): Promise<void> {
    const e = this.#engine;
    const q = (n: string) => e.dialect.quoteIdentifier(n);
    const name = sourceTableName(req.key);
    if (this.#local(req)) {
      // Run on the consuming connection: the segment may read its temporary tables (hops, memtables).
      const sql = await req.run.prepareSegment(req.node.input, req.backend);
      await this.#orLostRace(name, () => req.backend.run(`CREATE TABLE ${q(name)} AS\n${sql}`));
      return;
    }
    const staging = `_xorq_stage_${req.key.slice(0, 40)}_${randomBytes(4).toString("hex")}`;
    await e.ingest(staging, req.node.schema, req.run.stream(req.node.input));
    try {
      await this.#orLostRace(name, () => e.run(`ALTER TABLE ${q(staging)} RENAME TO ${q(name)}`));
    } finally {
      await e.run(`DROP TABLE IF EXISTS ${q(staging)}`).catch(() => undefined);
    }
  }

  /** Runs a statement that creates `name`; if it fails because another writer created it first, that is a success. */
  async #orLostRace(name: string, create: () => Promise<void>): Promise<void> {
    try {
      await create();
    } catch (err) {
      if (await this.#exists(name)) return;
      throw new ExecutionError(`${this.#engine.ref.kind} failed while writing cache table ${name}: ${(err as Error).message}`, null, { cause: err });
    }
  }
}
