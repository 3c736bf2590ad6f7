/**
 * The one canonical form of an expression, and its content hash.
 *
 * Each relation node is hashed from its own fields plus its inputs' hashes (a Merkle
 * DAG), so shared sub-expressions are hashed once and two processes that build the same
 * expression get the same hashes. The same structure, keyed by hash, is what `toYaml()`
 * writes and `fromGraph()` reads back.
 */
import { createHash } from "node:crypto";
import { relationFields, relationInputs, rewriteValue, roleOps, valueFields } from "./node-kinds.js";
import type { RelationNode } from "./relation-nodes.js";
import type { ParamNode, ValueNode } from "./value-nodes.js";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** JSON with object keys sorted at every level: the bytes that are hashed. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && Object.is(value, -0)) return "0";
    if (value === undefined) return "null";
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(obj[k])}`).join(",")}}`;
}

export function sha256(text: string | Uint8Array): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * A node as plain data with its relation inputs replaced by their hashes: `op` first so
 * the YAML reads naturally, then the kind's fields in the order `node-kinds.ts` lists
 * them (a field a node leaves out, such as a SQL node's `template`, is left out here).
 */
export function canonicalNode(node: RelationNode, ref: (input: RelationNode) => string): Record<string, Json> {
  const out: Record<string, Json> = { op: node.kind };
  for (const [field, role] of relationFields(node.kind)!) {
    const value = (node as unknown as Record<string, unknown>)[field];
    if (value === undefined) continue;
    const ops = roleOps(role);
    out[field] = role === "data" ? (value as Json) : (ops.mapValues(ops.mapRelations(value, ref), wireValue) as Json);
  }
  return out;
}

/** A value tree as expr.yaml holds it: as built, but a parameter in its wire form (see `ParamNode`). */
function wireValue(node: ValueNode): ValueNode {
  return rewriteValue(node, (n) =>
    n.kind === "param" ? ({ kind: "literal", value: n.value, type: n.type, var: n.name } as unknown as ValueNode) : undefined,
  );
}

/**
 * A value tree read from expr.yaml: the wire form of a parameter back into its node.
 * Kinds the wire does not hold are refused, `param` among them (a parameter is written
 * in its wire form only, so each expression has one text).
 */
function valueFromWire(node: ValueNode): ValueNode {
  return rewriteValue(node, (n) => {
    if (n.kind === "param" || !valueFields(n.kind)) throw new Error(`expression graph holds a value of unknown kind '${String(n.kind)}'`);
    const name = (n as { var?: unknown }).var;
    if (n.kind !== "literal" || typeof name !== "string") return undefined;
    const param: ParamNode = { kind: "param", name, value: n.value, type: n.type };
    return param;
  });
}

const hashes = new WeakMap<RelationNode, string>();

/** The full sha256 content hash of a relation node (memoized per node object). */
export function nodeHash(node: RelationNode): string {
  let h = hashes.get(node);
  if (h === undefined) {
    h = sha256(stableStringify(canonicalNode(node, nodeHash)));
    hashes.set(node, h);
  }
  return h;
}

/** The short form used for artifact directories and table names. */
export function shortHash(node: RelationNode): string {
  return shortHashOf(nodeHash(node));
}

/** The short form of a full hash (a model's `hash`, without rebuilding its nodes). */
export function shortHashOf(hash: string): string {
  return hash.slice(0, 12);
}

/** All nodes reachable from `root`, inputs before the nodes that use them, each once. */
export function topologicalNodes(root: RelationNode): RelationNode[] {
  const seen = new Set<RelationNode>();
  const out: RelationNode[] = [];
  const visit = (n: RelationNode): void => {
    if (seen.has(n)) return;
    seen.add(n);
    for (const input of relationInputs(n)) visit(input);
    out.push(n);
  };
  visit(root);
  return out;
}

export interface ExprGraph {
  readonly root: string;
  readonly nodes: Record<string, Record<string, Json>>;
}

/** The expression as a hash-keyed graph (what expr.yaml holds). */
export function toGraph(root: RelationNode): ExprGraph {
  const nodes: Record<string, Record<string, Json>> = {};
  for (const n of topologicalNodes(root)) nodes[nodeHash(n)] = canonicalNode(n, nodeHash);
  return { root: nodeHash(root), nodes };
}

export interface FromGraphOptions {
  /** Nodes already built, by hash, that the graph refers to without holding them. */
  readonly known?: ReadonlyMap<string, RelationNode>;
  /**
   * Take each node's key in the graph as its hash instead of recomputing it (for graphs
   * this tool wrote itself, e.g. the resolve cache; never for files a user can edit).
   */
  readonly trustHashes?: boolean;
}

/** Rebuilds nodes from a graph; the rebuilt root has the same hash as the original. */
export function fromGraph(graph: ExprGraph, options: FromGraphOptions = {}): RelationNode {
  const built = new Map<string, RelationNode>();
  const buildRef = (input: RelationNode): RelationNode => build(input as unknown as string);
  const build = (id: string): RelationNode => {
    const existing = built.get(id) ?? options.known?.get(id);
    if (existing) return existing;
    const data = graph.nodes[id];
    if (!data) throw new Error(`expression graph refers to a missing node ${id}`);
    const fields = data as Record<string, Json>;
    const op = String(fields["op"]);
    const declared = relationFields(op);
    if (!declared) throw new Error(`expression graph node ${id} has unknown op '${op}'`);
    const node: Record<string, unknown> = { kind: op };
    let count = 1;
    for (const [field, role] of declared) {
      const value = fields[field];
      if (value === undefined) continue;
      count++;
      if (role === "data") node[field] = value;
      else node[field] = roleOps(role).mapValues(roleOps(role).mapRelations(value, buildRef), valueFromWire);
    }
    if (Object.keys(fields).length !== count) {
      const unknown = Object.keys(fields).filter((k) => k !== "op" && !declared.some(([field]) => field === k));
      throw new Error(`expression graph node ${id} (${op}) has unknown fields: ${unknown.join(", ")}`);
    }
    const rel = deepFreeze(node) as unknown as RelationNode;
    built.set(id, rel);
    if (options.trustHashes) hashes.set(rel, id);
    return rel;
  };
  return build(graph.root);
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}
