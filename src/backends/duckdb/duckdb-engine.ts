import { isAbsolute, resolve } from "node:path";
import type { EngineDefinition } from "../engine.js";
import { DuckDBDialect } from "./duckdb-dialect.js";

/** Embedded DuckDB: in memory, or a database file relative to the project. */
export const duckdbEngine: EngineDefinition = {
  kind: "duckdb",
  dialect: new DuckDBDialect(),
  params: ["path"],
  required: [],
  secrets: [],
  settingTypes: {},
  forks: true,
  async open(ref, params, options) {
    const raw = String(params["path"] ?? ":memory:");
    const path = raw === ":memory:" || isAbsolute(raw) ? raw : resolve(options.baseDir, raw);
    const { DuckDBBackend } = await import("./duckdb-backend.js");
    return new DuckDBBackend({ name: ref.name, path, baseDir: options.baseDir });
  },
};
