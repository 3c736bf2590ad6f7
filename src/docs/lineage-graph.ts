/**
 * Joins the per-model lineage trees of the docs pages (`model-lineage.ts`) back into
 * the whole tree `xorq lineage --column` prints: a `Model:<name>` leaf read for column
 * C is replaced by what is under `Field:C` on that model's page, and so on upstream,
 * until `budget` nodes are drawn (then the leaf stays, and the picture says so). The
 * result is a graph: a sub-tree met twice (a `↻ see #n` of the text form, or one input
 * column read twice) is one node with two parents.
 *
 * Embedded in the site as its source text, like `docsSelector`: nothing outside its body.
 *
 * ```ts
 * const g = lineageGraphs().build("revenue_by_month", "revenue", page.lineage[3].tree, inputOf, 300);
 * g.missing; // input models whose pages must be loaded before the tree is whole
 * ```
 */
import type { Json } from "../expr/canonical.js";
import type { LineageJsonNode, LineageJsonRef } from "../lineage/lineage-render.js";

export interface LineageGraphNode {
  /** `<model>|<column>#<id>`: the page and tree the node comes from, and its number there. */
  readonly key: string;
  readonly kind: string;
  readonly label: string;
  readonly op: string;
  readonly note: string | null;
  readonly detail: Readonly<Record<string, Json>>;
  /** For a `Model:` leaf left as it is: the model and column whose page continues the tree. */
  readonly more: { readonly model: string; readonly column: string | null } | null;
}

export interface LineageGraph {
  readonly nodes: ReadonlyArray<LineageGraphNode>;
  /** parent key -> child key, each parent's children in the tree's order. */
  readonly edges: ReadonlyArray<readonly [string, string]>;
  /** Models whose trees `treeOf` did not have yet (load their pages and build again). */
  readonly missing: ReadonlyArray<string>;
  /** Whether the budget left `Model:` leaves unexpanded. */
  readonly truncated: boolean;
}

/**
 * `inputOf(model, column)`: what replaces a `Model:<model>` leaf read for `column` (the
 * children of that column's `Field:` on the model's page; for null, the page's rows
 * tree); undefined when the page is not loaded, null when it has no such tree.
 */
export type InputOf = (model: string, column: string | null) => ReadonlyArray<LineageJsonNode | LineageJsonRef> | null | undefined;

export interface LineageGraphs {
  /** The graph of `root`, the tree of `column` on `model`'s page, joined with its input models' trees. */
  build(model: string, column: string, root: LineageJsonNode, inputOf: InputOf, budget: number): LineageGraph;
}

export function lineageGraphs(): LineageGraphs {
  function build(model: string, column: string, root: LineageJsonNode, inputOf: InputOf, budget: number): LineageGraph {
    const nodes = new Map<string, LineageGraphNode>();
    const edges: Array<readonly [string, string]> = [];
    const missing = new Set<string>();
    let truncated = false;
    // Nodes are numbered per tree: a key names the page and the column's tree it is from.
    type Item = { readonly node: LineageJsonNode | LineageJsonRef; readonly scope: string; readonly parent: string | null };
    /** A node's children as queue items, input models replaced by their trees where allowed. */
    const childrenOf = (children: ReadonlyArray<LineageJsonNode | LineageJsonRef>, scope: string, parent: string): Item[] =>
      children.flatMap((c): Item[] => {
        if ("ref" in c || c.op !== "model") return [{ node: c, scope, parent }];
        const input = String(c.detail["model"]);
        const col = typeof c.detail["column"] === "string" ? c.detail["column"] : null;
        const replacement = inputOf(input, col);
        if (replacement === undefined) missing.add(input);
        if (!replacement) return [{ node: c, scope, parent }];
        if (nodes.size >= budget) {
          truncated = true;
          return [{ node: c, scope, parent }];
        }
        return childrenOf(replacement, `${input}|${col ?? "*"}`, parent);
      });
    // Breadth first, so the budget cuts the far end of the tree, not one deep branch.
    const queue: Item[] = [{ node: root, scope: `${model}|${column}`, parent: null }];
    for (let i = 0; i < queue.length; i++) {
      const { node, scope, parent } = queue[i]!;
      const key = `${scope}#${"ref" in node ? node.ref : node.id}`;
      if (parent !== null) edges.push([parent, key]);
      if ("ref" in node || nodes.has(key)) continue;
      const more = node.op === "model" ? { model: String(node.detail["model"]), column: typeof node.detail["column"] === "string" ? node.detail["column"] : null } : null;
      nodes.set(key, { key, kind: node.kind, label: node.label, op: node.op, note: node.note ?? null, detail: node.detail, more });
      queue.push(...childrenOf(node.children, scope, key));
    }
    // A reference to a node the budget left out is dropped with it.
    return { nodes: [...nodes.values()], edges: edges.filter(([, to]) => nodes.has(to)), missing: [...missing], truncated };
  }
  return { build };
}
