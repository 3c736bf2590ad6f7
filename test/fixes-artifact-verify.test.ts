/**
 * Issue 17.2 (the reader): an artifact, or a catalog entry, is checked against its hash
 * when it is read. An edited value in expr.yaml must not run under the old hash: the
 * command fails (exit code 2) naming the file.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";

/** `xorq init` + build of two models; returns the two artifact directories. */
async function builtProject(root: string, name: string): Promise<{ dir: string; clean: string; other: string }> {
  expect((await runCli(["init", name], root)).exitCode).toBe(0);
  const dir = join(root, name);
  const built = await runCli(["build"], dir);
  expect(built.exitCode, built.stderr).toBe(0);
  const hashOf = (model: string) => new RegExp(`${model}\\s+([0-9a-f]{12})`).exec(built.stdout)![1]!;
  return { dir, clean: join(dir, "builds", hashOf("clean_orders")), other: join(dir, "builds", hashOf("monthly_kpis")) };
}

function edit(file: string, from: string, to: string): void {
  const text = readFileSync(file, "utf8");
  expect(text).toContain(from);
  writeFileSync(file, text.replace(from, to));
}

describe("artifacts are verified against their hash on read", () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), "xorq-verify-"));
  });

  it("runs an intact artifact", async () => {
    const { dir, clean } = await builtProject(root, "intact");
    const out = await runCli(["run", clean, "-o", join(root, "intact.json")], dir);
    expect(out.exitCode, out.stderr).toBe(0);
  });

  it("refuses an artifact whose expr.yaml was edited, naming the file", async () => {
    const { dir, clean } = await builtProject(root, "edited");
    edit(join(clean, "expr.yaml"), "value: shipped", "value: returned");
    const out = await runCli(["run", clean, "-o", join(root, "edited.json")], dir);
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toContain(join(clean, "expr.yaml"));
    expect(out.stderr).toContain("does not match its content");
  });

  it("refuses an expr.yaml that is another artifact's, naming metadata.json", async () => {
    const { dir, clean, other } = await builtProject(root, "swapped");
    cpSync(join(other, "expr.yaml"), join(clean, "expr.yaml"));
    const out = await runCli(["run", clean, "-o", join(root, "swapped.json")], dir);
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toContain(join(clean, "metadata.json"));
    expect(out.stderr).toContain(basename(other));
  });

  it("refuses a catalog entry whose expr.yaml was edited", async () => {
    const { dir, clean } = await builtProject(root, "cataloged");
    expect((await runCli(["catalog", "init"], dir)).exitCode).toBe(0);
    const added = await runCli(["catalog", "add", clean, "--alias", "orders"], dir);
    expect(added.exitCode, added.stderr).toBe(0);
    const entry = join(dir, "catalog", "entries", basename(clean));
    expect((await runCli(["run", "orders", "-o", join(root, "entry-ok.json")], dir)).exitCode).toBe(0);
    edit(join(entry, "expr.yaml"), "value: shipped", "value: returned");
    const out = await runCli(["run", "orders", "-o", join(root, "entry.json")], dir);
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toContain(join(entry, "expr.yaml"));
  });
});
