/**
 * Runs an expression: splits it at engine hops, moves data between engines as Arrow
 * record batches, registers in-memory tables where they are consumed, compiles each
 * segment for its engine and streams the result.
 *
 * A segment is the part of the tree that runs in one engine: everything up to (not
 * through) an `into_backend` node. The hop's input is executed as its own segment and
 * streamed into a temporary table in the target engine, which the rest then reads.
 */
import * as arrow from "apache-arrow";
import { compile, hopTableName, isPassThroughHop, memtableName, readTableName } from "../compile/compiler.js";
import { nodeHash } from "../expr/canonical.js";
import type { Schema } from "../expr/data-type.js";
import type { BackendRef, RelationNode } from "../expr/relation-nodes.js";
import { backendOf, relationInputs } from "../expr/relation-nodes.js";
import type { ExprContext } from "../expr/table.js";
import type { CacheListener } from "../cache/cache-events.js";
import { toArrowSchema } from "./arrow-types.js";
import { type Backend, type FileReadingBackend, canReadFiles } from "./backend.js";

/**
 * Replaces a node by a table that already holds its rows (e.g. a cache hit), or returns
 * null to compute it. `src/cache` provides one; `Services` (src/services.ts) passes it.
 */
export type Materializer = (node: RelationNode, run: ExecutionRun, backend: Backend) => Promise<string | null>;

export interface ExecuteOptions {
  readonly context: ExprContext;
  /** The local engine: runs expressions made only of in-memory data, reads files for engines that cannot. */
  readonly localEngine?: () => Promise<Backend>;
  readonly materializers?: ReadonlyArray<Materializer>;
  /** What is being run (e.g. a model's name), named in error messages. */
  readonly label?: string;
  /** Relative cache `path`s resolve against this directory (default: the working directory). */
  readonly baseDir?: string;
  /** Hears what happened at each cache node of this execution. */
  readonly onCacheEvent?: CacheListener;
}

export class ExecutionError extends Error {
  override readonly name = "ExecutionError";
  readonly sql: string | null;
  constructor(message: string, sql: string | null, options?: { cause?: unknown }) {
    super(message, options);
    this.sql = sql;
  }
}

/** One execution: remembers what was moved where, so each hop and memtable moves once. */
export class ExecutionRun {
  readonly options: ExecuteOptions;
  readonly #moved = new Map<string, Promise<void>>();
  readonly #temporary: Array<{ backend: Backend; table: string }> = [];

  constructor(options: ExecuteOptions) {
    this.options = options;
  }

  async backendFor(ref: BackendRef | null): Promise<Backend> {
    if (ref === null) {
      if (!this.options.localEngine) throw new ExecutionError("no engine to run in-memory data: pass a connection", null);
      return this.options.localEngine();
    }
    const open = this.options.context.backends.get(ref.name);
    if (open) return open;
    throw new ExecutionError(`no connection for engine '${ref.name}' (${ref.kind}); connect it and build the expression from that connection`, null);
  }

  /** The local engine, for work no engine of the expression can do (reading files, writing parquet). */
  async localEngine(): Promise<FileReadingBackend> {
    const local = await this.options.localEngine?.();
    if (!local || !canReadFiles(local)) throw new ExecutionError("no local DuckDB for this execution: run it through Services", null);
    return local;
  }

  /** Streams the rows of `node`, computed in its own engine. */
  async *stream(node: RelationNode): AsyncGenerator<arrow.RecordBatch> {
    yield* this.#read(await this.#prepare(node), node.schema);
  }

  /** Everything a node's segment needs, done now: its engine and SQL, ready to stream. */
  async #prepare(node: RelationNode): Promise<{ backend: Backend; sql: string }> {
    const backend = await this.backendFor(backendOf(node));
    return { backend, sql: await this.prepareSegment(node, backend) };
  }

  async *#read({ backend, sql }: { backend: Backend; sql: string }, schema: Schema): AsyncGenerator<arrow.RecordBatch> {
    try {
      yield* backend.stream(sql, schema);
    } catch (e) {
      if (e instanceof ExecutionError) throw e;
      throw new ExecutionError(`${this.#prefix()}${engineName(backend)} failed: ${(e as Error).message}\nSQL:\n${sql}`, sql, { cause: e });
    }
  }

  #prefix(): string {
    return this.options.label ? `${this.options.label}: ` : "";
  }

  /**
   * Makes every input the segment needs available in `backend` (hops, memtables,
   * materialized nodes) and returns the segment's SQL.
   */
  async prepareSegment(root: RelationNode, backend: Backend): Promise<string> {
    const replaced = new Map<RelationNode, string>();
    const visit = async (node: RelationNode): Promise<void> => {
      if (replaced.has(node)) return;
      for (const m of this.options.materializers ?? []) {
        const table = await m(node, this, backend);
        if (table) {
          replaced.set(node, table);
          return;
        }
      }
      if (node.kind === "into_backend" && !isPassThroughHop(node)) {
        // The source segment is prepared (its own hops done) before the target starts
        // ingesting: an engine busy writing cannot also serve a hop further upstream.
        const table = hopTableName(node);
        const source = this.#moved.has(this.#moveKey(backend, table, node)) ? null : await this.#prepare(node.input);
        await this.moveInto(backend, table, node.input.schema, () => this.#read(source!, node.input.schema), node);
        return;
      }
      if (node.kind === "read" && !backend.dialect.readsFiles) {
        const reader = (await backend.fileReader?.()) ?? (await this.options.localEngine?.());
        if (!reader || !canReadFiles(reader)) throw new ExecutionError(`${this.#prefix()}no engine to read ${node.path} for ${engineName(backend)}`, null);
        const sql = `SELECT * FROM ${reader.dialect.readFile(node.format, node.path, node.options)}`;
        const table = readTableName(node);
        await this.moveInto(backend, table, node.schema, () => reader.stream(sql, node.schema), node);
        replaced.set(node, table);
        return;
      }
      if (node.kind === "memtable") {
        const data = this.options.context.memtables.get(node.dataHash);
        if (!data) throw new ExecutionError(`in-memory table ${node.dataHash.slice(0, 12)} has no data in this context`, null);
        await this.moveInto(backend, memtableName(node), node.schema, () => data.batches, node);
        return;
      }
      for (const input of relationInputs(node)) await visit(input);
    };
    await visit(root);
    return compile(root, backend.dialect, { tableFor: (n) => replaced.get(n) ?? null }).sql;
  }

  /** Writes rows into a temporary table of `backend`, once per run. */
  async moveInto(
    backend: Backend,
    table: string,
    schema: Schema,
    rows: () => AsyncIterable<arrow.RecordBatch> | Iterable<arrow.RecordBatch>,
    node: RelationNode,
  ): Promise<void> {
    const key = this.#moveKey(backend, table, node);
    let pending = this.#moved.get(key);
    if (!pending) {
      pending = backend.ingest(table, schema, rows(), { temporary: true }).catch((e: unknown) => {
        if (e instanceof ExecutionError) throw e; // the source failed and said so
        throw new ExecutionError(`${this.#prefix()}moving rows into ${engineName(backend)} (table ${table}) failed: ${(e as Error).message}`, null, { cause: e });
      });
      this.#moved.set(key, pending);
      this.#temporary.push({ backend, table });
    }
    await pending;
  }

  #moveKey(backend: Backend, table: string, node: RelationNode): string {
    return `${backend.ref.name}\u0000${table}\u0000${nodeHash(node)}`;
  }

  /** Drops the temporary tables this run created. */
  async cleanup(): Promise<void> {
    for (const { backend, table } of this.#temporary.splice(0)) {
      await backend.run(`DROP TABLE IF EXISTS ${backend.dialect.quoteIdentifier(table)}`).catch(() => undefined);
    }
  }
}

function engineName(b: Backend): string {
  return b.ref.name === b.ref.kind ? b.ref.kind : `${b.ref.kind} '${b.ref.name}'`;
}

export async function* executeStream(root: RelationNode, options: ExecuteOptions): AsyncGenerator<arrow.RecordBatch> {
  const run = new ExecutionRun(options);
  try {
    yield* run.stream(root);
  } finally {
    await run.cleanup();
  }
}

export async function executeToTable(root: RelationNode, options: ExecuteOptions): Promise<arrow.Table> {
  const batches: arrow.RecordBatch[] = [];
  for await (const b of executeStream(root, options)) batches.push(b);
  const schema = toArrowSchema(root.schema);
  return batches.length > 0 ? new arrow.Table(schema, batches) : new arrow.Table(schema);
}
