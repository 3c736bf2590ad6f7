#!/usr/bin/env node
/**
 * Generates the sample data shipped by `xorq init` templates and by example-project/,
 * deterministically (a seeded PRNG, no clock): running it again rewrites the same bytes.
 *
 *   node scripts/generate-sample-data.mjs          # (re)write every file
 *   node scripts/generate-sample-data.mjs --check  # exit 1 if a committed file differs
 *
 * Text files (CSV, the PostgreSQL seed script) are produced here; the example project's
 * order_items.parquet is written by DuckDB from the CSV text, so the script needs the
 * installed @duckdb/node-api for that one file.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** mulberry32: a tiny seeded PRNG. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = ["Ada", "Ben", "Chloe", "Dev", "Elif", "Farid", "Grace", "Hugo", "Ines", "Jon", "Kira", "Liam", "Maya", "Noah", "Olga", "Pablo", "Quinn", "Rosa", "Sami", "Tara"];
const LAST = ["Adams", "Baker", "Costa", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jensen", "Kowalski", "Lopez", "Moreau", "Nakamura", "O'Brien", "Patel"];
const REGIONS = ["north", "south", "east", "west"];
const SEGMENTS = ["consumer", "consumer", "consumer", "business"];
const STATUSES = ["delivered", "delivered", "delivered", "shipped", "shipped", "open", "cancelled", "returned"];
const CHANNELS = ["web", "web", "app", "store"];

const pick = (r, xs) => xs[Math.floor(r() * xs.length)];
const pad = (n) => String(n).padStart(2, "0");
/** A day of 2024 (leap year), as YYYY-MM-DD. */
function dayOf2024(dayIndex) {
  const d = new Date(Date.UTC(2024, 0, 1 + dayIndex));
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}
const money = (x) => (Math.round(x * 100) / 100).toFixed(2);

function csvField(v) {
  const s = v === null ? "" : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
function csv(columns, rows) {
  return [columns.join(","), ...rows.map((row) => columns.map((c) => csvField(row[c])).join(","))].join("\n") + "\n";
}

function customers(n, seed) {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const first = pick(r, FIRST);
    const last = pick(r, LAST);
    return {
      customer_id: i + 1,
      name: `${first} ${last}`,
      email: `${first}.${last}${i + 1}@example.com`.toLowerCase().replace(/'/g, ""),
      region: pick(r, REGIONS),
      segment: pick(r, SEGMENTS),
      // Signed up in the second half of 2023, before the orders of 2024.
      signup_date: dayOf2024(Math.floor(r() * 180) - 182),
    };
  });
}

/** Orders of the template projects: one amount per order. */
function simpleOrders(n, customerCount, seed) {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => ({
    order_id: 1001 + i,
    customer_id: 1 + Math.floor(r() * customerCount),
    order_date: dayOf2024(Math.floor((i / n) * 366 + r() * 3) % 366),
    status: pick(r, STATUSES),
    amount: money(5 + r() * r() * 480),
  }));
}

const PRODUCTS = [
  ["Espresso beans 1kg", "coffee", 24.0], ["Filter beans 500g", "coffee", 13.5], ["Decaf beans 500g", "coffee", 14.0],
  ["Cold brew bottle", "coffee", 4.5], ["Green tea 100g", "tea", 9.0], ["Earl grey 100g", "tea", 8.5],
  ["Chai blend 200g", "tea", 11.0], ["Rooibos 100g", "tea", 7.5], ["Ceramic mug", "kitchen", 12.0],
  ["Travel mug", "kitchen", 19.0], ["Pour-over dripper", "kitchen", 26.0], ["Paper filters x100", "kitchen", 5.0],
  ["Burr grinder", "equipment", 89.0], ["Gooseneck kettle", "equipment", 59.0], ["Milk frother", "equipment", 35.0],
  ["Espresso machine", "equipment", 349.0], ["Digital scale", "equipment", 29.0], ["Cleaning tablets", "kitchen", 9.5],
  ["Almond biscotti", "snacks", 6.0], ["Dark chocolate bar", "snacks", 3.5], ["Oat cookies", "snacks", 4.0],
  ["Gift card 25", "gift", 25.0], ["Gift card 50", "gift", 50.0], ["Tasting box", "gift", 39.0],
];

function products() {
  return PRODUCTS.map(([name, category, price], i) => ({ product_id: 101 + i, name, category, unit_price: price.toFixed(2) }));
}

/** The example shop: orders without amounts, and their line items. */
function shopOrders(n, customerCount, seed) {
  const r = rng(seed);
  const orders = [];
  const items = [];
  for (let i = 0; i < n; i++) {
    const orderId = 5001 + i;
    orders.push({
      order_id: orderId,
      customer_id: 1 + Math.floor(r() * customerCount),
      order_date: dayOf2024(Math.floor((i / n) * 366 + r() * 3) % 366),
      status: pick(r, STATUSES),
      channel: pick(r, CHANNELS),
    });
    const lines = 1 + Math.floor(r() * r() * 5);
    const used = new Set();
    for (let l = 0; l < lines; l++) {
      let p = Math.floor(r() * PRODUCTS.length);
      while (used.has(p)) p = (p + 1) % PRODUCTS.length;
      used.add(p);
      items.push({
        order_id: orderId,
        product_id: 101 + p,
        quantity: 1 + Math.floor(r() * r() * 4),
        unit_price: PRODUCTS[p][2].toFixed(2),
        discount: pick(r, ["0.00", "0.00", "0.00", "0.05", "0.10"]),
      });
    }
  }
  return { orders, items };
}

function sqlValue(v) {
  if (v === null) return "NULL";
  if (typeof v === "number") return String(v);
  if (/^-?\d+\.\d+$/.test(v)) return v;
  return `'${String(v).replace(/'/g, "''")}'`;
}

/** A PostgreSQL script creating the xorq_demo schema with the template's tables; safe to rerun. */
function postgresSeed(customerRows, orderRows) {
  const insert = (table, columns, rows) =>
    `INSERT INTO xorq_demo.${table} (${columns.join(", ")}) VALUES\n` +
    rows.map((row) => `  (${columns.map((c) => sqlValue(row[c])).join(", ")})`).join(",\n") +
    ";\n";
  return [
    "-- Sample data for the xorq postgres templates (generated by scripts/generate-sample-data.mjs).",
    "-- Load it with: psql -f xorq_project/data/seed.sql   (uses PGHOST, PGPORT, PGUSER, PGDATABASE)",
    "-- Everything lives in the schema xorq_demo, which this script recreates.",
    "BEGIN;",
    "DROP SCHEMA IF EXISTS xorq_demo CASCADE;",
    "CREATE SCHEMA xorq_demo;",
    "CREATE TABLE xorq_demo.customers (customer_id integer PRIMARY KEY, name text NOT NULL, email text NOT NULL, region text NOT NULL, segment text NOT NULL, signup_date date NOT NULL);",
    "CREATE TABLE xorq_demo.orders (order_id integer PRIMARY KEY, customer_id integer NOT NULL REFERENCES xorq_demo.customers, order_date date NOT NULL, status text NOT NULL, amount numeric(10,2) NOT NULL);",
    insert("customers", ["customer_id", "name", "email", "region", "segment", "signup_date"], customerRows).trimEnd(),
    insert("orders", ["order_id", "customer_id", "order_date", "status", "amount"], orderRows).trimEnd(),
    "ANALYZE xorq_demo.customers;",
    "ANALYZE xorq_demo.orders;",
    "COMMIT;",
    "",
  ].join("\n");
}

const CUSTOMER_COLUMNS = ["customer_id", "name", "email", "region", "segment", "signup_date"];
const ORDER_COLUMNS = ["order_id", "customer_id", "order_date", "status", "amount"];

/** Every generated text file, by path relative to the repository root. */
export function sampleTextFiles() {
  const templateCustomers = customers(50, 11);
  const templateOrders = simpleOrders(400, 50, 12);
  const shopCustomers = customers(80, 21);
  const shop = shopOrders(600, 80, 22);
  const seed = postgresSeed(templateCustomers, templateOrders);
  return {
    "templates/duckdb/xorq_project/data/customers.csv": csv(CUSTOMER_COLUMNS, templateCustomers),
    "templates/duckdb/xorq_project/data/orders.csv": csv(ORDER_COLUMNS, templateOrders),
    "templates/postgres/xorq_project/data/seed.sql": seed,
    "templates/multi-engine/xorq_project/data/seed.sql": seed,
    "templates/multi-engine/xorq_project/data/customers.csv": csv(CUSTOMER_COLUMNS, templateCustomers),
    "example-project/xorq_project/data/customers.csv": csv(CUSTOMER_COLUMNS, shopCustomers),
    "example-project/xorq_project/data/products.csv": csv(["product_id", "name", "category", "unit_price"], products()),
    "example-project/xorq_project/data/orders.csv": csv(["order_id", "customer_id", "order_date", "status", "channel"], shop.orders),
    // Written as parquet by DuckDB (see writeParquet); the CSV text is its input.
    [ITEMS_CSV]: csv(["order_id", "product_id", "quantity", "unit_price", "discount"], shop.items),
  };
}

const ITEMS_CSV = "example-project/xorq_project/data/order_items.csv";
const ITEMS_PARQUET = "example-project/xorq_project/data/order_items.parquet";

/** Writes through a temporary name, so a crash never leaves half a file. */
function writeAtomic(path, content) {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

async function writeParquet(csvText, target) {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const dir = mkdtempSync(join(tmpdir(), "xorq-sample-"));
  try {
    const source = join(dir, "items.csv");
    writeFileSync(source, csvText);
    const instance = await DuckDBInstance.create(":memory:");
    const con = await instance.connect();
    const out = join(dir, "items.parquet");
    await con.run(
      `COPY (SELECT order_id::INTEGER AS order_id, product_id::INTEGER AS product_id, quantity::INTEGER AS quantity,
                    unit_price::DECIMAL(10,2) AS unit_price, discount::DECIMAL(4,2) AS discount
             FROM read_csv('${source}', header = true) ORDER BY order_id, product_id)
       TO '${out}' (FORMAT parquet)`,
    );
    con.closeSync();
    mkdirSync(dirname(target), { recursive: true });
    writeAtomic(target, readFileSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const check = process.argv.includes("--check");
  let stale = 0;
  for (const [rel, content] of Object.entries(sampleTextFiles())) {
    if (rel === ITEMS_CSV) continue;
    const path = join(ROOT, rel);
    const same = existsSync(path) && readFileSync(path, "utf8") === content;
    if (check) {
      if (!same) {
        console.error(`stale: ${rel}`);
        stale++;
      }
    } else if (!same) {
      writeAtomic(path, content);
      console.log(`wrote ${rel}`);
    }
  }
  if (!check && (process.argv.includes("--parquet") || !existsSync(join(ROOT, ITEMS_PARQUET)))) {
    await writeParquet(sampleTextFiles()[ITEMS_CSV], join(ROOT, ITEMS_PARQUET));
    console.log(`wrote ${ITEMS_PARQUET}`);
  }
  if (stale) process.exit(1);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
