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
import { shortHash } from "../expr/canonical.js";
import { type RelationNode, backendOf } from "../expr/relation-nodes.js";
import { columnsOf, type SortKey, type ValueNode } from "../expr/value-nodes.js";
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
export function memtableName(node: RelationNode & { kind: "memtable" }): string {
  return `_xorq_mem_${node.dataHash.slice(0, 16)}`;
}

/** The table name a hop's rows are written to in the target engine. */
export function hopTableName(node: RelationNode): string {
  return `_xorq_hop_${shortHash(node)}`;
}

/** The table a file is loaded into, in an engine that cannot read files itself. */
export function readTableName(node: RelationNode & { kind: "read" }): string {
  return `_xorq_read_${shortHash(node)}`;
}

/**
 * A hop into the engine its input already runs in (or from in-memory data only) moves
 * nothing: it compiles as its input, in the same query.
 */
export function isPassThroughHop(node: RelationNode & { kind: "into_backend" }): boolean {
  return (backendOf(node.input)?.name ?? node.backend.name) === node.backend.name;
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

class QueryCompiler {
  readonly #dialect: Dialect;
  readonly #options: CompileOptions;
  readonly #ctes: string[] = [];
  readonly #compiled = new Map<RelationNode, Compiled>();

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
    const d = this.#dialect;
    const materialized = this.#options.tableFor?.(node);
    if (materialized) return { from: d.tableName(materialized), order: this.#carriedOrder(node) };
    switch (node.kind) {
      case "read":
        return { from: d.readsFiles ? d.readFile(node.format, node.path, node.options) : d.quoteIdentifier(readTableName(node)), order: [] };
      case "table":
        return { from: d.tableName(node.name), order: [] };
      case "memtable":
        return { from: d.quoteIdentifier(memtableName(node)), order: [] };
      case "into_backend":
        if (isPassThroughHop(node)) return this.#ref(node.input);
        return { from: d.quoteIdentifier(hopTableName(node)), order: this.#carriedOrder(node) };
      case "cache":
        return this.#ref(node.input);
      default:
        return null;
    }
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

  #select(node: RelationNode): { sql: string; order: ReadonlyArray<SortKey>; ordered: boolean } {
    const d = this.#dialect;
    const q = (name: string) => d.quoteIdentifier(name);
    const v = (value: ValueNode, aliases: ReadonlyArray<string | null> = [null], windowed = false) =>
      this.#value(value, aliases, windowed);
    switch (node.kind) {
      case "project": {
        const input = this.#ref(node.input);
        const cols = node.columns.map(([name, value]) =>
          value.kind === "column" && value.name === name ? q(name) : `${v(value, [null], true)} AS ${q(name)}`,
        );
        return { sql: `SELECT ${cols.join(", ")}\nFROM ${input.from}`, order: keepOrder(input.order, node), ordered: false };
      }
      case "filter": {
        const input = this.#ref(node.input);
        const where = node.predicates.map((p) => v(p)).join(" AND ");
        return { sql: `SELECT *\nFROM ${input.from}\nWHERE ${where}`, order: input.order, ordered: false };
      }
      case "aggregate_rel": {
        const input = this.#ref(node.input);
        const items = [...node.groupBy, ...node.metrics].map(([name, value]) =>
          value.kind === "column" && value.name === name ? q(name) : `${v(value)} AS ${q(name)}`,
        );
        let sql = `SELECT ${items.join(", ")}\nFROM ${input.from}`;
        if (node.groupBy.length > 0) sql += `\nGROUP BY ${node.groupBy.map((_, i) => i + 1).join(", ")}`;
        return { sql, order: [], ordered: false };
      }
      case "join": {
        const left = this.#ref(node.left);
        const right = this.#ref(node.right);
        const sides = ["l", "r"];
        const cols = node.outputs.map((o) => {
          const own = `${sides[o.side]}.${q(o.source)}`;
          const expr = o.coalesce ? `COALESCE(l.${q(o.source)}, r.${q(o.source)})` : own;
          return expr === `l.${q(o.name)}` || expr === `r.${q(o.name)}` ? expr : `${expr} AS ${q(o.name)}`;
        });
        const on = node.predicates.map((p) => v(p, sides)).join(" AND ");
        if (node.how === "semi" || node.how === "anti") {
          const exists = `${node.how === "anti" ? "NOT " : ""}EXISTS (SELECT 1 FROM ${right.from} AS r WHERE ${on})`;
          return { sql: `SELECT ${cols.join(", ")}\nFROM ${left.from} AS l\nWHERE ${exists}`, order: [], ordered: false };
        }
        const keyword = { inner: "INNER JOIN", left: "LEFT JOIN", right: "RIGHT JOIN", outer: "FULL OUTER JOIN", cross: "CROSS JOIN" }[node.how];
        const cond = node.how === "cross" ? "" : ` ON ${on}`;
        return { sql: `SELECT ${cols.join(", ")}\nFROM ${left.from} AS l\n${keyword} ${right.from} AS r${cond}`, order: [], ordered: false };
      }
      case "union": {
        const parts = node.inputs.map((input) => {
          const ref = this.#ref(input);
          const needsCast = input.schema.some((f, i) => f.type !== node.schema[i]!.type);
          if (!needsCast) return `SELECT * FROM ${ref.from}`;
          const cols = input.schema.map((f, i) =>
            f.type === node.schema[i]!.type ? q(f.name) : `CAST(${q(f.name)} AS ${d.typeName(node.schema[i]!.type)}) AS ${q(f.name)}`,
          );
          return `SELECT ${cols.join(", ")} FROM ${ref.from}`;
        });
        return { sql: parts.join(`\n${d.unionKeyword(node.distinct)}\n`), order: [], ordered: false };
      }
      case "distinct": {
        const input = this.#ref(node.input);
        return { sql: `SELECT DISTINCT *\nFROM ${input.from}`, order: input.order, ordered: false };
      }
      case "sort": {
        const input = this.#ref(node.input);
        return { sql: `SELECT *\nFROM ${input.from}\nORDER BY ${this.#orderBy(node.keys, [null])}`, order: node.keys, ordered: true };
      }
      case "limit": {
        const input = this.#ref(node.input);
        let sql = `SELECT *\nFROM ${input.from}`;
        if (input.order.length > 0) sql += `\nORDER BY ${this.#orderBy(input.order, [null])}`;
        const clause = d.limitOffset(node.limit, node.offset);
        if (clause) sql += `\n${clause}`;
        return { sql, order: input.order, ordered: true };
      }
      case "sql": {
        const inputs = node.inputs.map(([name, rel]) => `${sqlInputName(name, d)} AS (SELECT * FROM ${this.#ref(rel).from})`);
        const query = node.query.trim().replace(/;\s*$/, "");
        if (inputs.length === 0) return { sql: query, order: [], ordered: false };
        const userWith = /^with\s+(recursive\s+)?/i.exec(query);
        const sql = userWith
          ? `WITH ${userWith[1] ?? ""}${inputs.join(", ")}, ${query.slice(userWith[0].length)}`
          : `WITH ${inputs.join(", ")}\n${query}`;
        return { sql: `SELECT * FROM (\n${indent(sql)}\n) AS _q`, order: [], ordered: false };
      }
      case "read":
      case "table":
      case "memtable":
      case "into_backend":
      case "cache": {
        const leaf = this.#leaf(node)!;
        return { sql: `SELECT * FROM ${leaf.from}`, order: leaf.order, ordered: false };
      }
    }
  }

  #orderBy(keys: ReadonlyArray<SortKey>, aliases: ReadonlyArray<string | null>): string {
    return keys.map((k) => `${this.#value(k.expr, aliases, false)} ${k.descending ? "DESC" : "ASC"} NULLS LAST`).join(", ");
  }

  /**
   * Compiles a value. `aliases[i]` qualifies columns of input i (join sides); in a
   * projection (`windowed`), a bare aggregate is evaluated over the whole table.
   */
  #value(node: ValueNode, aliases: ReadonlyArray<string | null>, windowed: boolean): string {
    const d = this.#dialect;
    const sub = (n: ValueNode) => this.#value(n, aliases, windowed);
    switch (node.kind) {
      case "column": {
        const alias = aliases[node.input] ?? null;
        return alias ? `${alias}.${d.quoteIdentifier(node.name)}` : d.quoteIdentifier(node.name);
      }
      case "literal":
        return d.literal(node);
      case "binary": {
        const l = sub(node.left);
        const r = sub(node.right);
        switch (node.op) {
          case "div": return d.divide(l, r, node.left.type, node.right.type);
          case "mod": return d.modulo(l, r, node.left.type, node.right.type, node.type);
          case "floordiv": return `CAST(FLOOR(${d.divide(l, r, node.left.type, node.right.type)}) AS ${d.typeName(node.type)})`;
          case "pow": return `POWER(${l}, ${r})`;
          default: return `(${l} ${BINARY_SQL[node.op]} ${r})`;
        }
      }
      case "unary":
        return UNARY_SQL[node.op](sub(node.arg));
      case "call":
        return d.call(node, node.args.map(sub));
      case "cast":
        return `CAST(${sub(node.arg)} AS ${d.typeName(node.type)})`;
      case "in":
        return `(${sub(node.arg)} ${node.negated ? "NOT IN" : "IN"} (${node.values.map(sub).join(", ")}))`;
      case "case": {
        const branches = node.branches.map((b) => `WHEN ${sub(b.when)} THEN ${sub(b.then)}`).join(" ");
        return `CASE ${branches} ELSE ${sub(node.otherwise)} END`;
      }
      case "aggregate": {
        const text = d.aggregate(node.fn, node.arg ? this.#value(node.arg, aliases, false) : null, node.type);
        return windowed ? `${text} OVER ()` : text;
      }
      case "window": {
        const inner = (n: ValueNode) => this.#value(n, aliases, false);
        let fn: string;
        if (node.fn === "aggregate") fn = inner(node.aggregate!);
        else if (node.fn === "lag" || node.fn === "lead") fn = `${node.fn.toUpperCase()}(${node.args.map(inner).join(", ")})`;
        else fn = `${node.fn.toUpperCase()}()`;
        const parts: string[] = [];
        if (node.partitionBy.length > 0) parts.push(`PARTITION BY ${node.partitionBy.map(inner).join(", ")}`);
        if (node.orderBy.length > 0) parts.push(`ORDER BY ${this.#orderBy(node.orderBy, aliases)}`);
        const over = `${fn} OVER (${parts.join(" ")})`;
        return node.fn === "row_number" || node.fn === "rank" || node.fn === "dense_rank" ? `CAST(${over} AS ${d.typeName(node.type)})` : over;
      }
    }
  }
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

/** The sort keys a node's rows carry, for nodes compiled elsewhere (e.g. before a hop). */
export function orderOf(node: RelationNode): ReadonlyArray<SortKey> {
  switch (node.kind) {
    case "sort":
      return node.keys;
    case "filter":
    case "limit":
    case "distinct":
    case "into_backend":
    case "cache":
      return orderOf(node.input);
    case "project":
      return keepOrder(orderOf(node.input), node);
    default:
      return [];
  }
}

/** Sort keys survive a projection when every column they read passes through unchanged. */
function keepOrder(order: ReadonlyArray<SortKey>, node: RelationNode & { kind: "project" }): ReadonlyArray<SortKey> {
  if (order.length === 0) return order;
  const passed = new Set(node.columns.filter(([name, v]) => v.kind === "column" && v.name === name).map(([n]) => n));
  return order.every((k) => columnsOf(k.expr).every((c) => passed.has(c.name))) ? order : [];
}

export { UnsupportedError };
