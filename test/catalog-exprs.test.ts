/**
 * The catalog as a library of expressions, from a directory holding only cloned
 * catalogs: `(await catalog.get(alias)).expr()` runs an entry (its engines opened from
 * the entry's profiles, its reads from the entry's copies, its imports followed),
 * entries compose with each other and with unconnected expressions, and
 * `catalog.add(expr)` adds the composition with a hash that does not depend on where
 * the catalog sits.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as xo from "../src/index.js";
import { Catalog } from "../src/catalog/catalog.js";
import { tempDir } from "./helpers/project.js";
import { publishShopCatalog } from "./helpers/shop-catalog.js";
import { xorqInProcess as xorq } from "./helpers/cli.js";
import { rowsOf } from "./helpers/data.js";

const { _ } = xo;

let root: string;
let remote: string;
let hashes: Readonly<Record<string, string>> = {};

beforeAll(async () => {
  root = tempDir("xorq-catalog-exprs-");
  // by_region imports stg_orders: the add brings it as an entry of its own (no alias).
  ({ remote, hashes } = await publishShopCatalog(root, { by_region: "by_region", customers: "customers_clean" }));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A fresh clone of the shared catalog in a directory of its own. */
async function clone(name: string): Promise<{ dir: string; catalog: Catalog }> {
  const dir = join(root, name);
  const { catalog } = await Catalog.init(join(dir, "catalog"), { remote });
  return { dir, catalog };
}

const sorted = (rows: Array<Record<string, unknown>>) => rows.map((r) => JSON.stringify(r, (_k, v) => (typeof v === "bigint" ? Number(v) : v))).sort();

/** The guide's composition: what each customer spent, from two entries. */
async function spendByCustomer(catalog: Catalog, baseDir: string): Promise<xo.Table> {
  const orders = (await catalog.get(hashes["stg_orders"]!, { baseDir })).expr();
  const customers = (await catalog.get("customers", { baseDir })).expr();
  return orders.join(customers, "customer_id").groupBy("name").agg({ orders: _.count(), spent: _.amount_eur.sum() }).orderBy("name");
}

describe("catalog.get(alias).expr() and catalog.add(expr)", () => {
  it("runs an entry that imports another from a clone alone, with the entry's engines and copies", async () => {
    const { dir, catalog } = await clone("a");
    try {
      const entry = await catalog.get("by_region", { baseDir: dir });
      expect(entry).toMatchObject({ hash: hashes["by_region"], alias: "by_region", model: "by_region" });
      const rows = rowsOf(await entry.expr().execute());
      // What `xorq run` of the alias computes from the same catalog.
      const ran = await xorq(dir, ["run", "by_region", "--catalog", "catalog", "-o", "ref.json"]);
      expect(ran.stderr).toBe("");
      expect(sorted(rows)).toEqual(sorted(JSON.parse(readFileSync(join(dir, "ref.json"), "utf8")) as Array<Record<string, unknown>>));
      expect(rows.length).toBeGreaterThan(0);
      // Extending it with an unconnected expression: one engine, the default one.
      const labels = await xo.sql("select 'north' as region, 'N' as label union all select 'south', 'S'");
      const labelled = entry.expr().join(labels, "region").select("label", "n");
      expect((await labelled.execute()).numRows).toBe(rows.filter((r) => r.region === "north" || r.region === "south").length);
    } finally {
      await catalog.close();
    }
  });

  it("composes two entries, adds the composition with a location-free hash, and gets it back", async () => {
    const a = await clone("b");
    const b = await clone("c");
    try {
      const composedA = await spendByCustomer(a.catalog, a.dir);
      const expected = rowsOf(await composedA.execute());
      expect(expected.length).toBeGreaterThan(0);
      const addedA = await a.catalog.add(composedA, { alias: "spend", name: "spend_by_customer" });
      expect(addedA).toMatchObject({ added: true, model: "spend_by_customer" });
      const entryDir = join(a.catalog.dir, "entries", addedA.hash);
      const reads = readFileSync(join(entryDir, "deferred_reads.yaml"), "utf8");
      // The reads are recorded as the entries recorded them, and carried.
      expect(reads).toContain("path: data/orders.csv");
      expect(reads).toContain("path: data/customers.csv");
      expect(reads).not.toContain(root);
      expect(reads.match(/relocated: reads\//g)).toHaveLength(2);

      // Another clone, elsewhere, composing the same: the same hash.
      const addedB = await b.catalog.add(await spendByCustomer(b.catalog, b.dir), { alias: "spend" });
      expect(addedB.hash).toBe(addedA.hash);

      // Back from the catalog: the same rows, through the library and the CLI.
      const again = (await a.catalog.get("spend", { baseDir: a.dir })).expr();
      expect(rowsOf(await again.execute())).toEqual(expected);
      const ran = await xorq(a.dir, ["run", "spend", "--catalog", "catalog", "-o", "spend.json"]);
      expect(ran.stderr).toBe("");
      expect(sorted(JSON.parse(readFileSync(join(a.dir, "spend.json"), "utf8")) as Array<Record<string, unknown>>)).toEqual(sorted(expected));
      expect(execFileSync("git", ["-C", a.catalog.dir, "status", "--porcelain"], { encoding: "utf8" })).toBe("");
    } finally {
      await a.catalog.close();
      await b.catalog.close();
    }
  });
});

describe("catalog.search and xorq catalog search", () => {
  it("finds entries by text, column, model and tag, all criteria together", async () => {
    const { dir, catalog } = await clone("search");
    try {
      const orders = (await catalog.get(hashes["stg_orders"]!, { baseDir: dir })).expr();
      const added = await catalog.add(orders.groupBy("status").agg({ n: _.count() }), { alias: "by_status", name: "orders_by_status", tags: ["ops", "daily"], description: "Orders per status." });
      const hashesOf = async (q: Parameters<Catalog["search"]>[0]) => (await catalog.search(q)).map((h) => h.hash);
      expect(await hashesOf({})).toHaveLength(4);
      expect(await hashesOf({ column: "CUSTOMER_ID" })).toEqual([hashes["customers_clean"], hashes["stg_orders"]].sort());
      expect(await hashesOf({ model: "by_region" })).toEqual([hashes["by_region"]]);
      expect(await hashesOf({ tag: "ops" })).toEqual([added.hash]);
      expect(await hashesOf({ text: "per status" })).toEqual([added.hash]);
      expect(await hashesOf({ text: "segment" })).toEqual([hashes["by_region"]]); // a column name
      expect(await hashesOf({ text: "custom", column: "name" })).toEqual([hashes["customers_clean"]]); // an alias, and a column
      expect(await hashesOf({ tag: "ops", column: "customer_id" })).toEqual([]);
      const hit = (await catalog.search({ tag: "daily" }))[0]!;
      expect(hit).toMatchObject({ model: "orders_by_status", aliases: ["by_status"], tags: ["ops", "daily"], description: "Orders per status." });
      expect(hit.schema.map((f) => f.name)).toEqual(["status", "n"]);

      const cli = await xorq(dir, ["catalog", "--catalog", "catalog", "search", "--column", "customer_id"]);
      expect(cli.code).toBe(0);
      expect(cli.stdout.split("\n")[0]).toMatch(/^HASH\s+MODEL\s+ALIASES\s+COLUMNS$/);
      expect(cli.stdout).toContain("customers");
      expect(cli.stdout).not.toContain("by_region");
      const json = JSON.parse((await xorq(dir, ["catalog", "--catalog", "catalog", "search", "status", "--tag", "ops", "--json"])).stdout) as Array<{ hash: string; tags: string[] }>;
      expect(json).toEqual([expect.objectContaining({ hash: added.hash, tags: ["ops", "daily"] })]);
      expect((await xorq(dir, ["catalog", "--catalog", "catalog", "search", "nothing-like-this"])).stdout.trim()).toBe("no entry matches");
    } finally {
      await catalog.close();
    }
  });
});
