/**
 * dbt's cross-database macros (`dbt.date_trunc`, `dbt.dateadd`, …): each engine's SQL side
 * by side, as dbt and its adapters write it, and the DuckDB and PostgreSQL SQL run through a
 * Jinja model (CLI in-process; build first: `npx tsc -p tsconfig.json`).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { crossDbMacros } from "../src/project/model-kinds/jinja/cross-db-macros.js";
import { xorqInProcess } from "./helpers/cli.js";
import { describePg } from "./helpers/postgres.js";
import { SHOP, tempDir, writeFiles } from "./helpers/project.js";

const ENGINES = ["duckdb", "postgres", "snowflake", "bigquery", "databricks"] as const;

/** One call per macro, as a model writes it. */
const CALLS: ReadonlyArray<readonly [string, (m: ReturnType<typeof crossDbMacros>) => string]> = [
  ["date_trunc('month', d)", (m) => m["date_trunc"]!("month", "d")],
  ["dateadd('day', 7, d)", (m) => m["dateadd"]!("day", 7, "d")],
  ["datediff('a', 'b', 'day')", (m) => m["datediff"]!("a", "b", "day")],
  ["safe_cast('x', 'int')", (m) => m["safe_cast"]!("x", "int")],
  ["concat(['a', 'b'])", (m) => (m["concat"] as (f: string[]) => string)(["a", "b"])],
  ["hash('x')", (m) => m["hash"]!("x")],
  ["split_part('s', \"','\", 2)", (m) => m["split_part"]!("s", "','", 2)],
  ["type_string()", (m) => m["type_string"]!()],
  ["type_int()", (m) => m["type_int"]!()],
  ["type_timestamp()", (m) => m["type_timestamp"]!()],
  ["current_timestamp()", (m) => m["current_timestamp"]!()],
];

const EXPECTED: Readonly<Record<string, Readonly<Record<(typeof ENGINES)[number], string>>>> = {
  "date_trunc('month', d)": {
    duckdb: "date_trunc('month', d)", postgres: "date_trunc('month', d)", snowflake: "date_trunc('month', d)",
    bigquery: "timestamp_trunc(cast(d as timestamp), month)", databricks: "date_trunc('month', d)",
  },
  "dateadd('day', 7, d)": {
    duckdb: "date_add(d, interval (7) day)", postgres: "(d + ((interval '1 day') * (7)))", snowflake: "dateadd(day, 7, d)",
    bigquery: "datetime_add(cast(d as datetime), interval 7 day)", databricks: "timestampadd(day, 7, d)",
  },
  "datediff('a', 'b', 'day')": {
    duckdb: "date_diff('day', a::timestamp, b::timestamp)", postgres: "((b)::date - (a)::date)", snowflake: "datediff(day, a, b)",
    bigquery: "datetime_diff(cast(b as datetime), cast(a as datetime), day)", databricks: "timestampdiff(day, a, b)",
  },
  "safe_cast('x', 'int')": {
    duckdb: "try_cast(x as int)", postgres: "cast(x as int)", snowflake: "try_cast(cast(x as varchar) as int)",
    bigquery: "safe_cast(x as int)", databricks: "try_cast(x as int)",
  },
  "concat(['a', 'b'])": { duckdb: "a || b", postgres: "a || b", snowflake: "concat(a, b)", bigquery: "concat(a, b)", databricks: "concat(a, b)" },
  "hash('x')": {
    duckdb: "md5(cast(x as varchar))", postgres: "md5(cast(x as varchar))", snowflake: "md5(cast(x as varchar))",
    bigquery: "to_hex(md5(cast(x as string)))", databricks: "md5(cast(x as string))",
  },
  "split_part('s', \"','\", 2)": {
    duckdb: "split_part(s, ',', 2)", postgres: "split_part(s, ',', 2)", snowflake: "split_part(s, ',', 2)",
    bigquery: "split(s, ',')[safe_offset(2 - 1)]", databricks: "split_part(s, ',', 2)",
  },
  "type_string()": { duckdb: "varchar", postgres: "varchar", snowflake: "varchar", bigquery: "string", databricks: "string" },
  "type_int()": { duckdb: "int", postgres: "int", snowflake: "int", bigquery: "int64", databricks: "int" },
  "type_timestamp()": { duckdb: "timestamp", postgres: "timestamp without time zone", snowflake: "timestamp_ntz", bigquery: "timestamp", databricks: "timestamp" },
  "current_timestamp()": {
    duckdb: "now()", postgres: "now()", snowflake: "convert_timezone('UTC', current_timestamp())", bigquery: "current_timestamp()", databricks: "current_timestamp()",
  },
};

describe("dbt's cross-database macros", () => {
  it.each(CALLS)("dbt.%s in each engine's SQL", (call, render) => {
    expect(Object.fromEntries(ENGINES.map((e) => [e, render(crossDbMacros(e))]))).toEqual(EXPECTED[call]);
  });

  it("run on DuckDB from a Jinja model", async () => {
    const dir = tempDir("xorq-jinja-xdb-");
    writeFiles(dir, {
      ...SHOP,
      "xorq_project/models/xdb.sql": [
        "select",
        "  {{ dbt.date_trunc('month', \"date '2024-03-17'\") }} = date '2024-03-01' as trunc_ok,",
        "  {{ dbt.dateadd('day', 7, \"date '2024-03-17'\") }} = date '2024-03-24' as add_ok,",
        "  {{ dbt.datediff(\"date '2024-03-01'\", \"date '2024-03-17'\", 'day') }} as days,",
        "  {{ dbt.safe_cast(\"'12x'\", dbt.type_int()) }} as bad_int,",
        "  {{ dbt.concat([\"'a'\", \"'-'\", \"'b'\"]) }} as joined,",
        "  {{ dbt.hash(\"'x'\") }} as md5_x,",
        "  {{ dbt.split_part(\"'a,b,c'\", \"','\", 2) }} as second,",
        "  cast(1 as {{ dbt.type_string() }}) as s,",
        "  cast('2024-01-01' as {{ dbt.type_timestamp() }}) < {{ dbt.current_timestamp() }} as before_now",
      ].join("\n"),
    });
    expect(await builtRows(dir, "xdb")).toEqual([
      { trunc_ok: true, add_ok: true, days: 16, bad_int: null, joined: "a-b", md5_x: "9dd4e461268c8034f5c8564e155c67a6", second: "b", s: "1", before_now: true },
    ]);
  });
});

describePg("dbt's cross-database macros on PostgreSQL", () => {
  it("run from a Jinja model whose target is PostgreSQL", async () => {
    const dir = tempDir("xorq-jinja-xdb-pg-");
    writeFiles(dir, {
      ...SHOP,
      "xorq_project/profiles.yaml":
        'profiles:\n  local: { kind: duckdb, path: ":memory:" }\n  pg: { kind: postgres, host: "${env:PGHOST}", port: "${env:PGPORT}", user: "${env:PGUSER}", database: "${env:PGDATABASE}" }\n',
      "xorq_project/models/xdb_pg.sql": [
        "---",
        "profile: pg",
        "---",
        "select",
        "  '{{ target.type }}' as engine,",
        "  {{ dbt.date_trunc('month', \"date '2024-03-17'\") }} = date '2024-03-01' as trunc_ok,",
        "  {{ dbt.dateadd('day', 7, \"date '2024-03-17'\") }} = date '2024-03-24' as add_ok,",
        "  {{ dbt.datediff(\"date '2024-01-15'\", \"date '2024-03-17'\", 'day') }} as days,",
        "  {{ dbt.datediff(\"date '2024-01-15'\", \"date '2024-03-17'\", 'month') }}::int as months,",
        "  {{ dbt.concat([\"'a'\", \"'-'\", \"'b'\"]) }} as joined,",
        "  {{ dbt.hash(\"'x'\") }} as md5_x,",
        "  {{ dbt.split_part(\"'a,b,c'\", \"','\", 2) }} as second,",
        "  cast(1 as {{ dbt.type_string() }}) as s,",
        "  cast('2024-01-01' as {{ dbt.type_timestamp() }}) < {{ dbt.current_timestamp() }} as before_now",
      ].join("\n"),
    });
    expect(await builtRows(dir, "xdb_pg")).toEqual([
      { engine: "postgres", trunc_ok: true, add_ok: true, days: 62, months: 2, joined: "a-b", md5_x: "9dd4e461268c8034f5c8564e155c67a6", second: "b", s: "1", before_now: true },
    ]);
  });
});

/** Builds the project, runs the model's artifact to a JSON file and returns its rows. */
async function builtRows(dir: string, model: string): Promise<unknown> {
  const build = await xorqInProcess(dir, ["build"]);
  expect(build.code, build.stderr).toBe(0);
  const ls = JSON.parse((await xorqInProcess(dir, ["ls", "--output", "json"])).stdout) as Array<{ name: string; hash: string }>;
  const out = join(dir, `${model}.json`);
  const run = await xorqInProcess(dir, ["run", ls.find((m) => m.name === model)!.hash.slice(0, 12), "-o", out]);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(readFileSync(out, "utf8"));
}
