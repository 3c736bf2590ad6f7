/**
 * Issue 17.8: a secret's `${env:VAR:-default}` with a non-empty default is a literal secret
 * in disguise (the default would be written into artifacts and caches): it is refused like
 * a literal, with file:line:col, and nothing of the rejected file is cached in target/.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { xorqInProcess } from "./helpers/cli.js";
import { tempDir, writeFiles } from "./helpers/project.js";

const MARKER = `pw-default-${process.pid}`;

function project(password: string): string {
  const root = tempDir("xorq-secrets-");
  writeFiles(root, {
    "xorq_project/project.yaml": "name: secrets\ndefault_profile: local\n",
    "xorq_project/profiles.yaml": `profiles:\n  local: { kind: duckdb, path: ":memory:" }\n  pg: { kind: postgres, host: db, password: "${password}" }\n`,
    "xorq_project/models/one.sql": "select 1 as x\n",
  });
  return root;
}

describe("secrets in profiles.yaml", () => {
  it("refuses a literal default of a secret, names the place, and caches nothing of it", async () => {
    const root = project(`\${env:XORQ_TEST_NOPE:-${MARKER}}`);
    const r = await xorqInProcess(root, ["ls"]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("xorq_project/profiles.yaml:3:45: profiles.pg.password: holds a literal value; a secret comes from the environment");
    const cache = join(root, "target", "parse_cache.json");
    if (existsSync(cache)) expect(readFileSync(cache, "utf8")).not.toContain(MARKER);
  });

  it("accepts an empty default (no password)", async () => {
    const root = project("${env:XORQ_TEST_NOPE:-}");
    const r = await xorqInProcess(root, ["ls"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("one");
  });
});
