import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as xo from "../src/index.js";
import type { CachePolicyLike } from "../src/expr/table.js";
import { exprFromYaml } from "../src/expr/yaml.js";
import { type LineageOptions, columnLineage } from "../src/lineage/column-lineage.js";
import { lineageToJson, renderLineageText } from "../src/lineage/lineage-render.js";
import { analyzeSql } from "../src/lineage/sql-lineage.js";
import { parseSqlQueries } from "../src/lineage/sql-parser.js";
import { runCli } from "./helpers/cli.js";
import { makeSales } from "./helpers/data.js";

const { _ } = xo;

async function lineageText(expr: xo.Table, column: string, options: Omit<LineageOptions, "column"> = {}): Promise<string> {
  return renderLineageText(await columnLineage(expr.node, { ...options, column }));
}

/** Expected trees are written as indented text blocks; this strips the common indentation. */
function tree(text: string): string {
  const lines = text.replace(/^\n/, "").replace(/\n\s*$/, "").split("\n");
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
  return lines.map((l) => l.slice(indent)).join("\n");
}

/** The short data hash a memtable shows as in a tree (`MemTable:<12 hex>`). */
function memHash(t: xo.Table): string {
  if (t.node.kind !== "memtable") throw new Error("not a memtable");
  return t.node.dataHash.slice(0, 12);
}

const parquetCache: CachePolicyLike = {
  toPolicy: () => ({ strategy: "snapshot", storage: "parquet", ttl: null, options: {} }),
};

describe("column lineage", () => {
  const dir = mkdtempSync(join(tmpdir(), "xorq-lineage-"));
  const cwd = process.cwd();
  const local = xo.connect({ name: "local" });
  const warehouse = xo.connect({ name: "warehouse" });
  let sales: xo.Table;
  let customers: xo.Table;

  beforeAll(async () => {
    // Relative paths, as a user writes them: the tree shows the path as given.
    process.chdir(dir);
    const rows = xo.memtable(makeSales(50));
    await local.ingest("sales_rows", rows.schema(), (await rows.execute()).batches);
    await local.run("COPY sales_rows TO 'sales.parquet' (FORMAT parquet)");
    sales = await xo.deferredReadParquet("sales.parquet", local);
    customers = xo.memtable({ region: ["north", "south"], manager: ["ann", "bo"], amount: [1.5, 2.5] });
  });
  afterAll(async () => {
    process.chdir(cwd);
    await local.close();
    await warehouse.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("prints SPEC's example exactly", async () => {
    const expr = sales.filter(_.amount.gt(100)).groupBy("region").agg({ total: _.amount.sum() });
    expect(await lineageText(expr, "total")).toBe(tree(`
      Lineage for column 'total':
      Field:total #1
      └── Aggregate #2
          └── Sum #3
              └── Field:amount #4
                  └── Filter #5
                      └── Read:sales.parquet #6
    `));
  });

  it("follows renames and mutations, and shares a column read twice", async () => {
    const expr = sales
      .rename({ price: "amount" })
      .mutate({ gross: _.price.mul(_.qty).add(_.price), label: xo.ifElse(_.price.gt(10), "big", "small") })
      .select("gross", "label", "region");
    expect(await lineageText(expr, "gross")).toBe(tree(`
      Lineage for column 'gross':
      Field:gross #1
      └── Project #2
          └── Project #3
              └── Add #4
                  ├── Multiply #5
                  │   ├── Field:price #6
                  │   │   └── Project #7
                  │   │       └── Field:amount #8
                  │   │           └── Read:sales.parquet #9
                  │   └── Field:qty #10
                  │       └── Project #11
                  │           └── Read:sales.parquet #12
                  └── Field:price ↻ see #6
    `));
    expect(await lineageText(expr, "label")).toBe(tree(`
      Lineage for column 'label':
      Field:label #1
      └── Project #2
          └── Project #3
              └── Case #4
                  ├── Greater #5
                  │   ├── Field:price #6
                  │   │   └── Project #7
                  │   │       └── Field:amount #8
                  │   │           └── Read:sales.parquet #9
                  │   └── Literal:10 #10
                  ├── Literal:'big' #11
                  └── Literal:'small' #12
    `));
  });

  it("traces both sides of a join: the merged key of an outer join, and suffixed columns", async () => {
    const totals = sales.groupBy("region").agg({ amount: _.amount.max() });
    const expr = totals.intoBackend(local).outerJoin(customers, "region");
    // intoBackend to the same engine is still a node on the path (a no-op hop).
    expect(await lineageText(expr, "region")).toBe(tree(`
      Lineage for column 'region':
      Field:region #1
      └── Join:outer #2
          └── Coalesce #3
              ├── Field:region #4
              │   └── IntoBackend:local #5
              │       └── Aggregate #6
              │           └── Field:region #7
              │               └── Read:sales.parquet #8
              └── Field:region #9
                  └── MemTable:${memHash(customers)} #10
    `));
    expect(await lineageText(expr, "amount_right")).toBe(tree(`
      Lineage for column 'amount_right':
      Field:amount_right #1
      └── Join:outer #2
          └── Field:amount #3
              └── MemTable:${memHash(customers)} #4
    `));
    expect(await lineageText(expr, "amount")).toContain("└── Max #");
  });

  it("lists every input of a union and passes through distinct, sort, limit and cache", async () => {
    const north = sales.filter(_.region.eq("north")).select("region", "amount");
    const other = customers.select("region", "amount");
    const expr = north.union(other).distinct().orderBy("-amount").limit(5).cache(parquetCache);
    expect(await lineageText(expr, "amount")).toBe(tree(`
      Lineage for column 'amount':
      Field:amount #1
      └── Cache:parquet #2
          └── Limit:5 #3
              └── Sort #4
                  └── Distinct #5
                      └── Union #6
                          ├── Project #7
                          │   └── Filter #8
                          │       └── Read:sales.parquet #9
                          └── Project #10
                              └── MemTable:${memHash(customers)} #11
    `));
  });

  it("traces window functions through their argument, partition and order columns", async () => {
    const expr = sales.mutate({
      running: _.amount.sum().over({ partitionBy: "region", orderBy: "day" }),
      rn: xo.rowNumber().over({ orderBy: _.qty.desc() }),
    });
    expect(await lineageText(expr, "running")).toBe(tree(`
      Lineage for column 'running':
      Field:running #1
      └── Project #2
          └── WindowFunction #3
              ├── Sum #4
              │   └── Field:amount #5
              │       └── Read:sales.parquet #6
              ├── PartitionBy #7
              │   └── Field:region #8
              │       └── Read:sales.parquet #9
              └── OrderBy #10
                  └── Field:day #11
                      └── Read:sales.parquet #12
    `));
    expect(await lineageText(expr, "rn")).toBe(tree(`
      Lineage for column 'rn':
      Field:rn #1
      └── Project #2
          └── WindowFunction #3
              ├── RowNumber #4
              └── OrderBy #5
                  └── Field:qty #6
                      └── Read:sales.parquet #7
    `));
  });

  it("traces a SQL model fed by a hop: CTE, table aliases, join, aggregate", async () => {
    const clean = sales.filter(_.status.notNull()).intoBackend(warehouse).mutate({ eur: _.amount.mul(0.92) });
    const managers = customers.intoBackend(warehouse);
    const model = await xo.sql(
      warehouse,
      `with big as (select o.region as r, o.eur from clean as o where o.eur > 10)
       select m.manager, sum(b.eur) as total, count(*) as n
       from big b join managers m on b.r = m.region
       group by m.manager`,
      { clean, managers },
    );
    expect(model.columns).toEqual(["manager", "total", "n"]);
    expect(await lineageText(model, "total")).toBe(tree(`
      Lineage for column 'total':
      Field:total #1
      └── SQL #2
          └── Sum #3
              └── Field:eur #4
                  └── CTE:big #5
                      └── Field:eur #6
                          └── Project #7
                              └── Multiply #8
                                  ├── Field:amount #9
                                  │   └── IntoBackend:warehouse #10
                                  │       └── Filter #11
                                  │           └── Read:sales.parquet #12
                                  └── Literal:0.92 #13
    `));
    expect(await lineageText(model, "manager")).toBe(tree(`
      Lineage for column 'manager':
      Field:manager #1
      └── SQL #2
          └── Field:manager #3
              └── IntoBackend:warehouse #4
                  └── MemTable:${memHash(customers)} #5
    `));
    // count(*) reads no column: it depends on the rows of both joined inputs.
    const n = await lineageText(model, "n");
    expect(n).toContain("CountStar #3");
    expect(n).toContain("Read:sales.parquet");
    expect(n).toContain("MemTable:");
  });

  it("expands * with EXCLUDE and REPLACE, USING keys from both sides, and subqueries", async () => {
    const left = sales.select("id", "region", "amount");
    const right = sales.select("id", "qty");
    const model = await xo.sql(
      local,
      `select * exclude (region) replace (amount * 2 as amount), (select max(qty) from r) as top
       from (select id, region, amount from l) s join r using (id)`,
      { l: left, r: right },
    );
    expect(model.columns).toEqual(["id", "amount", "qty", "top"]);
    const [id, amount, qty, top] = await columnLineage(model.node);
    expect(renderLineageText([id!])).toBe(tree(`
      Lineage for column 'id':
      Field:id #1
      └── SQL #2
          └── Coalesce #3
              ├── Field:id #4
              │   └── Subquery:s #5
              │       └── Field:id #6
              │           └── Project #7
              │               └── Read:sales.parquet #8
              └── Field:id #9
                  └── Project #10
                      └── Read:sales.parquet #11
    `));
    expect(renderLineageText([amount!])).toContain("└── Multiply #3");
    expect(renderLineageText([qty!])).toBe(tree(`
      Lineage for column 'qty':
      Field:qty #1
      └── SQL #2
          └── Field:qty #3
              └── Project #4
                  └── Read:sales.parquet #5
    `));
    expect(renderLineageText([top!])).toContain("└── Subquery:scalar #3\n        └── Max #4\n            └── Field:qty #5");
  });

  it("falls back to every input column, with a note, when the SQL cannot be traced", async () => {
    const input = sales.select("id", "amount");
    const model = await xo.sql(local, "select columns('a.*') from t", { t: input });
    expect(await lineageText(model, "amount")).toBe(tree(`
      Lineage for column 'amount':
      Field:amount #1
      └── SQL #2 (not traced: COLUMNS(...) is not traced; depends on every input column)
          ├── Field:id #3
          │   └── Project #4
          │       └── Read:sales.parquet #5
          └── Field:amount #6
              └── Project #7
                  └── Read:sales.parquet #8
    `));
  });

  it("adds what chooses rows (filters, join keys, group keys) with predicates: true", async () => {
    const expr = sales.filter(_.status.eq("open")).groupBy("region").agg({ total: _.amount.sum() });
    expect(await lineageText(expr, "total", { predicates: true })).toBe(tree(`
      Lineage for column 'total':
      Field:total #1
      └── Aggregate #2
          ├── Sum #3
          │   └── Field:amount #4
          │       └── Filter #5
          │           ├── Read:sales.parquet #6
          │           └── Predicates #7
          │               └── Equals #8
          │                   ├── Field:status #9
          │                   │   └── Read:sales.parquet #10
          │                   └── Literal:'open' #11
          └── GroupBy #12
              └── Field:region #13
                  └── Filter #14
                      ├── Read:sales.parquet #15
                      └── Predicates ↻ see #7
    `));
    const model = await xo.sql(local, "select region, sum(amount) as total from s where qty > 3 group by region", { s: sales });
    const text = await lineageText(model, "total", { predicates: true });
    expect(text).toContain("└── Predicates #");
    expect(text).toContain("Field:qty");
    expect(await lineageText(model, "total")).not.toContain("Field:qty");
  });

  it("gives the same tree as data with --json, and lineage survives an expr.yaml round trip", async () => {
    const expr = sales.filter(_.amount.gt(100)).groupBy("region").agg({ total: _.amount.sum() });
    const json = lineageToJson(await columnLineage(expr.node, { column: "total" }));
    expect(json.columns[0]!.column).toBe("total");
    const labels: string[] = [];
    for (let n: (typeof json.columns)[0]["tree"] | undefined = json.columns[0]!.tree; n; ) {
      labels.push(`${n.label} #${n.id}`);
      n = n.children[0] && "id" in n.children[0] ? n.children[0] : undefined;
    }
    expect(labels).toEqual(["Field:total #1", "Aggregate #2", "Sum #3", "Field:amount #4", "Filter #5", "Read:sales.parquet #6"]);
    const read = JSON.stringify(json).match(/"detail":\{"format":"parquet","path":"sales.parquet","backend":"local"\}/);
    expect(read).not.toBeNull();

    const rebuilt = exprFromYaml(expr.toYaml());
    expect(renderLineageText(await columnLineage(rebuilt))).toBe(renderLineageText(await columnLineage(expr.node)));
  });

  it("names the columns there are when asked for one that is not", async () => {
    const expr = sales.select("id", "amount");
    await expect(columnLineage(expr.node, { column: "amout" })).rejects.toThrow(/amout.*amount/s);
  });
});

describe("SQL lineage analysis (DuckDB's parse tree)", () => {
  const inputs = [
    { name: "t", columns: ["a", "b", "c"] },
    { name: "u", columns: ["a", "d"] },
  ];
  const analyze = async (query: string, outputs: string[]) => {
    const [parsed] = await parseSqlQueries([query]);
    return analyzeSql(parsed, inputs, outputs);
  };
  /** The input columns an expression reads, as `input.column`, sorted. */
  const reads = (e: unknown): string[] => {
    const out = new Set<string>();
    const walk = (x: any): void => {
      if (x.kind === "input" && x.column) out.add(`${x.input}.${x.column}`);
      if (x.kind === "derived") walk(x.expr);
      if (x.kind === "op") x.children.forEach(walk);
    };
    walk(e);
    return [...out].sort();
  };

  it("resolves aliases, qualified and unqualified names, lateral aliases and set operations", async () => {
    const r = await analyze("select x.a + 1 as a1, d, a1 * c as k from t as x join u on x.a = u.a", ["a1", "d", "k"]);
    expect(r.note).toBeNull();
    expect(r.columns!.map(reads)).toEqual([["t.a"], ["u.d"], ["t.a", "t.c"]]);
    const s = await analyze("select a, b from t union all select a, d from u", ["a", "b"]);
    expect(s.columns!.map(reads)).toEqual([["t.a", "u.a"], ["t.b", "u.d"]]);
    expect(s.columns![1]).toMatchObject({ kind: "op", label: "Union" });
  });

  it("follows CTEs that use earlier CTEs, correlated subqueries and recursive CTEs", async () => {
    const r = await analyze(
      "with p as (select a, b * 2 as b2 from t), q as (select a, b2 + 1 as b3 from p) select b3, (select max(d) from u where u.a = q.a) as m from q",
      ["b3", "m"],
    );
    expect(r.columns!.map(reads)).toEqual([["t.b"], ["u.d"]]);
    const rec = await analyze("with recursive r(n) as (select a from t union all select n + 1 from r where n < 3) select n from r", ["n"]);
    expect(rec.columns!.map(reads)).toEqual([["t.a"]]);
  });

  it("reports why it cannot trace: parse errors, several statements, unknown columns of engine tables", async () => {
    expect((await analyze("selec a from t", ["a"])).note).toMatch(/could not read this SQL.*syntax error/);
    expect((await analyze("select a from t; select d from u", ["a"])).note).toMatch(/one SELECT statement, found 2/);
    expect((await analyze("select * from some_engine_table", ["a"])).note).toMatch(/cannot expand \* over 'some_engine_table'/);
    const direct = await analyze("select z from some_engine_table", ["z"]);
    expect(direct.columns![0]).toEqual({ kind: "table", table: "some_engine_table", column: "z" });
  });
});

describe("xorq lineage (command line)", () => {
  const root = mkdtempSync(join(tmpdir(), "xorq-lineage-cli-"));
  const files: Record<string, string> = {
    "xorq_project/project.yaml": "name: shop\ndefault_profile: local\n",
    "xorq_project/profiles.yaml": 'profiles:\n  local: { kind: duckdb, path: ":memory:" }\n  wh: { kind: duckdb, path: ":memory:" }\n',
    "xorq_project/sources/shop.yaml": "sources:\n  - name: sales\n    read_parquet: data/sales.parquet\n",
    // A YAML model with an engine hop ...
    "xorq_project/models/clean_sales.yaml": [
      "name: clean_sales",
      "from: source('sales')",
      "steps:",
      '  - filter: "amount > 100"',
      "  - into_backend: wh",
      '  - mutate: { amount_eur: "amount * 0.92" }',
      "",
    ].join("\n"),
    // ... feeding a SQL model.
    "xorq_project/models/sales_summary.sql": [
      "---",
      "profile: wh",
      "---",
      "select s.region, sum(s.amount_eur) as total, count(*) as n",
      "from {{ ref('clean_sales') }} as s",
      "group by s.region",
      "",
    ].join("\n"),
  };

  beforeAll(async () => {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    mkdirSync(join(root, "xorq_project/data"), { recursive: true });
    const con = xo.connect({ name: "writer" });
    await con.run(
      `COPY (SELECT range AS id, ['north', 'south'][range % 2 + 1] AS region, range * 50.0 AS amount FROM range(10)) ` +
        `TO '${join(root, "xorq_project/data/sales.parquet")}' (FORMAT parquet)`,
    );
    await con.close();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("shows the full tree of a SQL model's column, through the YAML model and its hop", async () => {
    const r = await runCli(["lineage", "sales_summary", "--column", "total"], root);
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(tree(`
      Lineage for column 'total':
      Field:total #1
      └── SQL:sales_summary #2
          └── Sum #3
              └── Field:amount_eur #4
                  └── Project #5
                      └── Multiply #6
                          ├── Field:amount #7
                          │   └── IntoBackend:wh #8
                          │       └── Filter #9
                          │           └── Read:data/sales.parquet #10
                          └── Literal:0.92 #11
    `) + "\n");
  });

  it("prints every column, or JSON, and says which columns exist", async () => {
    const all = await runCli(["lineage", "sales_summary"], root);
    expect(all.stdout.match(/^Lineage for column '(\w+)':$/gm)).toEqual([
      "Lineage for column 'region':", "Lineage for column 'total':", "Lineage for column 'n':",
    ]);
    const json = JSON.parse((await runCli(["lineage", "clean_sales", "--column", "amount_eur", "--json"], root)).stdout);
    expect(json.columns[0].tree.children[0]).toMatchObject({ label: "Project", children: [{ label: "Multiply" }] });
    const bad = await runCli(["lineage", "sales_summary", "--column", "totl"], root);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/totl.*total/s);
    const unknown = await runCli(["lineage", "no_such_model"], root);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/cannot find 'no_such_model'/);
  });
});
