/**
 * One writer at a time per catalog, across processes (parallel CI jobs or runs on one
 * machine storing results): a lock file in `.git/` created exclusively, holding the
 * owner's pid. A lock whose process is gone is taken over; a live one is waited for.
 */
import { openSync, readFileSync, rmSync, writeSync, closeSync } from "node:fs";
import { join } from "node:path";
import { CatalogError } from "./catalog-error.js";

const LOCK_FILE = "xorq-catalog.lock";
const WAIT_MS = 30_000;
const POLL_MS = 25;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Runs `fn` holding the catalog's lock (`dir` is the catalog's root). */
export async function withCatalogLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const file = join(dir, ".git", LOCK_FILE);
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    try {
      const fd = openSync(file, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      let owner = Number.NaN;
      try {
        owner = Number(readFileSync(file, "utf8"));
      } catch {
        continue; // released meanwhile
      }
      if (Number.isInteger(owner) && owner > 0 && !alive(owner)) {
        rmSync(file, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new CatalogError(`the catalog at ${dir} is locked by process ${owner} (${file}); try again when it is done`, 1);
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(file, { force: true });
  }
}
