/**
 * Removes the temporary files and directories that a process which died mid-write
 * (kill -9, ENOSPC before its cleanup ran) left in a folder: names ending in
 * `.<pid>.tmp` or `.<pid>.<random hex>.tmp` (`tempPathFor` in atomic-write.ts, and the
 * caches of target/) whose process is gone. A live process's files are left alone, so
 * a concurrent write is never disturbed; a pid reused since only delays the removal.
 */
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

const TEMP = /\.(\d+)(?:\.[0-9a-f]+)?\.tmp$/;

/** Removes stale temporaries among `names` (the folder's listing, when the caller has it) in `dir`; returns how many. */
export function removeStaleTemps(dir: string, names?: ReadonlyArray<string>): number {
  let listing: ReadonlyArray<string>;
  try {
    listing = names ?? readdirSync(dir);
  } catch {
    return 0; // no folder, nothing left behind
  }
  let removed = 0;
  for (const name of listing) {
    const pid = TEMP.exec(name)?.[1];
    if (pid === undefined || isAlive(Number(pid))) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
    removed++;
  }
  return removed;
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"; // someone else's process: alive
  }
}
