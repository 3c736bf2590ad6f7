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

/** A row of `target/test_results.json`: the test and the model or source it tests. */
export interface TestResultRow {
  readonly name: string;
  readonly test: string;
  readonly model?: string;
  readonly source?: string;
  readonly column: string | null;
  readonly status: string;
  readonly failures: number | null;
}

/** The last `xorq test`'s results by the model or source they test (`model.x` / `source.y`); null when there are none. */
export async function readTestResults(targetDir: string): Promise<ReadonlyMap<string, ReadonlyArray<TestResultRow>> | null> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(join(targetDir, "test_results.json"), "utf8"));
  } catch {
    return null;
  }
  const results = (parsed as { results?: unknown }).results;
  if (!Array.isArray(results)) return null;
  const out = new Map<string, TestResultRow[]>();
  for (const r of results as TestResultRow[]) {
    if (typeof r !== "object" || r === null || typeof r.name !== "string") continue;
    const id = r.model !== undefined ? `model.${r.model}` : r.source !== undefined ? `source.${r.source}` : null;
    if (id === null) continue;
    out.set(id, [...(out.get(id) ?? []), r]);
  }
  return out;
}

const SEVERITY = ["pass", "warn", "fail", "error"];

/** The worst status among results (pass < warn < fail < error), null for none. */
export function worstStatus(rows: ReadonlyArray<{ readonly status: string }> | undefined): string | null {
  if (!rows || rows.length === 0) return null;
  return rows.reduce((w, r) => (SEVERITY.indexOf(r.status) > SEVERITY.indexOf(w) ? r.status : w), "pass");
}
