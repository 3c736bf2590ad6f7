/**
 * The expression as YAML: the canonical graph (`canonical.ts`) written for people.
 * Loading it back gives nodes with the same hashes.
 */
import YAML from "yaml";
import { type ExprGraph, fromGraph, toGraph } from "./canonical.js";
import type { RelationNode } from "./relation-nodes.js";

export function exprToYaml(root: RelationNode): string {
  return YAML.stringify(toGraph(root), { aliasDuplicateObjects: false, lineWidth: 0 });
}

export function exprFromYaml(text: string): RelationNode {
  const graph = YAML.parse(text) as ExprGraph;
  if (!graph || typeof graph !== "object" || typeof graph.root !== "string" || typeof graph.nodes !== "object") {
    throw new Error("not an expression graph: expected 'root' and 'nodes' keys");
  }
  return fromGraph(graph);
}
