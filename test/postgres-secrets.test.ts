/**
 * A password given through the environment (or literally) is used to log in and
 * appears nowhere else: not in the expression (hash, YAML, graph, SQL), not in errors.
 * The test server trusts every login, so any password connects.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import * as xo from "../src/index.js";
import { executeToTable } from "../src/backends/executor.js";
import { redact } from "../src/backends/secrets.js";
import { toGraph } from "../src/expr/canonical.js";
import { describePg } from "./helpers/postgres.js";

const MARKER = `pw-marker-${process.pid}-${Date.now()}`;
const LITERAL = `literal-${MARKER}`;

describePg("secrets stay out of expressions and messages", () => {
  const saved = process.env.PGPASSWORD;
  let pg: xo.PostgresBackend;
  let literal: xo.PostgresBackend;
  const duck = xo.connect({ name: "duck_secrets" });

  beforeAll(async () => {
    process.env.PGPASSWORD = MARKER;
    pg = xo.postgres.connectEnv({ name: "pg_secrets" });
    literal = xo.postgres.connect({ name: "pg_literal", host: process.env.PGHOST, port: process.env.PGPORT, user: process.env.PGUSER, database: process.env.PGDATABASE, password: LITERAL });
    await pg.run("DROP TABLE IF EXISTS xt_secret_t; CREATE TABLE xt_secret_t AS SELECT g AS id, 'r' || (g % 3) AS region FROM generate_series(1, 100) g");
  });

  afterAll(async () => {
    await pg.run("DROP TABLE IF EXISTS xt_secret_t");
    await pg.close();
    await literal.close();
    await duck.close();
    if (saved === undefined) delete process.env.PGPASSWORD;
    else process.env.PGPASSWORD = saved;
  });

  it("keeps references in the expression and the secret out of everything it serializes", async () => {
    expect(pg.ref.params.password).toBe("${env:PGPASSWORD:-}");
    expect(literal.ref.params).not.toHaveProperty("password");
    const exprs = [
      (await pg.table("xt_secret_t")).filter(xo._.id.gt(10)).intoBackend(duck).groupBy("region").agg({ n: xo._.count() }),
      (await literal.table("xt_secret_t")).intoBackend(duck).intoBackend(pg),
      await pg.sql("SELECT region, count(*) AS n FROM xt_secret_t GROUP BY 1"),
    ];
    for (const e of exprs) {
      const serialized = [
        e.toYaml(), e.hash(), JSON.stringify(toGraph(e.node)), JSON.stringify(e.node),
        ...["duckdb", "postgres", "snowflake", "bigquery"].map((d) => e.toSql(d)),
      ].join("\n");
      expect(serialized).not.toContain(MARKER);
      expect((await e.execute()).numRows).toBeGreaterThan(0);
    }
  });

  it("keeps the secret out of SQL errors and connection errors", async () => {
    const failing = (await pg.table("xt_secret_t")).mutate({ x: xo._.id.floordiv(0) });
    const sqlError = await executeToTable(failing.node, { context: failing.context, label: "model m" }).catch((e: Error) => e);
    const badEnv = xo.postgres.connectEnv({ name: "pg_bad_env" });
    const oldPort = process.env.PGPORT;
    process.env.PGPORT = "1";
    const envError = await badEnv.table("t").catch((e: Error) => e);
    process.env.PGPORT = oldPort;
    const literalError = await xo.postgres.connect({ name: "pg_bad", host: "127.0.0.1", port: 1, password: LITERAL }).table("t").catch((e: Error) => e);
    for (const e of [sqlError, envError, literalError]) {
      expect(e).toBeInstanceOf(Error);
      const text = `${(e as Error).message}\n${(e as Error).stack}\n${String((e as Error).cause)}`;
      expect(text).not.toContain(MARKER);
    }
    expect((envError as Error).message).toMatch(/cannot connect to postgres 'pg_bad_env' \(.*:1\/.*\): connect ECONNREFUSED/);
  });

  it("scrubs secrets a driver might echo", () => {
    expect(redact(`password authentication failed: "${MARKER}" rejected`, [MARKER])).toBe('password authentication failed: "***" rejected');
    expect(redact("short ab values stay", ["ab", undefined, ""])).toBe("short ab values stay");
  });
});
