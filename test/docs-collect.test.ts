/**
 * `xorq docs generate` on a copy of the example project, read back without a browser:
 * the DAG (every model and source, edges, badges), the pages (columns, SQL per engine
 * segment, code, hashes), last run results from target/, and column lineage that joins
 * back into exactly the tree `xorq lineage --column --json` prints.
 */
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { DocsIndex } from "../src/docs/docs-model.js";
import type { DocsPage } from "../src/docs/docs-model.js";
import { type InputOf, lineageGraphs } from "../src/docs/lineage-graph.js";
import type { LineageJsonNode, LineageJsonRef } from "../src/lineage/lineage-render.js";
import { xorqInProcess } from "./helpers/cli.js";
import { HOPS, exampleCopy, readIndex, readPage } from "./docs-helpers.js";
import { tempDir, writeFiles } from "./helpers/project.js";

let project: string;
let site: string;
let index: DocsIndex;

beforeAll(async () => {
  project = exampleCopy();
  const r = await xorqInProcess(project, ["docs", "generate"]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  site = join(project, "target", "docs");
  expect(r.stdout).toBe(`docs: 10 models, 4 sources in ${/in (\d+) ms/.exec(r.stdout)![1]} ms -> ${site}/index.html\n`);
  index = readIndex(site);
});

const models = () => index.nodes.filter((n) => n.type === "model").map((n) => n.name);

describe("the index", () => {
  it("lists every model (dependency order) and source, with the files of the site", async () => {
    const ls = await xorqInProcess(project, ["ls"]);
    expect([...models()].sort()).toEqual(ls.stdout.trim().split("\n"));
    expect(models().indexOf("stg_orders")).toBeLessThan(models().indexOf("orders_enriched"));
    expect(index.nodes.filter((n) => n.type === "source").map((n) => n.name)).toEqual(["customers", "order_items", "orders", "products"]);
    expect(index.project).toEqual({ name: "coffee_shop", descriptionHtml: "<p>Revenue, customers and products of a small online coffee shop.</p>\n" });
    expect(index.engines).toEqual([{ name: "local", kind: "duckdb" }]);
    expect(readdirSync(site).sort()).toEqual(["dagre.min.js", "docs-app.js", "docs-data.js", "docs.css", "index.html", "pages"]);
    expect(readdirSync(join(site, "pages"))).toHaveLength(14);
    // Nothing is loaded from elsewhere: every script and style is a file of the site.
    const html = readFileSync(join(site, "index.html"), "utf8");
    expect([...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1])).toEqual(["docs.css", "dagre.min.js", "docs-data.js", "docs-app.js"]);
  });

  it("draws an edge from each input to its consumer, and the badges", async () => {
    const into = (id: string) => index.edges.filter((e) => e.to === id).map((e) => e.from).sort();
    expect(into("model.orders_enriched")).toEqual(["model.order_totals", "model.stg_orders", "source.customers"]);
    expect(into("model.stg_orders")).toEqual(["source.orders"]);
    expect(index.edges.every((e) => e.hop === null)).toBe(true); // one engine
    const node = (name: string) => index.nodes.find((n) => n.id === `model.${name}`)!;
    expect(node("orders_enriched")).toMatchObject({ kind: "yaml", engine: "local", tags: ["marts", "daily"], cache: "parquet · modification time", run: null, hops: 0 });
    expect(node("customer_value")).toMatchObject({ kind: "ts", cache: "parquet · snapshot · ttl 1d", children: ["big_spenders"] });
    expect(node("revenue_by_month").cache).toBeNull();
    expect(index.hasRunResults).toBe(false);
  });
});

describe("a model's page", () => {
  it("has its description, columns, code, hash, build path and the SQL naming its inputs", async () => {
    const page = readPage(site, index, "model.revenue_by_month");
    const ls = JSON.parse((await xorqInProcess(project, ["ls", "--select", "revenue_by_month", "--output", "json"])).stdout)[0];
    expect(page).toMatchObject({
      type: "model",
      kind: "sql",
      file: "models/marts/revenue_by_month.sql",
      engine: "local",
      engineKind: "duckdb",
      tags: ["marts", "daily"],
      hash: ls.hash,
      build: ls.build,
      vars: { min_order_revenue: 10 },
      descriptionHtml: "<p>Revenue per month and region, for orders above min_order_revenue.</p>\n",
      lineageError: null,
    });
    expect(page.columns.map((c) => `${c.name}:${c.type}`)).toEqual(["order_month:date", "region:string", "orders:int64", "revenue:decimal(38,4)", "avg_order_value:float64"]);
    expect(page.code).toEqual({ language: "sql", text: readFileSync(join(project, "xorq_project", page.file), "utf8") });
    expect(page.segments).toHaveLength(1);
    expect(page.segments[0]).toMatchObject({ name: "result", profile: "local", dialect: "duckdb" });
    // As the artifact's sql.yaml: the input is named, its own SQL is on its own page.
    expect(page.segments[0]!.sql).toContain('"orders_enriched"');
    expect(page.segments[0]!.sql).not.toContain("stg_orders");
  });

  it("a source's page says what it reads and lists its columns", () => {
    const page = readPage(site, index, "source.order_items");
    expect(page).toMatchObject({ type: "source", kind: "parquet", reads: "data/order_items.parquet", build: null, segments: [], lineage: [] });
    expect(page.columns.map((c) => c.name)).toContain("discount");
    expect(index.nodes.find((n) => n.id === "source.order_items")!.children).toEqual(["stg_order_items"]);
  });
});

describe("materializations", () => {
  it("a materialized model has its badge and names the views that serve it in prod and the default environment", async () => {
    const root = tempDir("xorq-docs-mat-");
    writeFiles(root, {
      "xorq_project/project.yaml": "name: mat\ndefault_profile: local\nenv: dev\nschema: analytics\n",
      "xorq_project/profiles.yaml": 'profiles:\n  local: { kind: duckdb, path: ":memory:" }\n',
      "xorq_project/models/base.sql": "select 1 as x\n",
      "xorq_project/models/wide.sql": "---\nmaterialized: table\n---\nselect x, x + 1 as y from {{ ref('base') }}\n",
    });
    const r = await xorqInProcess(root, ["docs", "generate"]);
    expect(r.code, r.stderr).toBe(0);
    const docs = join(root, "target", "docs");
    const idx = readIndex(docs);
    expect(idx.nodes.find((n) => n.name === "wide")!.materialized).toBe("table");
    expect(idx.nodes.find((n) => n.name === "base")!.materialized).toBeNull();
    const wide = readPage(docs, idx, "model.wide");
    expect(wide.materialized).toBe("table");
    expect(wide.relations).toEqual([{ env: "prod", relation: "analytics.wide" }, { env: "dev", relation: "analytics__dev.wide" }]);
    expect(readPage(docs, idx, "model.base")).toMatchObject({ materialized: "ephemeral", relations: [] });
  });
});

describe("data tests", () => {
  it("columns show their declared descriptions and tests; the last xorq test's results mark the node and list on the page", async () => {
    const root = tempDir("xorq-docs-tests-");
    writeFiles(root, {
      "xorq_project/project.yaml": "name: tested\ndefault_profile: local\n",
      "xorq_project/profiles.yaml": 'profiles:\n  local: { kind: duckdb, path: ":memory:" }\n',
      "xorq_project/models/ids.sql": "select 1 as id union all select 1\n",
      "xorq_project/models/ok.sql": "select 2 as id\n",
      "xorq_project/models/schema.yml":
        "version: 2\nmodels:\n  - name: ids\n    columns:\n      - name: id\n        description: The id.\n        tests: [unique, not_null]\n  - name: ok\n    columns:\n      - name: id\n        tests: [unique]\n",
    });
    const t = await xorqInProcess(root, ["test"]);
    expect(t.code, t.stderr + t.stdout).toBe(1);
    const r = await xorqInProcess(root, ["docs", "generate"]);
    expect(r.code, r.stderr).toBe(0);
    const docs = join(root, "target", "docs");
    const idx = readIndex(docs);
    expect(idx.nodes.find((n) => n.name === "ids")!.tests).toBe("fail");
    expect(idx.nodes.find((n) => n.name === "ok")!.tests).toBe("pass");
    const ids = readPage(docs, idx, "model.ids");
    expect(ids.columns).toEqual([{ name: "id", type: "int32", description: "The id.", tests: ["unique", "not_null"] }]);
    expect(ids.tests.map((x) => [x.test, x.column, x.status, x.failures]).sort()).toEqual([["not_null", "id", "pass", 0], ["unique", "id", "fail", 1]]);
  });
});

/** A tree with its references replaced by what they refer to, and no numbers: what the tree says. */
function plain(tree: LineageJsonNode): unknown {
  const byId = new Map<number, LineageJsonNode>();
  const index = (n: LineageJsonNode | LineageJsonRef): void => {
    if ("ref" in n) return;
    byId.set(n.id, n);
    n.children.forEach(index);
  };
  index(tree);
  const strip = (n: LineageJsonNode | LineageJsonRef): unknown => {
    const full = "ref" in n ? byId.get(n.ref)! : n;
    return { label: full.label, op: full.op, detail: full.detail, note: full.note ?? null, children: full.children.map(strip) };
  };
  return strip(tree);
}

/** The page graph (`lineageGraphs`) unfolded from its root into a tree. */
function unfold(graph: ReturnType<ReturnType<typeof lineageGraphs>["build"]>): unknown {
  const nodes = new Map(graph.nodes.map((n) => [n.key, n]));
  const children = new Map<string, string[]>();
  for (const [a, b] of graph.edges) children.set(a, [...(children.get(a) ?? []), b]);
  const strip = (key: string): unknown => {
    const n = nodes.get(key)!;
    return { label: n.label, op: n.op, detail: n.detail, note: n.note, children: (children.get(key) ?? []).map(strip) };
  };
  return strip(graph.nodes[0]!.key);
}

/** What the page does: an input model's tree for a column, or its rows' tree. */
function inputsOf(pages: ReadonlyMap<string, DocsPage>): InputOf {
  return (model, column) => {
    const p = pages.get(model);
    if (!p) return undefined;
    if (column === null) return p.rows ? [p.rows] : null;
    return p.lineage.find((l) => l.column === column)?.tree.children ?? null;
  };
}

const rootOf = (page: DocsPage, column: string) => page.lineage.find((l) => l.column === column)!.tree;

describe("column lineage", () => {
  it("joined across the model pages, is the tree `xorq lineage --column --json` prints, for every column of every model", async () => {
    const pages = new Map(models().map((m) => [m, readPage(site, index, `model.${m}`)]));
    let compared = 0;
    for (const [model, page] of pages) {
      const cli = JSON.parse((await xorqInProcess(project, ["lineage", model, "--json"])).stdout) as { columns: Array<{ column: string; tree: LineageJsonNode }> };
      expect(cli.columns.map((c) => c.column)).toEqual(page.columns.map((c) => c.name));
      for (const { column, tree } of cli.columns) {
        const graph = lineageGraphs().build(model, column, rootOf(page, column), inputsOf(pages), Infinity);
        expect(graph.missing).toEqual([]);
        expect(unfold(graph), `${model}.${column}`).toEqual(plain(tree));
        compared++;
      }
    }
    expect(compared).toBe(65);
  });

  it("a page holds only the model's own part: an input model is a leaf naming the column it is read for", () => {
    const page = readPage(site, index, "model.revenue_by_month");
    const leaves: unknown[] = [];
    const walk = (n: LineageJsonNode | LineageJsonRef) => {
      if ("ref" in n) return;
      if (n.op === "model") leaves.push({ label: n.label, detail: n.detail });
      n.children.forEach(walk);
    };
    walk(page.lineage.find((l) => l.column === "revenue")!.tree);
    expect(leaves).toEqual([{ label: "Model:orders_enriched", detail: { model: "orders_enriched", column: "revenue" } }]);
  });

  it("stops at the budget, leaving the input model's leaf to follow", () => {
    const pages = new Map(models().map((m) => [m, readPage(site, index, `model.${m}`)]));
    const root = rootOf(pages.get("revenue_by_month")!, "revenue");
    const graph = lineageGraphs().build("revenue_by_month", "revenue", root, inputsOf(pages), 3);
    expect(graph.truncated).toBe(true);
    expect(graph.nodes.map((n) => n.label)).toEqual(["Field:revenue", "SQL:revenue_by_month", "Sum", "Field:revenue", "Model:orders_enriched"]);
    expect(graph.nodes.at(-1)!.more).toEqual({ model: "orders_enriched", column: "revenue" });
    // A page not loaded yet is asked for.
    expect(lineageGraphs().build("revenue_by_month", "revenue", root, () => undefined, 100).missing).toEqual(["orders_enriched"]);
  });
});

describe("engines", () => {
  it("colours by profile, marks the edge where rows move to another engine, and shows each segment's SQL", async () => {
    const dir = tempDir();
    writeFiles(dir, HOPS);
    expect((await xorqInProcess(dir, ["docs", "generate"])).code).toBe(0);
    const hops = readIndex(join(dir, "target", "docs"));
    expect(hops.engines.map((e) => e.name)).toEqual(["local", "warehouse"]);
    expect(hops.edges).toEqual([
      { from: "source.orders", to: "model.big_orders", hop: null },
      { from: "model.big_orders", to: "model.total", hop: "local → warehouse" },
    ]);
    expect(hops.nodes.map((n) => `${n.id} ${n.engine} ${n.hops}`)).toEqual(["model.big_orders local 0", "model.total warehouse 1", "source.orders local 0"]);
    const segments = readPage(join(dir, "target", "docs"), hops, "model.total").segments;
    expect(segments.map((s) => [s.profile, s.name.startsWith("_xorq_hop_") ? "hop" : s.name])).toEqual([["local", "hop"], ["warehouse", "result"]]);
    expect(segments[0]!.sql).toBe('SELECT * FROM "big_orders"');
    expect(segments[1]!.sql).toContain(`FROM "${segments[0]!.name}"`);
  });
});

describe("generation", () => {
  it("adds the last run's results from target/run_results.json, marking a run of another version", async () => {
    const hashOf = (name: string) => readPage(site, index, `model.${name}`).hash;
    writeFileSync(
      join(project, "target", "run_results.json"),
      JSON.stringify({ results: [
        { name: "stg_orders", hash: hashOf("stg_orders").slice(0, 12), status: "computed", rows: 42, ms: 12 },
        { name: "order_totals", hash: "0".repeat(12), status: "error", rows: null, ms: 3, message: "boom" },
      ] }),
    );
    const out = join(project, "elsewhere");
    expect((await xorqInProcess(project, ["docs", "generate", "--out", "elsewhere"])).code).toBe(0);
    const again = readIndex(out);
    expect(again.hasRunResults).toBe(true);
    expect(again.nodes.filter((n) => n.run !== null).map((n) => `${n.name}:${n.run}`).sort()).toEqual(["order_totals:error", "stg_orders:computed"]);
    expect(readPage(out, again, "model.stg_orders").run).toEqual({ status: "computed", rows: 42, ms: 12, message: null, current: true });
    expect(readPage(out, again, "model.order_totals").run).toEqual({ status: "error", rows: null, ms: 3, message: "boom", current: false });
  });

  it("writes the same bytes for the same project, and can leave lineage out", async () => {
    const first = join(project, "first");
    const second = join(project, "second");
    for (const out of [first, second]) expect((await xorqInProcess(project, ["docs", "generate", "--out", out])).code).toBe(0);
    for (const file of ["index.html", "docs-data.js", "docs-app.js", "pages/3.js"]) {
      expect(readFileSync(join(second, file), "utf8"), file).toBe(readFileSync(join(first, file), "utf8"));
    }
    const lean = join(project, "lean");
    expect((await xorqInProcess(project, ["docs", "generate", "--out", lean, "--no-lineage"])).code).toBe(0);
    expect(readPage(lean, readIndex(lean), "model.revenue_by_month")).toMatchObject({ lineage: [], lineageError: "left out (generated without lineage)" });
  });

  it("reports a broken project with its place and exit code 2", async () => {
    const broken = exampleCopy();
    writeFileSync(join(broken, "xorq_project", "models", "marts", "order_totals.yaml"), "name: order_totals\nfrom: ref('nope')\n");
    const r = await xorqInProcess(broken, ["docs", "generate"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("models/marts/order_totals.yaml:2:");
    expect(r.stderr).toContain("unknown ref 'nope'");
  });
});
