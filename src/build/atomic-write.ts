/**
 * Writes that are never seen half done: a file or a directory is written under a
 * temporary name beside its destination, then renamed into place (rename(2) is atomic
 * within a file system).
 */
import { randomBytes } from "node:crypto";
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
 */
export async function writeDirAtomic(path: string, fill: (dir: string) => Promise<void>, options: { replace?: boolean } = {}): Promise<boolean> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  await mkdir(tmp);
  try {
    await fill(tmp);
    if (options.replace) {
      const old = tempPathFor(path);
      await rename(path, old).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== "ENOENT") throw e;
      });
      await rename(tmp, path);
      await rm(old, { recursive: true, force: true });
      return true;
    }
    try {
      await rename(tmp, path);
      return true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOTEMPTY" || code === "EEXIST") return false; // another build wrote it first
      throw e;
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** JSON as artifacts and target/ files write it: two-space indent, final newline. */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`;
}
