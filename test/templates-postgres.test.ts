/**
 * The postgres templates' seed script loads into a real PostgreSQL, and the expression
 * strings of their YAML models run there with the same results as in DuckDB over the
 * duckdb template's CSV files (the same generated rows).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import * as xo from "../src/index.js";
import { parseSortKey, parseValueExpression } from "../src/project/expression-language/expression-parser.js";
import { describePg } from "./helpers/postgres.js";
import { rowsOf } from "./helpers/data.js";

const ROOT = new URL("..", import.meta.url).pathname;
// A schema of our own, so a developer's server keeps its xorq_demo.
const SCHEMA = `xorq_seed_test_${process.pid}`;
const vars = { min_amount: 20 };
const parse = (text: string) => parseValueExpression(text, { vars });

describePg("postgres templates", () => {
  const client = new pg.Client();
  let pgCon: xo.PostgresBackend;
  const duck = xo.connect({ name: "template_csv" });

  beforeAll(async () => {
    await client.connect();
    const seed = readFileSync(join(ROOT, "templates/postgres/xorq_project/data/seed.sql"), "utf8");
    expect(readFileSync(join(ROOT, "templates/multi-engine/xorq_project/data/seed.sql"), "utf8")).toBe(seed);
    await client.query(seed.replaceAll("xorq_demo", SCHEMA));
    pgCon = xo.postgres.connectEnv({ name: "template_pg" });
  });

  afterAll(async () => {
    await pgCon?.close();
    await duck.close();
    await client.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await client.end();
  });

  it("loads the seed: the same rows as the duckdb template's CSV files", async () => {
    const counts = await client.query(`SELECT (SELECT count(*) FROM ${SCHEMA}.customers) AS c, (SELECT count(*) FROM ${SCHEMA}.orders) AS o`);
    const csvLines = (f: string) => readFileSync(join(ROOT, "templates/duckdb/xorq_project/data", f), "utf8").trim().split("\n").length - 1;
    expect(counts.rows[0]).toEqual({ c: String(csvLines("customers.csv")), o: String(csvLines("orders.csv")) });
  });

  it("runs the templates' YAML expressions in PostgreSQL as DuckDB does over the CSV", async () => {
    const monthly = (orders: xo.Table) =>
      orders
        .filter(parse("status in ('shipped', 'delivered') and amount >= var('min_amount')"))
        .mutate({ order_month: parse("date_trunc('month', order_date)"), amount_eur: parse("round(amount * 0.92, 2)") })
        .groupBy(parse("cast(order_month as varchar)").name("month"))
        .agg({
          orders: parse("count(*)"),
          customers: parse("count(distinct customer_id)"),
          revenue: parse("cast(sum(amount) as double)"),
          revenue_eur: parse("cast(sum(amount_eur) as double)"),
        })
        .orderBy(parseSortKey("month", { vars }));
    const inPg = rowsOf(await monthly(await pgCon.table(`${SCHEMA}.orders`)).execute());
    const inDuck = rowsOf(await monthly(await xo.deferredReadCsv(join(ROOT, "templates/duckdb/xorq_project/data/orders.csv"), duck)).execute());
    expect(inPg).toHaveLength(12);
    expect(inPg.map((r) => [r.month, r.orders, r.customers])).toEqual(inDuck.map((r) => [r.month, r.orders, r.customers]));
    inPg.forEach((r, i) => {
      expect(r.revenue).toBeCloseTo(inDuck[i]!.revenue as number, 6);
      expect(r.revenue_eur).toBeCloseTo(inDuck[i]!.revenue_eur as number, 6);
    });
  });
});
