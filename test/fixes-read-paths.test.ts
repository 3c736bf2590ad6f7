/**
 * Issue 17.1: a relative read path resolves against the project (xorq_project/), or for
 * an artifact against the project it sits in, never against the working directory. A
 * stray data/orders.csv in the directory `xorq` runs from must not be read.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";

const STRAY = "order_id,customer_id,order_date,status,amount\n1,1,2024-01-01,shipped,999\n";

/** A directory holding a stray data/orders.csv of one row. */
function strayDir(parent: string, name: string): string {
  const dir = join(parent, name);
  mkdirSync(join(dir, "data"), { recursive: true });
  writeFileSync(join(dir, "data", "orders.csv"), STRAY);
  return dir;
}

function rowsOf(stdout: string, model: string): number {
  const m = new RegExp(`${model}\\s+[0-9a-f]{12}\\s+\\((\\d+) rows`).exec(stdout);
  if (!m) throw new Error(`no row count for ${model} in:\n${stdout}`);
  return Number(m[1]);
}

/** A fresh `xorq init` project (its own caches, so no test is served another's result) with clean_orders built. */
async function project(root: string, name: string): Promise<{ dir: string; build: string }> {
  expect((await runCli(["init", name], root)).exitCode).toBe(0);
  const dir = join(root, name);
  const built = await runCli(["build", "-s", "clean_orders"], dir);
  expect(built.exitCode, built.stderr).toBe(0);
  const hash = /clean_orders\s+([0-9a-f]{12})/.exec(built.stdout)![1]!;
  return { dir, build: join(dir, "builds", hash) };
}

describe("relative reads never follow the working directory", () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), "xorq-read-paths-"));
  });

  it("xorq run from the project root with a stray data/ there", async () => {
    const { dir } = await project(root, "p1");
    strayDir(root, "p1");
    const out = await runCli(["run", "-s", "clean_orders"], dir);
    expect(out.exitCode, out.stderr).toBe(0);
    expect(rowsOf(out.stdout, "clean_orders")).toBe(216);
  });

  it("xorq run --project P from a directory with a stray data/", async () => {
    const { dir } = await project(root, "p2");
    const elsewhere = strayDir(root, "elsewhere");
    const out = await runCli(["run", "--project", dir, "-s", "clean_orders"], elsewhere);
    expect(out.exitCode, out.stderr).toBe(0);
    expect(rowsOf(out.stdout, "clean_orders")).toBe(216);
  });

  it("xorq run P/builds/<hash> from a directory with a stray data/", async () => {
    const { build } = await project(root, "p3");
    const elsewhere = strayDir(root, "elsewhere2");
    const target = join(elsewhere, "out.json");
    const out = await runCli(["run", build, "-o", target], elsewhere);
    expect(out.exitCode, out.stderr).toBe(0);
    const text = readFileSync(target, "utf8").trim();
    const rows = text.startsWith("[") ? (JSON.parse(text) as unknown[]).length : text.split("\n").length;
    expect(rows).toBe(216);
  });

  it("an artifact copied out of its project does not pick up the working directory's file", async () => {
    const { build } = await project(root, "p4");
    const elsewhere = strayDir(root, "elsewhere3");
    const copy = join(elsewhere, "copied");
    cpSync(build, copy, { recursive: true });
    expect(readdirSync(copy)).toContain("expr.yaml");
    const out = await runCli(["run", copy, "-o", join(elsewhere, "out.json")], elsewhere);
    expect(out.exitCode).not.toBe(0);
    expect(out.stderr).toContain(join(copy, "data", "orders.csv"));
  });
});
