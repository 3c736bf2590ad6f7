/**
 * Writes that are never seen half done: a file or a directory is written under a
 * temporary name beside its destination, then renamed into place (rename(2) is atomic
 * within a file system).
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, renameSync, rmSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** A temporary name beside `path` (hidden, so listings skip it). */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
}

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/**
 * Fills a temporary directory with `fill`, then renames it to `path`. Returns false
 * (and leaves `path` as it was) when `path` already exists, unless `replace`.
 *
 * The directory operations are synchronous: a build writes thousands of small
 * directories, and on a loaded 2-core machine a round trip through libuv's thread pool
 * per operation cost several times the operation itself (measured in
 * bench/artifact-build.mjs).
 */
export async function writeDirAtomic(path: string, fill: (dir: string) => Promise<void>, options: { replace?: boolean } = {}): Promise<boolean> {
  const tmp = tempPathFor(path);
  try {
    mkdirSync(tmp);
  } catch (e) {
    // The parent is made only when missing: a recursive mkdir costs two calls per artifact.
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    mkdirSync(dirname(path), { recursive: true });
    mkdirSync(tmp);
  }
  try {
    await fill(tmp);
    if (options.replace) {
      const old = tempPathFor(path);
      try {
        renameSync(path, old);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      }
      renameSync(tmp, path);
      rmSync(old, { recursive: true, force: true });
      return true;
    }
    try {
      renameSync(tmp, path);
      return true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "ENOTEMPTY" && code !== "EEXIST") throw e;
      rmSync(tmp, { recursive: true, force: true }); // another build wrote it first
      return false;
    }
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** JSON as artifacts and target/ files write it: two-space indent, final newline. */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`;
}
