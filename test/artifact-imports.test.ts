/**
 * Project artifacts that import their upstream models' artifacts by hash (issue 8):
 * linear in size, runnable from builds/ and from the catalog, byte-identical on
 * rebuild, and a clear error when an imported artifact is missing. Real DuckDB, the
 * CLI in-process (build first: `npx tsc -p tsconfig.json`).
 */
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import YAML from "yaml";
import { describe, expect, it } from "vitest";
import { writeArtifact } from "../src/artifacts/artifact-writer.js";
import { importClosure, readArtifactGraph } from "../src/artifacts/artifact-graph.js";
import { fromGraph, nodeHash, toGraph } from "../src/expr/canonical.js";
import { exprToYaml, yamlText } from "../src/expr/yaml.js";
import { loadProject } from "../src/project/project.js";
import { xorqInProcess as xorq } from "./helpers/cli.js";
import { tempDir, writeFiles } from "./helpers/project.js";

const ORDERS = [
  "order_id,customer_id,region,amount",
  ...Array.from({ length: 30 }, (_, i) => `${i + 1},${(i % 5) + 1},${["north", "south", "east"][i % 3]},${(i * 41) % 300}`),
].join("\n");

/**
 * A chain and a diamond: stg (YAML) -> by_region (SQL) -> ranked (YAML), and
 * report (SQL) reading both by_region and ranked.
 */
const DIAMOND: Readonly<Record<string, string>> = {
  "xorq_project/project.yaml": "name: diamond\ndefault_profile: local\nvars:\n  min_amount: 40\n",
  "xorq_project/profiles.yaml": 'profiles:\n  local: { kind: duckdb, path: ":memory:" }\n',
  "xorq_project/sources/raw.yaml": "sources:\n  - name: orders\n    read_csv: data/orders.csv\n",
  "xorq_project/data/orders.csv": `${ORDERS}\n`,
  "xorq_project/models/stg.yaml": "from: source('orders')\nsteps:\n  - filter: \"amount > var('min_amount')\"\n  - mutate: { double: \"amount * 2\" }\n",
  "xorq_project/models/by_region.sql": "select region, count(*) as n, sum(double) as total\nfrom {{ ref('stg') }}\ngroup by region\n",
  "xorq_project/models/ranked.yaml": "from: ref('by_region')\nsteps:\n  - filter: \"n > 1\"\n  - mutate: { share: \"total / 10\" }\n",
  "xorq_project/models/report.sql": [
    "select b.region, b.total, r.share",
    "from {{ ref('by_region') }} as b",
    "join {{ ref('ranked') }} as r on b.region = r.region",
    "order by b.region",
    "",
  ].join("\n"),
};

function manifestHashes(root: string): Record<string, string> {
  const m = JSON.parse(readFileSync(join(root, "target/manifest.json"), "utf8")) as { models: Record<string, { hash: string }> };
  return Object.fromEntries(Object.entries(m.models).map(([k, v]) => [k, v.hash.slice(0, 12)]));
}

function exprDoc(dir: string): { root: string; imports?: Record<string, string>; nodes: Record<string, unknown> } {
  return YAML.parse(readFileSync(join(dir, "expr.yaml"), "utf8"));
}

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

function rowsOf(path: string): unknown {
  return JSON.parse(readFileSync(path, "utf8"));
}

describe("artifacts that import upstream artifacts", () => {
  it("hold only their own nodes, run from builds/ with the same rows as a standalone artifact, and rebuild byte-identically", async () => {
    const root = tempDir();
    writeFiles(root, DIAMOND);
    const build = await xorq(root, ["build"]);
    expect(build.code, build.stderr).toBe(0);
    const h = manifestHashes(root);
    const dir = (m: string) => join(root, "builds", h[m]!);

    // report imports by_region and ranked; ranked imports by_region; by_region imports stg.
    const report = exprDoc(dir("report"));
    const ranked = exprDoc(dir("ranked"));
    expect(Object.values(report.imports!).sort()).toEqual([h["by_region"], h["ranked"]].sort());
    expect(Object.values(ranked.imports!)).toEqual([h["by_region"]]);
    expect(Object.values(exprDoc(dir("by_region")).imports!)).toEqual([h["stg"]]);
    expect(exprDoc(dir("stg")).imports).toBeUndefined();
    // No upstream node is copied: each node id lives in exactly one artifact of this DAG
    // but the source read, which each model reading the source holds itself.
    for (const up of ["stg", "by_region", "ranked"]) {
      const upstreamIds = Object.keys(exprDoc(dir(up)).nodes);
      for (const id of Object.keys(report.nodes)) expect(upstreamIds, `${up} shares ${id} with report`).not.toContain(id);
    }
    expect(Object.keys(report.nodes)).toEqual([report.root]);
    const sql = YAML.parse(readFileSync(join(dir("report"), "sql.yaml"), "utf8"));
    expect(sql.imports).toEqual({ by_region: h["by_region"], ranked: h["ranked"] });
    expect(sql.segments[0].sql).toContain('"by_region"');
    expect(sql.segments[0].sql).not.toContain("read_csv");
    // profiles.yaml and metadata.json still describe the whole expression.
    expect(YAML.parse(readFileSync(join(dir("report"), "profiles.yaml"), "utf8")).profiles).toEqual({ local: { kind: "duckdb", path: ":memory:" } });
    expect(JSON.parse(readFileSync(join(dir("report"), "metadata.json"), "utf8")).vars).toEqual({ min_amount: 40 });
    expect(YAML.parse(readFileSync(join(dir("report"), "deferred_reads.yaml"), "utf8")).reads).toEqual([]);

    // The same expression as a standalone artifact (no imports): what builds wrote before.
    const project = await loadProject({ cwd: root });
    const alone = join(tempDir("xorq-standalone-"), "builds");
    try {
      const table = project.models.get("report")!.table;
      await writeArtifact(alone, { table, model: "report", project: "diamond", baseDir: project.location.projectDir, relocateReads: true });
      expect(readFileSync(join(alone, h["report"]!, "expr.yaml"), "utf8")).toBe(exprToYaml(table.node));
      expect(exprDoc(join(alone, h["report"]!)).imports).toBeUndefined();
      // The merged graph of the importing artifact is the standalone graph.
      expect(nodeHash(fromGraph(readArtifactGraph(dir("report")).graph))).toBe(nodeHash(table.node));
      expect(Object.keys(readArtifactGraph(dir("report")).graph.nodes).sort()).toEqual(Object.keys(toGraph(table.node).nodes).sort());
    } finally {
      await project.close();
    }
    const standalone = await xorq(root, ["run", join(alone, h["report"]!), "-o", "alone.json"]);
    expect(standalone.code, standalone.stderr).toBe(0);
    const byDir = await xorq(root, ["run", `builds/${h["report"]}`, "-o", "dir.json"]);
    expect(byDir.code, byDir.stderr).toBe(0);
    const byHash = await xorq(root, ["run", h["report"]!, "-o", "hash.json"]);
    expect(byHash.code, byHash.stderr).toBe(0);
    const expected = rowsOf(join(root, "alone.json")) as unknown[];
    expect(expected.length).toBeGreaterThan(0);
    expect(rowsOf(join(root, "dir.json"))).toEqual(expected);
    expect(rowsOf(join(root, "hash.json"))).toEqual(expected);
    // -p reaches a var held by an imported artifact (stg's filter).
    const high = await xorq(root, ["run", h["report"]!, "-p", "min_amount=200", "-o", "high.json"]);
    expect(high.code, high.stderr).toBe(0);
    const sum = (rows: unknown) => (rows as Array<{ total: number }>).reduce((a, r) => a + Number(r.total), 0);
    expect(sum(rowsOf(join(root, "high.json")))).toBeLessThan(sum(expected));
    // Lineage reads through the imports down to the source.
    const lineage = await xorq(root, ["lineage", `builds/${h["report"]}`, "--column", "total"]);
    expect(lineage.code, lineage.stderr).toBe(0);
    expect(lineage.stdout).toContain("orders.csv");

    // Rebuilding from nothing gives the same bytes.
    const before = new Map(files(join(root, "builds")).map((f) => [f, readFileSync(join(root, "builds", f))]));
    rmSync(join(root, "builds"), { recursive: true });
    expect((await xorq(root, ["build"])).code).toBe(0);
    expect(files(join(root, "builds"))).toEqual([...before.keys()]);
    for (const [f, bytes] of before) expect(readFileSync(join(root, "builds", f)), f).toEqual(bytes);
  }, 120_000);

  it("writes the artifacts of unselected upstream models a selected one imports", async () => {
    const root = tempDir();
    writeFiles(root, DIAMOND);
    const build = await xorq(root, ["build", "--select", "report", "--json"]);
    expect(build.code, build.stderr).toBe(0);
    const finished = build.stdout.trim().split("\n").map((l) => JSON.parse(l)).filter((e) => e.event === "model_finished");
    expect(finished.map((e) => e.name)).toEqual(["report"]);
    const h = manifestHashes(root);
    expect(readdirSync(join(root, "builds")).sort()).toEqual(Object.values(h).sort());
    expect(importClosure(join(root, "builds", h["report"]!))).toEqual([h["stg"], h["by_region"], h["ranked"]].sort());
    const run = await xorq(root, ["run", h["report"]!]);
    expect(run.code, run.stderr).toBe(0);
  }, 60_000);

  it("a missing imported artifact is exit 2 naming both directories", async () => {
    const root = tempDir();
    writeFiles(root, DIAMOND);
    expect((await xorq(root, ["build"])).code).toBe(0);
    const h = manifestHashes(root);
    rmSync(join(root, "builds", h["stg"]!), { recursive: true });
    for (const args of [["run", `builds/${h["report"]}`], ["lineage", `builds/${h["report"]}`, "--column", "total"]]) {
      const r = await xorq(root, args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`${join(root, "builds", h["by_region"]!)} imports the artifact ${h["stg"]}, which is missing`);
      expect(r.stderr).toContain(join(root, "builds", h["stg"]!));
    }
    // A build puts it back (the selected model's own artifact is missing).
    expect((await xorq(root, ["build"])).code).toBe(0);
    expect((await xorq(root, ["run", `builds/${h["report"]}`])).code).toBe(0);
  }, 60_000);

  it("catalog add brings the imports in one commit; the alias runs elsewhere with no builds/; rm keeps importers whole", async () => {
    const root = tempDir();
    writeFiles(root, DIAMOND);
    expect((await xorq(root, ["build", "--relocate-reads"])).code).toBe(0);
    const h = manifestHashes(root);
    expect((await xorq(root, ["run", h["report"]!, "-o", "rows.json"])).code).toBe(0);
    const catalogDir = join(tempDir("xorq-catalog-"), "catalog");
    expect((await xorq(root, ["catalog", "init", "--catalog", catalogDir])).code).toBe(0);
    const add = await xorq(root, ["catalog", "add", `builds/${h["report"]}`, "--alias", "report", "--catalog", catalogDir]);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toContain("with the 3 artifacts it imports");
    expect(readdirSync(join(catalogDir, "entries")).sort()).toEqual(Object.values(h).sort());
    const log = await xorq(root, ["catalog", "log", "--catalog", catalogDir]);
    expect(log.stdout.trim().split("\n").length).toBe(2); // init + one add

    // Adding an upstream one now is a no-op; adding again too.
    const again = await xorq(root, ["catalog", "add", `builds/${h["ranked"]}`, "--catalog", catalogDir]);
    expect(again.stdout).toContain("is already in the catalog");

    rmSync(join(root, "builds"), { recursive: true });
    const elsewhere = tempDir("xorq-elsewhere-");
    const run = await xorq(elsewhere, ["run", "report", "--catalog", catalogDir, "-o", "rows.json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(rowsOf(join(elsewhere, "rows.json"))).toEqual(rowsOf(join(root, "rows.json")));

    const rm = await xorq(elsewhere, ["catalog", "rm", h["by_region"]!, "--catalog", catalogDir]);
    expect(rm.code).toBe(2);
    expect(rm.stderr).toContain(`cannot remove ${h["by_region"]}`);
    expect(rm.stderr).toContain(h["report"]);
    expect(existsSync(join(catalogDir, "entries", h["by_region"]!))).toBe(true);
    expect((await xorq(elsewhere, ["catalog", "rm", "report", "--catalog", catalogDir])).code).toBe(0); // the alias
    expect((await xorq(elsewhere, ["catalog", "rm", h["report"]!, "--catalog", catalogDir])).code).toBe(0);
  }, 120_000);

  it("copying an artifact with its import closure is enough to run it", async () => {
    const root = tempDir();
    writeFiles(root, DIAMOND);
    expect((await xorq(root, ["build", "--relocate-reads"])).code).toBe(0);
    const h = manifestHashes(root);
    const elsewhere = tempDir("xorq-copy-");
    mkdirSync(join(elsewhere, "b"));
    const from = join(root, "builds", h["ranked"]!);
    for (const x of [h["ranked"]!, ...importClosure(from)]) cpSync(join(root, "builds", x), join(elsewhere, "b", x), { recursive: true });
    expect(readdirSync(join(elsewhere, "b")).length).toBe(3);
    const r = await xorq(elsewhere, ["run", `b/${h["ranked"]}`]);
    expect(r.code, r.stderr).toBe(0);
  }, 60_000);
});

describe("in-memory data behind an import", () => {
  it("is snapshotted by the artifact that holds it and found through the import", async () => {
    const root = tempDir();
    writeFiles(root, {
      ...DIAMOND,
      "xorq_project/models/targets.ts": [
        'import { model, memtable } from "xorq";',
        "",
        'export default model({ name: "targets" }, () => memtable({ region: ["north", "south"], goal: [100, 200] }));',
        "",
      ].join("\n"),
      "xorq_project/models/vs_goal.sql": "select b.region, b.total, t.goal\nfrom {{ ref('by_region') }} as b\njoin {{ ref('targets') }} as t on b.region = t.region\norder by b.region\n",
    });
    const build = await xorq(root, ["build", "--select", "vs_goal", "--relocate-reads"]);
    expect(build.code, build.stderr).toBe(0);
    const h = manifestHashes(root);
    expect(existsSync(join(root, "builds", h["vs_goal"]!, "memtables"))).toBe(false);
    expect(readdirSync(join(root, "builds", h["targets"]!, "memtables")).length).toBe(1);
    const elsewhere = tempDir("xorq-mem-");
    for (const x of [h["vs_goal"]!, ...importClosure(join(root, "builds", h["vs_goal"]!))]) cpSync(join(root, "builds", x), join(elsewhere, x), { recursive: true });
    const run = await xorq(elsewhere, ["run", h["vs_goal"]!, "-o", "rows.json"]);
    expect(run.code, run.stderr).toBe(0);
    expect((rowsOf(join(elsewhere, "rows.json")) as Array<{ goal: number }>).map((r) => Number(r.goal))).toEqual([100, 200]);
  }, 60_000);
});

describe("expr.yaml text", () => {
  const OPTIONS = { aliasDuplicateObjects: false, lineWidth: 0 } as const;
  it("is exactly what the yaml package writes, for awkward scalars too", () => {
    const strings = [
      "plain", "", " leading", "trailing ", "a: b", "# hash", "- dash", "123", "1e5", "0x1F", "true", "null", "~", "yes",
      "multi\nline", "multi\nline\n", "multi\nline\n\n", "\nleading newline", "  indented\nblock", "tab\tinside\nx", "---\nmarker",
      "select 1\n\nfrom t -- ünïcödé ✓", "a\n  b\n    c", "emoji 😀\nx", "carriage\r\nreturn", "ends with colon:", "'quoted'", '"dq"',
      "x".repeat(100), `${"y".repeat(80)}\n${"z".repeat(80)}`, "line\n   \nspaces only line",
      "m_00123", "_x", "TRUE", "False", "NULL", "Null", "0123", "12e45", "12E45", "1e", "e12", "abc123", "123abc", "0x1f", "0o17",
      "deadbeef", "12345678901234567890", "9".repeat(64), "1e0", "ff", "1.5", ".inf", "-1", "+1",
    ];
    const value = {
      root: "0123456789012345678901234567890123456789012345678901234567890123",
      strings,
      keyed: Object.fromEntries(strings.filter((s) => !s.includes("\n")).map((s, i) => [s || `empty${i}`, i])),
      numbers: [0, -1, 1.5, 1e21, -0.25, -0, 2 ** 53, Number.MAX_SAFE_INTEGER, -42],
      flags: [true, false, null],
      empty: { map: {}, list: [] },
      nested: [[["a", "b"], []], [{ x: 1, y: [{ z: "multi\nline" }] }], {}],
      pairs: [["name", "0123456789ab"]],
    };
    expect(yamlText(value)).toBe(YAML.stringify(value, OPTIONS));
  });
});
