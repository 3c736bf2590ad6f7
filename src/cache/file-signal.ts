/**
 * The change signal of a deferred file read: device, inode, size, mtime and ctime of
 * every file the read covers, from `stat(2)` (no data is read).
 *
 * Which files: the path the reading DuckDB is given, so the signal covers exactly what
 * the query will read: a relative path resolves against the project (the reader's file
 * base, else the run's base directory), never the working directory; only plain library
 * use without either leaves it to DuckDB's lookup (working directory, then
 * `file_search_path`). A pattern like `data/*.parquet` is expanded by DuckDB's `glob()`.
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
import { type ReadNode, isRemotePath } from "../expr/relation-nodes.js";
import { CacheKeyError } from "./cache-key-error.js";

const WILDCARD = /[*?[{]/;

export async function fileSignal(node: ReadNode, run: ExecutionRun): Promise<ChangeSignal> {
  if (isRemotePath(node.path)) {
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
  // The engine that will read the file (as the executor picks it), and the path it is given.
  const reader = canReadFiles(backend) ? backend : ((await backend.fileReader?.()) ?? (await run.localEngine()));
  const given = reader.dialect.filePath(node.path);
  // A path the reader's dialect left relative resolves against the run's base directory;
  // only a run without one (plain library use) leaves it to DuckDB's own lookup.
  const path = isAbsolute(given) || run.options.baseDir === undefined ? given : resolve(run.options.baseDir, given);
  if (!WILDCARD.test(path)) {
    if (isAbsolute(path)) return [path];
    for (const base of [process.cwd(), ...(await searchPath(reader, run.options.baseDir))]) {
      const candidate = resolve(base, path);
      if ((await statOrNull(candidate)) !== null) return [candidate];
    }
    return [path]; // not there: signed as missing, and the read itself will say so
  }
  const sql = `SELECT file FROM glob(${reader.dialect.stringLiteral(path)}) ORDER BY file`;
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
