/**
 * The SQL `xorq run` uses to materialize models, per engine, kept as golden files
 * (test/golden/materialize/<dialect>.sql; refresh with UPDATE_GOLDEN=1 and review the
 * diff): schemas, staged table writes and their rename, physical views, environment
 * views, full refreshes and the state table. Snowflake, BigQuery and Databricks are
 * checked here offline; the DuckDB script also runs, in an in-memory DuckDB.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { availableKinds, isBackendKind } from "../src/backends/engines.js";
import type { MaterializationDdl } from "../src/backends/materialization-ddl.js";
import { ddlFor } from "../src/materialize/engine-ddl.js";
import { PHYSICAL_SCHEMA, environmentView, physicalName, stagingName, stateTable } from "../src/materialize/relation-names.js";

const GOLDEN = new URL("./golden/materialize/", import.meta.url).pathname;
const UPDATE = process.env.UPDATE_GOLDEN === "1";
const KEY = "5f3a9c0e1b2d4f6a8c0e1b2d4f6a8c0e1b2d4f6a8c0e1b2d4f6a8c0e1b2d4f6a";

/** Every statement of a model's first run, a second environment and a full refresh, in the order `xorq run` issues them. */
function script(ddl: MaterializationDdl): string[] {
  const physical = physicalName("marts", "orders_by_region", KEY, ddl.identifierLimit);
  const staging = stagingName(KEY, "0a1b2c3d");
  const prod = environmentView("marts", "orders_by_region", "prod", ddl.identifierLimit);
  const ci = environmentView("marts", "orders_by_region", "ci", ddl.identifierLimit);
  const row = (env: string, view: { schema: string; name: string }) => ({
    env, model: "orders_by_region", view: `${view.schema}.${view.name}`, relation: physical.name, key: KEY,
    materialized: "table", rows: 3, updatedAt: "2026-01-02T03:04:05.000Z",
  });
  const viewPhysical = physicalName("marts", "big_regions", KEY, ddl.identifierLimit);
  return [
    ddl.createSchema(PHYSICAL_SCHEMA),
    ddl.createStateTable(stateTable()),
    ddl.listRelations(PHYSICAL_SCHEMA),
    ddl.readState(stateTable()),
    ddl.createTableAs(staging, "SELECT 'north' AS region, 3 AS n"),
    ddl.renameTable(staging, physical.name),
    ddl.dropTable(staging),
    ddl.createViewAs(viewPhysical, `SELECT * FROM ${ddl.qualified(physical)} WHERE n > 1`),
    ddl.createSchema(prod.schema),
    ...ddl.atomically([...ddl.pointView(prod, physical), ...ddl.writeState(stateTable(), row("prod", prod))]),
    ddl.createSchema(ci.schema),
    ...ddl.atomically([...ddl.pointView(ci, physical), ...ddl.writeState(stateTable(), row("ci", ci))]),
    ddl.createTableAs(staging, "SELECT 'south' AS region, 4 AS n"),
    ...ddl.atomically(ddl.replaceRows(physical, staging)),
    ddl.dropTable(staging),
    // env rm ci, then env gc.
    ...ddl.atomically([ddl.dropView(ci), ddl.deleteState(stateTable(), "ci", "orders_by_region")]),
    ddl.listRelations(ci.schema),
    ddl.dropSchema(ci.schema),
    ddl.listViewDefinitions(PHYSICAL_SCHEMA),
    ddl.dropView(viewPhysical),
  ];
}

describe("materialization SQL per engine", () => {
  for (const kind of availableKinds()) {
    it(kind, () => {
      if (!isBackendKind(kind)) throw new Error(kind);
      const sql = `${script(ddlFor(kind)).join(";\n\n")};\n`;
      const file = join(GOLDEN, `${kind}.sql`);
      if (UPDATE) {
        mkdirSync(GOLDEN, { recursive: true });
        writeFileSync(file, sql);
      }
      expect(existsSync(file), `materialize/${kind}.sql is missing: write it with UPDATE_GOLDEN=1 and review it`).toBe(true);
      expect(sql).toBe(readFileSync(file, "utf8"));
    });
  }

  it("the DuckDB script runs: prod's view reads the refreshed relation, ci and the unused physical view are gone", async () => {
    const instance = await DuckDBInstance.create(":memory:");
    const con = await instance.connect();
    try {
      for (const s of script(ddlFor("duckdb"))) await con.run(s);
      const rows = async (sql: string) => (await con.runAndReadAll(sql)).getRowObjectsJS();
      expect(await rows("SELECT region, n FROM marts.orders_by_region")).toEqual([{ region: "south", n: 4 }]);
      expect(await rows("SELECT env FROM xorq_physical._xorq_environments ORDER BY env")).toEqual([{ env: "prod" }]);
      expect(await rows("SELECT schema_name FROM information_schema.schemata WHERE schema_name = 'marts__ci'")).toEqual([]);
      expect(await rows("SELECT table_name FROM information_schema.tables WHERE table_schema = 'xorq_physical' ORDER BY 1")).toEqual([
        { table_name: "_xorq_environments" }, { table_name: "marts__orders_by_region__5f3a9c0e1b2d4f6a8c0e" },
      ]);
    } finally {
      con.closeSync();
      instance.closeSync();
    }
  });

  it("PostgreSQL names stay within 63 bytes", () => {
    const ddl = ddlFor("postgres");
    const long = "orders_by_region_and_customer_segment_and_fiscal_quarter_rollup";
    const p = physicalName("analytics", long, KEY, ddl.identifierLimit);
    expect(Buffer.byteLength(p.name)).toBeLessThanOrEqual(63);
    expect(Buffer.byteLength(environmentView("analytics", `${long}_x`, "feature_branch_environment_with_a_long_name", 63).schema)).toBeLessThanOrEqual(63);
  });
});
