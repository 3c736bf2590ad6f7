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
import { compile, hopTableName, memtableName } from "../compile/compiler.js";
import { nodeHash } from "../expr/canonical.js";
import type { Schema } from "../expr/data-type.js";
import type { BackendRef, RelationNode } from "../expr/relation-nodes.js";
import { backendOf, relationInputs } from "../expr/relation-nodes.js";
import type { ExprContext } from "../expr/table.js";
import { toArrowSchema } from "./arrow-types.js";
import type { Backend } from "./backend.js";

/** Finds the open connection for a node's engine (and opens profile connections on demand). */
export type BackendResolver = (ref: BackendRef) => Promise<Backend>;

/**
 * Replaces a node by a table that already holds its rows (e.g. a cache hit), or returns
 * null to compute it. `src/cache` provides one.
 */
export type Materializer = (node: RelationNode, run: ExecutionRun, backend: Backend) => Promise<string | null>;

export interface ExecuteOptions {
  readonly context: ExprContext;
  /** Used for nodes whose engine has no connection in the context. */
  readonly resolveBackend?: BackendResolver;
  /** The engine for expressions made only of in-memory data. */
  readonly defaultBackend?: () => Promise<Backend>;
  readonly materializers?: ReadonlyArray<Materializer>;
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
      if (!this.options.defaultBackend) throw new ExecutionError("no engine to run in-memory data: pass a connection", null);
      return this.options.defaultBackend();
    }
    const open = this.options.context.backends.get(ref.name);
    if (open) return open;
    if (this.options.resolveBackend) return this.options.resolveBackend(ref);
    throw new ExecutionError(`no connection for engine '${ref.name}' (${ref.kind}); connect it and build the expression from that connection`, null);
  }

  /** Streams the rows of `node`, computed in its own engine. */
  async *stream(node: RelationNode): AsyncGenerator<arrow.RecordBatch> {
    const backend = await this.backendFor(backendOf(node));
    const sql = await this.prepareSegment(node, backend);
    try {
      yield* backend.stream(sql, node.schema);
    } catch (e) {
      throw new ExecutionError(`${backend.ref.kind} failed: ${(e as Error).message}\nSQL:\n${sql}`, sql, { cause: e });
    }
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
      if (node.kind === "into_backend") {
        await this.moveInto(backend, hopTableName(node), node.input.schema, () => this.stream(node.input), node);
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
    const key = `${backend.ref.name}\u0000${table}\u0000${nodeHash(node)}`;
    let pending = this.#moved.get(key);
    if (!pending) {
      pending = backend.ingest(table, schema, rows(), { temporary: true });
      this.#moved.set(key, pending);
      this.#temporary.push({ backend, table });
    }
    await pending;
  }

  /** Drops the temporary tables this run created. */
  async cleanup(): Promise<void> {
    for (const { backend, table } of this.#temporary.splice(0)) {
      await backend.run(`DROP TABLE IF EXISTS ${backend.dialect.quoteIdentifier(table)}`).catch(() => undefined);
    }
  }
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
