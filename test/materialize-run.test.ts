/**
 * `xorq run` leaves materialized models in their engine, as a user runs it (the CLI in
 * its own process; build first with `npx tsc -p tsconfig.json`), on a DuckDB file and
 * on PostgreSQL: physical relations by key under xorq_physical, environment views over
 * them, queried afterwards by a plain client. The same flow runs on both engines.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as xo from "../src/index.js";
import { queryDuckDBFile } from "./helpers/duckdb-file.js";
import { describePg } from "./helpers/postgres.js";
import { tempDir, writeFiles, xorq } from "./helpers/project.js";

type Rows = Array<Record<string, unknown>>;

interface Engine {
  /** profiles.yaml's `wh` profile. */
  readonly profile: string;
  /** The environment schema of prod (the engine's default schema). */
  readonly prodSchema: string;
  /** Runs a query with a plain client of the engine (numbers as numbers). */
  query(sql: string): Promise<Rows>;
  readonly env?: Readonly<Record<string, string>>;
}

const ORDERS = "id,region,amount\n1,north,10\n2,south,20\n3,north,30\n4,east,5\n";

function projectFiles(engine: Engine): Record<string, string> {
  return {
    "xorq_project/project.yaml": "name: shop\ndefault_profile: wh\nmaterialized: table\nmodels:\n  marts:\n    +schema: marts\n",
    "xorq_project/profiles.yaml": `profiles:\n  wh: ${engine.profile}\n  local: { kind: duckdb, path: ":memory:" }\n`,
    "xorq_project/data/orders.csv": ORDERS,
    "xorq_project/sources/shop.yaml": "sources:\n  - name: orders\n    profile: wh\n    read_csv: data/orders.csv\n",
    "xorq_project/models/stg_orders.yaml": "from: source('orders')\nsteps:\n  - filter: \"amount > 6\"\n",
    "xorq_project/models/marts/by_region.sql": "select region, sum(amount) as total, count(*) as n from {{ ref('stg_orders') }} group by region\n",
    "xorq_project/models/marts/big_regions.yaml": "materialized: view\nfrom: ref('by_region')\nsteps:\n  - filter: \"total > 15\"\n",
    "xorq_project/models/first_order.yaml": "materialized: ephemeral\nfrom: ref('stg_orders')\nsteps:\n  - order_by: [id]\n  - limit: 1\n",
  };
}

const statuses = (stdout: string): Record<string, string> =>
  Object.fromEntries(stdout.split("\n").flatMap((l) => {
    const m = /^(\w+)\s+(\w+)\s+[0-9a-f]{12}/.exec(l);
    return m ? [[m[2]!, m[1]!]] : [];
  }));

function materializeFlow(engineAt: (root: string) => Engine): void {
  const root = tempDir("xorq-materialize-");
  const engine = engineAt(root);
  const run = async (args: string[]) => {
    const r = await xorq(root, args, { ...engine.env });
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    return statuses(r.stdout);
  };
  const sorted = (sql: string) => engine.query(sql);

  beforeAll(() => writeFiles(root, projectFiles(engine)));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("creates every materialized model's relation and points prod's views at them", async () => {
    expect(await run(["run"])).toEqual({ stg_orders: "created", by_region: "created", big_regions: "created", first_order: "computed" });
    expect(await sorted(`select region, total, n from marts.by_region order by region`)).toEqual([
      { region: "north", total: 40, n: 2 },
      { region: "south", total: 20, n: 1 },
    ]);
    expect(await sorted(`select region from marts.big_regions order by region`)).toEqual([{ region: "north" }, { region: "south" }]);
    expect(await sorted(`select id from ${engine.prodSchema}.stg_orders order by id`)).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    // The physical relations are named by key; the ephemeral model left nothing.
    const physical = (await sorted(`select table_name from information_schema.tables where table_schema = 'xorq_physical' order by table_name`)).map((r) => r["table_name"]);
    expect(physical).toHaveLength(4);
    expect(physical).toContain("_xorq_environments");
    expect(physical.filter((n) => /^(main|public|marts)__\w+__[0-9a-f]{20}$/.test(String(n)))).toHaveLength(3);
    expect(await sorted(`select table_name from information_schema.tables where table_name = 'first_order'`)).toEqual([]);
    const results = JSON.parse(readFileSync(join(root, "target/run_results.json"), "utf8")) as { env: string; results: Array<{ name: string; rows: number | null; relation?: string }> };
    expect(results.env).toBe("prod");
    expect(results.results.find((r) => r.name === "by_region")).toMatchObject({ rows: 2, relation: "marts.by_region" });
  });

  it("reuses every relation on a second run, and recomputes an edited model and its descendants only", async () => {
    expect(await run(["run"])).toEqual({ stg_orders: "reused", by_region: "reused", big_regions: "reused", first_order: "computed" });
    writeFileSync(join(root, "xorq_project/models/marts/by_region.sql"), "select region, sum(amount) * 10 as total, count(*) as n from {{ ref('stg_orders') }} group by region\n");
    expect(await run(["run"])).toEqual({ stg_orders: "reused", by_region: "created", big_regions: "created", first_order: "computed" });
    expect(await sorted(`select region, total from marts.big_regions order by region`)).toEqual([{ region: "north", total: 400 }, { region: "south", total: 200 }]);
  });

  it("--env ci after an edit computes only the edited model and its descendants; prod keeps its views", async () => {
    writeFileSync(join(root, "xorq_project/models/marts/big_regions.yaml"), "materialized: view\nfrom: ref('by_region')\nsteps:\n  - filter: \"total > 250\"\n");
    expect(await run(["run", "--env", "ci"])).toEqual({ stg_orders: "reused", by_region: "reused", big_regions: "created", first_order: "computed" });
    expect(await sorted(`select region from marts__ci.big_regions order by region`)).toEqual([{ region: "north" }]);
    expect(await sorted(`select region from marts.big_regions order by region`)).toEqual([{ region: "north" }, { region: "south" }]);
    expect(await sorted(`select count(*) as n from ${engine.prodSchema}__ci.stg_orders`)).toEqual([{ n: 3 }]);
    const state = await sorted(`select env, model from xorq_physical._xorq_environments order by env, model`);
    expect(state.filter((r) => r["env"] === "ci").map((r) => r["model"])).toEqual(["big_regions", "by_region", "stg_orders"]);
  });

  it("env ls lists both environments; env promote ci prod repoints prod's views and computes nothing", async () => {
    const ls = await xorq(root, ["env", "ls", "--json"], { ...engine.env });
    expect(ls.code, ls.stderr).toBe(0);
    expect((JSON.parse(ls.stdout) as Array<{ env: string; models: number }>).map((e) => [e.env, e.models])).toEqual([["ci", 3], ["prod", 3]]);
    const promote = await xorq(root, ["env", "promote", "ci", "prod"], { ...engine.env });
    expect(promote.code, promote.stderr).toBe(0);
    expect(promote.stdout).toMatch(/promoted\s+big_regions\s+marts\.big_regions/);
    expect(promote.stdout).toMatch(/unchanged\s+by_region/);
    expect(await sorted(`select region from marts.big_regions order by region`)).toEqual([{ region: "north" }]);
    expect(await run(["run"])).toEqual({ stg_orders: "reused", by_region: "reused", big_regions: "reused", first_order: "computed" });
  });

  it("show prints a model's rows from its environment's view, or computes an ephemeral one", async () => {
    const shown = await xorq(root, ["show", "big_regions", "--env", "ci", "--json"], { ...engine.env });
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ view: "marts__ci.big_regions", rows: 1, head: [{ region: "north" }] });
    const table = await xorq(root, ["show", "by_region", "--limit", "1"], { ...engine.env });
    expect(table.stdout).toMatch(/region\s+total\s+n\n/);
    expect(table.stdout).toContain("(1 of 2 rows)");
    const ephemeral = await xorq(root, ["show", "first_order", "--json"], { ...engine.env });
    expect(JSON.parse(ephemeral.stdout)).toMatchObject({ view: null, rows: 1, head: [{ id: "1" }] }) // int64 as a string, as `xorq run BUILD --json` prints it;
    const missing = await xorq(root, ["show", "by_region", "--env", "nope"], { ...engine.env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("model 'by_region' has no view in environment 'nope' yet");
  });

  it("recomputes a model whose source data changed (its key holds the source's change signal)", async () => {
    writeFileSync(join(root, "xorq_project/data/orders.csv"), `${ORDERS}5,west,70\n`);
    expect(await run(["run"])).toEqual({ stg_orders: "created", by_region: "created", big_regions: "created", first_order: "computed" });
    expect(await sorted(`select region from marts.by_region order by region`)).toEqual([{ region: "north" }, { region: "south" }, { region: "west" }]);
  });

  it("--full-refresh computes a table again in place; --select runs the selection and reads the rest from their relations", async () => {
    expect((await run(["run", "--full-refresh", "--select", "by_region"]))).toEqual({ by_region: "created" });
    expect(await sorted(`select count(*) as n from marts.by_region`)).toEqual([{ n: 3 }]);
    expect(await run(["run", "--select", "big_regions"])).toEqual({ big_regions: "reused" });
  });

  it("env diff compares two environments; env rm drops one's views; env gc drops what no view reads, keeping a view's inputs", async () => {
    const cli = async (...args: string[]) => {
      const r = await xorq(root, args, { ...engine.env });
      expect(r.code, `${args.join(" ")}\n${r.stdout}\n${r.stderr}`).toBe(0);
      return r.stdout;
    };
    const physical = async () => (await sorted(`select table_name from information_schema.tables where table_schema = 'xorq_physical' order by table_name`)).map((r) => String(r["table_name"])).filter((n) => n !== "_xorq_environments");
    const pointedAt = async () => new Set((await sorted(`select relation from xorq_physical._xorq_environments where env <> ''`)).map((r) => String(r["relation"])));
    // ci still reads the relations of before the data changed; prod those of after.
    const diff = JSON.parse(await cli("env", "diff", "ci", "prod", "--json")) as Array<{ name: string; status: string; a: string; b: string }>;
    expect(diff.map((d) => [d.name, d.status])).toEqual([["big_regions", "changed"], ["by_region", "changed"], ["stg_orders", "changed"]]);
    expect(await cli("env", "diff", "prod", "prod")).toContain("diff prod prod: 0 differ, 3 same");

    // dev's big_regions (a view over dev's by_region table) becomes prod's; then dev goes.
    writeFileSync(join(root, "xorq_project/models/marts/by_region.sql"), "select region, sum(amount) * 100 as total, count(*) as n from {{ ref('stg_orders') }} group by region\n");
    expect(await run(["run", "--env", "dev"])).toEqual({ stg_orders: "reused", by_region: "created", big_regions: "created", first_order: "computed" });
    await cli("env", "promote", "dev", "prod", "--select", "big_regions");
    expect(await cli("env", "rm", "dev")).toMatch(/dropped\s+by_region\s+marts__dev\.by_region[\s\S]*env rm dev: 3 views dropped/);
    await cli("env", "rm", "ci");
    expect(JSON.parse(await cli("env", "ls", "--json")).map((e: { env: string }) => e.env)).toEqual(["prod"]);
    expect(await sorted(`select schema_name from information_schema.schemata where schema_name like '%\\_\\_ci' or schema_name like '%\\_\\_dev'`)).toEqual([]);
    const refused = await xorq(root, ["env", "rm", "prod"], { ...engine.env });
    expect(refused.code).toBe(2);

    const before = await physical();
    const used = await pointedAt();
    expect(JSON.parse(await cli("env", "gc", "--dry-run", "--older-than", "1d", "--json"))).toEqual([]);
    const planned = (JSON.parse(await cli("env", "gc", "--dry-run", "--json")) as Array<{ relation: string }>).map((r) => r.relation);
    expect(await physical()).toEqual(before);
    expect(planned.length).toBeGreaterThan(0);
    expect(planned.filter((r) => used.has(r))).toEqual([]);
    // dev's by_region table: no environment's view reads it, but prod's big_regions relation does.
    const devByRegion = before.filter((n) => n.startsWith("marts__by_region__") && !used.has(n) && !planned.includes(n));
    expect(devByRegion).toHaveLength(1);
    expect(await cli("env", "gc")).toContain(`env gc: ${planned.length} relation${planned.length === 1 ? "" : "s"} dropped`);
    expect(await physical()).toEqual(before.filter((n) => !planned.includes(n)));
    expect(await sorted(`select region, total from marts.big_regions order by region`)).toEqual([{ region: "north", total: 4000 }, { region: "south", total: 2000 }, { region: "west", total: 7000 }]);
    // prod's by_region now reads dev's table (kept above): its previous one is the only unused relation.
    expect(await run(["run"])).toEqual({ stg_orders: "reused", by_region: "reused", big_regions: "reused", first_order: "computed" });
    expect(JSON.parse(await cli("env", "gc", "--dry-run", "--json"))).toEqual([expect.objectContaining({ relation: expect.stringMatching(/^marts__by_region__/), kind: "table" })]);
  });
}

describe("xorq run materializes models in a DuckDB file", () => {
  materializeFlow((root) => ({
    profile: "{ kind: duckdb, path: wh.duckdb }",
    prodSchema: "main",
    query: (sql) => queryDuckDBFile(join(root, "xorq_project/wh.duckdb"), sql),
  }));
});

describePg("xorq run materializes models in PostgreSQL", () => {
  // A database of its own, so parallel test files cannot disturb it.
  const db = `xt_materialize_${process.pid}`;
  const admin = xo.postgres.connectEnv({ name: "pg_admin" });
  const client = new pg.Client({ database: db });
  beforeAll(async () => {
    await admin.run(`DROP DATABASE IF EXISTS ${db}`);
    await admin.run(`CREATE DATABASE ${db}`);
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await admin.run(`DROP DATABASE IF EXISTS ${db}`);
    await admin.close();
  });
  materializeFlow(() => ({
    profile: '{ kind: postgres, host: "${env:PGHOST}", port: "${env:PGPORT:-5432}", user: "${env:PGUSER}", database: "${env:PGDATABASE}" }',
    prodSchema: "public",
    env: { PGDATABASE: db },
    async query(sql) {
      // count(*) and sum() of integers are bigint and numeric in PostgreSQL: as numbers here.
      const { rows } = await client.query({ text: sql, types: { getTypeParser: () => (v: string) => (/^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v) } });
      return rows as Rows;
    },
  }));
});
