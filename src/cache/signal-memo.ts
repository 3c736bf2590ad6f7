/**
 * Remembered change signals: a signal that costs a scan to read (DuckDB's row checksum)
 * stored under the stat signature of the files that hold the data, so the next key
 * check, in this process or a later one, reuses it while the files are unchanged.
 *
 * Entries live in `<cache root>/signals/<memo key>.json` (one file per memo key, i.e.
 * per object read, replaced when its files change, so the folder does not grow with
 * writes), written to a temporary name and renamed so a reader never sees half an
 * entry. The value stays the content signal itself: a memo hit and a rescan of the
 * same data give the same key.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ChangeSignal } from "../backends/backend.js";
import { cacheRoot } from "./cache-dirs.js";

export interface MemoizedSignal {
  /** The stat signature of the files the signal was read from. */
  readonly signature: string;
  readonly signal: ChangeSignal;
}

const inProcess = new Map<string, MemoizedSignal>();

function memoPath(key: string): string {
  return join(cacheRoot(), "signals", `${key}.json`);
}

/** The signal remembered under `key` if it was taken at `signature`, else null. */
export async function recallSignal(key: string, signature: string): Promise<ChangeSignal | null> {
  const path = memoPath(key);
  let memo = inProcess.get(path) ?? null;
  if (memo?.signature !== signature) {
    // Another process may have remembered the current signature since.
    memo = await readMemo(path);
    if (memo) inProcess.set(path, memo);
  }
  return memo?.signature === signature ? memo.signal : null;
}

/**
 * Remembers `signal` as the content of the files at `signature`. Best effort on disk:
 * a memo that cannot be written (read-only cache root) only costs a rescan later, so
 * the key check does not fail for it.
 */
export async function rememberSignal(key: string, signature: string, signal: ChangeSignal): Promise<void> {
  const path = memoPath(key);
  const memo: MemoizedSignal = { signature, signal };
  inProcess.set(path, memo);
  const staged = `${path}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
  try {
    await mkdir(join(cacheRoot(), "signals"), { recursive: true });
    await writeFile(staged, JSON.stringify(memo));
    await rename(staged, path);
  } catch {
    await rm(staged, { force: true }).catch(() => undefined);
  }
}

async function readMemo(path: string): Promise<MemoizedSignal | null> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
  try {
    const memo = JSON.parse(text) as Partial<MemoizedSignal>;
    return typeof memo.signature === "string" && memo.signal && typeof memo.signal === "object" ? (memo as MemoizedSignal) : null;
  } catch {
    return null; // not ours or damaged: rescan, and the next memo replaces it
  }
}
