/**
 * Issue 17.5: target/ holds caches, safe to delete: a missing or damaged
 * target/resolve_nodes.<gen>.json (or any other target/ file) is dropped and rebuilt,
 * and the command gives the right answer; never "run the command again".
 */
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";

let root: string;
let template: string;

/** A copy of a project that was built and run, so target/ holds every cache. */
function project(name: string): string {
  const dir = join(root, name);
  cpSync(template, dir, { recursive: true });
  return dir;
}

const nodesFile = (dir: string): string => join(dir, "target", readdirSync(join(dir, "target")).find((f) => /^resolve_nodes\..*\.json$/.test(f))!);

async function runsRight(dir: string): Promise<void> {
  for (let i = 0; i < 2; i++) {
    const out = await runCli(["run", "-s", "clean_orders+"], dir);
    expect(out.exitCode, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/clean_orders\s+[0-9a-f]{12}\s+\(216 rows/);
  }
  expect(readdirSync(join(dir, "target")).filter((f) => f.startsWith("resolve_nodes."))).toHaveLength(1);
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "xorq-target-caches-"));
  expect((await runCli(["init", "p"], root)).exitCode).toBe(0);
  template = join(root, "p");
  for (const command of ["build", "run"]) {
    const out = await runCli([command], template);
    expect(out.exitCode, out.stderr).toBe(0);
  }
  expect(readdirSync(join(template, "target"))).toEqual(expect.arrayContaining(["manifest.json", "run_results.json", "schema_cache.json"]));
});

describe("a target/ cache that fails to read is dropped and rebuilt", () => {
  it("a deleted resolve_nodes file", async () => {
    const dir = project("deleted");
    rmSync(nodesFile(dir));
    await runsRight(dir);
  });

  it("a truncated resolve_nodes file", async () => {
    const dir = project("truncated");
    const file = nodesFile(dir);
    writeFileSync(file, readFileSync(file, "utf8").slice(0, 100));
    await runsRight(dir);
  });

  it("a spare resolve_nodes file (a crash or a concurrent build) is removed", async () => {
    const dir = project("spare");
    writeFileSync(join(dir, "target", "resolve_nodes.0123456789ab.json"), "{}");
    const edit = join(dir, "xorq_project", "models", "staging", "clean_orders.yaml");
    writeFileSync(edit, readFileSync(edit, "utf8").replace("0.92", "0.9"));
    await runsRight(dir);
  });

  for (const file of ["resolve_cache.json", "parse_cache.json", "schema_cache.json", "manifest.json", "run_results.json"]) {
    it(`a truncated or deleted ${file}`, async () => {
      const cut = project(`cut-${file}`);
      writeFileSync(join(cut, "target", file), "{\"ver");
      await runsRight(cut);
      const gone = project(`gone-${file}`);
      rmSync(join(gone, "target", file));
      await runsRight(gone);
    });
  }
});
