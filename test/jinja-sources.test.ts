/**
 * dbt-style sources (issue 15, item 5): a `sources:` entry with `schema`, `database` and
 * `tables:` (each with `identifier`, description, columns, tests, freshness kept as
 * metadata), read with `source('src', 'table')`, next to today's one-name sources. Through
 * the CLI in-process (build first: `npx tsc -p tsconfig.json`) on a DuckDB file.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as xo from "../src/index.js";
import { xorqInProcess } from "./helpers/cli.js";
import { SHOP, tempDir, writeFiles } from "./helpers/project.js";

const DBT_SOURCES = [
  "sources:",
  "  - name: ecom",
  "    description: The shop's raw tables.",
  "    schema: raw",
  "    profile: warehouse",
  "    loader: fivetran",
  "    freshness: { warn_after: { count: 12, period: hour } }",
  "    tables:",
  "      - name: raw_orders",
  "        identifier: orders_v2",
  "        description: One row per order.",
  "        loaded_at_field: _loaded_at",
  "        columns:",
  "          - name: id",
  "            description: The order's id.",
  "            data_tests: [unique, not_null]",
  "      - name: raw_customers",
  "  - name: stripe",
  "    schema: payments",
  "    profile: warehouse",
  "    tables:",
  "      - name: raw_orders",
  "",
].join("\n");

async function warehouse(path: string): Promise<void> {
  const con = xo.connect({ name: "writer", path });
  try {
    await con.run("CREATE SCHEMA raw; CREATE SCHEMA payments");
    await con.run("CREATE TABLE raw.orders_v2 AS SELECT range AS id, range % 3 AS customer_id FROM range(10)");
    await con.run("CREATE TABLE raw.raw_customers AS SELECT range AS customer_id, 'c' || range AS name FROM range(3)");
    await con.run("CREATE TABLE payments.raw_orders AS SELECT range AS id, 100 AS cents FROM range(4)");
  } finally {
    await con.close();
  }
}

describe("dbt-style sources", () => {
  it("source('src', 'table') reads <schema>.<identifier>; two sources' tables of one name stay apart; one-name sources still work", async () => {
    const dir = tempDir("xorq-jinja-sources-");
    const db = join(dir, "xorq_project", "warehouse.duckdb");
    writeFiles(dir, {
      ...SHOP,
      "xorq_project/profiles.yaml": 'profiles:\n  local: { kind: duckdb, path: ":memory:" }\n  warehouse: { kind: duckdb, path: warehouse.duckdb }\n',
      "xorq_project/sources/dbt.yaml": DBT_SOURCES,
      "xorq_project/models/orders_by_customer.sql": [
        "---",
        "profile: warehouse",
        "---",
        "with raw_orders as (select * from {{ source('ecom', 'raw_orders') }}),",
        "payments as (select * from {{ source('stripe', 'raw_orders') }})",
        "select c.name, count(*) as orders, (select sum(cents) from payments) as cents",
        "from raw_orders o join {{ source('ecom', 'raw_customers') }} c using (customer_id)",
        "group by c.name order by c.name",
      ].join("\n"),
    });
    await warehouse(db);
    const build = await xorqInProcess(dir, ["build"]);
    expect(build.code, build.stderr).toBe(0);
    const ls = JSON.parse((await xorqInProcess(dir, ["ls", "--output", "json"])).stdout) as Array<{ name: string; hash: string; sources: string[] }>;
    const model = ls.find((m) => m.name === "orders_by_customer")!;
    expect(model.sources.sort()).toEqual(["ecom.raw_customers", "ecom.raw_orders", "stripe.raw_orders"]);
    const out = join(dir, "rows.json");
    const run = await xorqInProcess(dir, ["run", model.hash.slice(0, 12), "-o", out]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(readFileSync(out, "utf8"))).toEqual([
      { name: "c0", orders: 4, cents: 400 },
      { name: "c1", orders: 3, cents: 400 },
      { name: "c2", orders: 3, cents: 400 },
    ]);
  });

  it("an unknown table of a source is reported at the call", async () => {
    const dir = tempDir("xorq-jinja-sources-");
    writeFiles(dir, {
      ...SHOP,
      "xorq_project/profiles.yaml": 'profiles:\n  local: { kind: duckdb, path: ":memory:" }\n  warehouse: { kind: duckdb, path: ":memory:" }\n',
      "xorq_project/sources/dbt.yaml": DBT_SOURCES,
      "xorq_project/models/m.sql": "select 1 {# x #}\nfrom {{ source('ecom', 'nope') }}",
    });
    const r = await xorqInProcess(dir, ["build"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/xorq_project\/models\/m\.sql:2:9: .*ecom\.nope/);
  });

  it("a source needs one of read_parquet, read_csv, table or tables", async () => {
    const dir = tempDir("xorq-jinja-sources-");
    writeFiles(dir, { ...SHOP, "xorq_project/sources/bad.yaml": "sources:\n  - name: nothing\n" });
    const r = await xorqInProcess(dir, ["build"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:2:\d+: sources\[0\]: a source needs exactly one of read_parquet:, read_csv:, table:, catalog: or tables:/);
  });
});
