import { textParams } from "../connection-params.js";
import type { EngineDefinition } from "../engine.js";
import { PostgresDialect } from "./postgres-dialect.js";

/** A PostgreSQL server; the password only as `${env:…}`. */
export const postgresEngine: EngineDefinition = {
  kind: "postgres",
  dialect: new PostgresDialect(),
  params: ["host", "port", "user", "password", "database"],
  required: [],
  secrets: ["password"],
  settingTypes: { port: "port" },
  forks: true,
  async open(ref, params) {
    const { PostgresBackend } = await import("./postgres-backend.js");
    return new PostgresBackend({ name: ref.name, ...textParams(params) });
  },
};
