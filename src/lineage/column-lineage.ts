/**
 * Column lineage read off the expression graph: for an output column, the tree of
 * operations and source columns its values are computed from.
 *
 * ```ts
 * const [total] = await columnLineage(expr.node, { column: "total" });
 * console.log(renderLineageText([total]));
 * // Lineage for column 'total':
 * // Field:total #1
 * // └── Aggregate #2
 * //     └── Sum #3
 * //         └── Field:amount #4
 * //             └── Filter #5
 * //                 └── Read:sales.parquet #6
 * ```
 *
 * Shape of the tree: a `Field:x` node names a column; under it, the operation that
 * produced it; under that, the computation (Sum, Add, Case, ...) whose leaves are again
 * `Field` nodes of the operation's input. An operation that passes a column through
 * unchanged (Filter, Sort, Limit, Distinct, a hop, a cache, a plain select) appears on
 * the path without repeating the Field. A column read from a join names its side; the
 * merged key of an outer join is a Coalesce of both sides; a union lists every input.
 * SQL nodes are traced through their parse tree (`sql-lineage.ts`).
 *
 * Filters, join conditions, sort and group keys choose or arrange rows; they do not
 * compute a column's values. By default they are left out (as in SPEC's example, where
 * the Filter has no predicate under it); `predicates: true` adds them as a `Predicates`
 * (or `GroupBy`, `SortKeys`) child of the operation, so "which columns can change this
 * number" is answered too.
 */
import { topologicalNodes } from "../expr/canonical.js";
import { unknownColumnError } from "../expr/errors.js";
import {
  type RelationNode,
  type RelationNodeKind,
  type SqlNode,
  fieldNames,
} from "../expr/relation-nodes.js";
import type { ValueNode, ValueNodeKind } from "../expr/value-nodes.js";
import { type ColumnLineage, type LineageNode, lineageNode, pascalCase } from "./lineage-node.js";
import { type SqlExpr, type SqlLineage, analyzeSql } from "./sql-lineage.js";
import { type ModelNames, modelOwners } from "./model-owners.js";
import { parseSqlQueries } from "./sql-parser.js";

export interface LineageOptions {
  /** Only this output column (default: every column, in schema order). */
  readonly column?: string;
  /** Also trace what chooses rows: filter predicates, join conditions, sort and group keys, SQL WHERE/ON/GROUP BY. */
  readonly predicates?: boolean;
  /** The models the expression is made of (root node hash -> name): SQL nodes are labelled with theirs (`SQL:orders`). */
  readonly models?: ModelNames;
}

/**
 * The lineage tree of every output column of `root` (or of `options.column`). Async
 * only because SQL nodes are parsed by DuckDB; nothing is executed.
 */
export async function columnLineage(root: RelationNode, options: LineageOptions = {}): Promise<ColumnLineage[]> {
  const names = fieldNames(root.schema);
  if (options.column !== undefined && !names.includes(options.column)) {
    throw unknownColumnError(options.column, names, "lineage");
  }
  const sqlNodes = topologicalNodes(root).filter((n): n is SqlNode => n.kind === "sql");
  const parsed = await parseSqlQueries(sqlNodes.map((n) => n.query));
  const analyses = new Map<SqlNode, SqlLineage>(
    sqlNodes.map((n, i) => [
      n,
      analyzeSql(parsed[i], n.inputs.map(([name, rel]) => ({ name, columns: fieldNames(rel.schema) })), fieldNames(n.schema)),
    ]),
  );
  const owners = modelOwners(root, options.models ?? new Map());
  const walker = new LineageWalker(analyses, owners, options.predicates ?? false);
  const columns = options.column !== undefined ? [options.column] : names;
  return columns.map((column) => ({ column, tree: walker.field(root, column) }));
}

type RelationHandler<K extends RelationNodeKind> = (
  w: LineageWalker,
  node: Extract<RelationNode, { kind: K }>,
  column: string | null,
) => LineageNode;

type ValueHandler<K extends ValueNodeKind> = (
  w: LineageWalker,
  node: Extract<ValueNode, { kind: K }>,
  inputs: ReadonlyArray<RelationNode>,
) => LineageNode;

const rel = (label: string, op: string, children: ReadonlyArray<LineageNode>, extra?: Parameters<typeof lineageNode>[4]) =>
  lineageNode("relation", label, op, children, extra);
const val = (label: string, op: string, children: ReadonlyArray<LineageNode>, extra?: Parameters<typeof lineageNode>[4]) =>
  lineageNode("value", label, op, children, extra);

/**
 * How each operation produces a column (`column`), or its rows (`column: null`, what
 * count(*) and row-choosing conditions depend on).
 */
const RELATION_LINEAGE: { readonly [K in RelationNodeKind]: RelationHandler<K> } = {
  read: (_w, n) => rel(`Read:${n.path}`, "read", [], { detail: { format: n.format, path: n.path, backend: n.backend.name } }),
  table: (_w, n) => rel(`Table:${n.name}`, "table", [], { detail: { name: n.name, backend: n.backend.name } }),
  memtable: (_w, n) => rel(`MemTable:${n.dataHash.slice(0, 12)}`, "memtable", [], { detail: { data_hash: n.dataHash } }),
  project: (w, n, column) => {
    if (column === null) return rel("Project", "project", [w.relation(n.input, null)]);
    const value = n.columns.find(([name]) => name === column)![1];
    const passThrough = value.kind === "column" && value.name === column;
    return rel("Project", "project", [passThrough ? w.relation(n.input, column) : w.value(value, [n.input])]);
  },
  filter: (w, n, column) =>
    rel("Filter", "filter", [w.relation(n.input, column), ...w.conditions(n, "Predicates", n.predicates, [n.input])]),
  aggregate_rel: (w, n, column) => {
    const groupBy = w.conditions(n, "GroupBy", n.groupBy.map(([, v]) => v), [n.input]);
    if (column === null) return rel("Aggregate", "aggregate_rel", [w.relation(n.input, null), ...groupBy]);
    const key = n.groupBy.find(([name]) => name === column);
    if (key) return rel("Aggregate", "aggregate_rel", [w.value(key[1], [n.input])]);
    const metric = n.metrics.find(([name]) => name === column)![1];
    return rel("Aggregate", "aggregate_rel", [w.value(metric, [n.input]), ...groupBy]);
  },
  join: (w, n, column) => {
    const extra = { detail: { how: n.how } };
    const on = w.conditions(n, "Predicates", n.predicates, [n.left, n.right]);
    if (column === null) return rel(`Join:${n.how}`, "join", [w.relation(n.left, null), w.relation(n.right, null), ...on], extra);
    const out = n.outputs.find((o) => o.name === column)!;
    const side = out.side === 0 ? n.left : n.right;
    let child: LineageNode;
    if (out.coalesce) child = val("Coalesce", "coalesce", [w.field(n.left, out.source), w.field(n.right, out.source)]);
    else if (out.source === column) child = w.relation(side, column);
    else child = w.field(side, out.source);
    return rel(`Join:${n.how}`, "join", [child, ...on], extra);
  },
  union: (w, n, column) =>
    rel(n.distinct ? "Union:distinct" : "Union", "union", n.inputs.map((i) => w.relation(i, column)), { detail: { distinct: n.distinct } }),
  distinct: (w, n, column) => rel("Distinct", "distinct", [w.relation(n.input, column)]),
  sort: (w, n, column) =>
    rel("Sort", "sort", [w.relation(n.input, column), ...w.conditions(n, "SortKeys", n.keys.map((k) => k.expr), [n.input])]),
  limit: (w, n, column) =>
    rel(n.limit === null ? `Offset:${n.offset}` : `Limit:${n.limit}`, "limit", [w.relation(n.input, column)], {
      detail: { limit: n.limit, offset: n.offset },
    }),
  sql: (w, n, column) => w.sql(n, column),
  into_backend: (w, n, column) =>
    rel(`IntoBackend:${n.backend.name}`, "into_backend", [w.relation(n.input, column)], {
      detail: { backend: n.backend.name, kind: n.backend.kind },
    }),
  cache: (w, n, column) =>
    rel(`Cache:${n.policy.storage}`, "cache", [w.relation(n.input, column)], {
      detail: { storage: n.policy.storage, strategy: n.policy.strategy, ttl: n.policy.ttl },
    }),
};

const BINARY_LABELS = {
  add: "Add", sub: "Subtract", mul: "Multiply", div: "Divide", mod: "Modulus", floordiv: "FloorDivide", pow: "Power",
  eq: "Equals", ne: "NotEquals", lt: "Less", le: "LessEqual", gt: "Greater", ge: "GreaterEqual", and: "And", or: "Or",
} as const;

const UNARY_LABELS = { not: "Not", neg: "Negate", is_null: "IsNull", not_null: "NotNull" } as const;

/** How each kind of value computes from its inputs' columns. */
const VALUE_LINEAGE: { readonly [K in ValueNodeKind]: ValueHandler<K> } = {
  column: (w, v, inputs) => w.field(inputs[v.input]!, v.name),
  literal: (_w, v) => val(`Literal:${literalText(v.value)}`, "literal", [], { detail: { value: v.value, type: v.type } }),
  // A parameter's values all come from outside the data: in the tree it is the literal it currently stands for.
  param: (_w, v) => val(`Literal:${literalText(v.value)}`, "literal", [], { detail: { value: v.value, type: v.type } }),
  binary: (w, v, inputs) => val(BINARY_LABELS[v.op], v.op, [w.value(v.left, inputs), w.value(v.right, inputs)]),
  unary: (w, v, inputs) => val(UNARY_LABELS[v.op], v.op, [w.value(v.arg, inputs)]),
  call: (w, v, inputs) => val(pascalCase(v.fn), v.fn, v.args.map((a) => w.value(a, inputs))),
  cast: (w, v, inputs) => val(`Cast:${v.type}`, "cast", [w.value(v.arg, inputs)], { detail: { type: v.type } }),
  in: (w, v, inputs) => val(v.negated ? "NotIn" : "IsIn", v.negated ? "not_in" : "in", [v.arg, ...v.values].map((x) => w.value(x, inputs))),
  case: (w, v, inputs) =>
    val("Case", "case", [...v.branches.flatMap((b) => [b.when, b.then]), v.otherwise].map((x) => w.value(x, inputs))),
  aggregate: (w, v, inputs) =>
    // count(*) reads no column: it depends on the rows of its input.
    val(pascalCase(v.fn), v.fn, v.arg ? [w.value(v.arg, inputs)] : [w.relation(inputs[0]!, null)]),
  window: (w, v, inputs) => {
    const fn = v.aggregate ? w.value(v.aggregate, inputs) : val(pascalCase(v.fn), v.fn, v.args.map((a) => w.value(a, inputs)));
    const parts = [fn];
    if (v.partitionBy.length > 0) parts.push(val("PartitionBy", "partition_by", v.partitionBy.map((p) => w.value(p, inputs))));
    if (v.orderBy.length > 0) parts.push(val("OrderBy", "order_by", v.orderBy.map((k) => w.value(k.expr, inputs))));
    return val("WindowFunction", "window", parts);
  },
};

function literalText(value: unknown): string {
  if (value === null) return "NULL";
  return typeof value === "string" ? `'${value}'` : String(value);
}

/** One walk: memoizes per (node, column), so shared sub-expressions are one object in the tree. */
class LineageWalker {
  readonly #sql: ReadonlyMap<SqlNode, SqlLineage>;
  readonly #owners: ReadonlyMap<RelationNode, string>;
  readonly #predicates: boolean;
  readonly #fields = new Map<RelationNode, Map<string, LineageNode>>();
  readonly #relations = new Map<RelationNode, Map<string | null, LineageNode>>();
  readonly #conditions = new Map<RelationNode, Map<string, LineageNode>>();
  readonly #sqlExprs = new Map<SqlExpr, LineageNode>();

  constructor(sql: ReadonlyMap<SqlNode, SqlLineage>, owners: ReadonlyMap<RelationNode, string>, predicates: boolean) {
    this.#sql = sql;
    this.#owners = owners;
    this.#predicates = predicates;
  }

  /** `Field:column` of `node`, over how `node` produces it. */
  field(node: RelationNode, column: string): LineageNode {
    return memo(this.#fields, node, column, () =>
      lineageNode("field", `Field:${column}`, "field", [this.relation(node, column)], { detail: { name: column } }),
    );
  }

  relation(node: RelationNode, column: string | null): LineageNode {
    return memo(this.#relations, node, column, () => {
      const handler = RELATION_LINEAGE[node.kind] as RelationHandler<RelationNodeKind>;
      return handler(this, node as never, column);
    });
  }

  value(node: ValueNode, inputs: ReadonlyArray<RelationNode>): LineageNode {
    const handler = VALUE_LINEAGE[node.kind] as ValueHandler<ValueNodeKind>;
    return handler(this, node as never, inputs);
  }

  /** Row-choosing conditions of `owner`, as one child (one object per owner, so repeats are shared), when asked for. */
  conditions(owner: RelationNode, label: string, values: ReadonlyArray<ValueNode>, inputs: ReadonlyArray<RelationNode>): LineageNode[] {
    if (!this.#predicates || values.length === 0) return [];
    return [memo(this.#conditions, owner, label, () => val(label, pascalToSnake(label), values.map((v) => this.value(v, inputs))))];
  }

  sql(node: SqlNode, column: string | null): LineageNode {
    const analysis = this.#sql.get(node)!;
    const model = this.#owners.get(node);
    const label = model === undefined ? "SQL" : `SQL:${model}`;
    const extra = { detail: { query: node.query, backend: node.backend.name, ...(model === undefined ? {} : { model }) } };
    const on = this.#predicates && analysis.predicates.length > 0
      ? [memo(this.#conditions, node, "Predicates", () => val("Predicates", "predicates", analysis.predicates.map((p) => this.#sqlExpr(node, p))))]
      : [];
    if (column === null) return rel(label, "sql", [...node.inputs.map(([, r]) => this.relation(r, null)), ...on], extra);
    if (analysis.columns === null) {
      return rel(label, "sql", this.#everyInputColumn(node), { ...extra, note: `not traced: ${analysis.note}; depends on every input column` });
    }
    const index = node.schema.findIndex((f) => f.name === column);
    return rel(label, "sql", [this.#sqlExpr(node, analysis.columns[index]!), ...on], extra);
  }

  #everyInputColumn(node: SqlNode): LineageNode[] {
    return node.inputs.flatMap(([, r]) => fieldNames(r.schema).map((c) => this.field(r, c)));
  }

  #sqlExpr(node: SqlNode, e: SqlExpr): LineageNode {
    const known = this.#sqlExprs.get(e);
    if (known) return known;
    let out: LineageNode;
    switch (e.kind) {
      case "input": {
        const input = node.inputs.find(([name]) => name === e.input)![1];
        out = e.column === null ? this.relation(input, null) : this.field(input, e.column);
        break;
      }
      case "table": {
        const table = rel(`Table:${e.table}`, "table", [], { detail: { name: e.table, backend: node.backend.name } });
        out = e.column === null ? table : lineageNode("field", `Field:${e.column}`, "field", [table], { detail: { name: e.column } });
        break;
      }
      case "derived": {
        const [kind, ...name] = e.source.split(":");
        const source = rel(e.source, (kind ?? "").toLowerCase(), [this.#sqlExpr(node, e.expr)], { detail: { name: name.join(":") } });
        out = lineageNode("field", `Field:${e.column}`, "field", [source], { detail: { name: e.column } });
        break;
      }
      case "op":
        out = val(e.label, e.op, e.children.map((c) => this.#sqlExpr(node, c)));
        break;
      case "literal":
        out = val(`Literal:${e.value}`, "literal", [], { detail: { value: e.value } });
        break;
      case "unresolved":
        out = val("Unresolved", "unresolved", this.#everyInputColumn(node), { note: `${e.reason}; depends on every input column` });
        break;
    }
    this.#sqlExprs.set(e, out);
    return out;
  }
}

function memo<K>(cache: Map<RelationNode, Map<K, LineageNode>>, node: RelationNode, key: K, make: () => LineageNode): LineageNode {
  let byKey = cache.get(node);
  if (!byKey) cache.set(node, (byKey = new Map()));
  let out = byKey.get(key);
  if (!out) byKey.set(key, (out = make()));
  return out;
}

function pascalToSnake(label: string): string {
  return label.replace(/[A-Z]/g, (c, i: number) => (i === 0 ? c.toLowerCase() : `_${c.toLowerCase()}`));
}
