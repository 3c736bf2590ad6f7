/**
 * Lineage trees as text (SPEC's box-drawing format) and as JSON data.
 *
 * Both number the nodes the same way: depth first, from #1 for each column. A
 * sub-tree met a second time (a column read twice, a self-join) is printed once;
 * later occurrences refer back to it (`Field:amount ↻ see #4` / `{ "ref": 4 }`).
 */
import type { Json } from "../expr/canonical.js";
import type { ColumnLineage, LineageNode } from "./lineage-node.js";

export interface LineageJsonNode {
  readonly id: number;
  readonly kind: LineageNode["kind"];
  readonly label: string;
  readonly op: string;
  readonly detail: Readonly<Record<string, Json>>;
  readonly note?: string;
  readonly children: ReadonlyArray<LineageJsonNode | LineageJsonRef>;
}

/** A node already given in full under the same column, by its id. */
export interface LineageJsonRef {
  readonly ref: number;
  readonly label: string;
}

export interface LineageJson {
  readonly columns: ReadonlyArray<{ readonly column: string; readonly tree: LineageJsonNode }>;
}

/** Numbers a tree depth first; only nodes with children are shared back (a repeated leaf is cheap to print again). */
function numbered(tree: LineageNode): LineageJsonNode {
  const seen = new Map<LineageNode, number>();
  let next = 1;
  const visit = (node: LineageNode): LineageJsonNode | LineageJsonRef => {
    const ref = seen.get(node);
    if (ref !== undefined) return { ref, label: node.label };
    const id = next++;
    if (node.children.length > 0) seen.set(node, id);
    return {
      id,
      kind: node.kind,
      label: node.label,
      op: node.op,
      detail: node.detail,
      ...(node.note !== null ? { note: node.note } : {}),
      children: node.children.map(visit),
    };
  };
  return visit(tree) as LineageJsonNode;
}

/** The `--json` form: every column's tree, numbered as the text form is. */
export function lineageToJson(columns: ReadonlyArray<ColumnLineage>): LineageJson {
  return { columns: columns.map((c) => ({ column: c.column, tree: numbered(c.tree) })) };
}

/**
 * The text form, one block per column:
 *
 * ```
 * Lineage for column 'total':
 * Field:total #1
 * └── Aggregate #2
 *     └── Sum #3
 * ```
 */
export function renderLineageText(columns: ReadonlyArray<ColumnLineage>): string {
  return columns.map((c) => `Lineage for column '${c.column}':\n${renderTree(numbered(c.tree))}`).join("\n\n");
}

function renderTree(root: LineageJsonNode): string {
  const lines: string[] = [];
  const visit = (node: LineageJsonNode | LineageJsonRef, lead: string, branch: string, below: string): void => {
    if ("ref" in node) {
      lines.push(`${lead}${branch}${node.label} ↻ see #${node.ref}`);
      return;
    }
    lines.push(`${lead}${branch}${node.label} #${node.id}${node.note !== undefined ? ` (${node.note})` : ""}`);
    node.children.forEach((child, i) => {
      const last = i === node.children.length - 1;
      visit(child, lead + below, last ? "└── " : "├── ", last ? "    " : "│   ");
    });
  };
  visit(root, "", "", "");
  return lines.join("\n");
}
