/**
 * Lineage trees name the model a SQL node belongs to (issue 16.5): an upstream SQL model
 * shows as `SQL:by_region`, not a bare `SQL`, in a project and in a build's artifacts
 * (which import the upstream models' artifacts), as text and as JSON; hashes unchanged.
 */
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";
import { SHOP, tempDir, writeFiles } from "./helpers/project.js";

interface JsonNode {
  readonly label: string;
  readonly detail: Record<string, unknown>;
  readonly children: ReadonlyArray<JsonNode>;
}

describe("lineage names the models of SQL nodes", () => {
  const root = tempDir("xorq-lineage-names-");
  beforeAll(() => writeFiles(root, SHOP));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("a TS model over an upstream SQL model: the SQL node carries the upstream model's name", async () => {
    const r = await runCli(["lineage", "top_regions", "--column", "total"], root);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^Field:total #1\n└── Limit:3 #2\n/m);
    expect(r.stdout).toMatch(/ SQL:by_region #\d+\n/);
    expect(r.stdout).not.toMatch(/ SQL #/);

    const json = JSON.parse((await runCli(["lineage", "top_regions", "--column", "total", "--json"], root)).stdout);
    const sql = findLabel(json.columns[0].tree, "SQL:by_region");
    expect(sql?.detail).toMatchObject({ model: "by_region", backend: "local" });
  });

  it("the same names from a build directory, through the artifacts it imports", async () => {
    const built = await runCli(["build"], root);
    expect(built.exitCode).toBe(0);
    const before = await runCli(["lineage", "top_regions", "--column", "total"], root);
    for (const dir of readdirSync(join(root, "builds"))) {
      const r = await runCli(["lineage", join("builds", dir), "--column", "total"], root);
      if (r.exitCode !== 0 || !r.stdout.includes("Limit:3")) continue;
      expect(r.stdout).toMatch(/ SQL:by_region #\d+\n/);
      expect(r.stdout).toBe(before.stdout);
      return;
    }
    throw new Error("no build of top_regions found");
  });
});

function findLabel(node: JsonNode, label: string): JsonNode | null {
  if (node.label === label) return node;
  for (const c of node.children ?? []) {
    const found = findLabel(c, label);
    if (found) return found;
  }
  return null;
}
