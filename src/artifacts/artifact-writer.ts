/**
 * Writes a build artifact, `builds/<hash12>/`, as SPEC lists it: expr.yaml (the whole
 * graph), sql.yaml (SQL per engine segment), deferred_reads.yaml, profiles.yaml
 * (secret-free: `${env:…}` references only), metadata.json, memtables/*.parquet and,
 * with `relocateReads`, reads/<content hash>.<ext>.
 *
 * With `imports` (a project build passes the other models' roots), the artifact holds
 * only its own nodes and refers to upstream models' artifacts by hash: expr.yaml gets
 * a sorted `imports:` map (node hash -> artifact short hash); sql.yaml,
 * deferred_reads.yaml and memtables/ cover the own nodes, while profiles.yaml and
 * metadata.json (`profiles`, `vars`) still describe the whole expression. The
 * artifact is self-contained together with the artifacts it imports, which are its
 * sibling directories (the catalog stores them the same way). Copying every ancestor
 * into each artifact made a project's artifacts quadratic in size: 5 GB for 5,600 of
 * the 10,000 synthetic models, up to 2.6 MB of expr.yaml each.
 *
 * Every file is a function of the expression alone (no time, no absolute path, no
 * secret), so the same expression gives byte-identical files anywhere. The directory is
 * written under a temporary name and renamed into place: a complete artifact is never
 * rewritten, and a crash never leaves a partial one.
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { copyFile, readFile } from "node:fs/promises";
import { extname, isAbsolute, join, resolve } from "node:path";
import YAML from "yaml";
import { type Json, nodeHash, shortHash } from "../expr/canonical.js";
import type { Table } from "../expr/table.js";
import { isRemotePath } from "../expr/relation-nodes.js";
import { graphYaml, yamlText } from "../expr/yaml.js";
import type { Profile } from "../backends/connections.js";
import { jsonText, writeDirAtomic } from "../util/atomic-write.js";
import { type Services, defaultServices } from "../services.js";
import { writeBatches } from "./data-files.js";
import { type ArtifactImports, type ExprFacts, type OwnNodes, type WholeFacts, exprFacts, importRelation, ownNodes, segmentSql, wholeFacts } from "./expr-facts.js";
import { toolVersion } from "../util/tool-version.js";

export interface ArtifactRequest {
  readonly table: Table;
  readonly model: string | null;
  readonly project: string | null;
  /** Recorded in metadata.json when given (what `catalog search` finds an entry by). */
  readonly tags?: ReadonlyArray<string>;
  readonly description?: string;
  /** The project's profiles (for engines named only by cache policies). */
  readonly profiles?: ReadonlyArray<Profile>;
  /** Where relative read paths resolve (xorq_project/), for `relocateReads`. */
  readonly baseDir: string;
  readonly relocateReads?: boolean;
  /**
   * Upstream roots to refer to by hash instead of copying (the root itself never is
   * one). Their artifacts must exist beside this one before it is read.
   */
  readonly imports?: ArtifactImports;
  /** Writes memtables/ with its local engine (default: the default services). */
  readonly services?: Services;
  /** With `relocateReads`: the file to carry for a read (by short node hash), when it is not at its path (see `relocateReadsIn`). */
  readonly readFile?: ReadLocator;
}

/** Where the file of a read is, when not at its recorded path; null for its path. */
export type ReadLocator = (read: { readonly node: string; readonly path: string }) => string | null;

export type ArtifactStatus = "built" | "unchanged" | "relocated";

export interface ArtifactResult {
  readonly status: ArtifactStatus;
  readonly dir: string;
  readonly hash: string;
}

const yaml = (value: Readonly<Record<string, unknown>>) => yamlText(value as Record<string, Json>);

/** A read the artifact can carry: a local file (not a glob, not a URL). */
function relocatable(path: string): boolean {
  return !/[*?[]/.test(path) && !isRemotePath(path);
}

async function fileSha256(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}

/** Writes `builds/<hash12>/` unless a complete artifact is there already. */
export async function writeArtifact(buildsDir: string, req: ArtifactRequest): Promise<ArtifactResult> {
  const node = req.table.node;
  const hash = shortHash(node);
  const dir = join(buildsDir, hash);
  const exists = existsSync(dir);
  if (exists) {
    const relocated = !req.relocateReads || (await hasRelocatedReads(dir));
    if (relocated) return { status: "unchanged", dir, hash };
  }
  const own = ownNodes(node, req.imports);
  const facts = exprFacts(node, req.imports);
  const whole = wholeFacts(node, req.imports);
  const written = await writeDirAtomic(dir, (tmp) => fill(tmp, req, own, facts, whole), { replace: exists });
  return { status: !written ? "unchanged" : exists ? "relocated" : "built", dir, hash };
}

async function hasRelocatedReads(dir: string): Promise<boolean> {
  try {
    return unrelocated(await readDeferredReads(dir)).length === 0;
  } catch {
    return false;
  }
}

interface DeferredReadsDoc {
  readonly reads?: ReadonlyArray<Readonly<Record<string, Json>> & { readonly node: string; readonly path: string; readonly format: string; readonly relocated?: string }>;
  readonly tables?: Json;
}

/** deferred_reads.yaml of an artifact; an artifact without one reads nothing. */
async function readDeferredReads(dir: string): Promise<DeferredReadsDoc> {
  const file = join(dir, "deferred_reads.yaml");
  if (!existsSync(file)) return {};
  return (YAML.parse(await readFile(file, "utf8")) as DeferredReadsDoc | null) ?? {};
}

function unrelocated(doc: DeferredReadsDoc): string[] {
  return (doc.reads ?? []).filter((r) => r.relocated === undefined && relocatable(r.path)).map((r) => r.path);
}

/**
 * Copies the local files an artifact's reads name (relative paths against `baseDir`)
 * into its `reads/<content hash>.<ext>` and records each copy in deferred_reads.yaml,
 * so the artifact runs on another machine; reads already relocated, globs and URLs stay
 * as they are. `dir` must be an artifact being written (a temporary directory): the
 * build writer and the catalog, which relocates what it adds (as Xorq does since its
 * #2070), both go through here, so their files are the same. `locate` names the file of a
 * read that is elsewhere (an entry's copy, for an expression composed of entries).
 * Returns the paths copied.
 */
export async function relocateReadsIn(dir: string, baseDir: string, locate: ReadLocator = () => null): Promise<string[]> {
  const doc = await readDeferredReads(dir);
  const copied: string[] = [];
  const reads = [];
  for (const r of doc.reads ?? []) {
    if (r.relocated !== undefined || !relocatable(r.path)) {
      reads.push(r);
      continue;
    }
    const abs = locate(r) ?? (isAbsolute(r.path) ? r.path : resolve(baseDir, r.path));
    if (!existsSync(abs)) throw new Error(`cannot carry the read of '${r.path}' in the artifact: no file ${abs}`);
    const name = `${await fileSha256(abs)}${extname(r.path) || `.${r.format}`}`;
    mkdirSync(join(dir, "reads"), { recursive: true });
    await copyFile(abs, join(dir, "reads", name));
    reads.push({ ...r, relocated: `reads/${name}` });
    copied.push(r.path);
  }
  if (copied.length > 0) writeFileSync(join(dir, "deferred_reads.yaml"), yaml({ reads, tables: doc.tables ?? [] }));
  return copied;
}

/** The imports the artifact refers to: node hash -> artifact, and model name -> artifact for sql.yaml. */
function importMaps(own: OwnNodes, imports: ArtifactImports | undefined): { byNode: Record<string, Json>; byName: Record<string, Json> } {
  const byNode: Record<string, Json> = {};
  const byName: [string, string][] = [];
  for (const n of own.imported) {
    const i = imports!.get(nodeHash(n))!;
    byNode[nodeHash(n)] = i.artifact;
    byName.push([importRelation(i), i.artifact]);
  }
  return { byNode, byName: Object.fromEntries(byName.sort(([a], [b]) => (a < b ? -1 : 1))) };
}

async function fill(tmp: string, req: ArtifactRequest, own: OwnNodes, facts: ExprFacts, whole: WholeFacts): Promise<void> {
  const { table } = req;
  const node = table.node;
  const imported = own.imported.length > 0 ? importMaps(own, req.imports) : null;

  // Small files, written synchronously (see writeDirAtomic).
  writeFileSync(join(tmp, "expr.yaml"), graphYaml(node, own.nodes, imported ? { imports: imported.byNode } : {}));
  const segments = segmentSql(node, req.imports);
  writeFileSync(join(tmp, "sql.yaml"), yaml(imported ? { segments, imports: imported.byName } : { segments }));

  writeFileSync(join(tmp, "deferred_reads.yaml"), yaml({ reads: facts.reads, tables: facts.tables }));
  if (req.relocateReads) await relocateReadsIn(tmp, req.baseDir, req.readFile);

  const profiles: Record<string, Record<string, unknown>> = {};
  for (const b of whole.backends) profiles[b.name] = { kind: b.kind, ...b.params };
  for (const name of whole.cacheProfiles) {
    const p = req.profiles?.find((x) => x.name === name);
    if (p && !profiles[name]) profiles[name] = { kind: p.kind, ...p.params };
  }
  const sortedProfiles = Object.fromEntries(Object.entries(profiles).sort(([a], [b]) => (a < b ? -1 : 1)));
  writeFileSync(join(tmp, "profiles.yaml"), yaml({ profiles: sortedProfiles }));

  if (facts.memtables.length > 0) mkdirSync(join(tmp, "memtables"));
  for (const m of facts.memtables) {
    const data = table.context.memtables.get(m.dataHash);
    if (!data) throw new Error(`in-memory table ${m.dataHash.slice(0, 12)} has no data to snapshot`);
    await writeBatches(data.batches, m.schema, join(tmp, "memtables", `${m.dataHash}.parquet`), "parquet", req.services ?? defaultServices());
  }

  const metadata = {
    tool_version: toolVersion(),
    hash: table.hash(),
    short_hash: shortHash(node),
    model: req.model,
    project: req.project,
    schema: node.schema,
    profiles: Object.keys(sortedProfiles),
    vars: whole.vars,
    ...(req.description === undefined ? {} : { description: req.description }),
    ...(req.tags === undefined ? {} : { tags: [...req.tags] }),
  };
  writeFileSync(join(tmp, "metadata.json"), jsonText(metadata));
}
