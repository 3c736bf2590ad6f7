/**
 * A model's column lineage for its docs page: the tree `xorq lineage --column` prints,
 * cut where it enters an input model. The input's root becomes a leaf `Model:<name>`
 * (op `model`, detail `{ model, column }`), and the input's own page holds the tree
 * from there: the page joins them back (`lineage-graph.ts`), so the picture is the
 * whole tree, while each model's part is traced and stored once. Traced whole, every
 * model would repeat all its ancestors' trees: at 1,000 models, 100 s and 300 MB.
 *
 * ```ts
 * const trees = await modelLineage(model.table.node, new Map([[nodeHash(input.table.node), "stg_orders"]]));
 * ```
 */
import { nodeHash } from "../expr/canonical.js";
import { relationInputs, withInputs } from "../expr/node-kinds.js";
import type { AggregateRelNode, DatabaseTableNode, RelationNode } from "../expr/relation-nodes.js";
import { columnLineage } from "../lineage/column-lineage.js";
import { type LineageJsonNode, type LineageJsonRef, lineageToJson } from "../lineage/lineage-render.js";
import type { DocsLineage } from "./docs-model.js";

/** The engine of the stand-in tables: a name no profile can have (profile names are identifiers). */
const STAND_IN = "xorq docs: input model";

/** `root` with every input model's root (by node hash, not `root` itself) replaced by a stand-in table of its name. */
function cutAtInputs(root: RelationNode, inputs: ReadonlyMap<string, string>): RelationNode {
  const done = new Map<RelationNode, RelationNode>();
  const visit = (node: RelationNode): RelationNode => {
    let out = done.get(node);
    if (out !== undefined) return out;
    const model = node === root ? undefined : inputs.get(nodeHash(node));
    out = model !== undefined
      ? Object.freeze<DatabaseTableNode>({ kind: "table", name: model, backend: { name: STAND_IN, kind: "duckdb", params: {} }, schema: node.schema })
      : withInputs(node, relationInputs(node).map(visit));
    done.set(node, out);
    return out;
  };
  return visit(root);
}

/**
 * The stand-in leaves as `Model:<name>`, with the column they are read for. The walk
 * knows it from the tree's shape: a `Field:` names the column its relation is asked for;
 * an operation that passes a column through keeps it; under a computation (a value
 * node) a relation is asked for without one (a count(*)'s input, a join's other side).
 */
function markInputs(node: LineageJsonNode, column: string | null): LineageJsonNode {
  if (node.op === "table" && node.detail["backend"] === STAND_IN) {
    const model = String(node.detail["name"]);
    return { ...node, label: `Model:${model}`, op: "model", detail: { model, column } };
  }
  const below = node.kind === "field" ? String(node.detail["name"]) : node.kind === "value" ? null : column;
  return { ...node, children: node.children.map((c: LineageJsonNode | LineageJsonRef) => ("ref" in c ? c : markInputs(c, below))) };
}

/** The child at `path` (child indexes) of a numbered tree, checked against the labels expected on the way. */
function childAt(tree: LineageJsonNode, steps: ReadonlyArray<readonly [number, string]>): LineageJsonNode {
  let node = tree;
  for (const [i, label] of steps) {
    const next = node.children[i];
    if (next === undefined || "ref" in next || !next.label.startsWith(label)) throw new Error(`unexpected lineage tree shape under ${node.label}`);
    node = next;
  }
  return node;
}

/** The tree numbered from 1 depth first, as `xorq lineage --json` numbers a tree of its own. */
function renumbered(tree: LineageJsonNode): LineageJsonNode {
  const ids = new Map<number, number>();
  const visit = (n: LineageJsonNode | LineageJsonRef): LineageJsonNode | LineageJsonRef => {
    if ("ref" in n) return { ...n, ref: ids.get(n.ref)! };
    ids.set(n.id, ids.size + 1);
    return { ...n, id: ids.get(n.id)!, children: n.children.map(visit) };
  };
  return visit(tree) as LineageJsonNode;
}

export interface ModelLineage {
  /** Every output column's tree, in schema order. */
  readonly columns: ReadonlyArray<DocsLineage>;
  /**
   * What the model's rows come from (no column: what a downstream count(*) or the other
   * side of a join depends on), the tree under a `Model:` leaf whose column is null.
   */
  readonly rows: LineageJsonNode;
}

/**
 * Every output column's tree down to the model's sources and input models, and its rows'
 * tree; `inputs`: node hash -> model name of every model of the project.
 *
 * One trace gives them all (SQL models are parsed once): the root is read by an
 * aggregate with an `any_value` of each column (under which is the column's tree) and a
 * count(*) (under which is the rows' tree).
 */
export async function modelLineage(root: RelationNode, inputs: ReadonlyMap<string, string>): Promise<ModelLineage> {
  const cut = cutAtInputs(root, inputs);
  const names = root.schema.map((f) => f.name);
  let rowsName = "_xorq_rows";
  while (names.includes(rowsName)) rowsName = `_${rowsName}`;
  const reader: AggregateRelNode = {
    kind: "aggregate_rel",
    input: cut,
    groupBy: [],
    metrics: [
      ...root.schema.map((f) => [f.name, { kind: "aggregate", fn: "any_value", arg: { kind: "column", input: 0, name: f.name, type: f.type }, type: f.type }] as const),
      [rowsName, { kind: "aggregate", fn: "count_star", arg: null, type: "int64" }] as const,
    ],
    schema: [...root.schema, { name: rowsName, type: "int64" }],
  };
  // The model's own SQL is named as `xorq lineage` names it; upstream models are cut to `Model:` leaves above.
  const own = inputs.get(nodeHash(root));
  const models = new Map(own === undefined ? [] : [[nodeHash(cut), own] as const]);
  const trees = lineageToJson(await columnLineage(reader, { models })).columns;
  const under = (i: number, fn: string) => renumbered(childAt(trees[i]!.tree, [[0, "Aggregate"], [0, fn], [0, ""]]));
  return {
    columns: names.map((column, i) => ({ column, tree: markInputs(under(i, "AnyValue"), column) })),
    rows: markInputs(under(names.length, "CountStar"), null),
  };
}
