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
 * Every artifact read is verified against its hash (`verifyExprDoc`): an edited
 * expr.yaml must not run under the hash it no longer has.
 *
 * ```ts
 * const { graph } = readArtifactGraph("builds/3f2a9c1b7d4e");
 * const node = fromGraph(graph);
 * ```
 */
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from "node:fs";
import { basename, dirname, join, sep } from "node:path";
import { isRemotePath } from "../expr/relation-nodes.js";
import YAML from "yaml";
import { type ExprGraph, type Json, sha256, shortHashOf, stableStringify } from "../expr/canonical.js";

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
  /**
   * With `relocate`: false refuses an expression that can read local files outside its
   * artifacts (see `localFileAccess`). Default: refused when the environment sets
   * `XORQ_NO_FILE_ACCESS=1`, for running artifacts one did not build.
   */
  readonly fileAccess?: boolean;
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

/**
 * Checks an artifact's expr.yaml against its hash: each node's key must be the hash of
 * its content (so an edited value, path or input reference shows wherever it is, at no
 * more cost than hashing the nodes), and the root must be `expected`, the hash the
 * artifact is known by (its metadata.json's, or its importer's reference). A node is
 * hashed from exactly what expr.yaml holds for it (`canonicalNode` in canonical.ts).
 */
export function verifyExprDoc(dir: string, doc: ArtifactExprDoc, expected: { readonly hash: string; readonly from: string }): void {
  const file = join(dir, "expr.yaml");
  for (const [id, node] of Object.entries(doc.nodes)) {
    const actual = sha256(stableStringify(node));
    if (actual !== id) {
      throw new ArtifactError(
        `${file}: node ${shortHashOf(id)} does not match its content (which hashes to ${shortHashOf(actual)}): the artifact was edited or damaged; build it again`,
      );
    }
  }
  if (!(doc.root in doc.nodes)) throw new ArtifactError(`${file}: the root ${shortHashOf(doc.root)} is not one of its nodes`);
  if (doc.root !== expected.hash) {
    throw new ArtifactError(
      `${file} holds the expression ${shortHashOf(doc.root)}, but ${expected.from} says ${shortHashOf(expected.hash)}: the artifact was edited or damaged; build it again`,
    );
  }
}

/** The hash an artifact directory is known by: metadata.json's, which a 12-hex directory name must agree with. */
function declaredHash(dir: string): { hash: string; from: string } {
  const file = join(dir, "metadata.json");
  let hash: unknown;
  try {
    hash = (JSON.parse(readText(dir, "metadata.json")) as { hash?: unknown }).hash;
  } catch (e) {
    if (e instanceof ArtifactError) throw e;
    throw new ArtifactError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof hash !== "string" || !/^[0-9a-f]{64}$/.test(hash)) throw new ArtifactError(`${file}: 'hash' must be a sha256 hex digest`);
  const name = basename(dir);
  if (/^[0-9a-f]{12}$/.test(name) && name !== shortHashOf(hash)) {
    throw new ArtifactError(`${file} says the artifact is ${shortHashOf(hash)}, but its directory is named ${name}: the artifact was moved or damaged`);
  }
  return { hash, from: file };
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

/**
 * Reads an artifact and, recursively, what it imports, into one expression graph; each
 * artifact is verified against the hash it is known by (`verifyExprDoc`).
 */
export function readArtifactGraph(dir: string, options: ReadGraphOptions = {}): ArtifactGraph {
  const nodes: NodeMap = {};
  const dirs: string[] = [];
  const seen = new Set<string>();
  let root: string | null = null;
  const visit = (at: string, expected: { hash: string; from: string }): void => {
    seen.add(at);
    dirs.push(at);
    const doc = readExprDoc(at);
    verifyExprDoc(at, doc, expected);
    root ??= doc.root;
    const own = options.relocate ? relocateReads(doc.nodes, at) : doc.nodes;
    for (const [id, n] of Object.entries(own)) {
      nodes[id] ??= n;
    }
    for (const [full, short] of Object.entries(doc.imports ?? {}).sort(([, a], [, b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const target = importDir(at, short);
      if (seen.has(target)) continue;
      if (!existsSync(join(target, "expr.yaml"))) throw missingImport(at, short);
      visit(target, { hash: full, from: `the imports of ${join(at, "expr.yaml")}` });
    }
  };
  visit(dir, declaredHash(dir));
  const graph = { root: root!, nodes };
  if (options.relocate && !(options.fileAccess ?? process.env["XORQ_NO_FILE_ACCESS"] !== "1")) {
    const uses = localFileAccess(graph, dirs);
    if (uses.length > 0) {
      throw new ArtifactError(`${dir} can read local files, which XORQ_NO_FILE_ACCESS=1 refuses: ${uses.join("; ")}`);
    }
  }
  return { graph, dirs };
}

/**
 * What in an expression can make the engine read a local file other than the artifacts'
 * own copies (`reads/`): a read of any other local path, and SQL text that names a
 * file-reading function or statement (DuckDB's `read_text`, `read_csv`, `glob`, a quoted
 * file name in FROM, `COPY`, `ATTACH`, extensions; PostgreSQL's `pg_read_file`,
 * `lo_import`). The SQL check is by name, so it also refuses a query that only mentions
 * one (e.g. in a string): it errs on the side of refusing.
 */
export function localFileAccess(graph: ExprGraph, dirs: ReadonlyArray<string>): string[] {
  const uses: string[] = [];
  const inside = (path: string) => dirs.some((d) => path.startsWith(join(d, "reads") + sep));
  for (const node of Object.values(graph.nodes)) {
    if (node["op"] === "read") {
      const path = String(node["path"]);
      if (!isRemotePath(path) && !inside(path)) uses.push(`a read of ${path}`);
    } else if (node["op"] === "sql") {
      const m = FILE_SQL.exec(String(node["query"]));
      if (m) uses.push(`SQL using ${m[0].replace(/\s+/g, " ").trim()}`);
    }
  }
  return uses;
}

const FILE_SQL = new RegExp(
  [
    String.raw`\b(?:read_\w+|\w+_scan|glob|sniff_csv|parquet_\w+|st_read|pg_read_\w*file|pg_ls_\w+|lo_import|lo_export)\s*\(`,
    String.raw`\b(?:copy|attach|install|load|import\s+database|export\s+database)\b`,
    String.raw`\b(?:from|join)\s*(?:'|"[^"]*[./\\][^"]*")`,
  ].join("|"),
  "i",
);

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

/** The YAML files every artifact holds besides expr.yaml (see artifact-writer.ts). */
const YAML_FILES = ["sql.yaml", "profiles.yaml", "deferred_reads.yaml"] as const;

/**
 * Checks that `dir` is the complete, unedited artifact of the expression `hash` (full
 * node hash), as far as its files allow: metadata.json names `hash`, expr.yaml verifies
 * against it (`verifyExprDoc`), the other YAML files are present and parse to mappings,
 * and each in-memory table of its own nodes has a whole parquet file. Throws an
 * ArtifactError naming the first file that fails. It does not read the artifacts it
 * imports (each is checked as its own model's).
 */
export function verifyArtifact(dir: string, hash: string): void {
  const declared = declaredHash(dir);
  if (declared.hash !== hash) throw new ArtifactError(`${declared.from} says ${shortHashOf(declared.hash)}, expected ${shortHashOf(hash)}: the artifact was edited or damaged`);
  const doc = readExprDoc(dir);
  verifyExprDoc(dir, doc, declared);
  for (const file of YAML_FILES) {
    const value = parseYaml<unknown>(dir, file);
    if (value === null || typeof value !== "object" || Array.isArray(value)) throw new ArtifactError(`${join(dir, file)} is empty or not a mapping: the artifact was damaged`);
  }
  for (const node of Object.values(doc.nodes)) {
    if (node["op"] !== "memtable") continue;
    const file = join(dir, "memtables", `${String(node["dataHash"])}.parquet`);
    if (!existsSync(file)) throw new ArtifactError(`${dir} is not a complete build artifact: ${join("memtables", basename(file))} is missing`);
    if (!isParquetFile(file)) throw new ArtifactError(`${file} is truncated or not parquet: the artifact was damaged`);
  }
}

/** A parquet file starts and ends with the magic `PAR1`: a cut-off file lacks the end. */
function isParquetFile(file: string): boolean {
  const fd = openSync(file, "r");
  try {
    const size = fstatSync(fd).size;
    if (size < 12) return false;
    const head = Buffer.alloc(4);
    const tail = Buffer.alloc(4);
    readSync(fd, head, 0, 4, 0);
    readSync(fd, tail, 0, 4, size - 4);
    return head.toString("latin1") === "PAR1" && tail.toString("latin1") === "PAR1";
  } finally {
    closeSync(fd);
  }
}

