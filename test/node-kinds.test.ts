/**
 * The table of node kinds (src/expr/node-kinds.ts) against the nodes the builders make,
 * the walks that read it (inputs, rewrites, canonical form) and the parameter node that
 * replaced the `var` field of literals (same hashes, `-p` still binds it).
 */
import { describe, expect, it } from "vitest";
import * as xo from "../src/index.js";
import { overrideVars } from "../src/artifacts/artifact-reader.js";
import { exprFacts } from "../src/artifacts/expr-facts.js";
import { type ExprGraph, sha256, stableStringify, topologicalNodes } from "../src/expr/canonical.js";
import {
  RELATION_FIELDS,
  VALUE_FIELDS,
  mapRelation,
  relationInputs,
  relationValues,
  valueChildren,
  withInputs,
} from "../src/expr/node-kinds.js";
import type { BackendRef, RelationNode, RelationNodeKind, SqlNode } from "../src/expr/relation-nodes.js";
import { param } from "../src/expr/value.js";
import type { ValueNode, ValueNodeKind } from "../src/expr/value-nodes.js";

const { _ } = xo;
const LOCAL: BackendRef = { name: "local", kind: "duckdb", params: {} };
const OTHER: BackendRef = { name: "other", kind: "postgres", params: { host: "${env:PGHOST}" } };

function orders(): xo.Table {
  return xo.memtable(
    { id: [1, 2], region: ["n", "s"], amount: [10.5, 20], day: ["2024-01-01", "2024-02-01"] },
    { schema: { id: "int64", region: "string", amount: "float64", day: "date" } },
  );
}

const SCHEMA = [{ name: "id", type: "int64" }, { name: "amount", type: "float64" }] as const;
const read: RelationNode = { kind: "read", format: "csv", path: "data/o.csv", options: { header: true }, backend: LOCAL, schema: SCHEMA };
const table: RelationNode = { kind: "table", name: "orders", backend: LOCAL, schema: SCHEMA };
const sql: SqlNode = {
  kind: "sql",
  query: "select * from t where amount > 1",
  inputs: [["t", read]],
  backend: LOCAL,
  schema: SCHEMA,
  vars: { m: 1 },
  template: "select * from t where amount > {{ var('m') }}",
};

/** One expression holding every relation and value kind, built by the builders where they need no engine. */
function everything(): RelationNode {
  const t = orders();
  const big = t
    .filter(_.amount.gt(param("min_amount", 5)), _.region.isin(["n", "s"]))
    .mutate({
      neg: _.amount.neg(),
      low: _.region.lower(),
      i: _.amount.cast("int64"),
      size: xo.cases([[_.amount.lt(10), "s"]], "l"),
      rn: xo.rowNumber().over({ partitionBy: "region", orderBy: "-amount" }),
      running: _.amount.sum().over({ orderBy: "id" }),
    });
  const joined = big.join(t.select("id", "day"), "id", { how: "left" });
  const agg = joined.groupBy("region").agg({ total: _.amount.sum(), n: _.count() });
  const unioned = agg.union(agg).distinct().orderBy("-total").limit(5, 1);
  return {
    kind: "union",
    inputs: [
      unioned.node,
      {
        kind: "project",
        input: {
          kind: "cache",
          input: { kind: "into_backend", input: { kind: "join", left: sql, right: table, how: "cross", predicates: [], outputs: [], schema: [] }, backend: OTHER, schema: SCHEMA },
          policy: { strategy: "snapshot", storage: "parquet", ttl: null, options: {} },
          schema: SCHEMA,
        },
        columns: [],
        schema: [],
      },
    ],
    distinct: false,
    schema: [],
  };
}

function allValues(root: RelationNode): ValueNode[] {
  const out: ValueNode[] = [];
  const visit = (v: ValueNode): void => {
    out.push(v);
    valueChildren(v).forEach(visit);
  };
  for (const n of topologicalNodes(root)) relationValues(n).forEach(visit);
  return out;
}

const ownKeys = (node: object): string[] => Object.keys(node).filter((k) => k !== "kind" && (node as Record<string, unknown>)[k] !== undefined);

describe("the table of node kinds", () => {
  it("declares exactly the fields the builders write, in their order, for every kind", () => {
    const root = everything();
    const relationKinds = new Set<string>();
    for (const n of topologicalNodes(root)) {
      relationKinds.add(n.kind);
      expect(ownKeys(n), n.kind).toEqual(Object.keys(RELATION_FIELDS[n.kind]).filter((k) => ownKeys(n).includes(k)));
    }
    expect([...relationKinds].sort()).toEqual(Object.keys(RELATION_FIELDS).sort() as RelationNodeKind[]);
    const valueKinds = new Set<string>();
    for (const v of allValues(root)) {
      valueKinds.add(v.kind);
      expect(ownKeys(v), v.kind).toEqual(Object.keys(VALUE_FIELDS[v.kind]));
    }
    expect([...valueKinds].sort()).toEqual(Object.keys(VALUE_FIELDS).sort() as ValueNodeKind[]);
  });

  it("gives each kind's inputs in field order, and rebuilds it over other inputs", () => {
    const join: RelationNode = { kind: "join", left: read, right: table, how: "cross", predicates: [], outputs: [], schema: [] };
    expect(relationInputs(join)).toEqual([read, table]);
    expect(relationInputs(withInputs(join, [table, read]))).toEqual([table, read]);
    expect(relationInputs(sql)).toEqual([read]);
    const swapped = withInputs(sql, [table]);
    expect(swapped.inputs).toEqual([["t", table]]);
    expect(swapped.template).toBe(sql.template);
    for (const n of topologicalNodes(everything())) expect(withInputs(n, relationInputs(n))).toBe(n);
    expect(() => withInputs(join, [read])).toThrow(/join node has 2 inputs, got 1/);
  });

  it("rewrites a DAG keeping shared nodes shared and untouched parts the same objects", () => {
    const t = orders();
    const shared = t.filter(_.amount.gt(1));
    const root = shared.join(shared.select("id"), "id").node;
    expect(mapRelation(root, (n) => n)).toBe(root);
    const other = xo.memtable({ id: [7], region: ["e"], amount: [1], day: ["2024-01-01"] }, { schema: { id: "int64", region: "string", amount: "float64", day: "date" } });
    const moved = mapRelation(root, (n) => (n === t.node ? other.node : n));
    expect(moved).not.toBe(root);
    const [left, right] = relationInputs(moved);
    expect(relationInputs(right!)[0]).toBe(left);
    expect(relationInputs(left!)[0]).toBe(other.node);
  });
});

describe("the parameter node", () => {
  const filtered = () => orders().filter(_.amount.gt(param("min_amount", 100)));

  it("hashes as the literal with a var field it replaced, so var models keep their hashes", () => {
    const t = filtered();
    const node = t.node as RelationNode & { kind: "filter" };
    const [pred] = node.predicates as [ValueNode & { kind: "binary" }];
    expect(pred.right).toEqual({ kind: "param", name: "min_amount", value: 100, type: "int32" });
    const legacy = {
      op: "filter",
      input: xo.nodeHash(node.input),
      predicates: [{ ...pred, right: { kind: "literal", value: 100, type: "int32", var: "min_amount" } }],
      schema: node.schema,
    };
    expect(t.hash()).toBe(sha256(stableStringify(legacy)));
    expect(t.toYaml()).toContain("var: min_amount");
  });

  it("is read back from expr.yaml as a parameter, with the same hash", () => {
    const t = filtered();
    const back = xo.exprFromYaml(t.toYaml());
    expect(xo.nodeHash(back)).toBe(t.hash());
    expect(allValues(back).filter((v) => v.kind === "param")).toEqual([{ kind: "param", name: "min_amount", value: 100, type: "int32" }]);
  });

  it("compiles as the literal it stands for", () => {
    expect(filtered().toSql()).toBe(orders().filter(_.amount.gt(100)).toSql());
  });

  it("is listed with SQL template vars among the expression's vars", () => {
    expect(exprFacts(filtered().node).vars).toEqual({ min_amount: 100 });
    expect(exprFacts(sql).vars).toEqual({ m: 1 });
  });

  it("takes -p values: parameters keep their type, SQL templates are rendered again", () => {
    const t = filtered();
    const bound = overrideVars(t.node, { min_amount: "250" }, { vars: { min_amount: 100 } });
    expect(allValues(bound).find((v) => v.kind === "param")).toEqual({ kind: "param", name: "min_amount", value: 250, type: "int32" });
    expect(xo.nodeHash(bound)).toBe(orders().filter(_.amount.gt(param("min_amount", 250))).hash());
    expect(relationInputs(bound)[0]).toBe(relationInputs(t.node)[0]);

    const rendered = overrideVars(sql, { m: "7" }, { vars: { m: 1 } }) as SqlNode;
    expect(rendered.query).toBe("select * from t where amount > 7");
    expect(rendered.vars).toEqual({ m: 7 });
    expect(rendered.inputs[0]![1]).toBe(read);

    expect(() => overrideVars(t.node, { nope: "1" }, { vars: { min_amount: 100 } })).toThrow(/-p nope: not a var of this build \(its vars: min_amount\)/);
    expect(() => overrideVars(t.node, { min_amount: "abc" }, { vars: { min_amount: 100 } })).toThrow(/var 'min_amount' is an integer/);
  });
});

describe("fromGraph", () => {
  const graph = (node: Record<string, unknown>): ExprGraph => ({ root: "a", nodes: { a: node as ExprGraph["nodes"][string] } });

  it("refuses a node kind, a field or a value kind it does not know", () => {
    expect(() => xo.fromGraph(graph({ op: "pivot", schema: [] }))).toThrow(/node a has unknown op 'pivot'/);
    expect(() => xo.fromGraph(graph({ op: "table", name: "t", backend: LOCAL as never, schema: [], extra: 1 }))).toThrow(/node a \(table\) has unknown fields: extra/);
    const bad = { op: "filter", input: "b", predicates: [{ kind: "regex", type: "boolean" }], schema: [] };
    const g: ExprGraph = { root: "a", nodes: { a: bad as never, b: { op: "table", name: "t", backend: LOCAL as never, schema: [] } } };
    expect(() => xo.fromGraph(g)).toThrow(/value of unknown kind 'regex'/);
    const asParam = { ...bad, predicates: [{ kind: "param", name: "m", value: 1, type: "int32" }] };
    expect(() => xo.fromGraph({ ...g, nodes: { ...g.nodes, a: asParam as never } })).toThrow(/value of unknown kind 'param'/);
  });
});
