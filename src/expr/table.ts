/**
 * The table expression builder. A `Table` wraps one immutable relation node plus the
 * live connections and in-memory data it needs to run; every method returns a new
 * `Table` and checks column names and types immediately.
 *
 * ```ts
 * const expr = orders.filter(_.amount.gt(100)).groupBy("region").agg({ total: _.amount.sum() });
 * expr.schema(); expr.toSql(); expr.hash(); await expr.execute();
 * ```
 */
import type { Table as ArrowTable, RecordBatch } from "apache-arrow";
import type { Backend } from "../backends/backend.js";
import { ExpressionError, unknownColumnError } from "./errors.js";
import { type DataType, type Field, type Schema, commonType } from "./data-type.js";
import { deepFreeze, nodeHash, shortHash, toGraph } from "./canonical.js";
import {
  type BackendRef,
  type CachePolicy,
  type IntoBackendNode,
  type JoinHow,
  type JoinOutput,
  type RelationNode,
  backendOf,
  fieldNames,
} from "./relation-nodes.js";
import { type Scope, type SortLike, type ValueLike, UNWRAP_VALUE, Value, boundColumn, inputColumn, resolveSortKey, toValue } from "./value.js";
import { containsAggregate, containsWindow, type ValueNode } from "./value-nodes.js";
import { exprToYaml } from "./yaml.js";
import { compile } from "../compile/compiler.js";
import { dialectFor } from "../backends/engines.js";

/** What a table needs at run time besides its nodes: open connections and in-memory data. */
export interface ExprContext {
  readonly backends: ReadonlyMap<string, Backend>;
  readonly memtables: ReadonlyMap<string, ArrowTable>;
}

export const EMPTY_CONTEXT: ExprContext = { backends: new Map(), memtables: new Map() };

export function mergeContexts(...contexts: ExprContext[]): ExprContext {
  if (contexts.length === 1) return contexts[0]!;
  const backends = new Map<string, Backend>();
  const memtables = new Map<string, ArrowTable>();
  for (const c of contexts) {
    for (const [k, v] of c.backends) {
      const existing = backends.get(k);
      if (existing && existing !== v) {
        throw new ExpressionError(`two different connections are both named '${k}'; give one of them another name`);
      }
      backends.set(k, v);
    }
    for (const [k, v] of c.memtables) memtables.set(k, v);
  }
  return { backends, memtables };
}

/** Join keys: shared column names, [left, right] name pairs, or a predicate over both sides. */
export type JoinOn =
  | string
  | ReadonlyArray<string | readonly [string, string]>
  | Value
  | ((left: ColumnAccessor, right: ColumnAccessor) => Value);

export interface JoinOptions {
  readonly how?: JoinHow;
  /** Suffix for right-side columns whose names collide with left ones (default "_right"). */
  readonly rsuffix?: string;
}

export type ColumnAccessor = { readonly [name: string]: Value };

/** A named output column: a column name, or `{ name: value }`. */
export type SelectItem = string | Value | Readonly<Record<string, ValueLike>>;

/**
 * Runs tables: `Services` (src/services.ts) is the one implementation. `execute()` and
 * `toBatches()` take one explicitly, else use the default services of plain library use.
 */
export interface TableRunner {
  execute(table: Table): Promise<ArrowTable>;
  stream(table: Table): AsyncIterable<RecordBatch>;
  cacheKey(table: Table): Promise<string>;
  isCached(table: Table): Promise<boolean>;
}

/** The given runner, or the default services (imported on first use: building expressions loads no engine). */
async function runnerFor(given: TableRunner | undefined): Promise<TableRunner> {
  return given ?? (await import("../services.js")).defaultServices();
}

export class Table {
  readonly node: RelationNode;
  readonly context: ExprContext;

  constructor(node: RelationNode, context: ExprContext = EMPTY_CONTEXT) {
    this.node = deepFreeze(node);
    this.context = context;
  }

  /** The output columns and their types, known without running anything. */
  schema(): Schema {
    return this.node.schema;
  }

  get columns(): string[] {
    return fieldNames(this.node.schema);
  }

  /** A column of this table, usable in expressions over this table or in a join with it. */
  col(name: string): Value {
    if (!this.node.schema.some((f) => f.name === name)) throw unknownColumnError(name, this.columns, "this table");
    return boundColumn(name, this.node);
  }

  /** The sha256 content hash of the expression. */
  hash(): string {
    return nodeHash(this.node);
  }

  /** The 12-hex-digit prefix used to name build artifacts. */
  shortHash(): string {
    return shortHash(this.node);
  }

  /** The SQL for the engine the expression runs in (or another dialect by name). */
  toSql(dialect?: string): string {
    return compile(this.node, dialectFor(dialect ?? backendOf(this.node)?.kind ?? "duckdb")).sql;
  }

  toYaml(): string {
    return exprToYaml(this.node);
  }

  toGraph() {
    return toGraph(this.node);
  }

  /**
   * Runs the expression (through `services`, else the default services); the result is
   * an Arrow table with exactly `schema()`'s columns and types.
   */
  async execute(services?: TableRunner): Promise<ArrowTable> {
    return (await runnerFor(services)).execute(this);
  }

  /** Runs `count(*)` over the expression. */
  async count(services?: TableRunner): Promise<number> {
    const result = await this.agg({ n: new Value(() => ({ kind: "aggregate", fn: "count_star", arg: null, type: "int64" })) }).execute(services);
    return Number(result.getChild("n")!.get(0));
  }

  /** Runs the expression and yields the result as Arrow record batches, without holding it all. */
  async *toBatches(services?: TableRunner): AsyncGenerator<RecordBatch> {
    yield* (await runnerFor(services)).stream(this);
  }

  /**
   * The key its outermost `.cache()` is stored under, computed now as a run would
   * (a modification_time key reads its sources' change signals); throws when the
   * expression has no cache.
   *
   * ```ts
   * const expr = orders.filter(_.amount.gt(10)).cache(new xo.ParquetCache());
   * await expr.cacheKey(); // "3f9c…"
   * ```
   */
  async cacheKey(services?: TableRunner): Promise<string> {
    return (await runnerFor(services)).cacheKey(this);
  }

  /** Whether running the expression now would serve its outermost `.cache()` from storage. */
  async isCached(services?: TableRunner): Promise<boolean> {
    return (await runnerFor(services)).isCached(this);
  }

  #scope(where: string): Scope {
    return { inputs: [{ schema: this.node.schema, node: this.node }], where };
  }

  #derive(node: RelationNode): Table {
    return new Table(node, this.context);
  }

  #resolveItems(items: ReadonlyArray<SelectItem>, scope: Scope): [string, ValueNode][] {
    const out: [string, ValueNode][] = [];
    for (const item of items) {
      if (typeof item === "string") {
        out.push([item, toValue(inputColumn(item, 0)).resolve(scope)]);
      } else if (item instanceof Value || typeof item === "function") {
        const v = toValue(item as Value);
        if (!v.alias) throw new ExpressionError(`an expression in ${scope.where} needs a name: pass { name: expr } or call .name("...")`);
        out.push([v.alias, v.resolve(scope)]);
      } else {
        for (const [name, v] of Object.entries(item)) out.push([name, toValue(v).resolve(scope)]);
      }
    }
    return out;
  }

  /** Keeps (and computes) the given columns, in that order. */
  select(...items: SelectItem[]): Table {
    const scope = this.#scope("select");
    const columns = this.#resolveItems(items.flat(), scope);
    if (columns.length === 0) throw new ExpressionError("select needs at least one column");
    assertUniqueNames(columns.map(([n]) => n), "select");
    return this.#derive({ kind: "project", input: this.node, columns, schema: columns.map(([name, v]) => ({ name, type: v.type })) });
  }

  drop(...names: string[]): Table {
    for (const n of names) if (!this.columns.includes(n)) throw unknownColumnError(n, this.columns, "drop");
    return this.select(...this.columns.filter((c) => !names.includes(c)));
  }

  /** Renames columns: `rename({ new_name: "old_name" })` (ibis' convention). */
  rename(mapping: Readonly<Record<string, string>>): Table {
    const oldToNew = new Map<string, string>();
    for (const [newName, oldName] of Object.entries(mapping)) {
      if (!this.columns.includes(oldName)) throw unknownColumnError(oldName, this.columns, "rename");
      oldToNew.set(oldName, newName);
    }
    return this.select(...this.columns.map((c) => ({ [oldToNew.get(c) ?? c]: inputColumn(c, 0) })));
  }

  /** Adds or replaces columns; existing columns keep their position. */
  mutate(values: Readonly<Record<string, ValueLike>>): Table {
    const scope = this.#scope("mutate");
    const computed = new Map(Object.entries(values).map(([name, v]) => [name, toValue(v).resolve(scope)] as const));
    const columns: [string, ValueNode][] = this.columns.map((c) => [c, computed.get(c) ?? toValue(inputColumn(c, 0)).resolve(scope)]);
    for (const [name, v] of computed) if (!this.columns.includes(name)) columns.push([name, v]);
    return this.#derive({ kind: "project", input: this.node, columns, schema: columns.map(([name, v]) => ({ name, type: v.type })) });
  }

  /** Keeps rows where every predicate is true. */
  filter(...predicates: Array<ValueLike | ((t: Table) => Value)>): Table {
    const scope = this.#scope("filter");
    const nodes = predicates.map((p) => (isPlainFunction(p) ? p(this) : toValue(p)).resolve(scope));
    for (const p of nodes) {
      if (p.type !== "boolean") throw new ExpressionError(`filter predicate must be boolean, got ${p.type}`);
      if (containsAggregate(p)) throw new ExpressionError("filter predicates cannot aggregate; aggregate first, then filter the result");
      if (containsWindow(p)) throw new ExpressionError("filter predicates cannot use window functions; mutate the window value into a column first");
    }
    if (nodes.length === 0) return this;
    return this.#derive({ kind: "filter", input: this.node, predicates: nodes, schema: this.node.schema });
  }

  /** Groups rows for `.agg(...)`. Keys are column names, values, or `{ name: value }`. */
  groupBy(...keys: SelectItem[]): GroupedTable {
    return new GroupedTable(this, this.#resolveItems(keys.flat(), this.#scope("group_by")));
  }

  /** Aggregates the whole table into one row. */
  agg(metrics: Readonly<Record<string, Value>> | ReadonlyArray<Value>): Table {
    return new GroupedTable(this, []).agg(metrics);
  }

  join(right: Table, on: JoinOn, options: JoinOptions = {}): Table {
    return buildJoin(this, right, on, options);
  }
  innerJoin(right: Table, on: JoinOn): Table { return this.join(right, on, { how: "inner" }); }
  leftJoin(right: Table, on: JoinOn): Table { return this.join(right, on, { how: "left" }); }
  rightJoin(right: Table, on: JoinOn): Table { return this.join(right, on, { how: "right" }); }
  outerJoin(right: Table, on: JoinOn): Table { return this.join(right, on, { how: "outer" }); }
  semiJoin(right: Table, on: JoinOn): Table { return this.join(right, on, { how: "semi" }); }
  antiJoin(right: Table, on: JoinOn): Table { return this.join(right, on, { how: "anti" }); }
  crossJoin(right: Table): Table { return this.join(right, [], { how: "cross" }); }

  /** Stacks tables with the same column names (types are widened where compatible). */
  union(others: Table | ReadonlyArray<Table>, options: { distinct?: boolean } = {}): Table {
    const all: Table[] = [this, ...(others instanceof Table ? [others] : others)];
    const names = this.columns;
    const schema: Field[] = this.node.schema.map((f) => ({ ...f }));
    for (const t of all.slice(1)) {
      if (t.columns.join("\u0000") !== names.join("\u0000")) {
        throw new ExpressionError(`union needs the same columns in the same order: [${names.join(", ")}] vs [${t.columns.join(", ")}]`);
      }
      t.node.schema.forEach((f, i) => {
        const common = commonType(schema[i]!.type, f.type);
        if (common === null) throw new ExpressionError(`union: column '${f.name}' is ${schema[i]!.type} in one table and ${f.type} in another`);
        schema[i] = { name: f.name, type: common };
      });
    }
    checkSameBackend(all.map((t) => t.node), "union");
    return new Table(
      { kind: "union", inputs: all.map((t) => t.node), distinct: options.distinct ?? false, schema },
      mergeContexts(...all.map((t) => t.context)),
    );
  }

  distinct(): Table {
    return this.#derive({ kind: "distinct", input: this.node, schema: this.node.schema });
  }

  /** Sorts by keys: "name", "-name" (descending), `_.x.desc()`, `xo.desc("x")`. */
  orderBy(...keys: Array<SortLike | ReadonlyArray<SortLike>>): Table {
    const scope = this.#scope("order_by");
    const resolved = (keys.flat() as SortLike[]).map((k) => resolveSortKey(k, scope));
    if (resolved.length === 0) return this;
    return this.#derive({ kind: "sort", input: this.node, keys: resolved, schema: this.node.schema });
  }

  limit(n: number | null, offset = 0): Table {
    if (n !== null && (!Number.isInteger(n) || n < 0)) throw new ExpressionError(`limit must be a non-negative integer, got ${n}`);
    if (!Number.isInteger(offset) || offset < 0) throw new ExpressionError(`offset must be a non-negative integer, got ${offset}`);
    return this.#derive({ kind: "limit", input: this.node, limit: n, offset, schema: this.node.schema });
  }

  head(n = 5): Table {
    return this.limit(n);
  }

  /**
   * Moves the rows into another engine; what follows runs there. With a `name`, the rows
   * land in a temporary table of that name, which the SQL that follows reads (and which
   * is dropped when the run ends); the name is part of the expression and its hash.
   *
   * ```ts
   * pgOrders.intoBackend(duck, "orders_local").filter(_.amount.gt(10));
   * ```
   */
  intoBackend(backend: Backend, name?: string): Table {
    const node: IntoBackendNode = { kind: "into_backend", input: this.node, backend: backend.ref, schema: this.node.schema };
    return new Table(name === undefined ? node : { ...node, name: hopName(name) }, mergeContexts(this.context, contextOf(backend)));
  }

  /**
   * Stores this sub-expression's result under a key and reuses it (see `xo.ParquetCache` and
   * friends). Without a policy, as in Xorq: `SourceCache`, a table in the expression's own
   * engine, keyed by modification time.
   */
  cache(policy: CachePolicyLike = SOURCE_CACHE): Table {
    const p = policy.toPolicy();
    const extra = policy.backend ? contextOf(policy.backend) : EMPTY_CONTEXT;
    return new Table({ kind: "cache", input: this.node, policy: p, schema: this.node.schema }, mergeContexts(this.context, extra));
  }
}

/** `SourceCache.fromKwargs()`'s policy (`src/cache/cache-policies.ts`), which `src/expr` cannot import. */
const SOURCE_CACHE: CachePolicyLike = {
  toPolicy: () => Object.freeze({ strategy: "modification_time", storage: "source", ttl: null, options: Object.freeze({}) }),
};

/** Anything `.cache()` accepts: the cache classes in `src/cache` implement this. */
export interface CachePolicyLike {
  toPolicy(): CachePolicy;
  /** The engine that source storage writes into, when it is not the expression's own. */
  readonly backend?: Backend;
}

export class GroupedTable {
  readonly #table: Table;
  readonly #keys: ReadonlyArray<[string, ValueNode]>;

  constructor(table: Table, keys: ReadonlyArray<[string, ValueNode]>) {
    this.#table = table;
    this.#keys = keys;
  }

  agg(metrics: Readonly<Record<string, Value>> | ReadonlyArray<Value>): Table {
    const node = this.#table.node;
    const scope: Scope = { inputs: [{ schema: node.schema, node }], where: "agg" };
    const entries: [string, ValueNode][] = Array.isArray(metrics)
      ? (metrics as Value[]).map((v) => {
          if (!v.alias) throw new ExpressionError("an aggregate needs a name: pass { name: expr }");
          return [v.alias, v.resolve(scope)];
        })
      : Object.entries(metrics as Record<string, Value>).map(([n, v]) => [n, toValue(v).resolve(scope)]);
    for (const [name, v] of entries) {
      if (!containsAggregate(v)) throw new ExpressionError(`agg: '${name}' is not an aggregate (use sum, mean, count, min, max, ...)`);
    }
    for (const [name, v] of this.#keys) {
      if (containsAggregate(v)) throw new ExpressionError(`group_by key '${name}' cannot be an aggregate`);
    }
    assertUniqueNames([...this.#keys.map(([n]) => n), ...entries.map(([n]) => n)], "group_by/agg");
    const schema = [...this.#keys, ...entries].map(([name, v]) => ({ name, type: v.type }));
    return new Table({ kind: "aggregate_rel", input: node, groupBy: this.#keys, metrics: entries, schema }, this.#table.context);
  }

  /** Shorthand for `.agg({ [name]: count(*) })`. */
  count(name = "count"): Table {
    return this.agg({ [name]: new Value(() => ({ kind: "aggregate", fn: "count_star", arg: null, type: "int64" })) });
  }
}

function assertUniqueNames(names: ReadonlyArray<string>, where: string): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new ExpressionError(`${where} produces the column '${n}' twice`);
    seen.add(n);
  }
}

export function contextOf(backend: Backend): ExprContext {
  return { backends: new Map([[backend.ref.name, backend]]), memtables: new Map() };
}

function sameBackend(a: BackendRef, b: BackendRef): boolean {
  return a.name === b.name;
}

function checkSameBackend(nodes: ReadonlyArray<RelationNode>, where: string): void {
  let first: BackendRef | null = null;
  for (const n of nodes) {
    const b = backendOf(n);
    if (!b) continue;
    if (first && !sameBackend(first, b)) {
      throw new ExpressionError(
        `${where} mixes engines '${first.name}' and '${b.name}': move one side with .intoBackend(...) first`,
      );
    }
    first ??= b;
  }
}

function accessor(node: RelationNode): ColumnAccessor {
  return new Proxy({} as ColumnAccessor, {
    get(_t, prop) {
      if (typeof prop !== "string") return undefined;
      if (!node.schema.some((f) => f.name === prop)) throw unknownColumnError(prop, fieldNames(node.schema), "join");
      return boundColumn(prop, node);
    },
  });
}

function buildJoin(left: Table, right: Table, on: JoinOn, options: JoinOptions): Table {
  const how = options.how ?? "inner";
  const rsuffix = options.rsuffix ?? "_right";
  const l = left.node;
  const r = right.node;
  const scope: Scope = { inputs: [{ schema: l.schema, node: l }, { schema: r.schema, node: r }], where: `${how} join` };
  checkSameBackend([l, r], "join");

  const predicates: ValueNode[] = [];
  const sharedKeys = new Set<string>();
  const keyList = typeof on === "string" ? [on] : Array.isArray(on) ? on : null;
  if (keyList) {
    for (const key of keyList) {
      const [ln, rn] = typeof key === "string" ? [key, key] : (key as readonly [string, string]);
      const p = inputColumn(ln, 0).eq(inputColumn(rn, 1)).resolve(scope);
      predicates.push(p);
      if (ln === rn) sharedKeys.add(ln);
    }
  } else {
    const v = isPlainFunction(on) ? on(accessor(l), accessor(r)) : toValue(on as Value);
    const p = v.resolve(scope);
    if (p.type !== "boolean") throw new ExpressionError(`join condition must be boolean, got ${p.type}`);
    predicates.push(p);
  }
  if (how !== "cross" && predicates.length === 0) throw new ExpressionError(`${how} join needs join keys`);

  const outputs: JoinOutput[] = l.schema.map((f) => ({
    name: f.name,
    side: 0,
    source: f.name,
    coalesce: sharedKeys.has(f.name) && (how === "outer" || how === "right"),
  }));
  const schema: Field[] = l.schema.map((f) => {
    if (sharedKeys.has(f.name) && (how === "outer" || how === "right")) {
      const rt = r.schema.find((x) => x.name === f.name)!.type;
      return { name: f.name, type: commonType(f.type, rt) ?? f.type };
    }
    return f;
  });
  if (how !== "semi" && how !== "anti") {
    const taken = new Set(l.schema.map((f) => f.name));
    for (const f of r.schema) {
      // Equal-name keys of an equi-join appear once (as ibis does); other collisions get the suffix.
      if (sharedKeys.has(f.name)) continue;
      let name = taken.has(f.name) ? f.name + rsuffix : f.name;
      if (taken.has(name)) throw new ExpressionError(`join: column '${f.name}' collides with '${name}' even after the suffix '${rsuffix}'; rename one side first`);
      taken.add(name);
      outputs.push({ name, side: 1, source: f.name, coalesce: false });
      schema.push({ name, type: f.type as DataType });
    }
  }
  return new Table(
    { kind: "join", left: l, right: r, how, predicates, outputs, schema },
    mergeContexts(left.context, right.context),
  );
}

/** A user callback, as opposed to a value (`_.count` is a function too, but a value). */
function isPlainFunction<F extends (...args: never[]) => unknown>(x: unknown): x is F {
  return typeof x === "function" && !(UNWRAP_VALUE in x);
}

/**
 * A hop's table name as the user gave it: a plain identifier every engine accepts as a
 * temporary table's name unquoted (PostgreSQL keeps 63 bytes of a name), and not one of
 * the names the tool generates for its own tables.
 */
function hopName(name: string): string {
  if (typeof name !== "string" || !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) {
    throw new ExpressionError(`intoBackend(): the table name must be a plain identifier (letters, digits, _; at most 63), got ${JSON.stringify(name)}`);
  }
  if (name.toLowerCase().startsWith("_xorq_")) throw new ExpressionError(`intoBackend(): table names starting with _xorq_ are the tool's own, got '${name}'`);
  return name;
}
