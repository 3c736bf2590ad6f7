/**
 * Issue 17.11: a profile value is checked once `${env:…}` is read. `port: notaport`
 * given through an environment variable must not connect to 5432 (or hang): it is an
 * error naming the profile and the value.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import * as xo from "../src/index.js";
import { openBackend } from "../src/backends/connections.js";
import { runCli } from "./helpers/cli.js";

const VAR = "XORQ_TEST_BAD_PORT";

describe("profile values are validated after env substitution", () => {
  afterEach(() => {
    delete process.env[VAR];
  });

  it("xorq ls names the profile whose port is not a number", async () => {
    const root = mkdtempSync(join(tmpdir(), "xorq-port-"));
    expect((await runCli(["init", "demo", "--template", "multi-engine"], root)).exitCode).toBe(0);
    const out = await runCli(["ls"], join(root, "demo"), { PGPORT: "notaport", PGPASSWORD: "x" });
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toContain("xorq_project/profiles.yaml:6:5: postgres profile 'pg': port must be a port number (1-65535), got 'notaport' (from ${env:PGPORT:-5432})");
  });

  it("openBackend refuses the profile before connecting", async () => {
    process.env[VAR] = "54x";
    const profile = { name: "pg_bad", kind: "postgres", params: { port: `\${env:${VAR}}` } };
    await expect(openBackend(profile, { baseDir: tmpdir() })).rejects.toThrow("postgres profile 'pg_bad': port must be a port number (1-65535), got '54x'");
  });

  it("a connection made in code says the same when it opens", async () => {
    process.env[VAR] = "70000";
    const pg = xo.postgres.connect({ name: "pg_code", port: `\${env:${VAR}}` });
    await expect(pg.listTables()).rejects.toThrow("cannot connect to postgres 'pg_code': port must be a port number (1-65535), got '70000'");
    await pg.close();
  });

  it("accepts a numeric port, literal or from the environment", async () => {
    process.env[VAR] = "5433";
    const profile = { name: "pg_ok", kind: "postgres", params: { port: `\${env:${VAR}}` } };
    const b = await openBackend(profile, { baseDir: tmpdir() });
    expect(b.ref.params["port"]).toBe("5433");
    await b.close();
  });
});
