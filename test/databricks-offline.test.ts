/**
 * Databricks without a warehouse: result types and values (rows shaped as
 * `@databricks/sql` returns them) -> Arrow, Arrow -> the statements that load a table,
 * the change signal's SQL, and the backend's whole conversation with a stand-in for the
 * driver. The query SQL of every golden case is in test/golden/<case>/databricks.sql.
 */
import * as arrow from "apache-arrow";
import { afterEach, describe, expect, it, vi } from "vitest";
import * as xo from "../src/index.js";
import { readInt128 } from "../src/backends/column-builder.js";
import { Connections } from "../src/backends/connections.js";
import { RowBatcher } from "../src/backends/row-batcher.js";
import {
  databricksHistorySignal, databricksHistorySql, databricksLastAlteredSignal, databricksLastAlteredSql,
} from "../src/backends/databricks/databricks-change-signal.js";
import { DatabricksDialect } from "../src/backends/databricks/databricks-dialect.js";
import {
  databricksValue, describedSchema, fromDatabricksType, ingestStatements, streamSql, valuesLists,
} from "../src/backends/databricks/databricks-values.js";

const d = new DatabricksDialect();

/** What the stand-in driver was asked, and the rows it answers with per statement prefix. */
const driver = vi.hoisted(() => ({
  statements: [] as string[],
  answers: new Map<string, Array<Record<string, unknown>>>(),
  failing: [] as string[],
  connected: [] as unknown[],
  closed: 0,
}));

vi.mock("@databricks/sql", () => {
  const operation = (sql: string) => {
    const key = [...driver.answers.keys()].find((k) => sql.startsWith(k));
    let rows = key ? driver.answers.get(key)! : [];
    return {
      fetchAll: async () => rows,
      hasMoreRows: async () => rows.length > 0,
      fetchChunk: async ({ maxRows }: { maxRows: number }) => {
        const chunk = rows.slice(0, maxRows);
        rows = rows.slice(maxRows);
        return chunk;
      },
      close: async () => undefined,
    };
  };
  class DBSQLClient {
    async connect(options: unknown) {
      driver.connected.push(options);
      return this;
    }
    async openSession() {
      return {
        executeStatement: async (sql: string) => {
          driver.statements.push(sql);
          if (driver.failing.some((f) => sql.startsWith(f))) throw new Error(`[PARSE_SYNTAX_ERROR] in: ${sql}`);
          return operation(sql);
        },
        close: async () => undefined,
      };
    }
    async close() {
      driver.closed++;
    }
  }
  return { DBSQLClient };
});

afterEach(() => {
  driver.statements.length = 0;
  driver.answers.clear();
  driver.failing.length = 0;
  driver.connected.length = 0;
  driver.closed = 0;
  delete process.env.XORQ_TEST_DBX_TOKEN;
});

describe("Databricks results -> Arrow (offline)", () => {
  // DESCRIBE QUERY rows, as the driver returns them.
  const described = [
    { col_name: "id", data_type: "bigint", comment: null }, { col_name: "price", data_type: "decimal(12,2)", comment: null },
    { col_name: "f", data_type: "double", comment: null }, { col_name: "i", data_type: "int", comment: null },
    { col_name: "s", data_type: "string", comment: null }, { col_name: "b", data_type: "boolean", comment: null },
    { col_name: "bin", data_type: "binary", comment: null }, { col_name: "d", data_type: "date", comment: null },
    { col_name: "ntz", data_type: "timestamp_ntz", comment: null }, { col_name: "ts", data_type: "timestamp", comment: null },
    { col_name: "arr", data_type: "array<int>", comment: null }, { col_name: "v", data_type: "varchar(10)", comment: null },
    { col_name: "# Partition Information", data_type: "", comment: "" }, { col_name: "d", data_type: "date", comment: null },
  ];
  const schema = describedSchema(described);

  it("maps Spark's type names to ours, stopping at DESCRIBE's partition section", () => {
    expect(schema.map((f) => f.type)).toEqual([
      "int64", "decimal(12,2)", "float64", "int32", "string", "boolean", "binary", "date", "timestamp", "timestamp('UTC')", "json", "string",
    ]);
    expect(["tinyint", "smallint", "float", "void", "decimal", "interval day to second", "struct<a:int>", "variant"].map(fromDatabricksType))
      .toEqual(["int8", "int16", "float32", "null", "decimal(10,0)", "string", "json", "json"]);
  });

  it("has the warehouse send the values the driver would round as text", () => {
    expect(streamSql(d, "SELECT 1 AS i", [{ name: "i", type: "int32" }])).toBe("SELECT 1 AS i");
    expect(streamSql(d, "SELECT * FROM t", schema.slice(0, 4).concat(schema.slice(6, 10)))).toBe(
      "SELECT CAST(`id` AS STRING) AS `id`, CAST(`price` AS STRING) AS `price`, `f`, `i`, HEX(`bin`) AS `bin`, CAST(`d` AS STRING) AS `d`, " +
        "DATE_FORMAT(`ntz`, 'yyyy-MM-dd HH:mm:ss.SSSSSS') AS `ntz`, DATE_FORMAT(`ts`, 'yyyy-MM-dd HH:mm:ss.SSSSSS') AS `ts`" +
        " FROM (\nSELECT * FROM t\n) AS _xorq_q",
    );
  });

  it("converts the driver's rows exactly", () => {
    const rows: Array<Record<string, unknown>> = [
      { id: "9223372036854775807", price: "-1234567890.12", f: Infinity, i: 7, s: "it's \"ü\"\n\\", b: true, bin: "00FF", d: "2024-02-29",
        ntz: "2024-02-29 12:34:56.789012", ts: "1969-12-31 23:59:59.999999", arr: [1, 2], v: "x" },
      { id: null, price: null, f: null, i: null, s: null, b: null, bin: null, d: null, ntz: null, ts: null, arr: null, v: null },
      { id: "-42", price: "0.05", f: -1.5, i: -1, s: "", b: false, bin: "", d: "0001-01-01", ntz: "1900-01-01 00:00:00.000000",
        ts: "2262-04-11 23:47:16.854775", arr: "[3]", v: "" },
    ];
    const batcher = new RowBatcher(schema);
    for (const row of rows) batcher.push(schema.map((f) => databricksValue(row[f.name], f)));
    const t = new arrow.Table([batcher.flush()!]);
    const col = (n: string) => t.getChild(n)!;
    const micros = (n: string, i: number) => (col(n).data[0]!.values as BigInt64Array)[i];
    expect([...col("id")]).toEqual([9223372036854775807n, null, -42n]);
    expect(readInt128(col("price").data[0]!.values as Uint32Array, 0)).toBe(-123456789012n);
    expect(readInt128(col("price").data[0]!.values as Uint32Array, 2)).toBe(5n);
    expect([...col("f")]).toEqual([Infinity, null, -1.5]);
    expect([...col("i")]).toEqual([7, null, -1]);
    expect([...col("s")]).toEqual(["it's \"ü\"\n\\", null, ""]);
    expect([...col("b")]).toEqual([true, null, false]);
    expect([...(col("bin").get(0) as Uint8Array)]).toEqual([0, 255]);
    expect((col("d").data[0]!.values as Int32Array)[2]).toBe(-719162);
    expect(micros("ntz", 0)).toBe(BigInt(Date.parse("2024-02-29T12:34:56.789Z")) * 1000n + 12n);
    expect(micros("ts", 0)).toBe(-1n);
    expect(micros("ts", 2)).toBe(9223372036854775n);
    expect([...col("arr")]).toEqual(["[1,2]", null, "[3]"]);
  });
});

describe("Arrow -> Databricks (offline)", () => {
  const schema: xo.Schema = [
    { name: "id", type: "int64" }, { name: "amount", type: "decimal(12,2)" }, { name: "f", type: "float64" }, { name: "name", type: "string" },
    { name: "ok", type: "boolean" }, { name: "bin", type: "binary" }, { name: "d", type: "date" }, { name: "ts", type: "timestamp('UTC')" },
    { name: "ntz", type: "timestamp" }, { name: "u", type: "uint64" },
  ];

  it("loads a permanent table under a staging name and replaces the target in one commit", () => {
    expect(ingestStatements(d, "main.analytics.orders", schema.slice(0, 2), false)).toEqual({
      create: "CREATE OR REPLACE TABLE `main`.`analytics`.`orders__xorq_load` (`id` BIGINT, `amount` DECIMAL(12,2)) USING DELTA",
      insertInto: "INSERT INTO `main`.`analytics`.`orders__xorq_load` (`id`, `amount`) VALUES",
      finish: [
        "CREATE OR REPLACE TABLE `main`.`analytics`.`orders` USING DELTA AS SELECT * FROM `main`.`analytics`.`orders__xorq_load`",
        "DROP TABLE `main`.`analytics`.`orders__xorq_load`",
      ],
      cleanup: "DROP TABLE IF EXISTS `main`.`analytics`.`orders__xorq_load`",
    });
    expect(ingestStatements(d, "_xorq_hop_abc", schema.slice(6), true)).toEqual({
      create: "CREATE OR REPLACE TABLE `_xorq_hop_abc` (`d` DATE, `ts` TIMESTAMP, `ntz` TIMESTAMP_NTZ, `u` DECIMAL(20,0)) USING DELTA",
      insertInto: "INSERT INTO `_xorq_hop_abc` (`d`, `ts`, `ntz`, `u`) VALUES",
      finish: [],
      cleanup: null,
    });
  });

  it("writes rows as exact SQL literals, a bounded number per statement", async () => {
    const mem = xo.memtable({
      id: [9007199254740993n, null, 3n], amount: ["-0.05", "1234567890.12", null], f: [Number.NaN, 2.5, 1], name: ["a'b\n", null, "\\"],
      ok: [true, false, null], bin: [Uint8Array.from([0, 171]), null, Uint8Array.from([])], d: ["1969-12-31", "2024-02-29", null],
      ts: ["2024-02-29 12:34:56.789012+00:00", null, null], ntz: ["2024-02-29 12:34:56.789012", null, null], u: [18446744073709551615n, null, 0n],
    }, { schema: Object.fromEntries(schema.map((f) => [f.name, f.type])) });
    const lists = valuesLists(d, (await mem.execute()).batches[0]!, schema, 2);
    expect(lists).toEqual([
      "(9007199254740993, CAST('-0.05' AS DECIMAL(12,2)), CAST('NaN' AS DOUBLE), 'a\\'b\\n', TRUE, X'00ab', DATE '1969-12-31', " +
        "TIMESTAMP '2024-02-29 12:34:56.789012+00:00', TIMESTAMP_NTZ '2024-02-29 12:34:56.789012', 18446744073709551615),\n" +
        "(CAST(NULL AS BIGINT), CAST('1234567890.12' AS DECIMAL(12,2)), 2.5D, CAST(NULL AS STRING), FALSE, CAST(NULL AS BINARY), DATE '2024-02-29', " +
        "CAST(NULL AS TIMESTAMP), CAST(NULL AS TIMESTAMP_NTZ), CAST(NULL AS DECIMAL(20,0)))",
      "(3, CAST(NULL AS DECIMAL(12,2)), 1D, '\\\\', CAST(NULL AS BOOLEAN), X'', CAST(NULL AS DATE), CAST(NULL AS TIMESTAMP), CAST(NULL AS TIMESTAMP_NTZ), 0)",
    ]);
  });
});

describe("Databricks change signal (offline)", () => {
  it("is the Delta table's latest version", () => {
    expect(databricksHistorySql(d, "main.sales.orders")).toBe("DESCRIBE HISTORY `main`.`sales`.`orders` LIMIT 1");
    expect(databricksHistorySignal("orders", { version: 12, timestamp: new Date("2024-05-01T10:00:00.123Z") }))
      .toEqual({ kind: "databricks_delta_version", version: "12", committed: "2024-05-01T10:00:00.123Z" });
    expect(() => databricksHistorySignal("orders", undefined)).toThrow("table 'orders' has no Delta history");
  });

  it("falls back to the catalog's last-modified time; a view has none of its own", () => {
    expect(databricksLastAlteredSql(d, "Sales.Orders")).toBe([
      "SELECT table_type, DATE_FORMAT(last_altered, 'yyyy-MM-dd HH:mm:ss.SSSSSS') AS last_altered",
      "  FROM information_schema.tables",
      " WHERE table_schema = 'sales' AND table_name = 'orders'",
    ].join("\n"));
    expect(databricksLastAlteredSql(d, "orders")).toContain("WHERE table_schema = current_schema() AND table_name = 'orders'");
    expect(databricksLastAlteredSql(d, "main.s.o")).toContain("FROM `main`.information_schema.tables");
    expect(() => databricksLastAlteredSql(d, "a.b.c.d")).toThrow("catalog.schema.table at most");
    expect(databricksLastAlteredSignal("t", { table_type: "EXTERNAL", last_altered: "2024-05-01 10:00:00.000000" }))
      .toEqual({ kind: "databricks_last_altered", last_altered: "2024-05-01 10:00:00.000000" });
    expect(databricksLastAlteredSignal("v", { table_type: "VIEW", last_altered: "2024-05-01 10:00:00.000000" })).toBeNull();
    expect(() => databricksLastAlteredSignal("t", undefined)).toThrow("table 't' not found");
  });
});

describe("the Databricks backend with a stand-in driver (offline)", () => {
  const profile = { name: "dbx", kind: "databricks", params: { host: "h.cloud.databricks.com", http_path: "/sql/1.0/warehouses/w", token: "${env:XORQ_TEST_DBX_TOKEN}", schema: "analytics" } };

  it("opens from a profile: the token from the environment, the session in UTC, the schema as the default", async () => {
    const unset = new Connections([profile], { baseDir: "/" });
    await expect(unset.get("dbx").listTables()).rejects.toThrow("profile 'dbx' needs environment variable XORQ_TEST_DBX_TOKEN not set");
    process.env.XORQ_TEST_DBX_TOKEN = "dapi-secret-123";
    const connections = new Connections([profile], { baseDir: "/" });
    driver.answers.set("SHOW TABLES", [{ database: "analytics", tableName: "orders", isTemporary: false }, { database: "analytics", tableName: "a", isTemporary: false }]);
    expect(await connections.get("dbx").listTables()).toEqual(["a", "orders"]);
    expect(driver.connected).toEqual([{ host: "h.cloud.databricks.com", path: "/sql/1.0/warehouses/w", token: "dapi-secret-123", userAgentEntry: "xorq", telemetryEnabled: false }]);
    expect(driver.statements).toEqual(["SET TIME ZONE 'UTC'", "SHOW TABLES"]);
    expect(connections.get("dbx").ref.params).toEqual(profile.params);
    await connections.closeAll();
    expect(driver.closed).toBe(1);
  });

  it("types, reads, writes and signs tables through the driver", async () => {
    const dbx = xo.databricks.connect({ name: "dbx", host: "h", http_path: "/p", token: "dapi-literal-456" });
    expect(JSON.stringify(dbx.ref)).not.toContain("dapi-literal");
    driver.answers.set("DESCRIBE QUERY", [{ col_name: "id", data_type: "bigint" }, { col_name: "name", data_type: "string" }]);
    const t = await dbx.table("orders");
    expect(t.schema()).toEqual([{ name: "id", type: "int64" }, { name: "name", type: "string" }]);
    driver.answers.set("SELECT CAST(`id` AS STRING)", [{ id: "9007199254740993", name: "a" }, { id: null, name: "b" }]);
    const result = await t.execute();
    expect([...result.getChild("id")!]).toEqual([9007199254740993n, null]);
    expect(driver.statements.at(-1)).toBe("SELECT CAST(`id` AS STRING) AS `id`, `name` FROM (\nSELECT * FROM `orders`\n) AS _xorq_q");

    driver.statements.length = 0;
    const copy = xo.memtable({ id: [1n, 2n] }, { schema: { id: "int64" } });
    await dbx.ingest("copy", [{ name: "id", type: "int64" }], (await copy.execute()).batches);
    await dbx.ingest("_xorq_hop_x", [{ name: "id", type: "int64" }], (await copy.execute()).batches, { temporary: true });
    expect(driver.statements).toEqual([
      "CREATE OR REPLACE TABLE `copy__xorq_load` (`id` BIGINT) USING DELTA",
      "INSERT INTO `copy__xorq_load` (`id`) VALUES\n(1),\n(2)",
      "CREATE OR REPLACE TABLE `copy` USING DELTA AS SELECT * FROM `copy__xorq_load`",
      "DROP TABLE `copy__xorq_load`",
      "CREATE OR REPLACE TABLE `_xorq_hop_x` (`id` BIGINT) USING DELTA",
      "INSERT INTO `_xorq_hop_x` (`id`) VALUES\n(1),\n(2)",
    ]);

    driver.answers.set("DESCRIBE HISTORY `copy`", [{ version: 3, timestamp: "2024-05-01T10:00:00.000Z", operation: "CREATE OR REPLACE TABLE AS SELECT" }]);
    expect(await dbx.changeSignal("copy")).toEqual({ kind: "databricks_delta_version", version: "3", committed: "2024-05-01T10:00:00.000Z" });
    driver.failing.push("DESCRIBE HISTORY `v`");
    driver.answers.set("SELECT table_type", [{ table_type: "VIEW", last_altered: "2024-05-01 10:00:00.000000" }]);
    expect(await dbx.changeSignal("v")).toBeNull();

    driver.statements.length = 0;
    await dbx.close();
    expect(driver.statements).toEqual(["DROP TABLE IF EXISTS `_xorq_hop_x`"]);
  });

  it("moves rows into Databricks and back out through a hop each way", async () => {
    const dbx = xo.databricks.connect({ name: "dbx_hops", host: "h", http_path: "/p", token: "t" });
    const duck = xo.connect({ name: "duck_dbx_hops" });
    const data = xo.memtable({ id: [1n, 2n], name: ["a'b", null] }, { schema: { id: "int64", name: "string" } });
    const expr = data.intoBackend(duck).intoBackend(dbx).filter(xo._.id.gt(1)).intoBackend(duck);
    driver.answers.set("SELECT CAST(`id` AS STRING)", [{ id: "2", name: null }]);
    const result = await expr.execute();
    expect([...result.getChild("id")!]).toEqual([2n]);
    const hop = driver.statements.find((q) => q.startsWith("CREATE OR REPLACE TABLE `_xorq_hop_"))!;
    const table = /`(_xorq_hop_[0-9a-f]+)`/.exec(hop)![1]!;
    expect(driver.statements).toEqual([
      "SET TIME ZONE 'UTC'",
      `CREATE OR REPLACE TABLE \`${table}\` (\`id\` BIGINT, \`name\` STRING) USING DELTA`,
      `INSERT INTO \`${table}\` (\`id\`, \`name\`) VALUES\n(1, 'a\\'b'),\n(2, CAST(NULL AS STRING))`,
      `SELECT CAST(\`id\` AS STRING) AS \`id\`, \`name\` FROM (\nSELECT *\nFROM \`${table}\`\nWHERE (\`id\` > 1)\n) AS _xorq_q`,
      // The executor drops a hop's table when the query is done; close() drops what a failed run left.
      `DROP TABLE IF EXISTS \`${table}\``,
    ]);
    await dbx.close();
    await duck.close();
    expect(driver.statements.at(-1)).toBe(`DROP TABLE IF EXISTS \`${table}\``);
  });

  it("keeps the token out of its errors", async () => {
    const dbx = xo.databricks.connect({ host: "h", http_path: "/p", token: "dapi-literal-789" });
    driver.failing.push("SELECT");
    await expect(dbx.run("SELECT 'dapi-literal-789'")).rejects.toThrow("[PARSE_SYNTAX_ERROR] in: SELECT '***'");
    await dbx.close();
  });
});

describe("the Databricks dialect (offline)", () => {
  const lit = (value: string | number | boolean | null, type: xo.DataType) => d.literal({ kind: "literal", value, type });

  it("spells literals as Spark reads them", () => {
    expect([lit(1.5, "float64"), lit(2, "float64"), lit(1e21, "float64"), lit(0.5, "float32"), lit(-Infinity, "float64")])
      .toEqual(["1.5D", "2D", "1e+21D", "CAST(0.5D AS FLOAT)", "CAST('-Infinity' AS DOUBLE)"]);
    expect([lit("12:00:00", "time"), lit("2024-01-01 00:00:00", "timestamp"), lit("2024-01-01 00:00:00+00:00", "timestamp('UTC')")])
      .toEqual(["'12:00:00'", "TIMESTAMP_NTZ '2024-01-01 00:00:00'", "TIMESTAMP '2024-01-01 00:00:00+00:00'"]);
    expect(d.quoteIdentifier("a`b")).toBe("`a``b`");
    expect(d.typeName("decimal(38,10)")).toBe("DECIMAL(38,10)");
  });

  it("compiles the functions Spark spells its own way", () => {
    const t = xo.memtable({ ts: ["2024-01-01 10:00:00"], x: [1.5] }, { schema: { ts: "timestamp", x: "float64" } });
    const sql = t.select({ s: xo._.ts.second(), f: xo._.x.floor(), c: xo._.x.ceil() }).toSql("databricks");
    expect(sql).toContain("SECOND(`ts`) AS `s`, CAST(FLOOR(`x`) AS DOUBLE) AS `f`, CAST(CEIL(`x`) AS DOUBLE) AS `c`");
  });
});
