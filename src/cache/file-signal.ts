/**
 * The change signal of a deferred file read: device, inode, size, mtime and ctime of
 * every file the read covers, from `stat(2)` (no data is read).
 *
 * Which files: the path as the reading DuckDB resolves it (`glob()` applies its working
 * directory and `file_search_path`, and expands patterns like `data/*.parquet`), so the
 * signal covers exactly what the query will read. An absolute path without wildcards is
 * stat'ed directly.
 *
 * When it can miss a change: only if a file is rewritten in place with the same size
 * and both its mtime and ctime stay equal, i.e. within one timestamp tick of the file
 * system (nanoseconds on ext4/xfs/btrfs; 1-2 s on FAT, HFS+ or some network mounts).
 * ctime cannot be set by tools that restore mtime (`cp -p`, `rsync -t`, `touch -d`).
 */
import { stat } from "node:fs/promises";
import { isAbsolute } from "node:path";
import type { ChangeSignal } from "../backends/backend.js";
import { canReadFiles } from "../backends/backend.js";
import type { ExecutionRun } from "../backends/executor.js";
import type { ReadNode } from "../expr/relation-nodes.js";
import { CacheKeyError } from "./cache-key-error.js";
import { cacheDuckDB } from "./parquet-io.js";

const REMOTE = /^[a-z][a-z0-9+.-]*:\/\//i;
const WILDCARD = /[*?[{]/;

export async function fileSignal(node: ReadNode, run: ExecutionRun): Promise<ChangeSignal> {
  if (REMOTE.test(node.path)) {
    throw new CacheKeyError(`a modification_time cache cannot see when '${node.path}' changes (not a local file); use a snapshot cache`);
  }
  const files = isAbsolute(node.path) && !WILDCARD.test(node.path) ? [node.path] : await resolveFiles(node, run);
  const stats = await Promise.all(
    files.map(async (f) => {
      try {
        const s = await stat(f, { bigint: true });
        return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return "missing";
        throw e;
      }
    }),
  );
  // One field per file, in path order; the paths themselves stay out of the key.
  return Object.fromEntries([["files", stats.length], ...stats.map((s, i) => [String(i), s] as const)]);
}

async function resolveFiles(node: ReadNode, run: ExecutionRun): Promise<string[]> {
  const backend = await run.backendFor(node.backend);
  const reader = canReadFiles(backend) ? backend : cacheDuckDB();
  const sql = `SELECT file FROM glob(${reader.dialect.stringLiteral(node.path)}) ORDER BY file`;
  const files: string[] = [];
  for await (const batch of reader.stream(sql, [{ name: "file", type: "string" }])) {
    const col = batch.getChildAt(0)!;
    for (let i = 0; i < batch.numRows; i++) files.push(String(col.get(i)));
  }
  return files;
}
