/**
 * The lineage tree: what a column's values are made of, read off the expression graph.
 *
 * A tree alternates three kinds of nodes: `field` (a named column of some relation),
 * `relation` (the operation that produced it: Aggregate, Filter, Join, a hop, a read...)
 * and `value` (the computation inside that operation: Sum, Add, Case, a literal...).
 * The same object may appear under several parents (a column read twice, a shared
 * sub-expression); renderers print it once and refer back to it.
 */
import type { Json } from "../expr/canonical.js";

export type LineageNodeKind = "field" | "relation" | "value";

export interface LineageNode {
  readonly kind: LineageNodeKind;
  /** What the text tree prints, e.g. `Field:total`, `Aggregate`, `Sum`, `Read:sales.parquet`. */
  readonly label: string;
  /** Machine name: a relation kind (`aggregate_rel`, `read`...), a value op (`sum`, `add`...) or `field`. */
  readonly op: string;
  /** Facts for `--json` (path, backend, join kind, the SQL expression...). */
  readonly detail: Readonly<Record<string, Json>>;
  /** Why the trace is incomplete here, when it is (e.g. SQL that could not be parsed). */
  readonly note: string | null;
  readonly children: ReadonlyArray<LineageNode>;
}

/** Builds a frozen lineage node; `detail` and `note` are optional. */
export function lineageNode(
  kind: LineageNodeKind,
  label: string,
  op: string,
  children: ReadonlyArray<LineageNode> = [],
  extra: { detail?: Readonly<Record<string, Json>>; note?: string | null } = {},
): LineageNode {
  return Object.freeze({
    kind,
    label,
    op,
    detail: Object.freeze({ ...(extra.detail ?? {}) }),
    note: extra.note ?? null,
    children: Object.freeze([...children]),
  });
}

/** The lineage of one output column. */
export interface ColumnLineage {
  readonly column: string;
  readonly tree: LineageNode;
}

/** `count_star` -> `CountStar`, `COMPARE_IN` -> `CompareIn`: how op names read in a tree. */
export function pascalCase(name: string): string {
  return name
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((p) => p !== "")
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join("");
}
