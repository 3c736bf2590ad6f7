/**
 * A catalog entry as a project input (issue 16.2): `catalog: ALIAS` in sources/*.yaml
 * makes the entry's expression a source, read by every model kind as `source('name')`
 * (YAML `from:`, SQL `{{ source() }}`, TS `source()`), run from the project's cloned
 * catalog in the project's own engines.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as xo from "../src/index.js";
import { Catalog } from "../src/catalog/catalog.js";
import { xorqInProcess as xorq } from "./helpers/cli.js";
import { rowsOf } from "./helpers/data.js";
import { tempDir, writeFiles } from "./helpers/project.js";
import { publishShopCatalog } from "./helpers/shop-catalog.js";

const { _ } = xo;

let root: string;
let remote: string;

beforeAll(async () => {
  root = tempDir("xorq-catalog-source-");
  ({ remote } = await publishShopCatalog(root, { orders: "stg_orders", customers: "customers_clean" }));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A project whose only data is its clone of the shared catalog. */
const PROJECT = {
  "xorq_project/project.yaml": "name: reports\ndefault_profile: local\n",
  "xorq_project/profiles.yaml": 'profiles:\n  local: { kind: duckdb, path: ":memory:" }\n',
  "xorq_project/sources/catalog.yaml": "sources:\n  - name: orders\n    catalog: orders\n  - name: customers\n    catalog: customers\n",
  "xorq_project/models/open_orders.yaml": "from: source('orders')\nsteps:\n  - filter: \"status == 'open'\"\n",
  "xorq_project/models/by_status.sql": "select status, count(*) as n from {{ source('orders') }} group by status\n",
  "xorq_project/models/spend.ts": [
    'import { model, _ } from "xorq";',
    "",
    'export default model({ name: "spend" }, ({ ref, source }) =>',
    '  ref("open_orders").join(source("customers"), "customer_id").groupBy("name").agg({ spent: _.amount_eur.sum() }));',
    "",
  ].join("\n"),
};

async function parquetRows(file: string): Promise<Array<Record<string, unknown>>> {
  const rows = rowsOf(await (await xo.deferredReadParquet(file)).execute());
  return rows.map((r) => JSON.parse(JSON.stringify(r, (_k, v) => (typeof v === "bigint" ? Number(v) : v))) as Record<string, unknown>).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

describe("catalog entries as sources", () => {
  it("YAML, SQL and TS models read entries of the project's catalog; results match the entries' own expressions", async () => {
    const project = join(root, "reports");
    writeFiles(project, PROJECT);
    const { catalog } = await Catalog.init(join(project, "catalog"), { remote });
    try {
      const ran = await xorq(project, ["run", "--output-dir", "out"]);
      expect(ran.stderr).toBe("");
      expect(ran.code).toBe(0);

      const orders = (await catalog.get("orders", { baseDir: project })).expr();
      const customers = (await catalog.get("customers", { baseDir: project })).expr();
      const open = orders.filter(_.status.eq("open"));
      const expected = {
        open_orders: rowsOf(await open.execute()),
        by_status: rowsOf(await orders.groupBy("status").agg({ n: _.count() }).execute()),
        spend: rowsOf(await open.join(customers, "customer_id").groupBy("name").agg({ spent: _.amount_eur.sum() }).execute()),
      };
      for (const [model, rows] of Object.entries(expected)) {
        expect(rows.length, model).toBeGreaterThan(0);
        const sort = (rs: Array<Record<string, unknown>>) => rs.map((r) => JSON.parse(JSON.stringify(r, (_k, v) => (typeof v === "bigint" ? Number(v) : v))) as Record<string, unknown>).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
        expect(await parquetRows(join(project, "out", `${model}.parquet`)), model).toEqual(sort(rows));
      }

      // Lineage goes through the entry down to the file it carries.
      const lineage = await xorq(project, ["lineage", "spend", "--column", "spent"]);
      expect(lineage.stdout).toMatch(/Read:.*catalog\/entries\/[0-9a-f]{12}\/reads\/[0-9a-f]{64}\.csv #/);
    } finally {
      await catalog.close();
    }
  });

  it("refuses an entry whose engine is not a profile of the project, and a missing alias, naming the source", async () => {
    const project = join(root, "other");
    writeFiles(project, {
      ...PROJECT,
      "xorq_project/project.yaml": "name: other\ndefault_profile: wh\n",
      "xorq_project/profiles.yaml": 'profiles:\n  wh: { kind: duckdb, path: ":memory:" }\n',
      "xorq_project/sources/catalog.yaml": "sources:\n  - name: orders\n    catalog: orders\n  - name: customers\n    catalog: no-such-alias\n",
    });
    const { catalog } = await Catalog.init(join(project, "catalog"), { remote });
    await catalog.close();
    const ran = await xorq(project, ["build"]);
    expect(ran.code).not.toBe(0);
    expect(ran.stderr).toMatch(/catalog entry 'orders' .*engine 'local' \(duckdb\), which is not a profile here/);
    expect(ran.stderr).toMatch(/catalog entry 'no-such-alias'/);
  });
});
