/**
 * Issue 17 (the cache half of 17.1): a modification_time cache signs the file the read
 * reads, the project's, never a file of the same relative path in the working
 * directory. Otherwise truncating the project's orders.csv while a stray data/orders.csv
 * sits where `xorq` runs serves the cached 216 rows with exit code 0. (The new rows keep
 * the columns' types: a type change would change the model's hash, hiding the bug.)
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";

const HEADER = "order_id,customer_id,order_date,status,amount\n";

function rowsOf(stdout: string, model: string): number {
  const m = new RegExp(`${model}\\s+[0-9a-f]{12}\\s+\\((\\d+) rows`).exec(stdout);
  if (!m) throw new Error(`no row count for ${model} in:\n${stdout}`);
  return Number(m[1]);
}

describe("a file's cache signal follows the project, not the working directory", () => {
  it("truncating the project's CSV is seen though a stray copy sits in the working directory", async () => {
    const root = mkdtempSync(join(tmpdir(), "xorq-file-signal-"));
    expect((await runCli(["init", "p"], root)).exitCode).toBe(0);
    const dir = join(root, "p");
    mkdirSync(join(dir, "data"));
    writeFileSync(join(dir, "data", "orders.csv"), `${HEADER}1,1,2024-01-01,shipped,999\n`);

    const first = await runCli(["run", "-s", "clean_orders"], dir);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(rowsOf(first.stdout, "clean_orders")).toBe(216);

    writeFileSync(join(dir, "xorq_project", "data", "orders.csv"), `${HEADER}7,1,2024-01-01,shipped,100.5\n8,2,2024-01-02,shipped,200.25\n`);
    const second = await runCli(["run", "-s", "clean_orders"], dir);
    expect(second.exitCode, second.stderr).toBe(0);
    expect(rowsOf(second.stdout, "clean_orders")).toBe(2);
  });
});
