/**
 * Two `xorq run` processes materializing the same models at once in one PostgreSQL (two
 * checkouts of one project, as two people or a CI job sharing a warehouse): both succeed,
 * each key ends with one complete relation, no staging table is left, and the state
 * table holds one row per environment and model. The source is a PostgreSQL table, so
 * both checkouts compute the same keys.
 */
import { rmSync } from "node:fs";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import * as xo from "../src/index.js";
import { describePg } from "./helpers/postgres.js";
import { tempDir, writeFiles, xorq } from "./helpers/project.js";

describePg("two runs materializing the same keys at once", () => {
  const db = `xt_materialize_race_${process.pid}`;
  const admin = xo.postgres.connectEnv({ name: "pg_admin" });
  const client = new pg.Client({ database: db });
  const roots = [tempDir("xorq-race-a-"), tempDir("xorq-race-b-")];
  const files = {
    "xorq_project/project.yaml": "name: shop\ndefault_profile: pg\nmaterialized: table\n",
    "xorq_project/profiles.yaml": 'profiles:\n  pg: { kind: postgres, host: "${env:PGHOST}", port: "${env:PGPORT:-5432}", user: "${env:PGUSER}", database: "${env:PGDATABASE}" }\n',
    "xorq_project/sources/shop.yaml": "sources:\n  - name: orders\n    table: public.orders\n",
    "xorq_project/models/stg_orders.yaml": "from: source('orders')\nsteps:\n  - filter: \"amount > 1\"\n",
    "xorq_project/models/by_region.sql": "select region, sum(amount) as total from {{ ref('stg_orders') }} group by region\n",
    "xorq_project/models/regions.yaml": "materialized: view\nfrom: ref('by_region')\nsteps:\n  - select: [region]\n",
  };

  beforeAll(async () => {
    await admin.run(`DROP DATABASE IF EXISTS ${db}`);
    await admin.run(`CREATE DATABASE ${db}`);
    await client.connect();
    await client.query("CREATE TABLE public.orders AS SELECT i AS id, (ARRAY['north','south','east'])[1 + i % 3] AS region, i * 3 AS amount FROM generate_series(1, 5000) AS i");
    // This session's write counters reach pg_stat (the table's change signal) at its next transaction end, not at once.
    await client.query("SELECT pg_stat_force_next_flush()");
    await client.query("SELECT 1");
    for (const root of roots) writeFiles(root, files);
  });

  afterAll(async () => {
    await client.end();
    await admin.run(`DROP DATABASE IF EXISTS ${db}`);
    await admin.close();
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });

  it("both succeed and leave one relation per key", async () => {
    const runs = await Promise.all(roots.map((root) => xorq(root, ["run"], { PGDATABASE: db })));
    for (const r of runs) expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const physical = (await client.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'xorq_physical' ORDER BY 1")).rows.map((r) => r.table_name as string);
    expect(physical.filter((n) => n.startsWith("_xorq_tmp_"))).toEqual([]);
    expect(physical.filter((n) => !n.startsWith("_xorq_"))).toHaveLength(3);
    // The relations' own records (env ''): one per relation, whichever run wrote it last.
    const records = (await client.query("SELECT model, count(*)::int AS n FROM xorq_physical._xorq_environments WHERE env = '' GROUP BY 1 ORDER BY 1")).rows;
    expect(records).toEqual(physical.filter((n) => !n.startsWith("_xorq_")).map((model) => ({ model, n: 1 })));
    const state = (await client.query("SELECT env, model, count(*)::int AS n FROM xorq_physical._xorq_environments WHERE env <> '' GROUP BY 1, 2 ORDER BY 2")).rows;
    expect(state).toEqual([
      { env: "prod", model: "by_region", n: 1 },
      { env: "prod", model: "regions", n: 1 },
      { env: "prod", model: "stg_orders", n: 1 },
    ]);
    expect((await client.query("SELECT region, total::int AS total FROM public.by_region ORDER BY region")).rows).toHaveLength(3);
    // And a third run, in either checkout, reuses everything.
    const again = await xorq(roots[1]!, ["run"], { PGDATABASE: db });
    expect(again.stdout).toMatch(/0 created, 3 reused/);
  });
});
