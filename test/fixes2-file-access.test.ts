/**
 * Issue 17.2: a way to refuse running an artifact that can read local files (someone
 * else's artifact: its SQL can read_text any file the user can). XORQ_NO_FILE_ACCESS=1
 * refuses an artifact whose reads are not its own copies (reads/) or whose SQL names a
 * file-reading function, naming what it found; without it the artifact runs as before.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";

const REFUSE = { XORQ_NO_FILE_ACCESS: "1" };
let dir: string;

async function built(model: string, ...flags: string[]): Promise<string> {
  const out = await runCli(["build", "-s", model, ...flags], dir);
  expect(out.exitCode, out.stderr).toBe(0);
  return join(dir, "builds", new RegExp(`${model}\\s+([0-9a-f]{12})`).exec(out.stdout)![1]!);
}

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), "xorq-file-access-"));
  expect((await runCli(["init", "p"], root)).exitCode).toBe(0);
  dir = join(root, "p");
  writeFileSync(join(dir, "xorq_project", "secret.txt"), "s3cr3t\n");
  writeFileSync(join(dir, "xorq_project", "models", "leak.sql"), "select content from read_text('secret.txt')\n");
});

describe("XORQ_NO_FILE_ACCESS=1 refuses artifacts that read local files", () => {
  it("a read of a file outside the artifact", async () => {
    const build = await built("clean_orders");
    const refused = await runCli(["run", build, "-o", join(dir, "a.json")], dir, REFUSE);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain("XORQ_NO_FILE_ACCESS=1");
    expect(refused.stderr).toContain("a read of data/orders.csv");
    expect((await runCli(["run", build, "-o", join(dir, "b.json")], dir)).exitCode).toBe(0);
  });

  it("reads carried in the artifact (--relocate-reads) are allowed", async () => {
    const build = await built("clean_orders", "--relocate-reads");
    const out = await runCli(["run", build, "-o", join(dir, "c.json")], dir, REFUSE);
    expect(out.exitCode, out.stderr).toBe(0);
  });

  it("SQL that calls read_text", async () => {
    const build = await built("leak", "--relocate-reads");
    const refused = await runCli(["run", build, "-o", join(dir, "d.json")], dir, REFUSE);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain("SQL using read_text(");
    expect((await runCli(["run", build, "-o", join(dir, "e.json")], dir)).exitCode).toBe(0);
  });
});
