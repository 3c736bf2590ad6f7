import { textParams } from "../connection-params.js";
import type { EngineDefinition } from "../engine.js";
import { SnowflakeDialect } from "./snowflake-dialect.js";

/** A Snowflake account through `snowflake-sdk`; the password only as `${env:…}`. */
export const snowflakeEngine: EngineDefinition = {
  kind: "snowflake",
  dialect: new SnowflakeDialect(),
  params: ["account", "user", "password", "warehouse", "database", "schema", "role", "authenticator", "privateKeyPath"],
  required: ["account"],
  secrets: ["password"],
  settingTypes: {},
  forks: true,
  async open(ref, params) {
    const { SnowflakeBackend } = await import("./snowflake-backend.js");
    return new SnowflakeBackend({ name: ref.name, ...textParams(params) });
  },
};
