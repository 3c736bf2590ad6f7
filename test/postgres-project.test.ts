/**
 * The multi-engine template as a user runs it, against a real PostgreSQL: a YAML model
 * that filters in PostgreSQL and hops into DuckDB with `into_backend:`, built and run
 * by the CLI (`node dist/cli/main.js`; build first). PGPASSWORD holds a marker: it
 * must appear in no file the tool writes and in none of its output, errors included.
 * Each run gets its own database, so parallel test files cannot disturb it.
 */
import { appendFileSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import * as xo from "../src/index.js";
import { type CliResult, tempDir, xorq } from "./helpers/project.js";
import { describePg } from "./helpers/postgres.js";

const MARKER = `xorq-pw-marker-${process.pid}-${Date.now()}`;
const DB = `xt_project_${process.pid}`;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describePg("a multi-engine project (PostgreSQL -> DuckDB) through the CLI", () => {
  const admin = xo.postgres.connectEnv({ name: "pg_admin" });
  const root = tempDir("xorq-pg-project-");
  const demo = join(root, "demo");
  const env = { PGDATABASE: DB, PGPASSWORD: MARKER };
  const outputs: CliResult[] = [];
  const run = async (args: string[], extra: Record<string, string> = {}) => {
    const r = await xorq(args[0] === "init" ? root : demo, args, { ...env, ...extra });
    outputs.push(r);
    return r;
  };
  let db: xo.PostgresBackend;

  beforeAll(async () => {
    await admin.run(`DROP DATABASE IF EXISTS ${DB}`);
    await admin.run(`CREATE DATABASE ${DB}`);
    expect((await run(["init", "demo", "--template", "multi-engine"])).code).toBe(0);
    // A CSV source whose profile is PostgreSQL: DuckDB reads it (relative to the project) and moves it in.
    appendFileSync(join(demo, "xorq_project/sources/shop.yaml"), "  - name: customers_in_pg\n    profile: pg\n    read_csv: data/customers.csv\n");
    writeFileSync(join(demo, "xorq_project/models/business_by_region.yaml"),
      "from: source('customers_in_pg')\nsteps:\n  - filter: \"segment = 'business'\"\n  - group_by: [region]\n  - agg: { n: \"count(customer_id)\" }\n");
    db = xo.postgres.connect({ name: "pg_seed", host: process.env.PGHOST, port: process.env.PGPORT, user: process.env.PGUSER, database: DB });
    await db.run(readFileSync(join(demo, "xorq_project/data/seed.sql"), "utf8"));
  });

  afterAll(async () => {
    await db.close();
    await admin.run(`DROP DATABASE IF EXISTS ${DB}`);
    await admin.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("builds and runs the models, the hop included, with results PostgreSQL agrees with", async () => {
    const build = await run(["build"]);
    expect(build.code, build.stderr).toBe(0);
    const sqlYaml = readFileSync(join(demo, "builds", readdirSync(join(demo, "builds")).find((h) => readFileSync(join(demo, "builds", h, "metadata.json"), "utf8").includes('"orders_with_customers"'))!, "sql.yaml"), "utf8");
    expect(sqlYaml).toContain("dialect: postgres");
    expect(sqlYaml).toContain('FROM "_xorq_hop_');

    const result = await run(["run"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/created\s+orders_with_customers/); // the template leaves it as a table in its DuckDB file
    const csv = readFileSync(join(demo, "xorq_project/data/customers.csv"), "utf8").trim().split("\n");
    const header = csv[0]!.split(",");
    const regions = new Set(csv.slice(1).map((l) => l.split(",")).filter((c) => c[header.indexOf("segment")] === "business").map((c) => c[header.indexOf("region")]));
    expect(result.stdout).toMatch(new RegExp(`computed\\s+business_by_region\\s+\\w+\\s+\\(${regions.size} rows`));

    const manifest = JSON.parse(readFileSync(join(demo, "target/manifest.json"), "utf8"));
    const top = (manifest.models ?? manifest).find?.((m: { name: string }) => m.name === "top_customers") ?? manifest.models?.top_customers;
    const hash = String(top.hash).slice(0, 12);
    const out = await run(["run", hash, "-o", join(root, "top.json")]);
    expect(out.code, out.stderr).toBe(0);
    const got = JSON.parse(readFileSync(join(root, "top.json"), "utf8")) as Array<{ customer_id: number; orders: number; revenue: number }>;
    const want = await (await db.sql(`SELECT customer_id, count(*) AS orders, sum(amount)::float8 AS revenue FROM xorq_demo.orders
      WHERE status IN ('shipped', 'delivered') AND amount >= 20 GROUP BY 1 ORDER BY 3 DESC, 1 LIMIT 10`)).execute();
    expect(got.map((r) => [r.customer_id, r.orders, Number(r.revenue)])).toEqual(
      want.toArray().map((r) => [r.customer_id, Number(r.orders), Math.round(r.revenue * 100) / 100]),
    );
  });

  it("reports errors with the model's name and the SQL, and an unreachable server with its place, never the password", async () => {
    writeFileSync(join(demo, "xorq_project/models/bad.yaml"), `name: bad\nfrom: source('orders')\nsteps:\n  - filter: "amount / (order_id - order_id) > 1"\n`);
    try {
      const failed = await run(["run", "--select", "bad"]);
      expect(failed.code).toBe(1);
      expect(failed.stdout + failed.stderr).toMatch(/bad[\s\S]*postgres 'pg' failed: division by zero \(SQLSTATE 22012\)[\s\S]*SQL:[\s\S]*FROM "xorq_demo"."orders"/);
    } finally {
      rmSync(join(demo, "xorq_project/models/bad.yaml"));
    }
    // The source's schema is read when the project loads, so an unreachable server stops it there.
    const down = await run(["run", "--select", "orders_with_customers"], { PGPORT: "1" });
    expect(down.code).toBe(2);
    expect(down.stdout + down.stderr).toMatch(/sources\/shop\.yaml:\d+:\d+: .*cannot connect to postgres 'pg' \(xorq@127\.0\.0\.1:1\/xt_project_\d+\): connect ECONNREFUSED/);
  });

  it("writes the password nowhere: not in artifacts, manifests, caches, outputs or messages", () => {
    const written = filesUnder(root).filter((f) => readFileSync(f).includes(MARKER));
    expect(written).toEqual([]);
    for (const o of outputs) expect(o.stdout + o.stderr).not.toContain(MARKER);
    // And the artifacts do keep the reference, so they run elsewhere.
    const profiles = filesUnder(join(demo, "builds")).filter((f) => f.endsWith("profiles.yaml"));
    expect(profiles.length).toBeGreaterThan(0);
    for (const f of profiles) expect(readFileSync(f, "utf8")).toContain("${env:PGPASSWORD");
  });
});
