/**
 * Table-level expression nodes: immutable, plain data, each with its output schema.
 *
 * Nodes form a DAG (a sub-expression used twice is one node). Every node is content
 * addressed: `canonical.ts` hashes a node from its own fields and its inputs' hashes, so
 * the same expression gets the same hash in any process and on any machine. Each kind's
 * fields, and which of them hold inputs, are listed once in `node-kinds.ts`.
 */
import type { Json } from "./canonical.js";
import type { Field, Schema } from "./data-type.js";
import type { SortKey, ValueNode } from "./value-nodes.js";

import { relationInputs } from "./node-kinds.js";

export { relationInputs };

export type BackendKind = import("../backends/engines.js").BackendKind;

/**
 * Which engine a node runs in: a profile name plus its portable, secret-free
 * parameters (values may be `${env:VAR}` references, resolved only when a connection
 * opens). This is what a node hashes and what an artifact's profiles.yaml holds.
 */
export interface BackendRef {
  readonly name: string;
  readonly kind: BackendKind;
  readonly params: Readonly<Record<string, string | number | boolean>>;
}

export type ReadFormat = "parquet" | "csv";

/** A file read lazily by an engine; `path` is as the user gave it (relative to the project root in a project). */
export interface ReadNode {
  readonly kind: "read";
  readonly format: ReadFormat;
  readonly path: string;
  readonly options: Readonly<Record<string, string | number | boolean>>;
  readonly backend: BackendRef;
  readonly schema: Schema;
}

/** A read path that is a URL (https://, s3://, gs://, ...) rather than a local file. */
export function isRemotePath(path: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(path);
}

/** A table or view that lives in an engine. */
export interface DatabaseTableNode {
  readonly kind: "table";
  readonly name: string;
  readonly backend: BackendRef;
  readonly schema: Schema;
}

/**
 * In-memory data (an Arrow table). Hashed by the content hash of its Arrow IPC bytes;
 * the data itself travels beside the expression (`memtables/<dataHash>.parquet`). It has
 * no engine of its own: it is loaded into whichever engine consumes it.
 */
export interface MemTableNode {
  readonly kind: "memtable";
  readonly dataHash: string;
  readonly schema: Schema;
}

/** select / drop / rename / mutate: one output column per entry, computed from the input. */
export interface ProjectNode {
  readonly kind: "project";
  readonly input: RelationNode;
  readonly columns: ReadonlyArray<readonly [string, ValueNode]>;
  readonly schema: Schema;
}

export interface FilterNode {
  readonly kind: "filter";
  readonly input: RelationNode;
  readonly predicates: ReadonlyArray<ValueNode>;
  readonly schema: Schema;
}

export interface AggregateRelNode {
  readonly kind: "aggregate_rel";
  readonly input: RelationNode;
  readonly groupBy: ReadonlyArray<readonly [string, ValueNode]>;
  readonly metrics: ReadonlyArray<readonly [string, ValueNode]>;
  readonly schema: Schema;
}

export type JoinHow = "inner" | "left" | "right" | "outer" | "semi" | "anti" | "cross";

/** Where a join output column comes from: side 0 (left) or 1 (right), and its name there. */
export interface JoinOutput {
  readonly name: string;
  readonly side: 0 | 1;
  readonly source: string;
  /** Equal-name join keys of an outer join are merged: coalesce(left, right). */
  readonly coalesce: boolean;
}

export interface JoinNode {
  readonly kind: "join";
  readonly left: RelationNode;
  readonly right: RelationNode;
  readonly how: JoinHow;
  readonly predicates: ReadonlyArray<ValueNode>;
  readonly outputs: ReadonlyArray<JoinOutput>;
  readonly schema: Schema;
}

export interface UnionNode {
  readonly kind: "union";
  readonly inputs: ReadonlyArray<RelationNode>;
  readonly distinct: boolean;
  readonly schema: Schema;
}

export interface DistinctNode {
  readonly kind: "distinct";
  readonly input: RelationNode;
  readonly schema: Schema;
}

export interface SortNode {
  readonly kind: "sort";
  readonly input: RelationNode;
  readonly keys: ReadonlyArray<SortKey>;
  readonly schema: Schema;
}

export interface LimitNode {
  readonly kind: "limit";
  readonly input: RelationNode;
  readonly limit: number | null;
  readonly offset: number;
  readonly schema: Schema;
}

/**
 * Raw SQL over named inputs: each input is visible to the query under its name.
 * The schema comes from the engine (asked once, when the node is built).
 *
 * A query rendered from a template that reads project vars (a SQL model) also holds
 * the template (inputs rendered, `{{ var(…) }}` kept) and the vars' values, both or
 * neither: `xorq run BUILD -p name=value` renders the template again with new values.
 */
export interface SqlNode {
  readonly kind: "sql";
  readonly query: string;
  readonly inputs: ReadonlyArray<readonly [string, RelationNode]>;
  readonly backend: BackendRef;
  readonly schema: Schema;
  readonly vars?: Readonly<Record<string, Json>>;
  readonly template?: string;
}

/** Moves the input's rows into another engine (as Arrow record batches). */
export interface IntoBackendNode {
  readonly kind: "into_backend";
  readonly input: RelationNode;
  readonly backend: BackendRef;
  /** The temporary table the rows land in, when the user named it (else one named after the hash). */
  readonly name?: string;
  readonly schema: Schema;
}

export type CacheStrategy = "snapshot" | "modification_time";
export type CacheStorage = "source" | "parquet" | "gcs";

export interface CachePolicy {
  readonly strategy: CacheStrategy;
  readonly storage: CacheStorage;
  /** Seconds; only with the snapshot strategy on parquet storage. */
  readonly ttl: number | null;
  /** Storage-specific, portable settings (e.g. `bucket` for gcs, the source profile). */
  readonly options: Readonly<Record<string, string>>;
}

/** Marks a sub-expression whose result is stored and reused (see `src/cache`). */
export interface CacheNode {
  readonly kind: "cache";
  readonly input: RelationNode;
  readonly policy: CachePolicy;
  readonly schema: Schema;
}

export type RelationNode =
  | ReadNode
  | DatabaseTableNode
  | MemTableNode
  | ProjectNode
  | FilterNode
  | AggregateRelNode
  | JoinNode
  | UnionNode
  | DistinctNode
  | SortNode
  | LimitNode
  | SqlNode
  | IntoBackendNode
  | CacheNode;

export type RelationNodeKind = RelationNode["kind"];

/**
 * Where each kind's rows are produced: its own engine, none (in-memory data), or its
 * inputs' engine (which the builder checked to agree).
 */
const ENGINE_OF: { readonly [K in RelationNodeKind]: (node: Extract<RelationNode, { kind: K }>) => BackendRef | null | "inputs" } = {
  read: (n) => n.backend,
  table: (n) => n.backend,
  memtable: () => null,
  project: () => "inputs",
  filter: () => "inputs",
  aggregate_rel: () => "inputs",
  join: () => "inputs",
  union: () => "inputs",
  distinct: () => "inputs",
  sort: () => "inputs",
  limit: () => "inputs",
  sql: (n) => n.backend,
  into_backend: (n) => n.backend,
  cache: () => "inputs",
};

/**
 * The engine a relation's rows are produced in: its own backend, or its inputs'; null
 * for a relation made only of in-memory data.
 */
export function backendOf(node: RelationNode): BackendRef | null {
  const own = (ENGINE_OF[node.kind] as (n: RelationNode) => BackendRef | null | "inputs")(node);
  if (own !== "inputs") return own;
  for (const input of relationInputs(node)) {
    const b = backendOf(input);
    if (b) return b;
  }
  return null;
}

export function fieldNames(schema: Schema): string[] {
  return schema.map((f: Field) => f.name);
}
