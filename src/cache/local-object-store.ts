/**
 * An object store in a local directory: objects are files, published by `rename(2)`,
 * which replaces the target atomically on POSIX file systems. Staged files sit in the
 * same directory (a rename cannot cross file systems) under names ending in `.tmp`,
 * carrying the writer's pid so `prune` can tell a dead writer's leftovers.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { FetchedObject, ObjectInfo, ObjectStore } from "./object-store.js";

export const STAGING_SUFFIX = ".tmp";

export class LocalObjectStore implements ObjectStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  get location(): string {
    return this.dir;
  }

  async stat(name: string): Promise<ObjectInfo | null> {
    try {
      const s = await stat(join(this.dir, name));
      return s.isFile() ? { name, size: s.size, writtenMs: s.mtimeMs } : null;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw e;
    }
  }

  async stagingPath(name: string): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    return join(this.dir, `${name}.${process.pid}-${randomBytes(4).toString("hex")}${STAGING_SUFFIX}`);
  }

  async publish(staged: string, name: string): Promise<void> {
    // Flush the data before the rename makes it visible, so a power loss cannot
    // leave a complete-looking name over incomplete contents.
    const file = await open(staged, "r");
    try {
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(staged, join(this.dir, name));
    const dir = await open(this.dir, "r");
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  async fetch(name: string): Promise<FetchedObject> {
    return { path: join(this.dir, name), inPlace: true, release: async () => undefined };
  }

  async list(): Promise<ObjectInfo[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw e;
    }
    const infos = await Promise.all(names.sort().map((n) => this.stat(n)));
    return infos.filter((i): i is ObjectInfo => i !== null);
  }

  async delete(name: string): Promise<void> {
    await rm(join(this.dir, name), { force: true });
  }
}

/** The pid of the writer that staged `name`, or null if it is not a staged file. */
export function stagingWriterPid(name: string): number | null {
  const m = /\.(\d+)-[0-9a-f]{8}\.tmp$/.exec(name);
  return m ? Number(m[1]) : null;
}
