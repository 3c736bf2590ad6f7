/**
 * Expected SQL per dialect, kept as files: test/golden/<case>/<dialect>.sql.
 * Refresh after an intended change with UPDATE_GOLDEN=1 and review the diff.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CASES } from "./helpers/golden-cases.js";

const GOLDEN = new URL("./golden/", import.meta.url).pathname;
const DIALECTS = ["duckdb", "postgres", "snowflake", "bigquery"] as const;

describe("golden SQL per dialect", () => {
  for (const [name, build] of Object.entries(CASES)) {
    it(name, () => {
      const expr = build();
      for (const dialect of DIALECTS) {
        const sql = expr.toSql(dialect) + "\n";
        const file = join(GOLDEN, name, `${dialect}.sql`);
        if (process.env.UPDATE_GOLDEN === "1" || !existsSync(file)) {
          mkdirSync(join(GOLDEN, name), { recursive: true });
          writeFileSync(file, sql);
        }
        expect(sql, `${name}/${dialect}.sql`).toBe(readFileSync(file, "utf8"));
      }
    });
  }

  it("every golden DuckDB query runs in DuckDB", async () => {
    for (const build of Object.values(CASES)) await build().execute();
  });
});
