/**
 * Gathers what the documentation site shows from a loaded project: the DAG (models and
 * sources, engines, hops, tags, cache policies, last run status) and a page per model
 * and source (description as HTML, file and code, content hash and build path, columns,
 * the compiled SQL of each engine segment as the artifact's sql.yaml holds it, and the
 * column lineage `xorq lineage` prints). It only reads: no engine runs a query (the
 * lineage of SQL models is parsed by DuckDB, nothing executes) and nothing is written.
 *
 * ```ts
 * const project = await loadProject({ project: "example-project" });
 * const site = await collectDocs(project);
 * site.index.nodes.map((n) => n.name);
 * await project.close();
 * ```
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { marked } from "marked";
import { parse as parseYaml } from "yaml";
import { segmentSql } from "../artifacts/expr-facts.js";
import { projectImports } from "../tasks/project-build.js";
import { targetDir } from "../artifacts/manifest.js";
import { shortHashOf } from "../expr/canonical.js";
import type { Schema } from "../expr/data-type.js";
import type { CachePolicy, RelationNode } from "../expr/relation-nodes.js";
import type { Project } from "../project/project.js";
import { type MaterializePlan, planMaterializations, viewOf } from "../materialize/materialize-plan.js";
import type { DocsColumn, DocsEdge, DocsIndex, DocsNode, DocsPage, DocsSite, DocsTestResult } from "./docs-model.js";
import type { ColumnDecl, TestDecl } from "../project/project-spec.js";
import { modelLineage } from "./model-lineage.js";
import { type RunResultRow, type TestResultRow, readRunResults, readTestResults, worstStatus } from "./run-results.js";

export interface CollectOptions {
  /** Trace column lineage for every model (default true); the page then says it was left out. */
  readonly lineage?: boolean;
}

/** Markdown (descriptions) to HTML, as dbt's docs render them. */
export function markdownHtml(text: string | null): string | null {
  return text === null || text.trim() === "" ? null : (marked.parse(text, { async: false }) as string);
}

/**
 * What `xorq run` leaves in the engines: null when the project cannot be materialized as
 * configured (`xorq run` reports that; the site still shows everything else).
 */
function materializationsOf(project: Project): MaterializePlan | null {
  try {
    return planMaterializations(project, "prod");
  } catch {
    return null;
  }
}

/** "parquet · snapshot · ttl 1d" from a cache node's policy. */
export function cacheLabel(policy: CachePolicy): string {
  const parts: string[] = [policy.storage, policy.strategy.replace("_", " ")];
  if (policy.ttl !== null) parts.push(`ttl ${duration(policy.ttl)}`);
  for (const [k, v] of Object.entries(policy.options).sort(([a], [b]) => (a < b ? -1 : 1))) parts.push(`${k} ${v}`);
  return parts.join(" · ");
}

function duration(seconds: number): string {
  for (const [unit, size] of [["d", 86_400], ["h", 3_600], ["m", 60]] as const) if (seconds % size === 0) return `${seconds / size}${unit}`;
  return `${seconds}s`;
}

const LANGUAGE: Readonly<Record<string, string>> = { yaml: "yaml", sql: "sql", ts: "typescript" };

/** The schema's columns with what is declared of them: descriptions and the data tests on each. */
function columnsOf(schema: Schema, declared: { readonly columns: ReadonlyArray<ColumnDecl>; readonly tests: ReadonlyArray<TestDecl> }): DocsColumn[] {
  const descriptions = new Map(declared.columns.map((c) => [c.name, c.description]));
  return schema.map((f) => ({
    name: f.name,
    type: f.type,
    description: descriptions.get(f.name) ?? null,
    tests: declared.tests.filter((t) => t.column === f.name).map((t) => t.test),
  }));
}

const testRows = (rows: ReadonlyArray<TestResultRow> | undefined): DocsTestResult[] =>
  (rows ?? []).map((r) => ({ name: r.name, test: r.test, column: r.column, status: r.status, failures: r.failures }));

const pagePath = (i: number): string => `pages/${i}.js`;

export async function collectDocs(project: Project, options: CollectOptions = {}): Promise<DocsSite> {
  const { graph } = project;
  const runs = await readRunResults(targetDir(project));
  const tests = await readTestResults(targetDir(project));
  const profileKind = new Map(project.profiles.map((p) => [p.name, p.kind]));
  const sourceEngine = (name: string) => graph.sources.get(name)!.profile ?? project.config.defaultProfile;
  const modelNames = project.order;
  const sourceNames = [...project.sources.keys()].sort();
  // Every model's root is imported by the others: each model's SQL names its inputs, as
  // its artifact's sql.yaml does, instead of repeating their SQL.
  const imports = projectImports(project);
  const inputModels = new Map([...imports].map(([hash, i]) => [hash, i.model!]));

  const materialized = materializationsOf(project);
  const envs = [...new Set(["prod", project.config.env ?? "prod"])];
  const nodes: DocsNode[] = [];
  const pages: DocsPage[] = [];
  for (const name of modelNames) {
    const m = project.models.get(name)!;
    const root = m.table.node;
    const segments = segmentSql(root, imports);
    const cache = root.kind === "cache" ? cacheLabel(root.policy) : null;
    const run = runs?.get(name) ?? null;
    const mat = materialized?.models.get(name) ?? null;
    const page = pagePath(nodes.length);
    nodes.push({
      id: `model.${name}`,
      type: "model",
      name,
      kind: m.spec.kind,
      engine: m.profile,
      tags: m.spec.tags,
      file: m.spec.file,
      parents: graph.parents.get(name) ?? [],
      children: graph.children.get(name) ?? [],
      sources: graph.sourcesOf.get(name) ?? [],
      cache,
      materialized: mat?.materialized ?? null,
      tests: worstStatus(tests?.get(`model.${name}`)),
      run: run?.status ?? null,
      hops: segments.length - 1,
      page,
    });
    const { lineage, rows, lineageError } = options.lineage === false
      ? { lineage: [], rows: null, lineageError: "left out (generated without lineage)" }
      : await lineageOf(root, inputModels);
    pages.push({
      id: `model.${name}`,
      type: "model",
      name,
      descriptionHtml: markdownHtml(m.spec.description),
      file: m.spec.file,
      kind: m.spec.kind,
      engine: m.profile,
      engineKind: profileKind.get(m.profile) ?? "",
      tags: m.spec.tags,
      cache,
      materialized: mat?.materialized ?? (materialized ? "ephemeral" : null),
      relations: mat ? envs.map((env) => { const v = viewOf(mat, env); return { env, relation: `${v.schema}.${v.name}` }; }) : [],
      hash: m.hash,
      build: `builds/${shortHashOf(m.hash)}`,
      columns: columnsOf(m.schema, m.spec),
      tests: testRows(tests?.get(`model.${name}`)),
      code: { language: LANGUAGE[m.spec.kind] ?? m.spec.kind, text: await readText(join(project.location.projectDir, m.spec.file)) },
      reads: null,
      segments,
      vars: m.vars,
      run: run && runResult(run, m.hash),
      lineage,
      rows,
      lineageError,
    });
  }
  for (const name of sourceNames) {
    const spec = graph.sources.get(name)!;
    const resolved = project.sources.get(name)!;
    const engine = sourceEngine(name);
    const readers = modelNames.filter((n) => (graph.sourcesOf.get(n) ?? []).includes(name));
    nodes.push({
      id: `source.${name}`,
      type: "source",
      name,
      kind: spec.read?.format ?? "table",
      engine,
      tags: [],
      file: spec.file,
      parents: [],
      children: readers,
      sources: [],
      cache: null,
      materialized: null,
      tests: worstStatus(tests?.get(`source.${name}`)),
      run: null,
      hops: 0,
      page: pagePath(nodes.length),
    });
    pages.push({
      id: `source.${name}`,
      type: "source",
      name,
      descriptionHtml: markdownHtml(spec.description),
      file: spec.file,
      kind: spec.read?.format ?? "table",
      engine,
      engineKind: profileKind.get(engine) ?? "",
      tags: [],
      cache: null,
      materialized: null,
      relations: [],
      hash: resolved.hash,
      build: null,
      columns: columnsOf(resolved.table.node.schema, spec),
      tests: testRows(tests?.get(`source.${name}`)),
      code: { language: "yaml", text: await readText(join(project.location.projectDir, spec.file)) },
      reads: spec.read ? spec.read.path : spec.table,
      segments: [],
      vars: {},
      run: null,
      lineage: [],
      rows: null,
      lineageError: null,
    });
  }

  const engineOf = new Map(nodes.map((n) => [n.id, n.engine]));
  const edges: DocsEdge[] = [];
  const edge = (from: string, to: string): DocsEdge => {
    const a = engineOf.get(from)!;
    const b = engineOf.get(to)!;
    return { from, to, hop: a === b ? null : `${a} → ${b}` };
  };
  for (const name of modelNames) {
    for (const s of graph.sourcesOf.get(name) ?? []) edges.push(edge(`source.${s}`, `model.${name}`));
    for (const p of graph.parents.get(name) ?? []) edges.push(edge(`model.${p}`, `model.${name}`));
  }

  const index: DocsIndex = {
    project: { name: project.config.name, descriptionHtml: markdownHtml(await projectDescription(project)) },
    engines: project.profiles.map((p) => ({ name: p.name, kind: p.kind })),
    nodes,
    edges,
    hasRunResults: runs !== null,
  };
  return { index, pages };
}

async function lineageOf(root: RelationNode, inputModels: ReadonlyMap<string, string>): Promise<Pick<DocsPage, "lineage" | "rows" | "lineageError">> {
  try {
    const traced = await modelLineage(root, inputModels);
    return { lineage: traced.columns, rows: traced.rows, lineageError: null };
  } catch (e) {
    return { lineage: [], rows: null, lineageError: (e as Error).message };
  }
}

function runResult(row: RunResultRow, hash: string): DocsPage["run"] {
  // run_results.json holds the short hash, as the run printed it.
  const current = row.hash === hash || row.hash === shortHashOf(hash);
  return { status: row.status, rows: row.rows ?? null, ms: row.ms, message: row.message ?? null, current };
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (e) {
    return `(could not read ${file}: ${(e as Error).message})`;
  }
}

/** project.yaml's `description:`, which the loaded config does not keep. */
async function projectDescription(project: Project): Promise<string | null> {
  try {
    const doc = parseYaml(await readFile(join(project.location.projectDir, "project.yaml"), "utf8")) as { description?: unknown } | null;
    return typeof doc?.description === "string" ? doc.description : null;
  } catch {
    return null;
  }
}
