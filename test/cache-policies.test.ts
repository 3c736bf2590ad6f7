/**
 * The cache policies as data: the named classes, their YAML form, ttl parsing, and the
 * change-signal queries of the engines we cannot run here (checked as SQL text).
 */
import { describe, expect, it } from "vitest";
import * as xo from "../src/index.js";
import { cachePolicyFromYaml } from "../src/cache/cache-yaml.js";
import { keyOf } from "../src/cache/cache-key.js";
import { bigqueryChangeSignal, bigqueryChangeSignalSql } from "../src/backends/bigquery/bigquery-change-signal.js";
import { snowflakeChangeSignal, snowflakeChangeSignalSql } from "../src/backends/snowflake/snowflake-change-signal.js";
import { postgresChangeSignal, relationsInPlan } from "../src/backends/postgres/postgres-change-signal.js";
import { duckdbChangeSignalSql } from "../src/backends/duckdb/duckdb-change-signal.js";

describe("named cache classes", () => {
  const con = xo.connect({ name: "policy_duck" });

  it("are the strategy x storage matrix of Xorq", () => {
    const rows = [
      [xo.SourceCache.fromKwargs({ source: con }), "modification_time", "source", null],
      [xo.SourceSnapshotCache.fromKwargs(), "snapshot", "source", null],
      [xo.ParquetCache.fromKwargs(), "modification_time", "parquet", null],
      [xo.ParquetSnapshotCache.fromKwargs({ relative_path: "mine" }), "snapshot", "parquet", null],
      [xo.ParquetTTLSnapshotCache.fromKwargs({ ttl: "1h30m" }), "snapshot", "parquet", 5400],
      [xo.GCSCache.fromKwargs({ bucket: "b" }), "modification_time", "gcs", null],
    ] as const;
    for (const [c, strategy, storage, ttl] of rows) expect(c.toPolicy()).toMatchObject({ strategy, storage, ttl });
    expect(xo.SourceCache.fromKwargs({ source: con }).toPolicy().options).toEqual({ source: "policy_duck", source_kind: "duckdb" });
    expect(xo.SourceCache.fromKwargs({ source: con }).backend).toBe(con);
    expect(xo.GCSCache.fromKwargs({ bucket: "b", prefix: "p/" }).toPolicy().options).toEqual({ bucket: "b", prefix: "p/" });
  });

  it("take the spellings of Xorq's cache guide", () => {
    expect(xo.GCSCache.fromKwargs({ bucket_name: "b", source: con }).toPolicy()).toMatchObject({ storage: "gcs", options: { bucket: "b" } });
    expect(xo.GCSCache.fromKwargs({ bucket_name: "b" }).toPolicy()).toEqual(xo.GCSCache.fromKwargs({ bucket: "b" }).toPolicy());
    // base_path is the root relative_path sits under (default "parquet"), as in Xorq's ParquetStorage.
    expect(xo.ParquetCache.fromKwargs({ base_path: "/tmp/xc", relative_path: "mine" }).toPolicy().options).toEqual({ path: "/tmp/xc/mine" });
    expect(xo.ParquetSnapshotCache.fromKwargs({ base_path: "/tmp/xc" }).toPolicy().options).toEqual({ path: "/tmp/xc/parquet" });
    // Xorq's default time-to-live: one day.
    expect(xo.ParquetTTLSnapshotCache.fromKwargs().toPolicy()).toMatchObject({ strategy: "snapshot", storage: "parquet", ttl: 86400 });
  });

  it("reject what they cannot do, naming the argument", () => {
    expect(() => xo.ParquetCache.fromKwargs({ ttl: 5 } as never)).toThrow(/unknown argument 'ttl'/);
    expect(() => xo.ParquetCache.fromKwargs({ base_path: "/tmp/c", path: "/tmp/d" })).toThrow(/give path or base_path, not both/);
    expect(() => xo.GCSCache.fromKwargs({ bucket: "b", bucket_name: "c" } as never)).toThrow(/bucket or bucket_name/);
    expect(() => xo.ParquetTTLSnapshotCache.fromKwargs({ ttl: "soon" })).toThrow(/ttl must be seconds or a duration/);
    expect(() => xo.GCSCache.fromKwargs({} as never)).toThrow(/needs a bucket/);
    expect(() => new xo.CacheSpec({ strategy: "snapshot", storage: "source", ttl: 60 })).toThrow(/ttl needs parquet or gcs/);
    const err = (() => {
      try {
        xo.ParquetCache.fromKwargs({ path: "" });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(xo.CacheConfigError);
    expect((err as xo.CacheConfigError).field).toBe("path");
  });

  it("are part of the expression's hash; the cached input's hash is unchanged", async () => {
    await con.run("CREATE OR REPLACE TABLE p AS SELECT 1 AS x");
    const t = await con.table("p");
    const a = t.cache(xo.ParquetCache.fromKwargs());
    const b = t.cache(xo.ParquetSnapshotCache.fromKwargs());
    expect(a.hash()).not.toBe(b.hash());
    expect(a.node.kind === "cache" && xo.nodeHash(a.node.input)).toBe(t.hash());
    expect(t.cache(xo.ParquetCache.fromKwargs()).hash()).toBe(a.hash());
  });

  it("parse ttl durations", () => {
    expect(xo.parseTtl(90)).toBe(90);
    expect(xo.parseTtl("90")).toBe(90);
    expect(xo.parseTtl("45s")).toBe(45);
    expect(xo.parseTtl("30m")).toBe(1800);
    expect(xo.parseTtl("2d")).toBe(172800);
    expect(xo.parseTtl("1h 30m")).toBe(5400);
    for (const bad of [0, -1, "", "1x", "h", "1h-", "1.5.2h", NaN]) expect(() => xo.parseTtl(bad)).toThrow(xo.CacheConfigError);
  });
});

describe("cache keys", () => {
  it("are the sha256 of the canonical strategy, input hash and signals", () => {
    const k = keyOf("modification_time", "abc", [["read:1", { files: 1, "0": "1:2:3:4:5" }]]);
    expect(k).toMatch(/^[0-9a-f]{64}$/);
    expect(keyOf("modification_time", "abc", [["read:1", { "0": "1:2:3:4:5", files: 1 }]])).toBe(k); // key order does not matter
    expect(keyOf("modification_time", "abc", [["read:1", { files: 1, "0": "1:2:3:4:6" }]])).not.toBe(k);
    expect(keyOf("snapshot", "abc", [])).not.toBe(keyOf("modification_time", "abc", []));
  });
});

describe("cache: in YAML", () => {
  const pg = { name: "pg", kind: "postgres" as const, params: {} };
  const profiles = new Map([["pg", pg]]);

  it("maps each form onto the named class", () => {
    const cases: Array<[unknown, unknown, string, object]> = [
      [true, undefined, "ParquetCache", { storage: "parquet", strategy: "modification_time", ttl: null }],
      [true, { storage: "source", strategy: "snapshot" }, "SourceSnapshotCache", { storage: "source", strategy: "snapshot" }],
      [{ storage: "source" }, undefined, "SourceCache", { storage: "source", strategy: "modification_time" }],
      [{ storage: "parquet", strategy: "snapshot" }, undefined, "ParquetSnapshotCache", { strategy: "snapshot" }],
      [{ storage: "parquet", ttl: "1h" }, undefined, "ParquetTTLSnapshotCache", { strategy: "snapshot", ttl: 3600 }],
      [{ ttl: 60 }, { storage: "parquet", strategy: "modification_time" }, "ParquetTTLSnapshotCache", { strategy: "snapshot", ttl: 60 }],
      [{ storage: "gcs", bucket: "b" }, undefined, "GCSCache", { storage: "gcs", options: { bucket: "b" } }],
      [{ storage: "gcs", bucket: "b", strategy: "snapshot" }, undefined, "CacheSpec", { storage: "gcs", strategy: "snapshot" }],
      [{ storage: "source", profile: "pg" }, undefined, "SourceCache", { options: { source: "pg", source_kind: "postgres" } }],
      // a default's bucket does not follow the model to another storage
      [{ storage: "parquet" }, { storage: "gcs", bucket: "b" }, "ParquetCache", { storage: "parquet", options: {} }],
      [{ storage: "parquet", path: "cache" }, undefined, "ParquetCache", { options: { path: "cache" } }],
    ];
    for (const [value, defaults, cls, policy] of cases) {
      const spec = cachePolicyFromYaml(value, defaults, { profiles })!;
      expect(spec.constructor.name, JSON.stringify(value)).toBe(cls);
      expect(spec.toPolicy()).toMatchObject(policy);
    }
    expect(cachePolicyFromYaml(false)).toBeNull();
    expect(cachePolicyFromYaml(undefined)).toBeNull();
  });

  it("names the offending key", () => {
    const field = (value: unknown, defaults?: unknown) => {
      try {
        cachePolicyFromYaml(value, defaults, { profiles });
      } catch (e) {
        expect(e).toBeInstanceOf(xo.CacheConfigError);
        return [(e as xo.CacheConfigError).field, (e as Error).message];
      }
      throw new Error("no error");
    };
    expect(field({ storage: "s3" })).toEqual(["storage", expect.stringMatching(/one of source, parquet, gcs/)]);
    expect(field({ strategy: "mtime" })).toEqual(["strategy", expect.stringMatching(/snapshot, modification_time/)]);
    expect(field({ ttl: "later" })).toEqual(["ttl", expect.stringMatching(/duration/)]);
    expect(field({ storage: "source", ttl: 5 })).toEqual(["ttl", expect.stringMatching(/parquet or gcs/)]);
    expect(field({ stroage: "parquet" })).toEqual(["stroage", expect.stringMatching(/unknown cache key/)]);
    expect(field({ storage: "gcs" })).toEqual(["bucket", expect.any(String)]);
    expect(field({ storage: "source", profile: "nope" })).toEqual(["profile", expect.stringMatching(/profiles: pg/)]);
    expect(field({ storage: "parquet", bucket: 3 })).toEqual(["bucket", expect.any(String)]);
    expect(field("yes")[1]).toMatch(/must be true, false or a mapping/);
  });
});

describe("change-signal queries of engines without a local server", () => {
  const sf = new xo.SnowflakeDialect();
  const bq = new xo.BigQueryDialect();

  it("Snowflake: LAST_ALTERED and the change-commit token, for qualified and bare names", () => {
    expect(snowflakeChangeSignalSql(sf, "ANALYTICS.PUBLIC.orders")).toBe(
      [
        `SELECT TO_VARCHAR(t.LAST_ALTERED, 'YYYY-MM-DD"T"HH24:MI:SS.FF9TZH:TZM') AS LAST_ALTERED, TO_VARCHAR(t.CREATED, 'YYYY-MM-DD"T"HH24:MI:SS.FF9TZH:TZM') AS CREATED, t.TABLE_TYPE AS TABLE_TYPE,`,
        `       TO_VARCHAR(SYSTEM$LAST_CHANGE_COMMIT_TIME('"ANALYTICS"."PUBLIC"."orders"')) AS CHANGE_TOKEN`,
        `  FROM "ANALYTICS".INFORMATION_SCHEMA.TABLES t`,
        ` WHERE t.TABLE_SCHEMA = 'PUBLIC' AND t.TABLE_NAME = 'orders'`,
      ].join("\n"),
    );
    const bare = snowflakeChangeSignalSql(sf, "it's");
    expect(bare).toContain("FROM INFORMATION_SCHEMA.TABLES t");
    expect(bare).toContain("t.TABLE_SCHEMA = CURRENT_SCHEMA() AND t.TABLE_NAME = 'it''s'");
    expect(bare).toContain(`SYSTEM$LAST_CHANGE_COMMIT_TIME('"it''s"')`);
    expect(() => snowflakeChangeSignalSql(sf, "a.b.c.d")).toThrow(/database.schema.table/);
    const row = { LAST_ALTERED: "2026-01-01T00:00:00.000000000+00:00", CREATED: "2025-01-01T00:00:00.000000000+00:00", TABLE_TYPE: "BASE TABLE", CHANGE_TOKEN: "1661920053987000000" };
    expect(snowflakeChangeSignal("t", row)).toEqual({ kind: "snowflake_last_altered", last_altered: row.LAST_ALTERED, created: row.CREATED, change_token: row.CHANGE_TOKEN });
    expect(() => snowflakeChangeSignal("t", { ...row, TABLE_TYPE: "EXTERNAL TABLE" })).toThrow(/snapshot cache/);
    expect(() => snowflakeChangeSignal("t", undefined)).toThrow(/not found/);
  });

  it("BigQuery: last_modified_time from __TABLES__", () => {
    expect(bigqueryChangeSignalSql(bq, "proj.sales.orders")).toBe(
      [
        "SELECT CAST(last_modified_time AS STRING) AS last_modified_time, CAST(creation_time AS STRING) AS creation_time,",
        "       CAST(row_count AS STRING) AS row_count, CAST(size_bytes AS STRING) AS size_bytes, type",
        "  FROM `proj`.`sales`.`__TABLES__`",
        " WHERE table_id = 'orders'",
      ].join("\n"),
    );
    expect(bigqueryChangeSignalSql(bq, "orders", "sales")).toContain("FROM `sales`.`__TABLES__`");
    expect(() => bigqueryChangeSignalSql(bq, "orders")).toThrow(/needs a dataset/);
    const row = { last_modified_time: "1700000000000", creation_time: "1600000000000", row_count: "10", size_bytes: "80", type: 1 };
    expect(bigqueryChangeSignal("t", row)).toMatchObject({ kind: "bigquery_last_modified", last_modified_time: "1700000000000" });
    expect(bigqueryChangeSignal("t", { ...row, type: 2 })).toBeNull();
    expect(() => bigqueryChangeSignal("t", { ...row, type: 3 })).toThrow(/snapshot cache/);
  });

  it("PostgreSQL: views have no signal of their own; plans name the tables they scan", () => {
    const row = { oid: "1", relkind: "r", relfilenode: "2", n_tup_ins: "3", n_tup_upd: "0", n_tup_del: "0", n_tup_in_transaction: "0", stats_reset: null, server_start: "s" };
    expect(postgresChangeSignal("t", row)).toMatchObject({ oid: "1", n_tup_ins: "3" });
    expect(postgresChangeSignal("v", { ...row, relkind: "v" })).toBeNull();
    expect(() => postgresChangeSignal("f", { ...row, relkind: "f" })).toThrow(/foreign table/);
    const plan = [{ Plan: { "Node Type": "Hash Join", Plans: [{ "Relation Name": "b", Schema: "public" }, { Plans: [{ "Relation Name": "a", Schema: "s" }] }] } }];
    expect(relationsInPlan(plan)).toEqual(["public.b", "s.a"]);
  });

  it("DuckDB: a checksum over whole rows", () => {
    expect(duckdbChangeSignalSql(new xo.DuckDBDialect(), "main.t")).toBe(
      `SELECT count(*)::VARCHAR AS row_count, coalesce(sum(hash(_xorq_row)), 0)::VARCHAR AS row_hash_sum FROM "main"."t" AS _xorq_row`,
    );
  });
});
