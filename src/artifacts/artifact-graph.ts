/**
 * Reads an artifact's expression together with the artifacts it imports.
 *
 * An artifact of a project build holds only its own nodes; expr.yaml's `imports:` maps
 * each upstream root it refers to (full node hash) to that model's artifact (short
 * hash), a sibling directory: `builds/<short>/` beside a build, `entries/<short>/`
 * beside a catalog entry. The whole expression is the union of the node maps over the
 * import closure, and each artifact's relocated reads and in-memory data are in its own
 * directory. (profiles.yaml and metadata.json describe the whole expression already.)
 * Each artifact is read once however many paths reach it.
 *
 * ```ts
 * const { graph } = readArtifactGraph("builds/3f2a9c1b7d4e");
 * const node = fromGraph(graph);
 * ```
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import YAML from "yaml";
import type { ExprGraph, Json } from "../expr/canonical.js";

/** A problem with the artifact or the command's arguments; exit code 2. */
export class ArtifactError extends Error {
  override readonly name = "ArtifactError";
  readonly exitCode = 2;
}

type NodeMap = Record<string, Record<string, Json>>;

/** expr.yaml as written: `imports` only when the artifact refers to others. */
export interface ArtifactExprDoc extends ExprGraph {
  readonly imports?: Readonly<Record<string, string>>;
}

export interface ArtifactGraph {
  /** The whole expression: the artifact's nodes and its imports'. */
  readonly graph: ExprGraph;
  /** The artifact's directory and those of everything it imports, the artifact first. */
  readonly dirs: ReadonlyArray<string>;
}

export interface ReadGraphOptions {
  /**
   * Point the reads each artifact of the closure copied in with `--relocate-reads` at
   * their copies (absolute paths, for running). Otherwise expr.yaml alone (lineage).
   */
  readonly relocate?: boolean;
}

export function readText(dir: string, file: string): string {
  try {
    return readFileSync(join(dir, file), "utf8");
  } catch {
    throw new ArtifactError(`${dir} is not a complete build artifact: ${file} is missing`);
  }
}

function parseYaml<T>(dir: string, file: string): T {
  try {
    return YAML.parse(readText(dir, file)) as T;
  } catch (e) {
    if (e instanceof ArtifactError) throw e;
    throw new ArtifactError(`${join(dir, file)}: not valid YAML (${(e as Error).message})`);
  }
}

/** An artifact's expr.yaml, checked for the shape it must have. */
export function readExprDoc(dir: string): ArtifactExprDoc {
  const doc = parseYaml<ArtifactExprDoc>(dir, "expr.yaml");
  if (!doc || typeof doc.root !== "string" || typeof doc.nodes !== "object" || doc.nodes === null) {
    throw new ArtifactError(`${join(dir, "expr.yaml")} is not an expression graph`);
  }
  if (doc.imports !== undefined && (typeof doc.imports !== "object" || doc.imports === null)) {
    throw new ArtifactError(`${join(dir, "expr.yaml")}: 'imports' must map node hashes to artifact hashes`);
  }
  return doc;
}

/** The directory of an artifact `dir` imports: its sibling named by the short hash. */
export function importDir(dir: string, short: string): string {
  if (!/^[0-9a-f]{12}$/.test(short)) throw new ArtifactError(`${join(dir, "expr.yaml")}: imported artifact '${short}' is not a 12-hex hash`);
  return join(dirname(dir), short);
}

/** The artifact short hashes `dir` imports directly, sorted. */
export function artifactImports(dir: string): string[] {
  return [...new Set(Object.values(readExprDoc(dir).imports ?? {}))].sort();
}

/**
 * The import closure of `dir` (short hashes, `dir`'s own excluded), not walking past
 * an artifact `known` says is there with its closure already (a catalog's entries).
 * A missing artifact is an ArtifactError naming the importer and where it looked.
 */
export function importClosure(dir: string, known: (short: string) => boolean = () => false): string[] {
  const found = new Set<string>();
  const walk = (from: string): void => {
    for (const short of artifactImports(from)) {
      if (found.has(short) || known(short)) continue;
      const target = importDir(from, short);
      if (!existsSync(join(target, "expr.yaml"))) throw missingImport(from, short);
      found.add(short);
      walk(target);
    }
  };
  walk(dir);
  return [...found].sort();
}

function missingImport(from: string, short: string): ArtifactError {
  return new ArtifactError(`${from} imports the artifact ${short}, which is missing: no ${importDir(from, short)} (copy or add the artifacts it imports with it)`);
}

interface DeferredReads {
  readonly reads?: ReadonlyArray<{ readonly node: string; readonly relocated?: string }>;
}

/** Reads an artifact and, recursively, what it imports, into one expression graph. */
export function readArtifactGraph(dir: string, options: ReadGraphOptions = {}): ArtifactGraph {
  const nodes: NodeMap = {};
  const dirs: string[] = [];
  const seen = new Set<string>();
  let root: string | null = null;
  const visit = (at: string): void => {
    seen.add(at);
    dirs.push(at);
    const doc = readExprDoc(at);
    root ??= doc.root;
    const own = options.relocate ? relocateReads(doc.nodes, at) : doc.nodes;
    for (const [id, n] of Object.entries(own)) {
      nodes[id] ??= n;
    }
    for (const short of Object.values(doc.imports ?? {}).sort()) {
      const target = importDir(at, short);
      if (seen.has(target)) continue;
      if (!existsSync(join(target, "expr.yaml"))) throw missingImport(at, short);
      visit(target);
    }
  };
  visit(dir);
  return { graph: { root: root!, nodes }, dirs };
}

/** Points relocated reads at their copies inside the artifact (absolute paths, at run time only). */
function relocateReads(nodes: NodeMap, dir: string): NodeMap {
  if (!existsSync(join(dir, "reads"))) return nodes;
  const doc = parseYaml<DeferredReads | null>(dir, "deferred_reads.yaml");
  const moved = (doc?.reads ?? []).filter((r) => r.relocated);
  if (moved.length === 0) return nodes;
  const out = { ...nodes };
  for (const r of moved) {
    const id = Object.keys(out).find((k) => k.startsWith(r.node) && out[k]!["op"] === "read");
    if (id) out[id] = { ...out[id]!, path: join(dir, r.relocated!) };
  }
  return out;
}
