import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // DuckDB and PostgreSQL tests are CPU-bound on a 2-core machine; forks isolate native state.
    pool: "forks",
  },
});
