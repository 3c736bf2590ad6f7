/**
 * The expression as YAML: the canonical graph (`canonical.ts`) written for people.
 * Loading it back gives nodes with the same hashes.
 *
 * The text is exactly what `YAML.stringify` of the graph gives, but assembled from
 * per-node texts (memoized per node object): a project build writes tens of thousands
 * of nodes, many shared between artifacts, and the `yaml` package costs ~200 µs per
 * node where this costs a few. Scalars still go through the `yaml` package (memoized
 * when short), so quoting and block styles are its own.
 */
import YAML from "yaml";
import { type ExprGraph, type Json, canonicalNode, fromGraph, nodeHash, topologicalNodes } from "./canonical.js";
import type { RelationNode } from "./relation-nodes.js";

const OPTIONS = { aliasDuplicateObjects: false, lineWidth: 0 } as const;

export function exprToYaml(root: RelationNode): string {
  return graphYaml(root, topologicalNodes(root));
}

/**
 * expr.yaml's text for `nodes` (all of the graph or, for an artifact that imports
 * others, its own part), with `extra` top-level keys written between `root` and
 * `nodes` when given.
 */
export function graphYaml(root: RelationNode, nodes: ReadonlyArray<RelationNode>, extra: Readonly<Record<string, Json>> = {}): string {
  const head: string[] = [];
  mapEntries({ root: nodeHash(root), ...extra }, "", head);
  let out = `${head.join("")}nodes:\n`;
  // Equal nodes built twice are two objects with one hash: one entry.
  const written = new Set<string>();
  for (const n of nodes) {
    const h = nodeHash(n);
    if (written.has(h)) continue;
    written.add(h);
    out += nodeYaml(n);
  }
  return out;
}

/** `YAML.stringify(value)` of plain JSON data as artifacts write it (same text, faster). */
export function yamlText(value: Readonly<Record<string, Json>>): string {
  const out: string[] = [];
  mapEntries(value, "", out);
  return out.length === 0 ? "{}\n" : out.join("");
}

const nodeTexts = new WeakMap<RelationNode, string>();

/** One entry of `nodes:` (indented under it). */
function nodeYaml(node: RelationNode): string {
  let text = nodeTexts.get(node);
  if (text === undefined) {
    const out: string[] = [];
    mapEntries({ [nodeHash(node)]: canonicalNode(node, nodeHash) }, "  ", out);
    text = out.join("");
    nodeTexts.set(node, text);
  }
  return text;
}

function isCollection(v: Json): v is Json[] | { [key: string]: Json } {
  return v !== null && typeof v === "object" && (Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0);
}

function mapEntries(obj: Readonly<Record<string, Json | undefined>>, indent: string, out: string[]): void {
  for (const key of Object.keys(obj)) {
    const v = obj[key];
    if (v === undefined) continue;
    const k = scalar(key);
    if (isCollection(v)) {
      out.push(`${indent}${k}:\n`);
      collection(v, `${indent}  `, out);
    } else {
      out.push(`${indent}${k}: ${inline(v, indent)}\n`);
    }
  }
}

function collection(v: Json[] | { [key: string]: Json }, indent: string, out: string[]): void {
  if (!Array.isArray(v)) return mapEntries(v, indent, out);
  for (const item of v) {
    if (isCollection(item)) {
      // The first line of a nested collection goes on the dash's line.
      const inner: string[] = [];
      collection(item, `${indent}  `, inner);
      inner[0] = `${indent}- ${inner[0]!.slice(indent.length + 2)}`;
      out.push(...inner);
    } else {
      out.push(`${indent}- ${inline(item, indent)}\n`);
    }
  }
}

/** A scalar or empty collection after `key: ` or `- `; block scalars continue under `indent`. */
function inline(v: Json, indent: string): string {
  if (v !== null && typeof v === "object") return Array.isArray(v) ? "[]" : "{}";
  const text = scalar(v);
  if (indent === "" || !text.includes("\n")) return text;
  return text.replace(/\n(?=.)/g, `\n${indent}`);
}

const scalars = new Map<string, string>();

/**
 * A multi-line string the `yaml` package writes as a literal block with "strip"
 * chomping and no indentation indicator (SQL text): no control characters or tabs, not
 * starting with a space or newline, not ending in whitespace. Written here directly;
 * anything else goes to the package.
 */
const PLAIN_BLOCK = /^(?=[^]*\n)[^\s\x00-\x1f\x7f-\x9f\ud800-\udfff][^\t\r\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]*(?<![\s])$/;
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/m;
/**
 * Strings the `yaml` package writes plain and as they are: identifiers and hex hashes,
 * unless YAML's core schema would read them as something else (a boolean, null, an
 * integer or a float like `12e3`).
 */
const PLAIN_WORD = /^(?:[A-Za-z_][A-Za-z0-9_]*|[0-9a-f]+)$/;
const RESERVED_WORD = /^(?:null|Null|NULL|true|True|TRUE|false|False|FALSE|[0-9]+(?:e[0-9]+)?)$/;

/**
 * The `yaml` package's text for a scalar in a block collection, without the final
 * newline (written as a sequence item, whose block scalars are indented as nested ones
 * are; a lone top-level block scalar is not indented).
 */
function scalar(v: string | number | boolean | null): string {
  if (typeof v === "string") {
    if (PLAIN_WORD.test(v) && !RESERVED_WORD.test(v)) return v;
    if (PLAIN_BLOCK.test(v) && !DOCUMENT_MARKER.test(v)) return `|-\n  ${v.replace(/\n+/g, "$&  ")}`;
  } else if (v === null || typeof v === "boolean" || (Number.isSafeInteger(v) && !Object.is(v, -0))) {
    return String(v);
  }
  const write = () => YAML.stringify([v], OPTIONS).slice(2, -1);
  if (typeof v !== "string" || v.length > 64) return write();
  let text = scalars.get(v);
  if (text === undefined) {
    text = write();
    scalars.set(v, text);
  }
  return text;
}

export function exprFromYaml(text: string): RelationNode {
  const graph = YAML.parse(text) as ExprGraph;
  if (!graph || typeof graph !== "object" || typeof graph.root !== "string" || typeof graph.nodes !== "object") {
    throw new Error("not an expression graph: expected 'root' and 'nodes' keys");
  }
  return fromGraph(graph);
}
