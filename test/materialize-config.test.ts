/**
 * `materialized:`, `schema:` and `alias:` in every model kind's config and project.yaml's
 * defaults: checked with file:line:col before anything runs, applied by `xorq run`, and
 * never part of a model's hash (a build artifact is the same with or without them).
 * Runs the CLI in-process (build first with `npx tsc -p tsconfig.json`).
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";
import { queryDuckDBFile } from "./helpers/duckdb-file.js";
import { tempDir, writeFiles } from "./helpers/project.js";
import { fitName, environmentView, physicalName } from "../src/materialize/relation-names.js";
import { modelSettings } from "../src/materialize/model-settings.js";
import type { ModelSpec, ProjectConfig } from "../src/project/project-spec.js";

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

function project(files: Record<string, string>, projectYaml = "name: shop\ndefault_profile: wh\n"): string {
  const root = tempDir("xorq-materialize-config-");
  roots.push(root);
  writeFiles(root, {
    "xorq_project/project.yaml": projectYaml,
    "xorq_project/profiles.yaml": 'profiles:\n  wh: { kind: duckdb, path: wh.duckdb }\n  local: { kind: duckdb, path: ":memory:" }\n',
    "xorq_project/data/orders.csv": "id,region,amount\n1,north,10\n2,south,20\n3,north,30\n",
    "xorq_project/sources/shop.yaml": "sources:\n  - name: orders\n    read_csv: data/orders.csv\n",
    ...files,
  });
  return root;
}

const query = (root: string, sql: string) => queryDuckDBFile(join(root, "xorq_project/wh.duckdb"), sql);

describe("materialization config", () => {
  it("refuses an unknown materialization with file:line:col in YAML, SQL front matter, TS config and project.yaml", async () => {
    const root = project({
      "xorq_project/models/a.yaml": "from: source('orders')\nmaterialized: snapshot\n",
      "xorq_project/models/b.sql": "---\nschema: 1bad\n---\nselect * from {{ source('orders') }}\n",
      "xorq_project/models/c.ts": 'import { model } from "xorq";\nexport default model({ materialized: "tabel" as never }, ({ source }) => source("orders"));\n',
      "xorq_project/models/d.sql": "{{ config(materialized='snapshot') }}\nselect * from {{ source('orders') }}\n",
    }, "name: shop\ndefault_profile: wh\nmaterialized: always\n");
    const r = await runCli(["ls"], root);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/xorq_project\/models\/a\.yaml:2:\d+: .*materialized is one of ephemeral, view, table/);
    expect(r.stderr).toMatch(/xorq_project\/models\/b\.sql:2:\d+: .*a schema name uses letters/);
    expect(r.stderr).toMatch(/xorq_project\/models\/c\.ts:2:\d+: materialized must be one of ephemeral, view, table, got 'tabel'/);
    expect(r.stderr).toMatch(/xorq_project\/project\.yaml:3:\d+: .*materialized is one of ephemeral, view, table/);
    expect(r.stderr).toMatch(/xorq_project\/models\/d\.sql:1:1: materialized must be one of ephemeral, view, table, got 'snapshot'/);
  });

  it("refuses, before anything runs, a view whose expression spans engines, naming the key", async () => {
    const root = project({
      "xorq_project/models/hopped.yaml": "materialized: view\nfrom: source('orders')\nsteps:\n  - into_backend: local\n  - filter: \"amount > 10\"\n",
    });
    const r = await runCli(["run"], root);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/xorq_project\/models\/hopped\.yaml:1:1: model 'hopped' cannot be materialized: view because its expression spans engines/);
    // Loading opened the file (the source's schema); nothing was written to it.
    expect(await query(root, "select schema_name from information_schema.schemata where schema_name = 'xorq_physical'")).toEqual([]);
  });

  it("lands a model in the engine its last step runs in, under its schema and alias", async () => {
    const root = project({
      "xorq_project/models/hopped.yaml": "materialized: table\nschema: analytics\nalias: orders_copy\nfrom: source('orders')\nsteps:\n  - into_backend: local\n  - into_backend: wh\n  - filter: \"amount > 10\"\n",
      "xorq_project/models/big.ts": 'import { model, _ } from "xorq";\nexport default model({ materialized: "table" }, ({ ref }) => ref("hopped").filter(_.amount.gt(20)));\n',
      "xorq_project/models/north.sql": "{{ config(materialized='view', schema='jinja') }}\nselect id from {{ ref('big') }} where region = 'north'\n",
    });
    const r = await runCli(["run"], root);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/created\s+hopped/);
    expect(r.stdout).toMatch(/created\s+big/);
    expect(await query(root, "select id from analytics.orders_copy order by id")).toEqual([{ id: 2 }, { id: 3 }]);
    expect(await query(root, "select id from main.big")).toEqual([{ id: 3 }]);
    expect(await query(root, "select id from jinja.north")).toEqual([{ id: 3 }]);
  });

  it("keeps hashes and build artifacts the same with or without materialization settings", async () => {
    const root = project({ "xorq_project/models/clean.yaml": "from: source('orders')\nsteps:\n  - filter: \"amount > 10\"\n" });
    const before = await runCli(["ls", "--output", "json"], root);
    expect((await runCli(["build"], root)).exitCode).toBe(0);
    writeFileSync(join(root, "xorq_project/models/clean.yaml"), "materialized: table\nschema: marts\nalias: clean_orders\nfrom: source('orders')\nsteps:\n  - filter: \"amount > 10\"\n");
    const after = await runCli(["ls", "--output", "json"], root);
    expect(JSON.parse(after.stdout)[0].hash).toBe(JSON.parse(before.stdout)[0].hash);
    const rebuilt = await runCli(["build"], root);
    expect(rebuilt.stdout).toMatch(/unchanged\s+clean/);
    // A build artifact stays portable: running one materializes nothing.
    const hash = JSON.parse(after.stdout)[0].hash.slice(0, 12) as string;
    const refused = await runCli(["run", hash, "--env", "ci"], root);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain("--env: project mode only");
  });

  it("in an in-memory DuckDB, each run creates its relations again (the database starts empty)", async () => {
    const root = project({ "xorq_project/models/clean.yaml": "from: source('orders')\nsteps:\n  - filter: \"amount > 10\"\n" }, "name: shop\ndefault_profile: local\nmaterialized: table\n");
    for (let i = 0; i < 2; i++) {
      const r = await runCli(["run"], root);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/created\s+clean\s+[0-9a-f]{12}\s+\(2 rows/);
    }
  });

  it("a model that fails keeps its environment's previous view; --fail-fast starts nothing after a failure", async () => {
    const root = project({
      "xorq_project/models/m1.sql": "select id, amount from {{ source('orders') }}\n",
      "xorq_project/models/m2.yaml": "from: ref('m1')\nsteps:\n  - filter: \"amount > 10\"\n",
      "xorq_project/models/other.yaml": "from: source('orders')\nsteps:\n  - limit: 1\n",
    }, "name: shop\ndefault_profile: wh\nmaterialized: table\n");
    expect((await runCli(["run"], root)).exitCode).toBe(0);
    // Compiles (the schema probe has no rows), fails on the data.
    writeFileSync(join(root, "xorq_project/models/m1.sql"), "select id, cast(region as integer) as amount from {{ source('orders') }}\n");
    const failed = await runCli(["run", "--threads", "1", "--fail-fast"], root);
    expect(failed.exitCode).toBe(1);
    expect(failed.stdout).toMatch(/error\s+m1/);
    expect(failed.stdout).toMatch(/skipped\s+m2/);
    expect(failed.stdout).toMatch(/skipped\s+other/);
    expect(failed.stdout).toContain("--fail-fast: 'm1' failed");
    expect(await query(root, "select sum(amount) as s from main.m1")).toEqual([{ s: 60 }]);
    expect(await query(root, "select count(*) as n from xorq_physical._xorq_environments where model = 'm1'")).toEqual([{ n: 1 }]);
  });
});

describe("relation names", () => {
  it("follow SPEC and shorten deterministically past the identifier limit, keeping the key whole", () => {
    const key = "0123456789abcdef0123456789abcdef";
    expect(physicalName("marts", "orders", key, 63)).toEqual({ schema: "xorq_physical", name: "marts__orders__0123456789abcdef0123" });
    expect(environmentView("marts", "orders", "prod", 63)).toEqual({ schema: "marts", name: "orders" });
    expect(environmentView("marts", "orders", "ci", 63)).toEqual({ schema: "marts__ci", name: "orders" });
    const long = "a".repeat(70);
    const p = physicalName("marts", long, key, 63);
    expect(Buffer.byteLength(p.name)).toBe(63);
    expect(p.name.endsWith("__0123456789abcdef0123")).toBe(true);
    expect(physicalName("marts", long, key, 63)).toEqual(p);
    expect(physicalName("marts", `${long}b`, key, 63).name).not.toBe(p.name);
    expect(fitName(long, 63)).toHaveLength(63);
    expect(fitName(long, 63)).not.toBe(fitName(`${"a".repeat(69)}b`, 63));
    expect(environmentView("s", long, "prod", 255).name).toBe(long);
  });
});

describe("model settings", () => {
  const config = (extra: Partial<ProjectConfig>): ProjectConfig => ({
    name: "p", defaultProfile: "wh", vars: {}, cache: {}, modelPaths: ["models"], sourcePaths: ["sources"],
    materialized: null, schema: null, env: null, folderDefaults: [], at: { file: "project.yaml", line: 1, col: 1 }, ...extra,
  });
  const spec = (file: string, own: Partial<ModelSpec["materialization"]> = {}): ModelSpec =>
    ({ name: "m", file, materialization: { materialized: null, schema: null, alias: null, ...own } }) as unknown as ModelSpec;

  it("default to ephemeral (what run did before), then project, folders (deepest wins), then the model's own", () => {
    expect(modelSettings(spec("models/m.sql"), config({}))).toEqual({ materialized: "ephemeral", schema: null, alias: "m" });
    const folders = config({
      materialized: "view", schema: "analytics",
      folderDefaults: [{ folder: "marts", materialized: "table", schema: "marts" }, { folder: "marts/finance", materialized: null, schema: "finance" }],
    });
    expect(modelSettings(spec("models/staging/m.sql"), folders)).toEqual({ materialized: "view", schema: "analytics", alias: "m" });
    expect(modelSettings(spec("models/marts/m.sql"), folders)).toEqual({ materialized: "table", schema: "marts", alias: "m" });
    expect(modelSettings(spec("models/marts/finance/m.sql"), folders)).toEqual({ materialized: "table", schema: "finance", alias: "m" });
    expect(modelSettings(spec("models/martsy/m.sql"), folders)).toEqual({ materialized: "view", schema: "analytics", alias: "m" });
    expect(modelSettings(spec("models/marts/m.sql", { materialized: "ephemeral", alias: "x" }), folders)).toEqual({ materialized: "ephemeral", schema: "marts", alias: "x" });
  });
});
