import { textParams } from "../connection-params.js";
import type { EngineDefinition } from "../engine.js";
import { BigQueryDialect } from "./bigquery-dialect.js";

/** A BigQuery project through `@google-cloud/bigquery`; credentials the SDK's usual way. */
export const bigqueryEngine: EngineDefinition = {
  kind: "bigquery",
  dialect: new BigQueryDialect(),
  params: ["project_id", "dataset", "location", "key_file"],
  required: ["project_id"],
  secrets: [],
  settingTypes: {},
  forks: true,
  async open(ref, params) {
    const { BigQueryBackend } = await import("./bigquery-backend.js");
    return new BigQueryBackend({ name: ref.name, ...textParams(params) });
  },
};
