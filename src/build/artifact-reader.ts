/**
 * Rebuilds a runnable expression from a build artifact alone (the directory may have
 * been copied anywhere): expr.yaml gives the nodes, profiles.yaml the connections
 * (opened lazily, `${env:…}` read then), memtables/ the in-memory data, and
 * deferred_reads.yaml the relocated copies of read files. `-p name=value` overrides
 * re-render the vars the expression was built with.
 */
// Wires Table.execute/toBatches to the executor (and caching), as the package entry point does.
import "../runtime.js";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import YAML from "yaml";
import { type ExprGraph, type Json, fromGraph } from "../expr/canonical.js";
import { isInteger, isFloat, isDecimal, type DataType } from "../expr/data-type.js";
import { Table } from "../expr/table.js";
import { Connections, type Profile } from "../project/connections.js";
import { findProject } from "../project/project-loader.js";
import { parseVarText } from "../project/project-vars.js";
import { parseSqlTemplate, renderSqlTemplate } from "../project/sql-template.js";
import { readParquet } from "./data-files.js";
import { exprFacts } from "./expr-facts.js";

/** A problem with the artifact or the command's arguments; exit code 2. */
export class ArtifactError extends Error {
  override readonly name = "ArtifactError";
  readonly exitCode = 2;
}

export interface OpenArtifactOptions {
  /** `-p name=value` overrides, as text. */
  readonly vars?: Readonly<Record<string, string>>;
  /**
   * Where relative read paths (that were not relocated) resolve. Default: the
   * xorq_project/ of the project the artifact sits in, else the artifact's directory.
   */
  readonly baseDir?: string;
}

export interface OpenedArtifact {
  readonly table: Table;
  readonly metadata: Readonly<Record<string, unknown>>;
  close(): Promise<void>;
}

async function readText(dir: string, file: string): Promise<string> {
  try {
    return await readFile(join(dir, file), "utf8");
  } catch {
    throw new ArtifactError(`${dir} is not a complete build artifact: ${file} is missing`);
  }
}

export async function openArtifact(dir: string, options: OpenArtifactOptions = {}): Promise<OpenedArtifact> {
  const metadata = JSON.parse(await readText(dir, "metadata.json")) as Record<string, unknown>;
  let graph = YAML.parse(await readText(dir, "expr.yaml")) as ExprGraph;
  if (!graph || typeof graph.root !== "string" || typeof graph.nodes !== "object") throw new ArtifactError(`${dir}/expr.yaml is not an expression graph`);
  if (options.vars && Object.keys(options.vars).length > 0) graph = overrideVars(graph, options.vars, metadata);
  graph = relocateReads(graph, dir, YAML.parse(await readText(dir, "deferred_reads.yaml")) as DeferredReads);

  const node = fromGraph(graph);
  const profilesDoc = YAML.parse(await readText(dir, "profiles.yaml")) as { profiles?: Record<string, Record<string, string | number | boolean>> };
  const profiles: Profile[] = Object.entries(profilesDoc?.profiles ?? {}).map(([name, { kind, ...params }]) => ({ name, kind: String(kind), params }));
  const baseDir = options.baseDir ?? (await findProject(dirname(dir)))?.projectDir ?? dir;
  const connections = new Connections(profiles, { baseDir });

  try {
    const memtables = new Map();
    for (const m of exprFacts(node).memtables) {
      const file = join(dir, "memtables", `${m.dataHash}.parquet`);
      if (!existsSync(file)) throw new ArtifactError(`${dir}: memtables/${m.dataHash}.parquet is missing`);
      memtables.set(m.dataHash, await readParquet(file, m.schema));
    }
    const backends = new Map(profiles.map((p) => [p.name, connections.get(p.name)] as const));
    return { table: new Table(node, { backends, memtables }), metadata, close: () => connections.closeAll() };
  } catch (e) {
    await connections.closeAll();
    throw e;
  }
}

interface DeferredReads {
  readonly reads?: ReadonlyArray<{ readonly node: string; readonly relocated?: string }>;
}

/** Points relocated reads at their copies inside the artifact (absolute paths, at run time only). */
function relocateReads(graph: ExprGraph, dir: string, doc: DeferredReads): ExprGraph {
  const moved = (doc?.reads ?? []).filter((r) => r.relocated);
  if (moved.length === 0) return graph;
  const nodes = { ...graph.nodes };
  for (const r of moved) {
    const id = Object.keys(nodes).find((k) => k.startsWith(r.node) && nodes[k]!["op"] === "read");
    if (id) nodes[id] = { ...nodes[id]!, path: join(dir, r.relocated!) };
  }
  return { root: graph.root, nodes };
}

/** A `-p` value as the literal's type expects it (the type stays, so the result's schema does too). */
function coerce(name: string, text: string, type: DataType): Json {
  const parsed = parseVarText(text);
  if (isInteger(type)) {
    if (typeof parsed === "bigint") return parsed.toString();
    if (typeof parsed === "number" && Number.isInteger(parsed)) return parsed;
    throw new ArtifactError(`-p ${name}=${text}: var '${name}' is an integer (${type})`);
  }
  if (isFloat(type) || isDecimal(type)) {
    if (typeof parsed === "number") return parsed;
    throw new ArtifactError(`-p ${name}=${text}: var '${name}' is a number (${type})`);
  }
  if (type === "boolean") {
    if (typeof parsed === "boolean") return parsed;
    throw new ArtifactError(`-p ${name}=${text}: var '${name}' is true or false`);
  }
  if (type === "null") return parsed === null ? null : typeof parsed === "bigint" ? parsed.toString() : (parsed as Json);
  return text;
}

/** Replaces the values of the named vars everywhere the expression holds them. */
export function overrideVars(graph: ExprGraph, overrides: Readonly<Record<string, string>>, metadata: Readonly<Record<string, unknown>>): ExprGraph {
  const known = Object.keys((metadata["vars"] as Record<string, unknown> | undefined) ?? {});
  const unknown = Object.keys(overrides).filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    throw new ArtifactError(`-p ${unknown.join(", ")}: not a var of this build (its vars: ${known.join(", ") || "none"})`);
  }
  const rewrite = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value === null || typeof value !== "object") return value;
    const o = value as Record<string, Json>;
    if (o["kind"] === "literal" && typeof o["var"] === "string" && o["var"] in overrides) {
      return { ...o, value: coerce(o["var"], overrides[o["var"]]!, o["type"] as DataType) };
    }
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, rewrite(v)]));
  };
  const nodes: Record<string, Record<string, Json>> = {};
  for (const [id, n] of Object.entries(graph.nodes)) {
    let out = rewrite(n) as Record<string, Json>;
    const vars = out["vars"] as Record<string, Json> | undefined;
    if (out["op"] === "sql" && vars && typeof out["template"] === "string" && Object.keys(overrides).some((k) => k in vars)) {
      const next: Record<string, Json> = { ...vars };
      for (const [k, text] of Object.entries(overrides)) if (k in vars) next[k] = parseVarText(text) as Json;
      const { parts } = parseSqlTemplate(out["template"]);
      const query = renderSqlTemplate(parts, { ref: (x) => x, source: (x) => x }, next).trim().replace(/;\s*$/, "");
      out = { ...out, vars: next, query };
    }
    nodes[id] = out;
  }
  return { root: graph.root, nodes };
}
