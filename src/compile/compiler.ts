/**
 * The SQL compiler: one walk over relation nodes, shared by every engine; the dialect
 * supplies the spellings. Each non-leaf node becomes a CTE (`_t0`, `_t1`, ... in
 * topological order), so shared sub-expressions are written once and the SQL reads top
 * to bottom like the pipeline.
 *
 * Row order: SQL does not keep the order of a subquery, so a sort's keys travel up
 * through order-preserving nodes (filter, limit, distinct, pass-through projections,
 * hops and caches) and are applied again where needed, finally on the outermost query.
 */
import { nodeHash, shortHash } from "../expr/canonical.js";
import type { RelationOf, ValueOf } from "../expr/node-kinds.js";
import { type RelationNode, type RelationNodeKind, backendOf } from "../expr/relation-nodes.js";
import { type AggregateNode, columnsOf, type SortKey, type ValueNode, type ValueNodeKind } from "../expr/value-nodes.js";
import { type Dialect, UnsupportedError } from "./dialect.js";

export interface CompileOptions {
  /**
   * Nodes the executor has already materialized (a hop's data, a memtable, a cache
   * hit): compiled as a reference to the named table instead of their definition.
   */
  readonly tableFor?: (node: RelationNode) => string | null;
}

export interface CompiledQuery {
  readonly sql: string;
}

/** The table name a memtable is registered under in an engine. */
export function memtableName(node: RelationOf<"memtable">): string {
  return `_xorq_mem_${node.dataHash.slice(0, 16)}`;
}

/** The table name a hop's rows are written to in the target engine. */
export function hopTableName(node: RelationOf<"into_backend">): string {
  return node.name ?? `_xorq_hop_${shortHash(node)}`;
}

/** The table a file is loaded into, in an engine that cannot read files itself. */
export function readTableName(node: RelationOf<"read">): string {
  return `_xorq_read_${shortHash(node)}`;
}

/**
 * A hop into the engine its input already runs in (or from in-memory data only) moves
 * nothing: it compiles as its input, in the same query.
 */
export function isPassThroughHop(node: RelationOf<"into_backend">): boolean {
  // A named hop always lands in its table, even from the same engine: the user asked for it.
  return node.name === undefined && (backendOf(node.input)?.name ?? node.backend.name) === node.backend.name;
}

interface Compiled {
  /** A FROM item: a CTE name, a table or a table function. */
  readonly from: string;
  /** Sort keys (over this node's output columns) the rows are meant to be in. */
  readonly order: ReadonlyArray<SortKey>;
}

export function compile(root: RelationNode, dialect: Dialect, options: CompileOptions = {}): CompiledQuery {
  return Object.freeze({ sql: new QueryCompiler(dialect, options).compileRoot(root) });
}

/** A node compiled as a SELECT, with the order its rows are meant to be in and whether the SELECT applies it. */
interface Selected {
  readonly sql: string;
  readonly order: ReadonlyArray<SortKey>;
  readonly ordered: boolean;
}

/** How a kind is referenced directly (a table, a file, its input), or null: through a CTE holding its SELECT. */
type LeafRule<K extends RelationNodeKind> = ((c: QueryCompiler, node: RelationOf<K>) => Compiled) | null;
type SelectRule<K extends RelationNodeKind> = (c: QueryCompiler, node: RelationOf<K>) => Selected;
type ValueRule<K extends ValueNodeKind> = (c: QueryCompiler, node: ValueOf<K>, aliases: ReadonlyArray<string | null>, windowed: boolean) => string;

class QueryCompiler {
  readonly #dialect: Dialect;
  readonly #options: CompileOptions;
  readonly #ctes: string[] = [];
  readonly #compiled = new Map<RelationNode, Compiled>();
  /** Hop tables read so far, with the hash of the input each holds. */
  readonly #hops = new Map<string, string>();

  constructor(dialect: Dialect, options: CompileOptions) {
    this.#dialect = dialect;
    this.#options = options;
  }

  compileRoot(root: RelationNode): string {
    const direct = this.#leaf(root);
    let body: string;
    let order: ReadonlyArray<SortKey>;
    let ordered = false;
    if (direct) {
      body = `SELECT * FROM ${direct.from}`;
      order = direct.order;
    } else {
      const r = this.#select(root);
      body = r.sql;
      order = r.order;
      ordered = r.ordered;
    }
    if (order.length > 0 && !ordered) body += `\nORDER BY ${this.#orderBy(order, [null])}`;
    if (this.#ctes.length === 0) return body;
    return `WITH ${this.#ctes.join(",\n")}\n${body}`;
  }

  /** A FROM item for a node: a leaf's own reference, or a CTE holding its SELECT. */
  #ref(node: RelationNode): Compiled {
    const done = this.#compiled.get(node);
    if (done) return done;
    let result = this.#leaf(node);
    if (!result) {
      const { sql, order } = this.#select(node);
      const name = `_t${this.#ctes.length}`;
      this.#ctes.push(`${name} AS (\n${indent(sql)}\n)`);
      result = { from: name, order };
    }
    this.#compiled.set(node, result);
    return result;
  }

  /** Nodes that are referenced directly rather than through a SELECT; null otherwise. */
  #leaf(node: RelationNode): Compiled | null {
    const materialized = this.#options.tableFor?.(node);
    if (materialized) return { from: this.#dialect.tableName(materialized), order: this.#carriedOrder(node) };
    const rule = QueryCompiler.#LEAF[node.kind] as LeafRule<RelationNodeKind>;
    return rule ? rule(this, node) : null;
  }

  /** The order a materialized node's rows were written in (its input's order). */
  #carriedOrder(node: RelationNode): ReadonlyArray<SortKey> {
    if (node.kind === "into_backend" || node.kind === "cache") {
      const inner = this.#compiled.get(node.input);
      if (inner) return inner.order;
      return orderOf(node.input);
    }
    return [];
  }

  #select(node: RelationNode): Selected {
    return (QueryCompiler.#SELECT[node.kind] as SelectRule<RelationNodeKind>)(this, node);
  }

  #orderBy(keys: ReadonlyArray<SortKey>, aliases: ReadonlyArray<string | null>): string {
    return keys.map((k) => `${this.#value(k.expr, aliases, false)} ${k.descending ? "DESC" : "ASC"} NULLS LAST`).join(", ");
  }

  /**
   * Compiles a value. `aliases[i]` qualifies columns of input i (join sides); in a
   * projection (`windowed`), a bare aggregate is evaluated over the whole table.
   */
  #value(node: ValueNode, aliases: ReadonlyArray<string | null> = [null], windowed = false): string {
    return (QueryCompiler.#VALUE[node.kind] as ValueRule<ValueNodeKind>)(this, node, aliases, windowed);
  }

  /** A hop's table, checked to hold one input: two named hops may not share a name. */
  #hopTable(node: RelationOf<"into_backend">): string {
    const table = hopTableName(node);
    const hash = nodeHash(node.input);
    const earlier = this.#hops.get(table);
    if (earlier !== undefined && earlier !== hash) {
      throw new UnsupportedError(`two different inputs are moved into the table '${table}' of ${this.#dialect.name}: give each intoBackend() its own name`);
    }
    this.#hops.set(table, hash);
    return table;
  }

  /** An aggregate, evaluated as a window over `over` (a window specification) unless it is null. */
  #aggregate(node: AggregateNode, aliases: ReadonlyArray<string | null>, over: string | null): string {
    return this.#dialect.aggregate(node.fn, node.arg ? this.#value(node.arg, aliases, false) : null, node.type, over);
  }

  /** A leaf kind as a SELECT (when it is the root's only node). */
  #selectLeaf(node: RelationNode): Selected {
    const leaf = this.#leaf(node)!;
    return { sql: `SELECT * FROM ${leaf.from}`, order: leaf.order, ordered: false };
  }

  #q(name: string): string {
    return this.#dialect.quoteIdentifier(name);
  }

  static readonly #LEAF: { readonly [K in RelationNodeKind]: LeafRule<K> } = {
    read: (c, n) => {
      const d = c.#dialect;
      return { from: d.readsFiles ? d.readFile(n.format, n.path, n.options) : d.quoteIdentifier(readTableName(n)), order: [] };
    },
    table: (c, n) => ({ from: c.#dialect.tableName(n.name), order: [] }),
    memtable: (c, n) => ({ from: c.#q(memtableName(n)), order: [] }),
    project: null,
    filter: null,
    aggregate_rel: null,
    join: null,
    union: null,
    distinct: null,
    sort: null,
    limit: null,
    sql: null,
    into_backend: (c, n) => (isPassThroughHop(n) ? c.#ref(n.input) : { from: c.#q(c.#hopTable(n)), order: c.#carriedOrder(n) }),
    cache: (c, n) => c.#ref(n.input),
  };

  static readonly #SELECT: { readonly [K in RelationNodeKind]: SelectRule<K> } = {
    read: (c, n) => c.#selectLeaf(n),
    table: (c, n) => c.#selectLeaf(n),
    memtable: (c, n) => c.#selectLeaf(n),
    into_backend: (c, n) => c.#selectLeaf(n),
    cache: (c, n) => c.#selectLeaf(n),
    project: (c, n) => {
      const input = c.#ref(n.input);
      const cols = n.columns.map(([name, value]) =>
        value.kind === "column" && value.name === name ? c.#q(name) : `${c.#value(value, [null], true)} AS ${c.#q(name)}`,
      );
      return { sql: `SELECT ${cols.join(", ")}\nFROM ${input.from}`, order: keepOrder(input.order, n), ordered: false };
    },
    filter: (c, n) => {
      const input = c.#ref(n.input);
      const where = n.predicates.map((p) => c.#value(p)).join(" AND ");
      return { sql: `SELECT *\nFROM ${input.from}\nWHERE ${where}`, order: input.order, ordered: false };
    },
    aggregate_rel: (c, n) => {
      const input = c.#ref(n.input);
      const items = [...n.groupBy, ...n.metrics].map(([name, value]) =>
        value.kind === "column" && value.name === name ? c.#q(name) : `${c.#value(value)} AS ${c.#q(name)}`,
      );
      let sql = `SELECT ${items.join(", ")}\nFROM ${input.from}`;
      if (n.groupBy.length > 0) sql += `\nGROUP BY ${n.groupBy.map((_, i) => i + 1).join(", ")}`;
      return { sql, order: [], ordered: false };
    },
    join: (c, n) => {
      const q = (name: string) => c.#q(name);
      const left = c.#ref(n.left);
      const right = c.#ref(n.right);
      const sides = ["l", "r"];
      const cols = n.outputs.map((o) => {
        const own = `${sides[o.side]}.${q(o.source)}`;
        const expr = o.coalesce ? `COALESCE(l.${q(o.source)}, r.${q(o.source)})` : own;
        return expr === `l.${q(o.name)}` || expr === `r.${q(o.name)}` ? expr : `${expr} AS ${q(o.name)}`;
      });
      const on = n.predicates.map((p) => c.#value(p, sides)).join(" AND ");
      if (n.how === "semi" || n.how === "anti") {
        const exists = `${n.how === "anti" ? "NOT " : ""}EXISTS (SELECT 1 FROM ${right.from} AS r WHERE ${on})`;
        return { sql: `SELECT ${cols.join(", ")}\nFROM ${left.from} AS l\nWHERE ${exists}`, order: [], ordered: false };
      }
      const keyword = { inner: "INNER JOIN", left: "LEFT JOIN", right: "RIGHT JOIN", outer: "FULL OUTER JOIN", cross: "CROSS JOIN" }[n.how];
      const cond = n.how === "cross" ? "" : ` ON ${on}`;
      return { sql: `SELECT ${cols.join(", ")}\nFROM ${left.from} AS l\n${keyword} ${right.from} AS r${cond}`, order: [], ordered: false };
    },
    union: (c, n) => {
      const d = c.#dialect;
      const parts = n.inputs.map((input) => {
        const ref = c.#ref(input);
        const needsCast = input.schema.some((f, i) => f.type !== n.schema[i]!.type);
        if (!needsCast) return `SELECT * FROM ${ref.from}`;
        const cols = input.schema.map((f, i) =>
          f.type === n.schema[i]!.type ? c.#q(f.name) : `CAST(${c.#q(f.name)} AS ${d.typeName(n.schema[i]!.type)}) AS ${c.#q(f.name)}`,
        );
        return `SELECT ${cols.join(", ")} FROM ${ref.from}`;
      });
      return { sql: parts.join(`\n${d.unionKeyword(n.distinct)}\n`), order: [], ordered: false };
    },
    distinct: (c, n) => {
      const input = c.#ref(n.input);
      return { sql: `SELECT DISTINCT *\nFROM ${input.from}`, order: input.order, ordered: false };
    },
    sort: (c, n) => {
      const input = c.#ref(n.input);
      return { sql: `SELECT *\nFROM ${input.from}\nORDER BY ${c.#orderBy(n.keys, [null])}`, order: n.keys, ordered: true };
    },
    limit: (c, n) => {
      const input = c.#ref(n.input);
      let sql = `SELECT *\nFROM ${input.from}`;
      if (input.order.length > 0) sql += `\nORDER BY ${c.#orderBy(input.order, [null])}`;
      const clause = c.#dialect.limitOffset(n.limit, n.offset);
      if (clause) sql += `\n${clause}`;
      return { sql, order: input.order, ordered: true };
    },
    sql: (c, n) => {
      const inputs = n.inputs.map(([name, rel]) => `${sqlInputName(name, c.#dialect)} AS (SELECT * FROM ${c.#ref(rel).from})`);
      const query = n.query.trim().replace(/;\s*$/, "");
      if (inputs.length === 0) return { sql: query, order: [], ordered: false };
      const userWith = /^with\s+(recursive\s+)?/i.exec(query);
      const sql = userWith
        ? `WITH ${userWith[1] ?? ""}${inputs.join(", ")}, ${query.slice(userWith[0].length)}`
        : `WITH ${inputs.join(", ")}\n${query}`;
      return { sql: `SELECT * FROM (\n${indent(sql)}\n) AS _q`, order: [], ordered: false };
    },
  };

  static readonly #VALUE: { readonly [K in ValueNodeKind]: ValueRule<K> } = {
    column: (c, n, aliases) => {
      const alias = aliases[n.input] ?? null;
      return alias ? `${alias}.${c.#q(n.name)}` : c.#q(n.name);
    },
    literal: (c, n) => c.#dialect.literal(n),
    param: (c, n) => c.#dialect.literal({ kind: "literal", value: n.value, type: n.type }),
    binary: (c, n, aliases, windowed) => {
      const d = c.#dialect;
      const l = c.#value(n.left, aliases, windowed);
      const r = c.#value(n.right, aliases, windowed);
      switch (n.op) {
        case "div": return d.divide(l, r, n.left.type, n.right.type);
        case "mod": return d.modulo(l, r, n.left.type, n.right.type, n.type);
        case "floordiv": return `CAST(FLOOR(${d.divide(l, r, n.left.type, n.right.type)}) AS ${d.typeName(n.type)})`;
        case "pow": return `POWER(${l}, ${r})`;
        default: return `(${l} ${BINARY_SQL[n.op]} ${r})`;
      }
    },
    unary: (c, n, aliases, windowed) => UNARY_SQL[n.op](c.#value(n.arg, aliases, windowed)),
    call: (c, n, aliases, windowed) => c.#dialect.call(n, n.args.map((a) => c.#value(a, aliases, windowed))),
    cast: (c, n, aliases, windowed) => `CAST(${c.#value(n.arg, aliases, windowed)} AS ${c.#dialect.typeName(n.type)})`,
    in: (c, n, aliases, windowed) => {
      const sub = (x: ValueNode) => c.#value(x, aliases, windowed);
      return `(${sub(n.arg)} ${n.negated ? "NOT IN" : "IN"} (${n.values.map(sub).join(", ")}))`;
    },
    case: (c, n, aliases, windowed) => {
      const sub = (x: ValueNode) => c.#value(x, aliases, windowed);
      const branches = n.branches.map((b) => `WHEN ${sub(b.when)} THEN ${sub(b.then)}`).join(" ");
      return `CASE ${branches} ELSE ${sub(n.otherwise)} END`;
    },
    aggregate: (c, n, aliases, windowed) => c.#aggregate(n, aliases, windowed ? "" : null),
    window: (c, n, aliases) => {
      const inner = (x: ValueNode) => c.#value(x, aliases, false);
      const parts: string[] = [];
      if (n.partitionBy.length > 0) parts.push(`PARTITION BY ${n.partitionBy.map(inner).join(", ")}`);
      if (n.orderBy.length > 0) parts.push(`ORDER BY ${c.#orderBy(n.orderBy, aliases)}`);
      const spec = parts.join(" ");
      if (n.fn === "aggregate") return c.#aggregate(n.aggregate!, aliases, spec);
      if (n.fn === "lag" || n.fn === "lead") return `${n.fn.toUpperCase()}(${n.args.map(inner).join(", ")}) OVER (${spec})`;
      return `CAST(${n.fn.toUpperCase()}() OVER (${spec}) AS ${c.#dialect.typeName(n.type)})`;
    },
  };
}

const UNARY_SQL = {
  not: (a: string) => `(NOT ${a})`,
  neg: (a: string) => `(-${a})`,
  is_null: (a: string) => `(${a} IS NULL)`,
  not_null: (a: string) => `(${a} IS NOT NULL)`,
} as const;

const BINARY_SQL = { add: "+", sub: "-", mul: "*", eq: "=", ne: "<>", lt: "<", le: "<=", gt: ">", ge: ">=", and: "AND", or: "OR" } as const;

function indent(sql: string): string {
  return sql.split("\n").map((l) => `  ${l}`).join("\n");
}

/** Input names of a SQL node stay unquoted when they can, so the user's unquoted references match on every engine. */
function sqlInputName(name: string, d: Dialect): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : d.quoteIdentifier(name);
}

/** Which kinds keep their input's row order (and so carry its sort keys), and how. */
const ORDER_OF: { readonly [K in RelationNodeKind]: (node: RelationOf<K>) => ReadonlyArray<SortKey> } = {
  read: () => [],
  table: () => [],
  memtable: () => [],
  project: (n) => keepOrder(orderOf(n.input), n),
  filter: (n) => orderOf(n.input),
  aggregate_rel: () => [],
  join: () => [],
  union: () => [],
  distinct: (n) => orderOf(n.input),
  sort: (n) => n.keys,
  limit: (n) => orderOf(n.input),
  sql: () => [],
  into_backend: (n) => orderOf(n.input),
  cache: (n) => orderOf(n.input),
};

/** The sort keys a node's rows carry, for nodes compiled elsewhere (e.g. before a hop). */
export function orderOf(node: RelationNode): ReadonlyArray<SortKey> {
  return (ORDER_OF[node.kind] as (n: RelationNode) => ReadonlyArray<SortKey>)(node);
}

/** Sort keys survive a projection when every column they read passes through unchanged. */
function keepOrder(order: ReadonlyArray<SortKey>, node: RelationOf<"project">): ReadonlyArray<SortKey> {
  if (order.length === 0) return order;
  const passed = new Set(node.columns.filter(([name, v]) => v.kind === "column" && v.name === name).map(([n]) => n));
  return order.every((k) => columnsOf(k.expr).every((c) => passed.has(c.name))) ? order : [];
}

export { UnsupportedError };
