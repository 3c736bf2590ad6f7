/**
 * Script builds, Xorq's headline workflow outside a project: `xorq build FILE -e NAME`
 * → `builds/<hash>/` → `xorq run builds/<hash> -o out.parquet`, and `xo.build(expr)`;
 * expressions made without a connection run in the default embedded DuckDB.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as xo from "../src/index.js";
import { SHOP, tempDir, writeFiles, xorq } from "./helpers/project.js";

const { _ } = xo;

let root: string;
beforeAll(() => {
  root = tempDir("xorq-script-build-");
  writeFiles(root, SHOP);
  // The seed's first snippet, in TypeScript syntax: no connection anywhere.
  writeFiles(root, {
    "xorq_project/pipeline.ts": [
      'import * as xo from "xorq";',
      'const orders = await xo.deferredReadCsv("data/orders.csv");',
      'export const expr = orders.filter(xo._.amount.gt(100)).groupBy("region").agg({ total: xo._.amount.sum() });',
      '// The same expression as the project model customers_clean.',
      'export const customers_clean = xo.deferredReadCsv("data/customers.csv").then((t) => t.select("customer_id", "name"));',
      "export const notAnExpr = 42;",
      "",
    ].join("\n"),
  });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("xorq build FILE -e NAME", () => {
  it("writes builds/<hash>/ for the exported expression, prints its path, and `xorq run` of it works from anywhere", async () => {
    const dir = join(root, "xorq_project");
    const built = await xorq(dir, ["build", "pipeline.ts", "-e", "expr"]);
    expect(built.stderr).toBe("");
    expect(built.code).toBe(0);
    const path = built.stdout.trim();
    expect(path).toMatch(/^builds\/[0-9a-f]{12}$/);
    const meta = JSON.parse(readFileSync(join(dir, path, "metadata.json"), "utf8")) as { model: string; profiles: string[] };
    expect(meta).toMatchObject({ model: "expr", profiles: ["local"] });
    // The same build again is the same directory.
    expect((await xorq(dir, ["build", "pipeline.ts", "-e", "expr"])).stdout.trim()).toBe(path);

    // Run from an unrelated directory: the artifact carries its read (relocated by default).
    const elsewhere = tempDir("xorq-script-run-");
    try {
      const ran = await xorq(elsewhere, ["run", join(dir, path), "-o", "out.json"]);
      expect(ran.stderr).toBe("");
      expect(ran.code).toBe(0);
      const rows = (JSON.parse(readFileSync(join(elsewhere, "out.json"), "utf8")) as Array<{ region: string; total: number }>)
        .map((r) => [r.region, Number(r.total)]).sort();
      // Independently: orders i=1..40 have amount (i*37)%400, region by i%4.
      const expected = new Map<string, number>();
      for (let i = 0; i < 40; i++) {
        const amount = (i * 37) % 400;
        if (amount > 100) expected.set(["north", "south", "east", "west"][i % 4]!, (expected.get(["north", "south", "east", "west"][i % 4]!) ?? 0) + amount);
      }
      expect(rows).toEqual([...expected].sort());
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it("gives the hash the same expression has as a project model", async () => {
    const dir = join(root, "xorq_project");
    const built = await xorq(dir, ["build", "pipeline.ts", "-e", "customers_clean", "--builds-dir", join(root, "script-builds")]);
    expect(built.code).toBe(0);
    const ls = await xorq(root, ["ls", "--output", "json"]);
    const models = JSON.parse(ls.stdout) as Array<{ name: string; hash: string }>;
    const hash = models.find((m) => m.name === "customers_clean")!.hash;
    expect(built.stdout.trim()).toBe(join(root, "script-builds", hash.slice(0, 12)));
  });

  it("names what is wrong with FILE or NAME", async () => {
    const dir = join(root, "xorq_project");
    const missing = await xorq(dir, ["build", "pipeline.ts", "-e", "nope"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("pipeline.ts exports no 'nope' (its exports: customers_clean, expr, notAnExpr)");
    const wrong = await xorq(dir, ["build", "pipeline.ts", "-e", "notAnExpr"]);
    expect(wrong.stderr).toContain("export 'notAnExpr' is not an expression (a Table), it is a number");
    expect((await xorq(dir, ["build", "pipeline.ts"])).code).toBe(2);
    expect((await xorq(dir, ["build", "pipeline.ts", "-e", "expr", "--select", "x"])).stderr).toContain("--select: project options, not for a script build");
  });

  it("--no-relocate-reads leaves the reads where they are", async () => {
    const dir = join(root, "xorq_project");
    const built = await xorq(dir, ["build", "pipeline.ts", "-e", "expr", "--no-relocate-reads", "--builds-dir", join(root, "bare-builds")]);
    expect(built.code).toBe(0);
    expect(existsSync(join(built.stdout.trim(), "reads"))).toBe(false);
    expect(existsSync(join(built.stdout.trim(), "expr.yaml"))).toBe(true);
  });
});

describe("xo.build and unconnected expressions", () => {
  it("deferred reads, sql and memtables without a connection run in the default DuckDB; xo.build writes <dir>/<hash>/", async () => {
    const dir = tempDir("xorq-lib-build-");
    try {
      writeFileSync(join(dir, "sales.csv"), "region,amount\nn,150\ns,50\nn,300\ns,200\n");
      const sales = await xo.deferredReadCsv(join(dir, "sales.csv"));
      const expr = sales.filter(_.amount.gt(100)).groupBy("region").agg({ total: _.amount.sum() }).orderBy("region");
      expect((await expr.execute()).toArray().map((r) => [r.region, Number(r.total)])).toEqual([["n", 450], ["s", 200]]);
      const viaSql = await xo.sql("select region, sum(amount) as total from s group by region order by region", { s: sales });
      expect((await viaSql.execute()).toArray().map((r) => Number(r.total))).toEqual([450, 250]);
      const combined = (await xo.deferredReadCsv(join(dir, "sales.csv"))).join(xo.memtable({ region: ["n"], name: ["north"] }).intoBackend(xo.defaultConnection()), "region");
      expect((await combined.execute()).numRows).toBe(2);

      const out = await xo.build(expr, { dir: join(dir, "builds") });
      expect(out).toBe(join(dir, "builds", expr.hash().slice(0, 12)));
      expect(readFileSync(join(out, "profiles.yaml"), "utf8")).toContain("local:");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
