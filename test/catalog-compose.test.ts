/**
 * Xorq's "compose catalog entries" flow, from a directory holding only a cloned catalog
 * (and the composing code): `xorq catalog compose ALIAS… --code FILE.ts --alias NEW`
 * adds the expression FILE.ts's default export makes of the entries; the new entry runs
 * and traces from the catalog alone, with the hash the same composition has through
 * the library.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as xo from "../src/index.js";
import { Catalog } from "../src/catalog/catalog.js";
import { xorqInProcess as xorq } from "./helpers/cli.js";
import { rowsOf } from "./helpers/data.js";
import { tempDir } from "./helpers/project.js";
import { publishShopCatalog } from "./helpers/shop-catalog.js";

const { _ } = xo;

let root: string;
let remote: string;

beforeAll(async () => {
  root = tempDir("xorq-catalog-compose-");
  ({ remote } = await publishShopCatalog(root, { orders: "stg_orders", customers: "customers_clean" }));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SPEND = [
  'import { _, type Table } from "xorq";',
  "",
  "/** What each customer spent: the orders entry joined to the customers entry. */",
  "export default (orders: Table, customers: Table): Table =>",
  '  orders.join(customers, "customer_id").groupBy("name").agg({ orders: _.count(), spent: _.amount_eur.sum() }).orderBy("name");',
  "",
].join("\n");

describe("xorq catalog compose", () => {
  it("adds a composition of entries from a clone alone; it runs, traces, and has the library composition's hash", async () => {
    const dir = join(root, "clone");
    const { catalog } = await Catalog.init(join(dir, "catalog"), { remote });
    writeFileSync(join(dir, "spend.ts"), SPEND);
    expect(readdirSync(dir).sort()).toEqual(["catalog", "spend.ts"]);
    try {
      const composed = await xorq(dir, ["catalog", "--catalog", "catalog", "compose", "orders", "customers", "--code", "spend.ts", "--alias", "spend"]);
      expect(composed.stderr).toBe("");
      expect(composed.code).toBe(0);
      const [added, alias] = composed.stdout.trim().split("\n");
      const hash = /^added ([0-9a-f]{12}) \(model spend\)$/.exec(added!)![1]!;
      expect(alias).toBe(`alias spend -> ${hash}`);

      // The same composition through the library is the same entry (same hash, same files) and the same rows.
      const orders = (await catalog.get("orders", { baseDir: dir })).expr();
      const customers = (await catalog.get("customers", { baseDir: dir })).expr();
      const library = orders.join(customers, "customer_id").groupBy("name").agg({ orders: _.count(), spent: _.amount_eur.sum() }).orderBy("name");
      expect(await catalog.add(library, { alias: "spend", name: "spend" })).toMatchObject({ hash, added: false, updated: false });
      const expected = rowsOf(await library.execute());
      expect(expected.length).toBeGreaterThan(0);

      const ran = await xorq(dir, ["run", "spend", "--catalog", "catalog", "-o", "spend.json"]);
      expect(ran.stderr).toBe("");
      expect(JSON.parse(readFileSync(join(dir, "spend.json"), "utf8"))).toEqual(JSON.parse(JSON.stringify(expected, (_k, v) => (typeof v === "bigint" ? Number(v) : v))));
      const lineage = await xorq(dir, ["lineage", "spend", "--catalog", "catalog", "--column", "spent"]);
      expect(lineage.code).toBe(0);
      expect(lineage.stdout).toContain("Read:data/orders.csv");

      // Composing again is a no-op; the catalog's work tree stays clean.
      const again = await xorq(dir, ["catalog", "--catalog", "catalog", "compose", "orders", "customers", "--code", "spend.ts", "--alias", "spend"]);
      expect(again.stdout).toContain(`${hash} (model spend) is already in the catalog`);
      expect(execFileSync("git", ["-C", join(dir, "catalog"), "status", "--porcelain"], { encoding: "utf8" })).toBe("");
    } finally {
      await catalog.close();
    }
  });

  it("says what is wrong with the code: no function, or no expression returned", async () => {
    const dir = join(root, "bad");
    const { catalog } = await Catalog.init(join(dir, "catalog"), { remote });
    await catalog.close();
    writeFileSync(join(dir, "not-fn.ts"), "export default 42;\n");
    writeFileSync(join(dir, "not-table.ts"), "export default () => ({ rows: 1 });\n");
    const notFn = await xorq(dir, ["catalog", "--catalog", "catalog", "compose", "orders", "--code", "not-fn.ts", "--alias", "x"]);
    expect(notFn.code).not.toBe(0);
    expect(notFn.stderr).toMatch(/default export must be a function of the entries' expressions, got a number/);
    const notTable = await xorq(dir, ["catalog", "--catalog", "catalog", "compose", "orders", "--code", "not-table.ts", "--alias", "x"]);
    expect(notTable.stderr).toMatch(/returned an object \(Object\), not an expression/);
    const missing = await xorq(dir, ["catalog", "--catalog", "catalog", "compose", "orders", "--code", "spend.ts"]);
    expect(missing.code).not.toBe(0);
  });
});
