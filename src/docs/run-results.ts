/**
 * `target/run_results.json` as the docs site reads it: the last run's status, rows and
 * time per model. Absent or unreadable means "never run here", not an error: docs are
 * generated for projects that were only built, or not even that.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";

export interface RunResultRow {
  readonly name: string;
  /** The short hash (12 digits) of the version that ran. */
  readonly hash: string;
  readonly status: string;
  readonly rows: number | null;
  readonly ms: number;
  readonly message?: string;
}

/** The rows by model name, or null when the project has no readable run results. */
export async function readRunResults(targetDir: string): Promise<ReadonlyMap<string, RunResultRow> | null> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(join(targetDir, "run_results.json"), "utf8"));
  } catch {
    return null;
  }
  const results = (parsed as { results?: unknown }).results;
  if (!Array.isArray(results)) return null;
  const rows = results.filter((r): r is RunResultRow => typeof r === "object" && r !== null && typeof (r as RunResultRow).name === "string");
  return new Map(rows.map((r) => [r.name, r]));
}
