/**
 * Catalog entries carry their data and leave the catalog clean (issue 16): `build
 * --alias` and `catalog add` relocate local reads by default, so a teammate's clone runs
 * an alias in an empty directory; adding other files under a hash that is there updates
 * the entry in one commit; running an entry writes nothing into the catalog's work tree.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir, writeFiles } from "./helpers/project.js";
import { xorqInProcess as xorq } from "./helpers/cli.js";

const git = (dir: string, ...args: string[]) => execFileSync("git", ["-C", dir, ...args], { encoding: "utf8" });

let root: string;
beforeAll(() => {
  root = tempDir("xorq-catalog-relocate-");
  execFileSync("git", ["init", "--bare", "-q", "-b", "main", join(root, "remote.git")]);
  writeFiles(join(root, "project"), {
    "xorq_project/project.yaml": "name: shop\ndefault_profile: local\n",
    // A relative DuckDB file: where it lands shows where a run resolves relative paths.
    "xorq_project/profiles.yaml": "profiles:\n  local: { kind: duckdb, path: shop.duckdb }\n",
    "xorq_project/sources/shop.yaml": "sources:\n  - name: sales\n    read_csv: data/sales.csv\n",
    "xorq_project/data/sales.csv": "region,amount\nnorth,10\nsouth,20\nnorth,30\n",
    "xorq_project/models/totals.yaml": "name: totals\nfrom: source('sales')\nsteps:\n  - group_by: [region]\n  - agg: { total: \"sum(amount)\" }\n  - order_by: [region]\n",
  });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const rowsIn = (file: string) => (JSON.parse(readFileSync(file, "utf8")) as Array<{ region: string; total: number }>).map((r) => [r.region, Number(r.total)]);

describe("catalog entries that carry their reads", () => {
  it("build --alias → push → a teammate's clone runs the alias in an empty directory, and the catalog stays clean", async () => {
    const project = join(root, "project");
    expect((await xorq(project, ["catalog", "init", "--remote", join(root, "remote.git")])).code).toBe(0);
    const built = await xorq(project, ["build", "--select", "totals", "--alias", "totals"]);
    expect(built.stderr).toBe("");
    const hash = /added to the catalog: ([0-9a-f]{12}) \(totals\)/.exec(built.stdout)![1]!;
    const entry = join(project, "catalog", "entries", hash);
    expect(readdirSync(join(entry, "reads"))).toHaveLength(1);
    expect(readFileSync(join(entry, "deferred_reads.yaml"), "utf8")).toMatch(/relocated: reads\/[0-9a-f]{64}\.csv/);
    expect(existsSync(join(project, "builds", hash, "reads"))).toBe(false); // the build itself is as it was
    expect((await xorq(project, ["catalog", "push"])).code).toBe(0);

    const mate = tempDir("xorq-teammate-");
    try {
      expect((await xorq(mate, ["catalog", "init", "--catalog", "cat", "--remote", join(root, "remote.git")])).code).toBe(0);
      const ran = await xorq(mate, ["run", "totals", "--catalog", "cat", "-o", "out.json"]);
      expect(ran.stderr).toBe("");
      expect(ran.code).toBe(0);
      expect(rowsIn(join(mate, "out.json"))).toEqual([["north", 40], ["south", 20]]);
      // The relative DuckDB file opened where the teammate runs, not in the entry.
      expect(existsSync(join(mate, "cat", "entries", hash, "shop.duckdb"))).toBe(false);
      expect(existsSync(join(mate, "shop.duckdb"))).toBe(true);
      expect(git(join(mate, "cat"), "status", "--porcelain")).toBe("");
      expect((await xorq(mate, ["catalog", "--catalog", "cat", "pull"])).code).toBe(0);
      // The run stored its result (the entry had none), signed by the content of the copy it read.
      expect(git(join(mate, "cat"), "log", "-1", "--format=%s").trim()).toBe(`store result of ${hash} (model totals): 2 rows`);
      const signals = (JSON.parse(readFileSync(join(mate, "cat", "entries", hash, "result.json"), "utf8")) as { signals: Record<string, string> }).signals;
      expect(Object.keys(signals)).toEqual([expect.stringMatching(/^copy:[0-9a-f]{64}$/)]);
      // Served from there next time (a lineage of the alias works from here too).
      rmSync(join(mate, "shop.duckdb"));
      expect((await xorq(mate, ["run", "totals", "--catalog", "cat", "-o", "again.json"])).code).toBe(0);
      expect(rowsIn(join(mate, "again.json"))).toEqual([["north", 40], ["south", 20]]);
      expect(existsSync(join(mate, "shop.duckdb"))).toBe(false); // served, so no engine was opened
      expect((await xorq(mate, ["lineage", "totals", "--catalog", "cat"])).stdout).toContain("Read:data/sales.csv");
    } finally {
      rmSync(mate, { recursive: true, force: true });
    }
  });

  it("adding other files under a hash that is there updates the entry in one commit", async () => {
    const project = join(root, "project");
    const hash = readFileSync(join(project, "catalog", "aliases", "totals"), "utf8").trim();
    const before = Number(git(join(project, "catalog"), "rev-list", "--count", "HEAD"));
    // The same files again: a no-op.
    const same = await xorq(project, ["catalog", "add", `builds/${hash}`]);
    expect(same.stdout).toContain(`${hash} (model totals) is already in the catalog`);
    // Amounts times 10: same hash, other data: the entry is updated, once.
    writeFiles(project, { "xorq_project/data/sales.csv": "region,amount\nnorth,100\nsouth,200\nnorth,300\n" });
    const again = await xorq(project, ["build", "--select", "totals", "--alias", "totals"]);
    expect(again.stdout).toContain(`updated in the catalog: ${hash} (totals)`);
    expect(Number(git(join(project, "catalog"), "rev-list", "--count", "HEAD"))).toBe(before + 1);
    expect(git(join(project, "catalog"), "log", "-1", "--format=%s").trim()).toMatch(new RegExp(`^update ${hash} \\(model totals\\): deferred_reads\\.yaml, reads/[0-9a-f]{64}\\.csv, reads/[0-9a-f]{64}\\.csv differed$`));
    expect(readdirSync(join(project, "catalog", "entries", hash, "reads"))).toHaveLength(1);
    const out = join(root, "after.json");
    expect((await xorq(root, ["run", "totals", "--catalog", join(project, "catalog"), "-o", out])).code).toBe(0);
    expect(rowsIn(out)).toEqual([["north", 400], ["south", 200]]);
    // --no-relocate-reads copies the artifact as it is: that too is other files.
    const bare = await xorq(project, ["catalog", "add", `builds/${hash}`, "--no-relocate-reads"]);
    expect(bare.stdout).toContain(`updated ${hash} (model totals): its files differed`);
    expect(existsSync(join(project, "catalog", "entries", hash, "reads"))).toBe(false);
    // A read whose file is gone cannot be carried: said, with the way out, and nothing changes.
    rmSync(join(project, "xorq_project", "data", "sales.csv"));
    const gone = await xorq(project, ["catalog", "add", `builds/${hash}`]);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain("cannot carry the read of 'data/sales.csv' in the artifact: no file");
    expect(gone.stderr).toContain("catalog add --no-relocate-reads");
    expect(git(join(project, "catalog"), "status", "--porcelain")).toBe("");
  });
});
