/**
 * Every YAML step kind, loaded as a project and run on real DuckDB, compared with the
 * same pipeline written with the TypeScript API (same nodes, same hash, same rows).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as xo from "../src/index.js";
import { type Project, loadProject } from "../src/project/project.js";
import { SHOP, tempDir, writeFiles } from "./helpers/project.js";

const { _ } = xo;

function rows(t: import("apache-arrow").Table): Array<Record<string, unknown>> {
  return t.toArray().map((r) => Object.fromEntries(Object.entries(r.toJSON()).map(([k, v]) => [k, typeof v === "bigint" ? Number(v) : v])));
}

let project: Project;

beforeAll(async () => {
  const root = tempDir();
  process.env["XORQ_CACHE_DIR"] = `${root}/.xorq-cache`;
  // In-process (vitest runs src/): no TypeScript model, whose hooks live in dist/.
  const { ["xorq_project/models/marts/top_regions.ts"]: _ts, ...shop } = SHOP;
  writeFiles(root, {
    ...shop,
    "xorq_project/profiles.yaml": 'profiles:\n  local: { kind: duckdb, path: ":memory:" }\n  wh: { kind: duckdb, path: ":memory:" }\n',
    "xorq_project/models/steps/every_step.yaml": [
      "from: source('orders')",
      "steps:",
      "  - filter: [\"amount > 0\", \"status != 'cancelled'\"]",
      "  - rename: { state: status }",
      "  - mutate: { big: \"amount > var('min_amount')\", amount2: \"amount * 2\" }",
      "  - drop: [amount2]",
      "  - join: { with: source('customers'), on: [customer_id], how: left }",
      "  - select: [region, segment, state, big, { amount: amount }]",
      "  - group_by: [region, segment]",
      "  - agg: { n: \"count(*)\", total: \"sum(amount)\", bigs: \"sum(case when big then 1 else 0 end)\" }",
      "  - order_by: [\"-total\", region, segment]",
      "  - limit: { n: 5, offset: 1 }",
      "",
    ].join("\n"),
    "xorq_project/models/steps/unioned.yaml": [
      "from: ref('customers_clean')",
      "steps:",
      "  - union: { with: [ref('customers_clean')], distinct: false }",
      "  - distinct: true",
      "  - into_backend: wh",
      "  - order_by: customer_id",
      "  - cache: { storage: parquet, strategy: snapshot }",
      "",
    ].join("\n"),
    "xorq_project/models/steps/other_engine.yaml": [
      "from: source('customers')",
      "profile: wh",
      "steps:",
      "  - join: { with: ref('stg_orders'), on: [customer_id], how: semi }",
      "  - order_by: customer_id",
      "",
    ].join("\n"),
  });
  project = await loadProject({ cwd: root });
}, 60_000);

afterAll(() => project?.close());

describe("YAML steps", () => {
  it("build the same expression as the TypeScript API", async () => {
    const orders = project.sources.get("orders")!.table;
    const customers = project.sources.get("customers")!.table;
    const ts = orders
      .filter(_.amount.gt(0), _.status.ne("cancelled"))
      .rename({ state: "status" })
      .mutate({ big: _.amount.gt(100), amount2: _.amount.mul(2) })
      .drop("amount2")
      .join(customers, ["customer_id"], { how: "left" })
      .select("region", "segment", "state", "big", { amount: _.amount })
      .groupBy("region", "segment")
      .agg({ n: _.count(), total: _.amount.sum(), bigs: xo.cases([[_.big, 1]], 0).sum() })
      .orderBy("-total", "region", "segment")
      .limit(5, 1);
    const yaml = project.models.get("every_step")!;
    expect(rows(await yaml.table.execute())).toEqual(rows(await ts.execute()));
    expect(rows(await yaml.table.execute()).length).toBe(5);
    expect(yaml.vars).toEqual({ min_amount: 100 });
  });

  it("union, distinct, into_backend and cache", async () => {
    const m = project.models.get("unioned")!;
    expect(m.table.node.kind).toBe("cache");
    expect(xo.toGraph(m.table.node).nodes).toSatisfy((nodes: Record<string, { op: string }>) => Object.values(nodes).some((n) => n.op === "into_backend"));
    expect(m.profile).toBe("wh"); // where its rows end up

    expect(rows(await m.table.execute()).map((r) => r["customer_id"])).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("hops an input in another engine into the model's profile", async () => {
    const m = project.models.get("other_engine")!;
    expect(m.profile).toBe("wh");
    const expected = new Set(rows(await project.models.get("stg_orders")!.table.execute()).map((r) => r["customer_id"]));
    expect(rows(await m.table.execute()).map((r) => r["customer_id"])).toEqual([...expected].sort((a, b) => Number(a) - Number(b)));
  });
});
