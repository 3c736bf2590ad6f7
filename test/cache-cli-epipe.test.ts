/**
 * Output into a pipe whose reader went away (`xorq cache ls | head`, `xorq run --json |
 * head`, `xorq ls | head`; issues 16 and 17.6): the command ends quietly with its own
 * exit code and still finishes its work; it crashed with an unhandled EPIPE.
 */
import { spawn } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, SHOP, tempDir, writeFiles, xorq } from "./helpers/project.js";

let root: string;
beforeAll(async () => {
  root = tempDir("xorq-epipe-");
  writeFiles(root, SHOP);
  // Cached models, so `cache ls` has entries to print.
  writeFiles(root, { "xorq_project/project.yaml": "name: shop\ndefault_profile: local\nvars:\n  min_amount: 100\ncache: { storage: parquet, strategy: snapshot }\n" });
  writeFiles(root, { "xorq_project/models/other/customers_clean.yaml": "from: source('customers')\ncache: true\nsteps:\n  - select: [customer_id, name]\n" });
  expect((await xorq(root, ["run"])).code).toBe(0);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs the CLI with its stdout a pipe closed before it writes anything. */
function intoClosedPipe(args: ReadonlyArray<string>): Promise<{ code: number; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: root,
      env: { ...process.env, XORQ_CACHE_DIR: join(root, ".xorq-cache"), CI: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", fail);
    child.on("close", (code) => done({ code: code ?? -1, stderr }));
  });
}

describe("a closed output pipe", () => {
  it("ends xorq ls, cache ls and run --json quietly, and run still writes its outputs", async () => {
    for (const args of [["ls", "--output", "name"], ["cache", "ls"], ["catalog", "--help"]]) {
      expect(await intoClosedPipe(args)).toEqual({ code: 0, stderr: "" });
    }
    const run = await intoClosedPipe(["run", "--json", "--output-dir", "out"]);
    expect(run).toEqual({ code: 0, stderr: "" });
    for (const m of ["stg_orders", "by_region", "top_regions", "customers_clean"]) expect(existsSync(join(root, "out", `${m}.parquet`))).toBe(true);
  });
});
