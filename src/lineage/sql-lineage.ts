/**
 * Column lineage of a SQL query, read off DuckDB's parse tree (`json_serialize_sql`).
 *
 * For each output column of a `sql` node this finds the expression it computes, with
 * every column reference resolved to a column of one of the node's named inputs (or of
 * a table of the engine the query reads directly). It follows table aliases, joins
 * (USING and NATURAL keys count both sides), `*` with EXCLUDE / REPLACE, CTEs (also
 * recursive ones, approximately), subqueries in FROM and in expressions (correlated
 * ones included), lateral column aliases, set operations and window functions.
 *
 * What it cannot follow (`COLUMNS(...)`, `*` over a table whose columns it does not
 * know, SQL DuckDB cannot parse, a statement other than one SELECT) makes the whole
 * query fall back to "every column of every input", with a note saying why: lineage
 * that is wider than the truth, never narrower.
 */
import { pascalCase } from "./lineage-node.js";

/** Where a piece of an output column comes from. */
export type SqlExpr =
  /** A column of a named input of the SQL node; `column: null` stands for its rows (count(*)). */
  | { readonly kind: "input"; readonly input: string; readonly column: string | null }
  /** A column of a table (or table function) the query reads from its engine directly. */
  | { readonly kind: "table"; readonly table: string; readonly column: string | null }
  /** A column of a CTE or subquery, with the expression that defines it there. */
  | { readonly kind: "derived"; readonly source: string; readonly column: string; readonly expr: SqlExpr }
  | { readonly kind: "op"; readonly op: string; readonly label: string; readonly children: ReadonlyArray<SqlExpr> }
  | { readonly kind: "literal"; readonly value: string }
  /** A reference that could not be resolved; the lineage walker widens it to all inputs. */
  | { readonly kind: "unresolved"; readonly reason: string };

export interface SqlLineage {
  /** The expression of each output column, by position; null when the query could not be traced. */
  readonly columns: ReadonlyArray<SqlExpr> | null;
  /** Conditions that choose or group rows: WHERE, JOIN ON, GROUP BY, HAVING, QUALIFY (anywhere in the query). */
  readonly predicates: ReadonlyArray<SqlExpr>;
  /** Why the query (or part of it) could not be traced. */
  readonly note: string | null;
}

export interface SqlInput {
  readonly name: string;
  readonly columns: ReadonlyArray<string>;
}

/** The parse tree is plain JSON from DuckDB; it is read defensively. */
type PNode = { readonly [key: string]: unknown };

/** A construct this analysis cannot follow; the query falls back to all inputs. */
class Untraceable extends Error {}

interface Column {
  readonly name: string;
  readonly expr: SqlExpr;
}

interface QueryResult {
  readonly columns: ReadonlyArray<Column>;
  /** The rows the query reads (for count(*)). */
  readonly rows: ReadonlyArray<SqlExpr>;
}

/** A FROM item in scope. */
interface Rel {
  readonly alias: string;
  /** Known output column names, or null when they are not known (an engine table). */
  readonly columns: ReadonlyArray<string> | null;
  column(name: string): SqlExpr | null;
  readonly rows: ReadonlyArray<SqlExpr>;
}

interface Scope {
  readonly rels: ReadonlyArray<Rel>;
  /** USING / NATURAL join keys: one output column made of several sides. */
  readonly using: ReadonlyMap<string, ReadonlyArray<Rel>>;
  readonly parent: Scope | null;
  /** Select-list aliases defined so far (DuckDB lets later items and clauses refer to them). */
  readonly aliases: Map<string, SqlExpr>;
}

type CteEnv = ReadonlyMap<string, () => Rel>;

const lower = (s: string) => s.toLowerCase();

/**
 * Traces the output columns of a query given DuckDB's `json_serialize_sql` output.
 * `outputNames` are the node's schema names (the engine's view of the result), used
 * to check that the analysis found the same number of columns.
 */
export function analyzeSql(parsed: unknown, inputs: ReadonlyArray<SqlInput>, outputNames: ReadonlyArray<string>): SqlLineage {
  const tree = parsed as PNode;
  if (!tree || tree.error === true) {
    const message = typeof tree?.error_message === "string" ? tree.error_message : "unknown parse error";
    return { columns: null, predicates: [], note: `DuckDB's parser could not read this SQL (${message})` };
  }
  const statements = Array.isArray(tree.statements) ? (tree.statements as PNode[]) : [];
  if (statements.length !== 1) {
    return { columns: null, predicates: [], note: `expected one SELECT statement, found ${statements.length}` };
  }
  const analyzer = new Analyzer(inputs);
  try {
    const result = analyzer.query(statements[0]!.node as PNode, null, new Map());
    if (result.columns.length !== outputNames.length) {
      throw new Untraceable(`found ${result.columns.length} output columns where the engine reports ${outputNames.length}`);
    }
    return { columns: result.columns.map((c) => c.expr), predicates: analyzer.predicates, note: null };
  } catch (e) {
    if (!(e instanceof Untraceable)) throw e;
    return { columns: null, predicates: [], note: e.message };
  }
}

class Analyzer {
  readonly predicates: SqlExpr[] = [];
  readonly #inputs: ReadonlyMap<string, SqlInput>;

  constructor(inputs: ReadonlyArray<SqlInput>) {
    this.#inputs = new Map(inputs.map((i) => [lower(i.name), i]));
  }

  query(node: PNode, outer: Scope | null, ctes: CteEnv): QueryResult {
    const env = this.#withCtes(node, outer, ctes);
    switch (node.type) {
      case "SELECT_NODE":
        return this.#select(node, outer, env);
      case "SET_OPERATION_NODE":
        return this.#setOperation(node, outer, env);
      default:
        throw new Untraceable(`unsupported query form ${String(node.type)}`);
    }
  }

  #withCtes(node: PNode, outer: Scope | null, ctes: CteEnv): CteEnv {
    const map = ((node.cte_map as PNode | undefined)?.map as PNode[] | undefined) ?? [];
    if (map.length === 0) return ctes;
    const env = new Map(ctes);
    for (const entry of map) {
      const name = String(entry.key);
      const value = entry.value as PNode;
      const queryNode = (value.query as PNode).node as PNode;
      const aliases = (value.aliases as string[] | undefined) ?? [];
      const snapshot = new Map(env); // a CTE sees the CTEs declared before it
      let rel: Rel | null = null;
      env.set(lower(name), () => {
        rel ??= queryNode.type === "RECURSIVE_CTE_NODE"
          ? this.#recursiveCte(name, queryNode, outer, snapshot, aliases)
          : derivedRel(name, `CTE:${name}`, renameColumns(this.query(queryNode, outer, snapshot), aliases));
        return rel;
      });
    }
    return env;
  }

  /** The anchor's columns stand in for the CTE inside its recursive part, which avoids a cycle. */
  #recursiveCte(name: string, node: PNode, outer: Scope | null, ctes: CteEnv, aliases: ReadonlyArray<string>): Rel {
    const anchor = renameColumns(this.query(node.left as PNode, outer, ctes), aliases);
    const inner = new Map(ctes);
    inner.set(lower(name), () => derivedRel(name, `CTE:${name}`, anchor));
    const step = this.query(node.right as PNode, outer, inner);
    const columns = anchor.columns.map((c, i) => ({
      name: c.name,
      expr: op("recursive_union", "RecursiveUnion", [c.expr, step.columns[i]?.expr ?? c.expr]),
    }));
    return derivedRel(name, `CTE:${name}`, { columns, rows: [...anchor.rows, ...step.rows] });
  }

  #setOperation(node: PNode, outer: Scope | null, ctes: CteEnv): QueryResult {
    const left = this.query(node.left as PNode, outer, ctes);
    const right = this.query(node.right as PNode, outer, ctes);
    const kind = String(node.setop_type ?? "UNION");
    const label = pascalCase(kind.replace(/_BY_NAME$/, ""));
    const byName = kind.endsWith("_BY_NAME");
    const columns: Column[] = left.columns.map((c, i) => {
      const other = byName ? right.columns.find((r) => lower(r.name) === lower(c.name)) : right.columns[i];
      return { name: c.name, expr: combine(lower(label), label, [c.expr, ...(other ? [other.expr] : [])]) };
    });
    if (byName) {
      for (const r of right.columns) {
        if (!left.columns.some((c) => lower(c.name) === lower(r.name))) columns.push(r);
      }
    } else if (left.columns.length !== right.columns.length) {
      throw new Untraceable(`${label} of ${left.columns.length} and ${right.columns.length} columns`);
    }
    return { columns, rows: [...left.rows, ...right.rows] };
  }

  #select(node: PNode, outer: Scope | null, ctes: CteEnv): QueryResult {
    const rels: Rel[] = [];
    const using = new Map<string, Rel[]>();
    const scope: Scope = { rels, using, parent: outer, aliases: new Map() };
    this.#from(node.from_table as PNode | undefined, scope, rels, using, ctes);

    const columns: Column[] = [];
    for (const item of (node.select_list as PNode[] | undefined) ?? []) {
      if (item.class === "STAR") {
        columns.push(...this.#star(item, scope, ctes));
        continue;
      }
      const expr = this.expr(item, scope, ctes);
      const name = typeof item.alias === "string" && item.alias !== "" ? item.alias
        : item.class === "COLUMN_REF" ? String((item.column_names as string[]).at(-1)) : "";
      if (name !== "") scope.aliases.set(lower(name), expr);
      columns.push({ name, expr });
    }
    for (const key of ["where_clause", "having", "qualify"]) {
      const cond = node[key] as PNode | null | undefined;
      if (cond) this.predicates.push(this.expr(cond, scope, ctes));
    }
    for (const g of (node.group_expressions as PNode[] | undefined) ?? []) this.predicates.push(this.expr(g, scope, ctes));
    return { columns, rows: rels.flatMap((r) => r.rows) };
  }

  #from(item: PNode | undefined, scope: Scope, rels: Rel[], using: Map<string, Rel[]>, ctes: CteEnv): void {
    if (!item) return;
    switch (item.type) {
      case "EMPTY":
        return;
      case "BASE_TABLE": {
        const table = String(item.table_name);
        const alias = typeof item.alias === "string" && item.alias !== "" ? item.alias : table;
        const schema = typeof item.schema_name === "string" && item.schema_name !== "" ? `${item.schema_name}.` : "";
        const cte = schema === "" ? ctes.get(lower(table)) : undefined;
        const input = schema === "" ? this.#inputs.get(lower(table)) : undefined;
        let rel: Rel;
        if (cte) rel = cte();
        else if (input) rel = inputRel(input);
        else rel = tableRel(`${schema}${table}`);
        rels.push(aliasRel(rel, alias, (item.column_name_alias as string[] | undefined) ?? []));
        return;
      }
      case "SUBQUERY": {
        const alias = typeof item.alias === "string" && item.alias !== "" ? item.alias : "subquery";
        // Earlier FROM items are visible to a LATERAL subquery.
        const lateral: Scope = { rels: [...rels], using, parent: scope.parent, aliases: new Map() };
        const result = this.query((item.subquery as PNode).node as PNode, lateral, ctes);
        const aliases = (item.column_name_alias as string[] | undefined) ?? [];
        rels.push(derivedRel(alias, `Subquery:${alias}`, renameColumns(result, aliases)));
        return;
      }
      case "JOIN": {
        this.#from(item.left as PNode, scope, rels, using, ctes);
        const leftRels = [...rels];
        this.#from(item.right as PNode, scope, rels, using, ctes);
        const rightRels = rels.slice(leftRels.length);
        const keys = (item.using_columns as string[] | undefined) ?? [];
        const natural = item.ref_type === "NATURAL" ? naturalKeys(leftRels, rightRels) : [];
        for (const key of [...keys, ...natural]) {
          const sides = [...leftRels, ...rightRels].filter((r) => r.columns?.some((c) => lower(c) === lower(key)) ?? false);
          using.set(lower(key), sides.length > 0 ? sides : [...leftRels, ...rightRels]);
        }
        if (item.condition) this.predicates.push(this.expr(item.condition as PNode, scope, ctes));
        return;
      }
      case "TABLE_FUNCTION": {
        const fn = item.function as PNode;
        const args = ((fn.children as PNode[] | undefined) ?? []).filter((c) => c.class === "CONSTANT").map(constantText);
        const name = `${String(fn.function_name)}(${args.join(", ")})`;
        const alias = typeof item.alias === "string" && item.alias !== "" ? item.alias : String(fn.function_name);
        rels.push(aliasRel(tableRel(name), alias, (item.column_name_alias as string[] | undefined) ?? []));
        return;
      }
      case "EXPRESSION_LIST": {
        // VALUES: constants only, named col0, col1, ... unless aliased by the enclosing subquery.
        const rows = (item.values as PNode[][] | undefined) ?? [];
        const width = rows[0]?.length ?? 0;
        const columns = Array.from({ length: width }, (_, i) => ({
          name: `col${i}`,
          expr: combine("values", "Values", rows.map((r) => this.expr(r[i]!, scope, ctes))),
        }));
        rels.push(derivedRel(String(item.alias ?? "values"), "Values", { columns, rows: [] }));
        return;
      }
      default:
        throw new Untraceable(`unsupported FROM item ${String(item.type)}`);
    }
  }

  #star(item: PNode, scope: Scope, ctes: CteEnv): Column[] {
    if (item.columns === true) throw new Untraceable("COLUMNS(...) is not traced");
    const relation = typeof item.relation_name === "string" && item.relation_name !== "" ? lower(item.relation_name) : null;
    const excluded = new Set(((item.exclude_list as unknown[] | undefined) ?? []).map(excludedName));
    const replaced = new Map<string, PNode>();
    for (const r of (item.replace_list as PNode[] | undefined) ?? []) replaced.set(lower(String(r.key)), r.value as PNode);

    const rels = relation === null ? scope.rels : scope.rels.filter((r) => lower(r.alias) === relation);
    if (relation !== null && rels.length === 0) throw new Untraceable(`${relation}.* names no table of the query`);
    const out: Column[] = [];
    const emitted = new Set<string>();
    for (const rel of rels) {
      if (rel.columns === null) throw new Untraceable(`cannot expand * over '${rel.alias}': its columns are not known`);
      for (const name of rel.columns) {
        const key = lower(name);
        if (excluded.has(key)) continue;
        // A USING / NATURAL key appears once in `SELECT *`, made of both sides.
        if (relation === null && scope.using.has(key)) {
          if (emitted.has(key)) continue;
          emitted.add(key);
        }
        const replacement = replaced.get(key);
        const expr = replacement ? this.expr(replacement, scope, ctes)
          : relation === null && scope.using.has(key) ? this.#usingColumn(key, name, scope)
          : rel.column(name)!;
        out.push({ name, expr });
      }
    }
    return out;
  }

  #usingColumn(key: string, name: string, scope: Scope): SqlExpr {
    const sides = scope.using.get(key)!;
    return combine("coalesce", "Coalesce", sides.map((r) => r.column(name) ?? unresolved(name)));
  }

  /** Resolves a column reference, innermost scope first (correlated subqueries see outer tables). */
  #columnRef(names: ReadonlyArray<string>, scope: Scope): SqlExpr {
    if (names.length >= 2) {
      const relName = lower(names[names.length - 2]!);
      for (let s: Scope | null = scope; s; s = s.parent) {
        const rel = s.rels.find((r) => lower(r.alias) === relName);
        if (rel) return rel.column(names[names.length - 1]!) ?? unresolved(`'${rel.alias}' has no column '${names.at(-1)}'`);
      }
    }
    // Unqualified, or `column.field` of a struct.
    const name = names[0]!;
    const key = lower(name);
    for (let s: Scope | null = scope; s; s = s.parent) {
      if (s.using.has(key)) return this.#usingColumn(key, name, s);
      const known = s.rels.find((r) => r.columns?.some((c) => lower(c) === key) ?? false);
      if (known) return known.column(name)!;
      const alias = s.aliases.get(key);
      if (alias) return alias;
      const unknown = s.rels.filter((r) => r.columns === null);
      if (unknown.length === 1) return unknown[0]!.column(name)!;
      if (unknown.length > 1) return unresolved(`'${names.join(".")}' could be in any of ${unknown.map((r) => r.alias).join(", ")}`);
    }
    return unresolved(`no table of the query has a column '${names.join(".")}'`);
  }

  expr(e: PNode, scope: Scope, ctes: CteEnv): SqlExpr {
    const sub = (x: unknown) => this.expr(x as PNode, scope, ctes);
    const many = (xs: unknown) => ((xs as PNode[] | undefined) ?? []).map(sub);
    switch (e.class) {
      case "COLUMN_REF":
        return this.#columnRef(e.column_names as string[], scope);
      case "CONSTANT":
        return { kind: "literal", value: constantText(e) };
      case "FUNCTION": {
        const name = String(e.function_name);
        const distinct = e.distinct === true;
        const children = [...many(e.children)];
        if (e.filter) children.push(sub(e.filter));
        for (const o of ((e.order_bys as PNode | undefined)?.orders as PNode[] | undefined) ?? []) children.push(sub(o.expression));
        if (name === "count_star") children.push(...scopeRows(scope));
        const base = OPERATOR_LABELS[name] ?? FUNCTION_LABELS[lower(name)] ?? pascalCase(name);
        return op(lower(name) + (distinct ? "_distinct" : ""), base + (distinct ? "Distinct" : ""), children);
      }
      case "COMPARISON":
        return op(lower(String(e.type)), COMPARISON_LABELS[String(e.type)] ?? pascalCase(String(e.type).replace(/^COMPARE_/, "")), [sub(e.left), sub(e.right)]);
      case "CONJUNCTION":
        return op(e.type === "CONJUNCTION_OR" ? "or" : "and", e.type === "CONJUNCTION_OR" ? "Or" : "And", many(e.children));
      case "OPERATOR":
        return op(lower(String(e.type)), OPERATOR_TYPE_LABELS[String(e.type)] ?? pascalCase(String(e.type).replace(/^OPERATOR_/, "")), many(e.children));
      case "BETWEEN":
        return op("between", "Between", [sub(e.input), sub(e.lower), sub(e.upper)]);
      case "CASE": {
        const checks = (e.case_checks as PNode[] | undefined) ?? [];
        return op("case", "Case", [...checks.flatMap((c) => [sub(c.when_expr), sub(c.then_expr)]), ...(e.else_expr ? [sub(e.else_expr)] : [])]);
      }
      case "CAST": {
        const type = lower(String((e.cast_type as PNode | undefined)?.id ?? "?"));
        return op("cast", `Cast:${type}`, [sub(e.child)]);
      }
      case "WINDOW": {
        const name = String(e.function_name);
        const fn = op(lower(name), FUNCTION_LABELS[lower(name)] ?? pascalCase(name), [...many(e.children), ...(e.filter_expr ? [sub(e.filter_expr)] : [])]);
        const parts: SqlExpr[] = [fn];
        const partitions = many(e.partitions);
        if (partitions.length > 0) parts.push(op("partition_by", "PartitionBy", partitions));
        const orders = ((e.orders as PNode[] | undefined) ?? []).map((o) => sub(o.expression));
        if (orders.length > 0) parts.push(op("order_by", "OrderBy", orders));
        return op("window", "WindowFunction", parts);
      }
      case "SUBQUERY": {
        const result = this.query((e.subquery as PNode).node as PNode, scope, ctes);
        const kind = String(e.subquery_type ?? "SCALAR");
        const children: SqlExpr[] = kind === "EXISTS" || kind === "NOT_EXISTS" ? [...result.rows] : result.columns.slice(0, 1).map((c) => c.expr);
        if (e.child) children.unshift(sub(e.child));
        return op(`subquery_${lower(kind)}`, `Subquery:${lower(kind)}`, children);
      }
      case "STAR":
        throw new Untraceable("* inside an expression is not traced");
      default:
        return op(lower(String(e.type ?? e.class)), pascalCase(String(e.type ?? e.class)), nestedExpressions(e).map(sub));
    }
  }
}

function op(name: string, label: string, children: ReadonlyArray<SqlExpr>): SqlExpr {
  return { kind: "op", op: name, label, children };
}

/** Like `op`, but flattens a nested op of the same kind (a UNION of UNIONs is one Union). */
function combine(name: string, label: string, children: ReadonlyArray<SqlExpr>): SqlExpr {
  const flat = children.flatMap((c) => (c.kind === "op" && c.op === name ? c.children : [c]));
  return op(name, label, flat);
}

function unresolved(reason: string): SqlExpr {
  return { kind: "unresolved", reason };
}

function inputRel(input: SqlInput): Rel {
  const memo = new Map<string, SqlExpr>();
  return {
    alias: input.name,
    columns: input.columns,
    rows: [{ kind: "input", input: input.name, column: null }],
    column(name) {
      const actual = input.columns.find((c) => lower(c) === lower(name));
      if (actual === undefined) return null;
      let e = memo.get(actual);
      if (!e) memo.set(actual, (e = { kind: "input", input: input.name, column: actual }));
      return e;
    },
  };
}

function tableRel(table: string): Rel {
  const memo = new Map<string, SqlExpr>();
  return {
    alias: table,
    columns: null,
    rows: [{ kind: "table", table, column: null }],
    column(name) {
      let e = memo.get(lower(name));
      if (!e) memo.set(lower(name), (e = { kind: "table", table, column: name }));
      return e;
    },
  };
}

/** A CTE, subquery or VALUES list: its columns are expressions of what it reads. */
function derivedRel(alias: string, source: string, result: QueryResult): Rel {
  const memo = new Map<string, SqlExpr>();
  return {
    alias,
    columns: result.columns.map((c) => c.name),
    rows: result.rows,
    column(name) {
      const col = result.columns.find((c) => lower(c.name) === lower(name));
      if (!col) return null;
      let e = memo.get(col.name);
      if (!e) memo.set(col.name, (e = { kind: "derived", source, column: col.name, expr: col.expr }));
      return e;
    },
  };
}

/** The same relation under a FROM alias, with `alias(a, b)` column renames applied. */
function aliasRel(rel: Rel, alias: string, renames: ReadonlyArray<string>): Rel {
  if (renames.length === 0 || rel.columns === null) return { ...rel, alias, column: (n) => rel.column(n) };
  const columns = rel.columns.map((c, i) => renames[i] ?? c);
  return {
    alias,
    columns,
    rows: rel.rows,
    column(name) {
      const i = columns.findIndex((c) => lower(c) === lower(name));
      return i < 0 ? null : rel.column(rel.columns![i]!);
    },
  };
}

function renameColumns(result: QueryResult, aliases: ReadonlyArray<string>): QueryResult {
  if (aliases.length === 0) return result;
  return { ...result, columns: result.columns.map((c, i) => ({ ...c, name: aliases[i] ?? c.name })) };
}

function naturalKeys(left: ReadonlyArray<Rel>, right: ReadonlyArray<Rel>): string[] {
  const leftNames = new Set(left.flatMap((r) => (r.columns ?? []).map(lower)));
  if (left.some((r) => r.columns === null) || right.some((r) => r.columns === null)) {
    throw new Untraceable("NATURAL JOIN over a table whose columns are not known");
  }
  return right.flatMap((r) => r.columns!).filter((c) => leftNames.has(lower(c)));
}

function scopeRows(scope: Scope): SqlExpr[] {
  const out: SqlExpr[] = [];
  for (const r of scope.rels) for (const row of r.rows) if (!out.includes(row)) out.push(row);
  return out;
}

function excludedName(x: unknown): string {
  if (typeof x === "string") return lower(x);
  const names = (x as PNode | null)?.column_names;
  return Array.isArray(names) ? lower(String(names.at(-1))) : lower(String(x));
}

function constantText(e: PNode): string {
  const v = e.value as PNode | undefined;
  if (!v || v.is_null === true) return "NULL";
  const value = v.value;
  return typeof value === "string" ? `'${value}'` : String(value);
}

/** Expression-shaped objects one level down, for node classes without a dedicated case. */
function nestedExpressions(e: PNode): PNode[] {
  const out: PNode[] = [];
  for (const [key, v] of Object.entries(e)) {
    if (key === "class" || key === "type") continue;
    for (const x of Array.isArray(v) ? v : [v]) {
      if (x && typeof x === "object" && typeof (x as PNode).class === "string") out.push(x as PNode);
    }
  }
  return out;
}

/** The same names the expression API's nodes get, so SQL and API lineage read alike. */
const OPERATOR_LABELS: Readonly<Record<string, string>> = {
  "+": "Add", "-": "Subtract", "*": "Multiply", "/": "Divide", "//": "FloorDivide", "%": "Modulus",
  "**": "Power", "^": "Power", "||": "Concat", "~~": "Like", "!~~": "NotLike", "~~*": "ILike", "!~~*": "NotILike",
};

const FUNCTION_LABELS: Readonly<Record<string, string>> = {
  avg: "Mean", mean: "Mean", count_star: "CountStar", any_value: "AnyValue", row_number: "RowNumber",
  dense_rank: "DenseRank",
};

const COMPARISON_LABELS: Readonly<Record<string, string>> = {
  COMPARE_EQUAL: "Equals", COMPARE_NOTEQUAL: "NotEquals", COMPARE_LESSTHAN: "Less", COMPARE_GREATERTHAN: "Greater",
  COMPARE_LESSTHANOREQUALTO: "LessEqual", COMPARE_GREATERTHANOREQUALTO: "GreaterEqual",
};

const OPERATOR_TYPE_LABELS: Readonly<Record<string, string>> = {
  OPERATOR_NOT: "Not", OPERATOR_IS_NULL: "IsNull", OPERATOR_IS_NOT_NULL: "NotNull", COMPARE_IN: "IsIn",
  COMPARE_NOT_IN: "NotIn", OPERATOR_COALESCE: "Coalesce",
};
