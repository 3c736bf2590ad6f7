/**
 * The duckdb template as a new user meets it: `xorq init demo && cd demo && xorq run`
 * leaves its models in `xorq_project/warehouse.duckdb` (the staging model as a view, the
 * marts as tables), which a plain DuckDB client reads with the rows DuckDB computes from
 * the CSV itself; a second run reuses every model.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { queryDuckDBFile } from "./helpers/duckdb-file.js";
import { tempDir, xorq } from "./helpers/project.js";

const statuses = (stdout: string) =>
  Object.fromEntries(stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l)).filter((e) => e.event === "model_finished").map((e) => [e.name, [e.status, e.rows ?? null]]));

describe("the duckdb template materializes into its DuckDB file", () => {
  it("init + run leaves views and tables a plain client queries; a second run reuses them all", async () => {
    const root = tempDir();
    expect((await xorq(root, ["init", "demo"])).code).toBe(0);
    const demo = join(root, "demo");
    const first = await xorq(demo, ["run", "--json"]);
    expect(first.code, first.stderr).toBe(0);
    const data = join(demo, "xorq_project", "data");
    const want = await queryDuckDBFile(":memory:", `SELECT count(*) AS n FROM read_csv('${join(data, "orders.csv")}') WHERE status IN ('shipped', 'delivered') AND amount >= 20`);
    const kpis = await queryDuckDBFile(":memory:", `SELECT count(DISTINCT date_trunc('month', order_date)) AS n FROM read_csv('${join(data, "orders.csv")}') WHERE status IN ('shipped', 'delivered') AND amount >= 20`);
    expect(statuses(first.stdout)).toEqual({
      clean_orders: ["created", want[0]!["n"]],
      monthly_kpis: ["created", kpis[0]!["n"]],
      revenue_by_region: ["created", expect.any(Number)],
      top_customers: ["created", 10],
    });

    const file = join(demo, "xorq_project", "warehouse.duckdb");
    const kinds = await queryDuckDBFile(file, "SELECT table_schema || '.' || table_name AS name, table_type AS type FROM information_schema.tables ORDER BY 1");
    const byName = Object.fromEntries(kinds.map((r) => [r["name"], r["type"]]));
    for (const m of ["clean_orders", "monthly_kpis", "revenue_by_region", "top_customers"]) expect(byName[`main.${m}`], m).toBe("VIEW");
    const physical = (m: string) => kinds.find((r) => String(r["name"]).startsWith(`xorq_physical.main__${m}__`))?.["type"];
    expect(physical("clean_orders")).toBe("VIEW");
    for (const m of ["monthly_kpis", "revenue_by_region", "top_customers"]) expect(physical(m), m).toBe("BASE TABLE");

    // The rows a plain client reads are the ones DuckDB computes from the CSV.
    const revenue = await queryDuckDBFile(file, "SELECT CAST(sum(orders) AS BIGINT) AS orders, round(sum(revenue), 2) AS revenue FROM main.revenue_by_region");
    const direct = await queryDuckDBFile(":memory:", `SELECT count(*) AS orders, round(sum(amount), 2) AS revenue FROM read_csv('${join(data, "orders.csv")}') o JOIN read_csv('${join(data, "customers.csv")}') c USING (customer_id) WHERE status IN ('shipped', 'delivered') AND amount >= 20`);
    expect(revenue).toEqual(direct);
    expect(await queryDuckDBFile(file, "SELECT count(*) AS n FROM main.clean_orders")).toEqual(want);

    const second = await xorq(demo, ["run", "--json"]);
    expect(second.code, second.stderr).toBe(0);
    expect(Object.values(statuses(second.stdout)).map(([s]) => s)).toEqual(["reused", "reused", "reused", "reused"]);
    expect(statuses(second.stdout)).toEqual(Object.fromEntries(Object.entries(statuses(first.stdout)).map(([k, [, n]]) => [k, ["reused", n]])));
  }, 60_000);
});
