/**
 * What a build artifact lists about an expression, read off its nodes: the engines it
 * runs in, the files and tables it reads, its in-memory data, the vars it was built
 * with, and the SQL of each engine segment.
 *
 * An artifact of a project build may import upstream models' artifacts by hash
 * (`ArtifactImports`); then every fact here is about its own nodes only, the ones
 * reachable from the root without entering an import. What the whole expression uses
 * is the union over the artifact and its imports (the reader gathers it).
 */
import { compile, hopTableName } from "../compile/compiler.js";
import { dialectFor } from "../backends/engines.js";
import { nodeHash, shortHash } from "../expr/canonical.js";
import type { Schema } from "../expr/data-type.js";
import { type RelationOf, relationInputs, relationValues, valueChildren } from "../expr/node-kinds.js";
import { type BackendRef, type RelationNode, type RelationNodeKind, backendOf } from "../expr/relation-nodes.js";
import type { ValueNode } from "../expr/value-nodes.js";

/** An upstream artifact an artifact refers to instead of holding its nodes. */
export interface ArtifactImport {
  /** The artifact's short hash: its directory name, a sibling of the importing artifact. */
  readonly artifact: string;
  /** The model it was built for; names the relation in the importer's compiled SQL. */
  readonly model: string | null;
}

/** Full node hash of an upstream root -> the artifact that holds its graph. */
export type ArtifactImports = ReadonlyMap<string, ArtifactImport>;

export interface OwnNodes {
  /** The artifact's own nodes, inputs first (the root last). */
  readonly nodes: ReadonlyArray<RelationNode>;
  /** The imported roots it refers to, each once, sorted by node hash. */
  readonly imported: ReadonlyArray<RelationNode>;
}

/**
 * The nodes reachable from `root` without entering an import (the root itself is never
 * one), and the imports where the walk stopped. Without imports: the whole graph.
 */
export function ownNodes(root: RelationNode, imports: ArtifactImports = new Map()): OwnNodes {
  const seen = new Set<RelationNode>();
  const nodes: RelationNode[] = [];
  const imported = new Map<string, RelationNode>();
  const visit = (n: RelationNode): void => {
    if (seen.has(n)) return;
    seen.add(n);
    if (n !== root && imports.size > 0) {
      const h = nodeHash(n);
      if (imports.has(h)) {
        imported.set(h, n);
        return;
      }
    }
    for (const input of relationInputs(n)) visit(input);
    nodes.push(n);
  };
  visit(root);
  return { nodes, imported: [...imported].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, n]) => n) };
}

export interface ReadFact {
  readonly node: string;
  readonly format: string;
  readonly path: string;
  readonly options: Readonly<Record<string, string | number | boolean>>;
  readonly profile: string;
}

export interface TableFact {
  readonly node: string;
  readonly table: string;
  readonly profile: string;
}

export interface SegmentFact {
  /** The table the segment's rows are written to in the next engine, or "result". */
  readonly name: string;
  readonly profile: string | null;
  readonly dialect: string;
  readonly sql: string;
}

export interface ExprFacts {
  /** Every engine the expression touches, by profile name (sorted). */
  readonly backends: ReadonlyArray<BackendRef>;
  readonly reads: ReadonlyArray<ReadFact>;
  readonly tables: ReadonlyArray<TableFact>;
  /** Content hashes of in-memory tables, with their schemas. */
  readonly memtables: ReadonlyArray<{ readonly dataHash: string; readonly schema: Schema }>;
  /** The vars the expression was built with (its parameters, SQL model vars). */
  readonly vars: Readonly<Record<string, unknown>>;
  /** Profiles named by cache policies (source storage in another engine). */
  readonly cacheProfiles: ReadonlyArray<string>;
}

/** The facts gathered so far, filled in by each node's handler. */
class FactSink {
  readonly backends = new Map<string, BackendRef>();
  readonly reads: ReadFact[] = [];
  readonly tables: TableFact[] = [];
  readonly memtables = new Map<string, Schema>();
  readonly vars: Record<string, unknown> = {};
  readonly cacheProfiles = new Set<string>();

  backend(b: BackendRef): void {
    this.backends.set(b.name, b);
  }

  /** The parameters anywhere in a value tree, with their values. */
  params(v: ValueNode): void {
    if (v.kind === "param") this.vars[v.name] = v.value;
    for (const c of valueChildren(v)) this.params(c);
  }
}

type NodeFacts<K extends RelationNodeKind> = (node: RelationOf<K>, sink: FactSink) => void;

const nothing = (): void => {};

/** What each kind adds besides the parameters in its values (which every kind's values are searched for). */
const NODE_FACTS: { readonly [K in RelationNodeKind]: NodeFacts<K> } = {
  read: (n, s) => {
    s.backend(n.backend);
    s.reads.push({ node: shortHash(n), format: n.format, path: n.path, options: n.options, profile: n.backend.name });
  },
  table: (n, s) => {
    s.backend(n.backend);
    s.tables.push({ node: shortHash(n), table: n.name, profile: n.backend.name });
  },
  memtable: (n, s) => void s.memtables.set(n.dataHash, n.schema),
  project: nothing,
  filter: nothing,
  aggregate_rel: nothing,
  join: nothing,
  union: nothing,
  distinct: nothing,
  sort: nothing,
  limit: nothing,
  sql: (n, s) => {
    s.backend(n.backend);
    if (n.vars) Object.assign(s.vars, n.vars);
  },
  into_backend: (n, s) => s.backend(n.backend),
  cache: (n, s) => {
    if (n.policy.options["source"] !== undefined) s.cacheProfiles.add(n.policy.options["source"]);
  },
};

export function exprFacts(root: RelationNode, imports?: ArtifactImports): ExprFacts {
  const sink = new FactSink();
  for (const n of ownNodes(root, imports).nodes) {
    (NODE_FACTS[n.kind] as NodeFacts<RelationNodeKind>)(n, sink);
    for (const v of relationValues(n)) sink.params(v);
  }
  return {
    backends: [...sink.backends.values()].sort((a, b) => (a.name < b.name ? -1 : 1)),
    reads: sink.reads,
    tables: sink.tables,
    memtables: [...sink.memtables].sort(([a], [b]) => (a < b ? -1 : 1)).map(([dataHash, schema]) => ({ dataHash, schema })),
    vars: Object.fromEntries(Object.entries(sink.vars).sort(([a], [b]) => (a < b ? -1 : 1))),
    cacheProfiles: [...sink.cacheProfiles].sort(),
  };
}

/** What the whole expression uses (the artifact and everything it imports). */
export type WholeFacts = Pick<ExprFacts, "backends" | "vars" | "cacheProfiles">;

/** Per imports map (one per project build): root hash -> its whole facts. */
const wholeMemo = new WeakMap<ArtifactImports, Map<string, WholeFacts>>();

/**
 * The engines, vars and cache profiles of the whole expression, which profiles.yaml
 * and metadata.json list even when the nodes are imported: the own nodes' facts joined
 * with each import's, memoized per imports map so a project build visits every node
 * once, not once per descendant.
 */
export function wholeFacts(root: RelationNode, imports: ArtifactImports = new Map()): WholeFacts {
  if (imports.size === 0) return exprFacts(root);
  let memo = wholeMemo.get(imports);
  if (!memo) {
    memo = new Map();
    wholeMemo.set(imports, memo);
  }
  const compute = (node: RelationNode): WholeFacts => {
    const h = nodeHash(node);
    const known = memo.get(h);
    if (known) return known;
    const parts = [exprFacts(node, imports), ...ownNodes(node, imports).imported.map(compute)];
    const backends = new Map<string, BackendRef>();
    const vars: Record<string, unknown> = {};
    const cacheProfiles = new Set<string>();
    // Own facts first: where two parts disagree (they cannot within one project), the artifact's own win.
    for (const p of parts) {
      for (const b of p.backends) if (!backends.has(b.name)) backends.set(b.name, b);
      for (const [k, v] of Object.entries(p.vars)) if (!(k in vars)) vars[k] = v;
      for (const c of p.cacheProfiles) cacheProfiles.add(c);
    }
    const whole: WholeFacts = {
      backends: [...backends.values()].sort((a, b) => (a.name < b.name ? -1 : 1)),
      vars: Object.fromEntries(Object.entries(vars).sort(([a], [b]) => (a < b ? -1 : 1))),
      cacheProfiles: [...cacheProfiles].sort(),
    };
    memo.set(h, whole);
    return whole;
  };
  return compute(root);
}

/** The relation an imported model appears as in compiled SQL: the model's name. */
export function importRelation(i: ArtifactImport): string {
  return i.model ?? `_xorq_artifact_${i.artifact}`;
}

/**
 * The SQL of each of the artifact's own engine segments, inputs first (a hop's input
 * runs in its own engine). An import is a relation named after its model, as dbt's
 * compiled SQL shows a `ref`: the SQL is for people and diffs; runs rebuild the
 * expression from expr.yaml.
 */
export function segmentSql(root: RelationNode, imports: ArtifactImports = new Map()): SegmentFact[] {
  const out: SegmentFact[] = [];
  const tableFor = (n: RelationNode): string | null => {
    if (n === root || imports.size === 0) return null;
    const i = imports.get(nodeHash(n));
    return i ? importRelation(i) : null;
  };
  const segment = (node: RelationNode, name: string): SegmentFact => {
    const b = backendOf(node);
    const kind = b?.kind ?? "duckdb";
    return { name, profile: b?.name ?? null, dialect: kind, sql: compile(node, dialectFor(kind), { tableFor }).sql };
  };
  for (const n of ownNodes(root, imports).nodes) if (n.kind === "into_backend") out.push(segment(n.input, hopTableName(n)));
  out.push(segment(root, "result"));
  return out;
}
