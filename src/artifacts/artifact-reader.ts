/**
 * Rebuilds a runnable expression from a build artifact alone, with the artifacts it
 * imports beside it (the directories may have been copied anywhere; see
 * `artifact-graph.ts`): expr.yaml gives the nodes, profiles.yaml the connections
 * (opened lazily, `${env:…}` read then), memtables/ the in-memory data, and
 * deferred_reads.yaml the relocated copies of read files. `-p name=value` gives a var
 * a new value wherever the expression holds it: its parameter nodes and the SQL
 * templates of SQL models.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import YAML from "yaml";
import { type Json, fromGraph } from "../expr/canonical.js";
import { isInteger, isFloat, isDecimal, type DataType } from "../expr/data-type.js";
import { mapRelation, mapRelationValues, rewriteValue } from "../expr/node-kinds.js";
import type { RelationNode, SqlNode } from "../expr/relation-nodes.js";
import type { LiteralValue, ValueNode } from "../expr/value-nodes.js";
import { Table } from "../expr/table.js";
import { Connections, type Profile } from "../backends/connections.js";
import { findProject } from "../project/loading/project-loader.js";
import { parseVarText } from "../project/project-vars.js";
import { parseSqlTemplate, renderSqlTemplate } from "../project/model-kinds/sql-template.js";
import { ArtifactError, readArtifactGraph, readText } from "./artifact-graph.js";
import { readParquet } from "./data-files.js";
import { type Services, defaultServices } from "../services.js";
import { exprFacts } from "./expr-facts.js";

export interface OpenArtifactOptions {
  /** `-p name=value` overrides, as text. */
  readonly vars?: Readonly<Record<string, string>>;
  /**
   * Where relative read paths (that were not relocated) resolve. Default: the
   * xorq_project/ of the project the artifact sits in, else the artifact's directory.
   */
  readonly baseDir?: string;
  /** Reads memtables/ with its local engine (default: the default services). */
  readonly services?: Services;
}

export interface OpenedArtifact {
  readonly table: Table;
  readonly metadata: Readonly<Record<string, unknown>>;
  close(): Promise<void>;
}

/** Opens an artifact with the artifacts it imports (siblings of `dir`), ready to run. */
export async function openArtifact(dir: string, options: OpenArtifactOptions = {}): Promise<OpenedArtifact> {
  const metadata = JSON.parse(readText(dir, "metadata.json")) as Record<string, unknown>;
  const read = readArtifactGraph(dir, { relocate: true });
  const built = fromGraph(read.graph);
  const node = options.vars && Object.keys(options.vars).length > 0 ? overrideVars(built, options.vars, metadata) : built;
  const profilesDoc = YAML.parse(readText(dir, "profiles.yaml")) as { profiles?: Record<string, Record<string, string | number | boolean>> };
  const profiles: Profile[] = Object.entries(profilesDoc?.profiles ?? {}).map(([name, { kind, ...params }]) => ({ name, kind: String(kind), params }));
  const baseDir = options.baseDir ?? (await findProject(dirname(dir)))?.projectDir ?? dir;
  const connections = new Connections(profiles, { baseDir });

  try {
    const memtables = new Map();
    for (const m of exprFacts(node).memtables) {
      const file = read.dirs.map((d) => join(d, "memtables", `${m.dataHash}.parquet`)).find((f) => existsSync(f));
      if (!file) throw new ArtifactError(`${dir}: memtables/${m.dataHash}.parquet is missing (looked in the artifact and the ${read.dirs.length - 1} it imports)`);
      memtables.set(m.dataHash, await readParquet(file, m.schema, options.services ?? defaultServices()));
    }
    const backends = new Map(profiles.map((p) => [p.name, connections.get(p.name)] as const));
    return { table: new Table(node, { backends, memtables }), metadata, close: () => connections.closeAll() };
  } catch (e) {
    await connections.closeAll();
    throw e;
  }
}

/** A `-p` value as the parameter's type expects it (the type stays, so the result's schema does too). */
function coerce(name: string, text: string, type: DataType): LiteralValue {
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
  if (type === "null") return parsed === null ? null : typeof parsed === "bigint" ? parsed.toString() : (parsed as LiteralValue);
  return text;
}

/** A SQL node rendered again from its template with the overridden vars' new values. */
function rerenderSql(node: SqlNode, overrides: Readonly<Record<string, string>>): SqlNode {
  const vars = node.vars;
  if (!vars || node.template === undefined || !Object.keys(overrides).some((k) => k in vars)) return node;
  const next: Record<string, Json> = { ...vars };
  for (const [k, text] of Object.entries(overrides)) if (k in vars) next[k] = parseVarText(text) as Json;
  const { parts } = parseSqlTemplate(node.template);
  const query = renderSqlTemplate(parts, { ref: (x) => x, source: (x) => x }, next).trim().replace(/;\s*$/, "");
  return { ...node, vars: next, query };
}

/** Gives the named vars their new values everywhere the expression holds them: its parameters and SQL templates. */
export function overrideVars(root: RelationNode, overrides: Readonly<Record<string, string>>, metadata: Readonly<Record<string, unknown>>): RelationNode {
  const known = Object.keys((metadata["vars"] as Record<string, unknown> | undefined) ?? {});
  const unknown = Object.keys(overrides).filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    throw new ArtifactError(`-p ${unknown.join(", ")}: not a var of this build (its vars: ${known.join(", ") || "none"})`);
  }
  const bind = (v: ValueNode): ValueNode =>
    rewriteValue(v, (n) => (n.kind === "param" && n.name in overrides ? { ...n, value: coerce(n.name, overrides[n.name]!, n.type) } : undefined));
  return mapRelation(root, (n) => {
    const bound = mapRelationValues(n, bind);
    return bound.kind === "sql" ? rerenderSql(bound, overrides) : bound;
  });
}
