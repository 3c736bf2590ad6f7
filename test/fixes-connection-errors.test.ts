/**
 * Issue 17.14: a table that cannot be looked up because the connection fails (a refused
 * port, a login the server rejects, a profile that cannot be opened) is a connection
 * failure, and says so; "table … not found" is kept for tables the engine says are not there.
 */
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as xo from "../src/index.js";
import { describePg } from "./helpers/postgres.js";
import { runCli } from "./helpers/cli.js";

/** A local port nothing listens on (taken from the OS, then released). */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

describe("connection failures are not missing tables", () => {
  it("a refused port, in code", async () => {
    const pg = xo.postgres.connect({ name: "pg_refused", host: "127.0.0.1", port: String(await refusedPort()) });
    const error = await pg.table("orders").then(() => null, (e: Error) => e);
    expect(error?.message).toMatch(/^cannot connect to postgres 'pg_refused' \(.*\): .*ECONNREFUSED/);
    expect(error?.message).not.toContain("not found");
    await pg.close();
  });

  it("a refused port and a profile that cannot be opened, through the CLI", async () => {
    const root = mkdtempSync(join(tmpdir(), "xorq-conn-"));
    expect((await runCli(["init", "demo", "--template", "multi-engine"], root)).exitCode).toBe(0);
    const demo = join(root, "demo");
    const refused = await runCli(["ls"], demo, { PGHOST: "127.0.0.1", PGPORT: String(await refusedPort()), PGPASSWORD: "x" });
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toMatch(/xorq_project\/sources\/shop\.yaml:\d+:\d+: cannot connect to postgres 'pg' \(.*\): .*ECONNREFUSED/);
    expect(refused.stderr).not.toContain("not found");
    const unset = await runCli(["ls"], demo, { PGPORT: "notaport", PGPASSWORD: "x" });
    expect(unset.exitCode).toBe(2);
    expect(unset.stderr).toContain("xorq_project/profiles.yaml:6:5: postgres profile 'pg'");
    expect(unset.stderr).not.toContain("not found");
  });

  it("a DuckDB file that cannot be opened", async () => {
    const duck = xo.connect({ name: "duck_unopenable", path: join(tmpdir(), "xorq-no-such-dir", "x.duckdb") });
    await expect(duck.table("orders")).rejects.toThrow(/^cannot open duckdb 'duck_unopenable' \(.*x\.duckdb\): IO Error/);
  });

  it("a table that is not there is still 'not found'", async () => {
    const duck = xo.connect({ name: "duck_missing" });
    await expect(duck.table("no_such_table")).rejects.toThrow("table 'no_such_table' not found in duck_missing (duckdb)");
    await duck.close();
  });
});

describePg("connection failures against a live PostgreSQL", () => {
  it("a login the server rejects is a connection failure; a missing table is not found", async () => {
    const bad = xo.postgres.connect({ name: "pg_bad_login", host: process.env.PGHOST, port: process.env.PGPORT, user: "xorq_no_such_role", database: process.env.PGDATABASE });
    const error = await bad.table("orders").then(() => null, (e: Error) => e);
    expect(error?.message).toMatch(/^cannot connect to postgres 'pg_bad_login' \(.*\): .*xorq_no_such_role/);
    expect(error?.message).not.toContain("not found in");
    await bad.close();
    const pg = xo.postgres.connectEnv({ name: "pg_ok" });
    await expect(pg.table("xorq_no_such_table")).rejects.toThrow("table 'xorq_no_such_table' not found in pg_ok (postgres)");
    await pg.close();
  });
});
