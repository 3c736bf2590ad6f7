import { textParams } from "../connection-params.js";
import type { EngineDefinition } from "../engine.js";
import { DatabricksDialect } from "./databricks-dialect.js";

/** A Databricks SQL warehouse or cluster through `@databricks/sql`; the token only as `${env:…}`. */
export const databricksEngine: EngineDefinition = {
  kind: "databricks",
  dialect: new DatabricksDialect(),
  params: ["host", "http_path", "token", "catalog", "schema"],
  required: ["host", "http_path", "token"],
  secrets: ["token"],
  settingTypes: {},
  forks: true,
  async open(ref, params) {
    const { DatabricksBackend } = await import("./databricks-backend.js");
    return new DatabricksBackend({ name: ref.name, ...textParams(params) });
  },
};
