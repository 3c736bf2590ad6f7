/**
 * PostgreSQL tests run against a real server: `npm test` (scripts/test.mjs) starts a
 * throwaway cluster and sets XORQ_TEST_PG=1 with PGHOST/PGPORT/PGUSER/PGDATABASE.
 * Without it they are skipped, saying so, except in CI, where a missing server fails.
 */
import { describe, it } from "vitest";

export const PG_ENABLED = process.env.XORQ_TEST_PG === "1";

const WHY = "XORQ_TEST_PG is not set (run `npm test`, which starts a throwaway PostgreSQL, or export PGHOST/PGPORT/PGUSER/PGDATABASE and XORQ_TEST_PG=1)";

/** `describe` for suites that need PostgreSQL. */
export function describePg(name: string, body: () => void): void {
  if (PG_ENABLED) describe(name, body);
  else if (process.env.CI) {
    describe(name, () => {
      it("has a PostgreSQL server", () => {
        throw new Error(`PostgreSQL tests cannot run in CI: ${WHY}`);
      });
    });
  } else {
    console.warn(`skipping "${name}": ${WHY}`);
    describe.skip(`${name} (skipped: ${WHY})`, body);
  }
}
