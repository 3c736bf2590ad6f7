/**
 * The project tool end to end, as a user drives it: init, build, run, plan, ls, the CI
 * recipe, artifacts that run anywhere, determinism, on temp projects with real DuckDB.
 * The CLI runs in-process (`xorqInProcess`; build first: `npx tsc -p tsconfig.json`),
 * except where a test says it spawns `node dist/cli/main.js` (`xorq`): one process that
 * exits 0 (init, build, run) and one that exits 1 (a failing model).
 */
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { importClosure } from "../src/artifacts/artifact-graph.js";
import { xorqInProcess } from "./helpers/cli.js";
import { SHOP, tempDir, writeFiles, xorq } from "./helpers/project.js";

function builtLines(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split("\n")) {
    const m = /^(built|unchanged|relocated|error|computed|cached|created|reused|skipped)\s+(\S+)\s/.exec(line);
    if (m) out[m[2]!] = m[1]!;
  }
  return out;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

function manifest(root: string): { models: Record<string, { hash: string; build: string }> } {
  return JSON.parse(readFileSync(join(root, "target/manifest.json"), "utf8"));
}

describe("xorq init + build + run (duckdb template, offline)", () => {
  it("creates a project that builds and runs, and never overwrites it", async () => {
    const dir = tempDir();
    // Spawned: a real process that exits 0.
    const init = await xorq(dir, ["init", "demo"]);
    expect(init.code, init.stderr).toBe(0);
    const demo = join(dir, "demo");
    const build = await xorq(demo, ["build"]);
    expect(build.code, build.stderr).toBe(0);
    const first = builtLines(build.stdout);
    expect(Object.keys(first).length).toBeGreaterThan(0);
    expect(Object.values(first).every((s) => s === "built")).toBe(true);
    expect(build.stdout).toMatch(/^build: \d+ built \(/m);

    const again = await xorqInProcess(demo, ["build"]);
    expect(again.code).toBe(0);
    expect(Object.values(builtLines(again.stdout)).every((s) => s === "unchanged")).toBe(true);

    const run = await xorq(demo, ["run"]);
    expect(run.code, run.stderr).toBe(0);
    // The template materializes every model in its DuckDB file: created once, then reused.
    expect(Object.values(builtLines(run.stdout)).every((s) => s === "created")).toBe(true);
    const results = JSON.parse(readFileSync(join(demo, "target/run_results.json"), "utf8"));
    expect(results.results.length).toBe(Object.keys(first).length);
    for (const r of results.results) expect(r.rows).toBeGreaterThan(0);
    const rerun = await xorqInProcess(demo, ["run"]);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(Object.values(builtLines(rerun.stdout))).toEqual(Object.values(first).map(() => "reused"));

    const twice = await xorqInProcess(dir, ["init", "demo"]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain("never overwrites");
    const unknown = await xorqInProcess(dir, ["init", "other", "--template", "duckbd"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("did you mean 'duckdb'");
  }, 60_000);
});

describe("builds of a project with YAML, SQL and TS models", () => {
  it("rebuilds exactly the edited model and its descendants; plan says why; the CI recipe selects them", async () => {
    const root = tempDir();
    writeFiles(root, SHOP);
    const first = await xorqInProcess(root, ["build"]);
    expect(first.code, first.stderr).toBe(0);
    expect(builtLines(first.stdout)).toEqual({ stg_orders: "built", by_region: "built", top_regions: "built", customers_clean: "built" });
    const before = manifest(root);
    for (const m of Object.values(before.models)) expect(existsSync(join(root, m.build, "expr.yaml"))).toBe(true);
    cpSync(join(root, "target"), join(root, "prev"), { recursive: true });

    const sqlFile = join(root, "xorq_project/models/marts/by_region.sql");
    writeFileSync(sqlFile, readFileSync(sqlFile, "utf8").replace("count(*) as n", "count(*) as orders"));

    const plan = await xorqInProcess(root, ["plan"]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/^build\s+by_region\s+\w{12}\s+definition changed$/m);
    expect(plan.stdout).toMatch(/^build\s+top_regions\s+\w{12}\s+upstream changed \(by_region\)$/m);
    expect(plan.stdout).toMatch(/^unchanged\s+stg_orders/m);
    expect(plan.stdout).toContain("plan: 2 to build, 2 unchanged");

    const ls = await xorqInProcess(root, ["ls", "--select", "state:modified+", "--state", "prev"]);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toBe("by_region\ntop_regions\n");

    const ci = await xorqInProcess(root, ["build", "--select", "state:modified+", "--state", "prev"]);
    expect(ci.code, ci.stderr).toBe(0);
    expect(builtLines(ci.stdout)).toEqual({ by_region: "built", top_regions: "built" });

    const all = await xorqInProcess(root, ["build"]);
    expect(builtLines(all.stdout)).toEqual({ stg_orders: "unchanged", by_region: "unchanged", top_regions: "unchanged", customers_clean: "unchanged" });
    const after = manifest(root);
    expect(after.models["stg_orders"]!.hash).toBe(before.models["stg_orders"]!.hash);
    expect(after.models["customers_clean"]!.hash).toBe(before.models["customers_clean"]!.hash);
    expect(after.models["by_region"]!.hash).not.toBe(before.models["by_region"]!.hash);
    expect(after.models["top_regions"]!.hash).not.toBe(before.models["top_regions"]!.hash);

    // A var change is a definition change of the models that read it, and of nothing else.
    const projectFile = join(root, "xorq_project/project.yaml");
    writeFileSync(projectFile, readFileSync(projectFile, "utf8").replace("min_amount: 100", "min_amount: 150"));
    const plan2 = await xorqInProcess(root, ["plan", "--json"]);
    const entries = JSON.parse(plan2.stdout).models as Array<{ name: string; action: string; reasons: string[] }>;
    expect(Object.fromEntries(entries.map((e) => [e.name, e.action]))).toEqual({
      stg_orders: "build", by_region: "build", top_regions: "build", customers_clean: "unchanged",
    });
    expect(entries.find((e) => e.name === "stg_orders")!.reasons).toEqual(["definition changed"]);
  }, 60_000);

  it("writes byte-identical artifacts for the same project in another directory", async () => {
    const a = tempDir();
    const b = tempDir("xorq-other-place-");
    writeFiles(a, SHOP);
    writeFiles(b, SHOP);
    for (const dir of [a, b]) expect((await xorqInProcess(dir, ["build", "--relocate-reads"])).code).toBe(0);
    const filesA = listFiles(join(a, "builds"));
    expect(filesA).toEqual(listFiles(join(b, "builds")));
    expect(filesA.filter((f) => f.endsWith("metadata.json")).length).toBe(4);
    for (const f of filesA) expect(readFileSync(join(b, "builds", f)), f).toEqual(readFileSync(join(a, "builds", f)));
    expect(readFileSync(join(b, "target/manifest.json"), "utf8")).toBe(readFileSync(join(a, "target/manifest.json"), "utf8"));
    const text = filesA.map((f) => readFileSync(join(a, "builds", f), "utf8")).join("\n");
    expect(text).not.toContain(a);
  }, 60_000);

  it("runs an artifact copied to an empty folder and gets the project's rows; -p overrides a var", async () => {
    const root = tempDir();
    writeFiles(root, SHOP);
    expect((await xorqInProcess(root, ["build", "--relocate-reads"])).code).toBe(0);
    const top = manifest(root).models["top_regions"]!;
    const hash = top.hash.slice(0, 12);

    const inProject = await xorqInProcess(root, ["run", hash, "-o", "rows.json"]);
    expect(inProject.code, inProject.stderr).toBe(0);
    expect(inProject.stdout).toMatch(/^wrote 3 rows to rows\.json/);

    const elsewhere = tempDir("xorq-empty-");
    // An artifact runs anywhere together with the artifacts it imports (its siblings).
    for (const h of [hash, ...importClosure(join(root, top.build))]) cpSync(join(root, "builds", h), join(elsewhere, h), { recursive: true });
    const run = await xorqInProcess(elsewhere, ["run", hash, "-o", "rows.json"]);
    expect(run.code, run.stderr).toBe(0);
    const rows = JSON.parse(readFileSync(join(elsewhere, "rows.json"), "utf8"));
    expect(rows).toEqual(JSON.parse(readFileSync(join(root, "rows.json"), "utf8")));
    expect(rows.length).toBe(3);

    // The same expression computed directly in DuckDB from the CSVs.
    const printed = await xorqInProcess(elsewhere, ["run", hash]);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toMatch(/^region\s+total/);
    expect(printed.stdout).toContain("(3 rows)");

    const overridden = await xorqInProcess(elsewhere, ["run", hash, "-p", "min_amount=300", "-o", "high.json"]);
    expect(overridden.code, overridden.stderr).toBe(0);
    const high = JSON.parse(readFileSync(join(elsewhere, "high.json"), "utf8")) as Array<{ total: number }>;
    const sum = (xs: Array<{ total: number }>) => xs.reduce((s, r) => s + r.total, 0);
    expect(sum(high)).toBeLessThan(sum(rows));

    for (const [args, message] of [
      [["-p", "nope=1"], "not a var of this build"],
      [["-p", "min_amount=abc"], "is an integer"],
      [["-o", "x.txt"], "use a .parquet, .csv, .json or .arrow file"],
    ] as const) {
      const bad = await xorqInProcess(elsewhere, ["run", hash, ...args]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain(message);
    }
    for (const ext of ["parquet", "csv", "arrow"]) {
      const r = await xorqInProcess(elsewhere, ["run", hash, "-o", `rows.${ext}`]);
      expect(r.code, r.stderr).toBe(0);
      expect(existsSync(join(elsewhere, `rows.${ext}`))).toBe(true);
    }
  }, 60_000);

  it("runs models in DAG order, in parallel, and reports a failing model with exit code 1", async () => {
    const root = tempDir();
    writeFiles(root, {
      ...SHOP,
      "xorq_project/models/marts/broken.sql": "select cast(status as integer) as s from {{ ref('stg_orders') }}\n",
      "xorq_project/models/marts/after_broken.sql": "select count(*) as n from {{ ref('broken') }}\n",
    });
    // Spawned: a real process that exits 1.
    const run = await xorq(root, ["run", "--threads", "3", "--json"]);
    expect(run.code, run.stderr).toBe(1);
    const events = run.stdout.trim().split("\n").map((l) => JSON.parse(l));
    const finished = events.filter((e) => e.event === "model_finished");
    const status = Object.fromEntries(finished.map((e) => [e.name, e.status]));
    expect(status).toEqual({
      stg_orders: "computed", by_region: "computed", top_regions: "computed", customers_clean: "computed", broken: "error", after_broken: "skipped",
    });
    const order = finished.map((e) => e.name);
    expect(order.indexOf("stg_orders")).toBeLessThan(order.indexOf("by_region"));
    expect(order.indexOf("by_region")).toBeLessThan(order.indexOf("top_regions"));
    expect(events.at(-1)).toMatchObject({ event: "summary", command: "run", computed: 4, error: 1, skipped: 1 });
    const results = JSON.parse(readFileSync(join(root, "target/run_results.json"), "utf8"));
    expect(results.results.find((r: { name: string }) => r.name === "top_regions").rows).toBe(3);

    const selected = await xorqInProcess(root, ["run", "--select", "+by_region", "--output-dir", "out"]);
    expect(selected.code, selected.stderr).toBe(0);
    expect(Object.keys(builtLines(selected.stdout)).sort()).toEqual(["by_region", "stg_orders"]);
    expect(readdirSync(join(root, "out")).sort()).toEqual(["by_region.parquet", "stg_orders.parquet"]);
  }, 60_000);

  it("lists models by selection as names or JSON", async () => {
    const root = tempDir();
    writeFiles(root, SHOP);
    mkdirSync(join(root, "xorq_project/models/marts/sub"), { recursive: true });
    const cases: Array<[string[], string]> = [
      [[], "by_region\ncustomers_clean\nstg_orders\ntop_regions\n"],
      [["--select", "tag:marts"], "by_region\ntop_regions\n"],
      [["--select", "stg_orders+1"], "by_region\nstg_orders\n"],
      [["--select", "path:models/marts", "--exclude", "top_regions"], "by_region\n"],
      [["--select", "@by_region"], "by_region\nstg_orders\ntop_regions\n"],
      [["--select", "tag:daily", "customers_clean"], "customers_clean\nstg_orders\n"],
      [["--select", "tag:marts,kind:ts"], "top_regions\n"],
      [["--select", "source:customers"], "by_region\ncustomers_clean\n"],
    ];
    for (const [args, expected] of cases) {
      const r = await xorqInProcess(root, ["ls", ...args]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout, args.join(" ")).toBe(expected);
    }
    const json = await xorqInProcess(root, ["ls", "--select", "by_region", "--output", "json"]);
    const [m] = JSON.parse(json.stdout);
    expect(m).toMatchObject({ name: "by_region", profile: "local", tags: ["marts"], inputs: ["stg_orders"], sources: ["customers"], file: "models/marts/by_region.sql" });
    expect(m.hash).toMatch(/^[0-9a-f]{64}$/);
  }, 60_000);
});
