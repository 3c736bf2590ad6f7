/**
 * The change signal of a deferred file read: device, inode, size, mtime and ctime of
 * every file the read covers, from `stat(2)` (no data is read).
 *
 * Which files: the path as the reading DuckDB resolves it, so the signal covers exactly
 * what the query will read: a relative path is looked up in the working directory, then
 * in each directory of DuckDB's `file_search_path` (which a project sets to its root),
 * in DuckDB's order; a pattern like `data/*.parquet` is expanded by DuckDB's `glob()`.
 *
 * When it can miss a change: only if a file is rewritten in place with the same size
 * and both its mtime and ctime stay equal, i.e. within one timestamp tick of the file
 * system (nanoseconds on ext4/xfs/btrfs; 1-2 s on FAT, HFS+ or some network mounts).
 * ctime cannot be set by tools that restore mtime (`cp -p`, `rsync -t`, `touch -d`).
 */
import { stat } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import type { ChangeSignal, FileReadingBackend } from "../backends/backend.js";
import { canReadFiles } from "../backends/backend.js";
import type { ExecutionRun } from "../backends/executor.js";
import { stableStringify } from "../expr/canonical.js";
import type { ReadNode } from "../expr/relation-nodes.js";
import { CacheKeyError } from "./cache-key-error.js";

const REMOTE = /^[a-z][a-z0-9+.-]*:\/\//i;
const WILDCARD = /[*?[{]/;

export async function fileSignal(node: ReadNode, run: ExecutionRun): Promise<ChangeSignal> {
  if (REMOTE.test(node.path)) {
    throw new CacheKeyError(`a modification_time cache cannot see when '${node.path}' changes (not a local file); use a snapshot cache`);
  }
  const files = await resolveFiles(node, run);
  const stats = await Promise.all(files.map(async (f) => describe(await statOrNull(f))));
  // One field per file, in path order; the paths themselves stay out of the key.
  return Object.fromEntries([["files", stats.length], ...stats.map((s, i) => [String(i), s] as const)]);
}

type FileStats = Awaited<ReturnType<typeof statBig>>;

const statBig = (path: string) => stat(path, { bigint: true });

async function statOrNull(path: string): Promise<FileStats | null> {
  try {
    return await statBig(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}

function describe(s: FileStats | null): string {
  return s === null ? "missing" : `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
}

async function resolveFiles(node: ReadNode, run: ExecutionRun): Promise<string[]> {
  if (isAbsolute(node.path) && !WILDCARD.test(node.path)) return [node.path];
  const backend = await run.backendFor(node.backend);
  const reader = canReadFiles(backend) ? backend : await run.localEngine();
  if (!WILDCARD.test(node.path)) {
    // The run's base directory too: the local engine that reads files for another engine
    // (PostgreSQL) has no search path of the project, and the file would be signed as missing.
    const bases = [process.cwd(), ...(run.options.baseDir === undefined ? [] : [run.options.baseDir]), ...(await searchPath(reader, run.options.baseDir))];
    for (const base of bases) {
      const candidate = resolve(base, node.path);
      if ((await statOrNull(candidate)) !== null) return [candidate];
    }
    return [node.path]; // not there: signed as missing, and the read itself will say so
  }
  const sql = `SELECT file FROM glob(${reader.dialect.stringLiteral(node.path)}) ORDER BY file`;
  return (await column(reader, sql)).map(String);
}

/**
 * DuckDB's `file_search_path`, read once per connection profile and base directory: it
 * is set when the connection opens (a project sets it to its root, so two projects'
 * `local` profiles differ by it), and a query per key would cost more than all the stat
 * calls.
 */
const searchPaths = new Map<string, Promise<string[]>>();

function searchPath(reader: FileReadingBackend, baseDir: string | undefined): Promise<string[]> {
  const id = `${baseDir ?? ""}\u0000${reader.ref.name}\u0000${stableStringify(reader.ref.params)}`;
  let dirs = searchPaths.get(id);
  if (!dirs) {
    dirs = column(reader, "SELECT current_setting('file_search_path') AS p").then((v) =>
      String(v[0] ?? "").split(",").map((d) => d.trim()).filter(Boolean),
    );
    searchPaths.set(id, dirs);
  }
  return dirs;
}

async function column(reader: FileReadingBackend, sql: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const batch of reader.stream(sql, [{ name: "v", type: "string" }])) {
    const col = batch.getChildAt(0)!;
    for (let i = 0; i < batch.numRows; i++) out.push(col.get(i));
  }
  return out;
}
