/**
 * The one table of node kinds: every field of every relation and value kind, in
 * canonical order, with what the field holds. The hasher, `toGraph`/`fromGraph`, the
 * rewrites (`mapRelation`, `rewriteValue`) and every "children of a node" walk read
 * this table, so none of them knows a kind by its field names.
 *
 * The table is checked against the node types: a kind without an entry, a field left
 * out, a field the type does not have, or a role that does not match the field's type
 * fails to compile. Walkers with per-kind logic (the compiler, lineage, facts) have
 * their own `Record<Kind, …>` tables, which fail the same way.
 *
 * ```ts
 * relationInputs(join);            // [join.left, join.right]
 * withInputs(join, [a, b]);        // the same join over a and b
 * RELATION_FIELDS.sql;             // { query: "data", inputs: "named_relations", … }
 * ```
 */
import type { RelationNode, RelationNodeKind } from "./relation-nodes.js";
import type { CaseBranch, SortKey, ValueNode, ValueNodeKind } from "./value-nodes.js";

/**
 * What a field holds: child relations (`relation`, `relations`, `named_relations`:
 * `[name, relation]` pairs), value nodes (`value`, `optional_value`, `values`,
 * `named_values`, `sort_keys`, `branches` of a case) or plain `data` hashed as it is.
 */
export type FieldRole =
  | "relation"
  | "relations"
  | "named_relations"
  | "value"
  | "optional_value"
  | "values"
  | "named_values"
  | "sort_keys"
  | "branches"
  | "data";

/** The role a field of type T must be declared with (one role per type, so a wrong role does not compile). */
type RoleOf<T> = [T] extends [RelationNode]
  ? "relation"
  : [T] extends [ReadonlyArray<RelationNode>]
    ? "relations"
    : [T] extends [ReadonlyArray<readonly [string, RelationNode]>]
      ? "named_relations"
      : [T] extends [ValueNode]
        ? "value"
        : [T] extends [ValueNode | null]
          ? "optional_value"
          : [T] extends [ReadonlyArray<ValueNode>]
            ? "values"
            : [T] extends [ReadonlyArray<readonly [string, ValueNode]>]
              ? "named_values"
              : [T] extends [ReadonlyArray<SortKey>]
                ? "sort_keys"
                : [T] extends [ReadonlyArray<CaseBranch>]
                  ? "branches"
                  : "data";

/** Every field of node type N but `kind` (optional ones too), each with its role. */
type KindFields<N> = { readonly [F in Exclude<keyof N, "kind">]-?: RoleOf<N[F]> };

export type RelationOf<K extends RelationNodeKind> = Extract<RelationNode, { kind: K }>;
export type ValueOf<K extends ValueNodeKind> = Extract<ValueNode, { kind: K }>;

/** Relation kinds: fields in canonical order (the order expr.yaml writes them in). */
export const RELATION_FIELDS = {
  read: { format: "data", path: "data", options: "data", backend: "data", schema: "data" },
  table: { name: "data", backend: "data", schema: "data" },
  memtable: { dataHash: "data", schema: "data" },
  project: { input: "relation", columns: "named_values", schema: "data" },
  filter: { input: "relation", predicates: "values", schema: "data" },
  aggregate_rel: { input: "relation", groupBy: "named_values", metrics: "named_values", schema: "data" },
  join: { left: "relation", right: "relation", how: "data", predicates: "values", outputs: "data", schema: "data" },
  union: { inputs: "relations", distinct: "data", schema: "data" },
  distinct: { input: "relation", schema: "data" },
  sort: { input: "relation", keys: "sort_keys", schema: "data" },
  limit: { input: "relation", limit: "data", offset: "data", schema: "data" },
  sql: { query: "data", inputs: "named_relations", backend: "data", schema: "data", vars: "data", template: "data" },
  into_backend: { input: "relation", backend: "data", name: "data", schema: "data" },
  cache: { input: "relation", policy: "data", schema: "data" },
} as const satisfies { readonly [K in RelationNodeKind]: KindFields<RelationOf<K>> };

/** Value kinds: fields in the order builders write them (children in this order). */
export const VALUE_FIELDS = {
  column: { name: "data", input: "data", type: "data" },
  literal: { value: "data", type: "data" },
  param: { name: "data", value: "data", type: "data" },
  binary: { op: "data", left: "value", right: "value", type: "data" },
  unary: { op: "data", arg: "value", type: "data" },
  call: { fn: "data", args: "values", type: "data" },
  cast: { arg: "value", type: "data" },
  in: { arg: "value", values: "values", negated: "data", type: "data" },
  case: { branches: "branches", otherwise: "value", type: "data" },
  aggregate: { fn: "data", arg: "optional_value", type: "data" },
  window: { fn: "data", args: "values", aggregate: "optional_value", partitionBy: "values", orderBy: "sort_keys", type: "data" },
} as const satisfies { readonly [K in ValueNodeKind]: KindFields<ValueOf<K>> };

type Entries = ReadonlyArray<readonly [string, FieldRole]>;
const entriesOf = <T extends Record<string, Record<string, FieldRole>>>(table: T): { readonly [K in keyof T]: Entries } =>
  Object.fromEntries(Object.entries(table).map(([k, fields]) => [k, Object.entries(fields)])) as unknown as { [K in keyof T]: Entries };

const RELATION_ENTRIES = entriesOf(RELATION_FIELDS);
const VALUE_ENTRIES = entriesOf(VALUE_FIELDS);

/** The fields of a relation kind with their roles, in canonical order; undefined for a kind that does not exist. */
export function relationFields(kind: string): Entries | undefined {
  return Object.prototype.hasOwnProperty.call(RELATION_ENTRIES, kind) ? RELATION_ENTRIES[kind as RelationNodeKind] : undefined;
}

/** The fields of a value kind with their roles; undefined for a kind that does not exist. */
export function valueFields(kind: string): Entries | undefined {
  return Object.prototype.hasOwnProperty.call(VALUE_ENTRIES, kind) ? VALUE_ENTRIES[kind as ValueNodeKind] : undefined;
}

/** `items` mapped by `f`, or `items` itself when `f` changed none of them (so unchanged trees stay shared). */
function mapSame<T, U>(items: ReadonlyArray<T>, f: (item: T) => U): ReadonlyArray<T | U> {
  let out: Array<T | U> | null = null;
  items.forEach((item, i) => {
    const next = f(item);
    if (out === null && (next as unknown) !== item) out = items.slice(0, i);
    if (out !== null) out.push(next);
  });
  return out ?? items;
}

const pairSame = <P extends readonly [string, unknown], U>(pair: P, f: (item: P[1]) => U): P | readonly [string, U] => {
  const next = f(pair[1]);
  return (next as unknown) === pair[1] ? pair : [pair[0], next];
};

/**
 * How each role reaches the nodes in a field: `relations`/`values` list them in order;
 * `mapRelations`/`mapValues` return the field with each replaced (the same field when
 * nothing changed). The replacement may be any data (a hash, a wire form), which is how
 * the hasher and `fromGraph` use the same table.
 */
interface RoleOps {
  relations(field: unknown): ReadonlyArray<RelationNode>;
  mapRelations(field: unknown, f: (r: RelationNode) => unknown): unknown;
  values(field: unknown): ReadonlyArray<ValueNode>;
  mapValues(field: unknown, f: (v: ValueNode) => unknown): unknown;
}

const none = (): ReadonlyArray<never> => [];
const same = (field: unknown): unknown => field;

type Named<T> = ReadonlyArray<readonly [string, T]>;

const ROLES: { readonly [R in FieldRole]: RoleOps } = {
  relation: { relations: (f) => [f as RelationNode], mapRelations: (f, g) => g(f as RelationNode), values: none, mapValues: same },
  relations: {
    relations: (f) => f as ReadonlyArray<RelationNode>,
    mapRelations: (f, g) => mapSame(f as ReadonlyArray<RelationNode>, g),
    values: none,
    mapValues: same,
  },
  named_relations: {
    relations: (f) => (f as Named<RelationNode>).map(([, r]) => r),
    mapRelations: (f, g) => mapSame(f as Named<RelationNode>, (p) => pairSame(p, g)),
    values: none,
    mapValues: same,
  },
  value: { relations: none, mapRelations: same, values: (f) => [f as ValueNode], mapValues: (f, g) => g(f as ValueNode) },
  optional_value: {
    relations: none,
    mapRelations: same,
    values: (f) => (f === null ? [] : [f as ValueNode]),
    mapValues: (f, g) => (f === null ? null : g(f as ValueNode)),
  },
  values: {
    relations: none,
    mapRelations: same,
    values: (f) => f as ReadonlyArray<ValueNode>,
    mapValues: (f, g) => mapSame(f as ReadonlyArray<ValueNode>, g),
  },
  named_values: {
    relations: none,
    mapRelations: same,
    values: (f) => (f as Named<ValueNode>).map(([, v]) => v),
    mapValues: (f, g) => mapSame(f as Named<ValueNode>, (p) => pairSame(p, g)),
  },
  sort_keys: {
    relations: none,
    mapRelations: same,
    values: (f) => (f as ReadonlyArray<SortKey>).map((k) => k.expr),
    mapValues: (f, g) =>
      mapSame(f as ReadonlyArray<SortKey>, (k) => {
        const expr = g(k.expr);
        return expr === k.expr ? k : { ...k, expr };
      }),
  },
  branches: {
    relations: none,
    mapRelations: same,
    values: (f) => (f as ReadonlyArray<CaseBranch>).flatMap((b) => [b.when, b.then]),
    mapValues: (f, g) =>
      mapSame(f as ReadonlyArray<CaseBranch>, (b) => {
        const when = g(b.when);
        const then = g(b.then);
        return when === b.when && then === b.then ? b : { ...b, when, then };
      }),
  },
  data: { relations: none, mapRelations: same, values: none, mapValues: same },
};

/** The role operations of a field role (for the hasher and `fromGraph`, which work on wire data). */
export function roleOps(role: FieldRole): RoleOps {
  return ROLES[role];
}

type Fields = Readonly<Record<string, unknown>>;

/** `node` with each field that holds nodes passed through `f`; the same object when no field changed. */
function mapFields<N extends { readonly kind: string }>(node: N, entries: Entries, f: (value: unknown, role: FieldRole) => unknown): N {
  let out: Record<string, unknown> | null = null;
  for (const [field, role] of entries) {
    const value = (node as unknown as Fields)[field];
    if (value === undefined || role === "data") continue;
    const next = f(value, role);
    if (next !== value) (out ??= { ...(node as unknown as Fields) })[field] = next;
  }
  return (out as N | null) ?? node;
}

/** The relation inputs of a node, in canonical field order. */
export function relationInputs(node: RelationNode): RelationNode[] {
  const out: RelationNode[] = [];
  for (const [field, role] of RELATION_ENTRIES[node.kind]) {
    const value = (node as unknown as Fields)[field];
    if (value !== undefined) out.push(...ROLES[role].relations(value));
  }
  return out;
}

/** The same node over other inputs (as many as `relationInputs` gives, in its order). */
export function withInputs<N extends RelationNode>(node: N, inputs: ReadonlyArray<RelationNode>): N {
  let i = 0;
  const out = mapFields(node, RELATION_ENTRIES[node.kind], (value, role) => ROLES[role].mapRelations(value, () => inputs[i++]!));
  if (i !== inputs.length) throw new Error(`${node.kind} node has ${i} inputs, got ${inputs.length}`);
  return out;
}

/** The value nodes a relation node holds directly (its columns, predicates, keys), in field order. */
export function relationValues(node: RelationNode): ValueNode[] {
  const out: ValueNode[] = [];
  for (const [field, role] of RELATION_ENTRIES[node.kind]) {
    const value = (node as unknown as Fields)[field];
    if (value !== undefined) out.push(...ROLES[role].values(value));
  }
  return out;
}

/** The same relation node with each value it holds replaced by `f(value)`. */
export function mapRelationValues<N extends RelationNode>(node: N, f: (v: ValueNode) => ValueNode): N {
  return mapFields(node, RELATION_ENTRIES[node.kind], (value, role) => ROLES[role].mapValues(value, f));
}

/** Child value nodes, in field order (a case's branches as when, then, ...). */
export function valueChildren(node: ValueNode): ValueNode[] {
  const out: ValueNode[] = [];
  for (const [field, role] of VALUE_ENTRIES[node.kind]) out.push(...ROLES[role].values((node as unknown as Fields)[field]));
  return out;
}

/**
 * Rewrites a value tree top-down: `f` gives a node's replacement, or undefined to keep
 * the node and rewrite its children. Subtrees `f` leaves alone stay the same objects.
 */
export function rewriteValue(node: ValueNode, f: (n: ValueNode) => ValueNode | undefined): ValueNode {
  const visit = (n: ValueNode): ValueNode => f(n) ?? mapFields(n, VALUE_ENTRIES[n.kind], children);
  const children = (value: unknown, role: FieldRole): unknown => ROLES[role].mapValues(value, visit);
  return visit(node);
}

/**
 * Rewrites a relation DAG bottom-up: each node is rebuilt over its rewritten inputs and
 * then passed to `f`. A node shared by several parents is rewritten once, so the result
 * shares it too; nodes nothing changed under stay the same objects.
 */
export function mapRelation(root: RelationNode, f: (node: RelationNode) => RelationNode): RelationNode {
  const done = new Map<RelationNode, RelationNode>();
  const visit = (node: RelationNode): RelationNode => {
    let out = done.get(node);
    if (out === undefined) {
      out = f(withInputs(node, relationInputs(node).map(visit)));
      done.set(node, out);
    }
    return out;
  };
  return visit(root);
}
