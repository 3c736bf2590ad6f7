/**
 * Expected SQL per dialect, kept as files: test/golden/<case>/<dialect>.sql, one per
 * engine of the registry. Write or refresh them after an intended change with
 * UPDATE_GOLDEN=1 and review the diff; without it a missing file fails the test.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { availableKinds } from "../src/backends/engines.js";
import { CASES } from "./helpers/golden-cases.js";

const GOLDEN = new URL("./golden/", import.meta.url).pathname;
const DIALECTS = availableKinds();
const UPDATE = process.env.UPDATE_GOLDEN === "1";

describe("golden SQL per dialect", () => {
  for (const [name, build] of Object.entries(CASES)) {
    it(name, () => {
      const expr = build();
      for (const dialect of DIALECTS) {
        const sql = expr.toSql(dialect) + "\n";
        const file = join(GOLDEN, name, `${dialect}.sql`);
        if (UPDATE) {
          mkdirSync(join(GOLDEN, name), { recursive: true });
          writeFileSync(file, sql);
        }
        expect(existsSync(file), `${name}/${dialect}.sql is missing: write it with UPDATE_GOLDEN=1 and review it`).toBe(true);
        expect(sql, `${name}/${dialect}.sql`).toBe(readFileSync(file, "utf8"));
      }
    });
  }

  it("every golden DuckDB query runs in DuckDB", async () => {
    for (const build of Object.values(CASES)) await build().execute();
  });
});
