/**
 * `xorq init DIR --from-dbt DBT_DIR` (issue 15): each conversion rule on small dbt
 * projects, dbt's two tutorial shops (test/fixtures/dbt/), and the converted classic shop
 * run by `xorq run` against the SQL dbt renders for it, on real DuckDB. The CLI runs
 * in-process from dist/ (build first: `npx tsc -p tsconfig.json`).
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { convertDbtProject } from "../src/dbt-import/dbt-import.js";
import { envVarsToXorq } from "../src/dbt-import/dbt-jinja-strings.js";
import { runCli } from "./helpers/cli.js";
import { queryDuckDBFile } from "./helpers/duckdb-file.js";
import { tempDir, writeFiles } from "./helpers/project.js";

const FIXTURES = resolve(import.meta.dirname, "fixtures/dbt");
const CLASSIC = join(FIXTURES, "jaffle_shop_classic");
const V3 = join(FIXTURES, "jaffle_shop_v3");

const text = (files: ReadonlyMap<string, string | Buffer>, path: string): string => {
  const content = files.get(path);
  if (content === undefined) throw new Error(`${path} not written; written: ${[...files.keys()].join(", ")}`);
  return String(content);
};
const yamlOf = (files: ReadonlyMap<string, string | Buffer>, path: string) => YAML.parse(text(files, path)) as Record<string, unknown>;

/** A dbt project in a temporary folder. */
function dbtProject(files: Readonly<Record<string, string>>): string {
  const dir = tempDir("xorq-dbt-src-");
  writeFiles(dir, { "dbt_project.yml": "name: shop\nprofile: shop\n", ...files });
  return dir;
}

describe("dbt_project.yml", () => {
  it("the models: tree becomes project.yaml's defaults, tags the front matter of the models below, enabled: false leaves models out", () => {
    const dir = dbtProject({
      "dbt_project.yml": [
        "name: shop",
        "vars: { min_amount: 25, statuses: [placed, shipped], shop: { region: eu }, nested: { a: 1 } }",
        "on-run-end: [\"grant select on all tables to reporter\"]",
        "models:",
        "  shop:",
        "    +materialized: table",
        "    +schema: analytics",
        "    +tags: nightly",
        "    staging:",
        "      materialized: view",
        "      +tags: [stg]",
        "      +post-hook: \"analyze {{ this }}\"",
        "    legacy:",
        "      +enabled: false",
        "    marts:",
        "      +materialized: materialized_view",
        "  other_package:",
        "    +materialized: view",
      ].join("\n"),
      "models/staging/stg_a.sql": "select 1 as a",
      "models/marts/m.sql": "select * from {{ ref('stg_a') }}",
      "models/legacy/old.sql": "select 2 as a",
    });
    const { files, report, notes } = convertDbtProject(dir);
    expect(yamlOf(files, "xorq_project/project.yaml")).toEqual({
      name: "shop",
      default_profile: "local",
      vars: { min_amount: 25, statuses: ["placed", "shipped"], region: "eu" },
      materialized: "table",
      schema: "analytics",
      models: { staging: { "+materialized": "view" } },
    });
    // The SQL itself is unchanged below the front matter.
    expect(text(files, "xorq_project/models/staging/stg_a.sql")).toBe('---\ntags: ["nightly","stg"]\n---\nselect 1 as a');
    expect(text(files, "xorq_project/models/marts/m.sql")).toBe("---\ntags: [\"nightly\"]\n---\nselect * from {{ ref('stg_a') }}");
    expect(files.has("xorq_project/models/legacy/old.sql")).toBe(false);
    expect(notes.some((n) => n.includes("models/legacy/old.sql") && n.includes("enabled: false"))).toBe(true);
    expect(report.map((i) => `${i.kind}: ${i.what}`).sort()).toEqual([
      'configs: models: shop/marts: +materialized: "materialized_view"',
      "hooks: models: shop/staging: +post-hook: \"analyze {{ this }}\"",
      'hooks: on-run-end: ["grant select on all tables to reporter"]',
      "packages: models: configs of package 'other_package'",
      'vars: vars: nested: {"a":1} (a var is a name with a string, number, boolean, null or list of them)',
    ]);
    expect(text(files, "dbt-import-report.md")).toContain("## Not converted: hooks");
  });

  it("refuses a folder without dbt_project.yml, and a dbt name xorq cannot use", () => {
    expect(() => convertDbtProject(tempDir("xorq-dbt-empty-"))).toThrow(/has no dbt_project\.yml/);
    expect(() => convertDbtProject(dbtProject({ "dbt_project.yml": "name: my-shop\n" }))).toThrow(/name 'my-shop' must be letters/);
  });
});

describe("profiles.yml", () => {
  const profilesFor = (outputs: string, target = "dev") => {
    const dir = dbtProject({ "profiles.yml": `shop:\n  target: ${target}\n  outputs:\n${outputs}`, "models/a.sql": "select 1 as a" });
    return convertDbtProject(dir);
  };

  it("each adapter's output is a profile of its name, the target the default profile, env_var() as ${env:…}", () => {
    const { files, report } = profilesFor(
      [
        "    dev: { type: duckdb, path: dev.duckdb, threads: 4 }",
        "    pg: { type: postgres, host: \"{{ env_var('PGHOST') }}\", port: 5432, user: \"{{ env_var('PGUSER', 'dbt') }}\", pass: \"{{ env_var('PGPASSWORD') }}\", dbname: shop, schema: analytics }",
        "    sf: { type: snowflake, account: \"{{ env_var('SF_ACCOUNT') }}\", user: u, password: \"{{ env_var('SF_PASSWORD') }}\", role: r, warehouse: w, database: d, schema: s, private_key_path: k.p8, client_session_keep_alive: true }",
        "    bq: { type: bigquery, method: oauth, project: p, dataset: d, location: EU, keyfile: \"{{ env_var('BQ_KEYFILE') }}\" }",
        "    dbx: { type: databricks, host: h, http_path: /sql/1, token: \"{{ env_var('DATABRICKS_TOKEN') }}\", catalog: main, schema: s }",
        "    ms: { type: sqlserver, server: x }",
      ].join("\n"),
    );
    expect(yamlOf(files, "xorq_project/profiles.yaml")).toEqual({
      profiles: {
        dev: { kind: "duckdb", path: "dev.duckdb" },
        pg: { kind: "postgres", host: "${env:PGHOST}", port: 5432, user: "${env:PGUSER:-dbt}", password: "${env:PGPASSWORD}", database: "shop" },
        sf: { kind: "snowflake", account: "${env:SF_ACCOUNT}", user: "u", password: "${env:SF_PASSWORD}", role: "r", warehouse: "w", database: "d", schema: "s", privateKeyPath: "k.p8" },
        bq: { kind: "bigquery", project_id: "p", dataset: "d", location: "EU", key_file: "${env:BQ_KEYFILE}" },
        dbx: { kind: "databricks", host: "h", http_path: "/sql/1", token: "${env:DATABRICKS_TOKEN}", catalog: "main", schema: "s" },
      },
    });
    expect(yamlOf(files, "xorq_project/project.yaml")["default_profile"]).toBe("dev");
    expect(report.map((i) => i.what).sort()).toEqual([
      "output 'bq': 'method' has no xorq equivalent for bigquery",
      "output 'ms' is a sqlserver target; xorq's engines are duckdb, postgres, snowflake, bigquery, databricks",
      "output 'sf': 'client_session_keep_alive' has no xorq equivalent for snowflake",
    ]);
  });

  it("a postgres target's schema is the project's default schema", () => {
    const { files } = profilesFor("    dev: { type: postgres, host: h, user: u, password: \"{{ env_var('PGPASSWORD') }}\", dbname: d, schema: analytics }");
    expect(yamlOf(files, "xorq_project/project.yaml")["schema"]).toBe("analytics");
  });

  it("refuses a literal secret, saying what to write and set", () => {
    expect(() => profilesFor("    dev: { type: postgres, host: h, user: u, password: hunter2, dbname: d }")).toThrow(
      "profiles.yml: output 'dev' writes its password literally; xorq keeps secrets in the environment: write password: \"{{ env_var('DBT_DEV_PASSWORD') }}\" in profiles.yml, set DBT_DEV_PASSWORD, and import again",
    );
    expect(() => profilesFor("    dev: { type: databricks, host: h, http_path: p, token: dapi123 }")).toThrow(/writes its token literally/);
  });

  it("refuses a project whose profile or target is missing", () => {
    expect(() => profilesFor("    prod: { type: duckdb }")).toThrow(/no output xorq can run for its target 'dev'/);
    const dir = dbtProject({ "profiles.yml": "other:\n  outputs: {}\n" });
    expect(() => convertDbtProject(dir)).toThrow("profiles.yml has no profile 'shop' (dbt_project.yml's profile:); profiles there: other");
  });

  it("env_var() with and without a default; other Jinja is not converted", () => {
    expect(envVarsToXorq("{{ env_var('A') }}")).toBe("${env:A}");
    expect(envVarsToXorq("{{env_var(\"A\", '5432') | int}}")).toBe("${env:A:-5432}");
    expect(envVarsToXorq("jdbc://{{ env_var('H') }}:{{ env_var('P', 1) }}")).toBe("jdbc://${env:H}:${env:P:-1}");
    expect(envVarsToXorq("{{ target.name }}")).toBeNull();
  });
});

describe("project files", () => {
  it("seeds, macros, singular tests, docs and properties files; dbt sources declared in sources/", () => {
    const properties = "version: 2\nsources:\n  - name: ecom\n    schema: raw\n    loaded_at_field: at\n    tables:\n      - name: orders\n        identifier: raw_orders\n        columns: [{ name: id, tests: [unique] }]\nexposures:\n  - name: dashboard\nsemantic_models:\n  - name: orders\n";
    const dir = dbtProject({
      "models/staging/_sources.yml": properties,
      "models/docs.md": "{% docs status %}The status{% enddocs %}",
      "models/py_model.py": "def model(dbt, session): ...",
      "seeds/raw/raw_pets.csv": "id,name\n1,rex\n",
      "seeds/raw/props.yml": "version: 2\n",
      "macros/money.sql": "{% macro cents(c) %}{{ c }} / 100{% endmacro %}",
      "tests/no_negative.sql": "select * from {{ ref('raw_pets') }} where id < 0",
      "snapshots/pets_snapshot.sql": "{% snapshot pets %}select 1{% endsnapshot %}",
      "analyses/adhoc.sql": "select 1",
    });
    const { files, report } = convertDbtProject(dir);
    expect(text(files, "xorq_project/models/staging/_sources.yml")).toBe(properties);
    expect(yamlOf(files, "xorq_project/sources/staging/_sources.yaml")).toEqual({ sources: [{ name: "ecom", schema: "raw", tables: [{ name: "orders", identifier: "raw_orders" }] }] });
    expect(text(files, "xorq_project/models/docs.md")).toContain("{% docs status %}");
    expect(text(files, "xorq_project/data/raw/raw_pets.csv")).toBe("id,name\n1,rex\n");
    expect(yamlOf(files, "xorq_project/sources/seeds.yaml")).toEqual({ sources: [{ name: "raw_pets", description: "dbt seed seeds/raw/raw_pets.csv", read_csv: "data/raw/raw_pets.csv" }] });
    expect(yamlOf(files, "xorq_project/models/seeds/raw_pets.yaml")).toEqual({ name: "raw_pets", from: "source('raw_pets')" });
    expect(text(files, "xorq_project/macros/money.sql")).toContain("macro cents");
    expect(text(files, "xorq_project/tests/no_negative.sql")).toContain("where id < 0");
    expect(files.has("xorq_project/models/py_model.py")).toBe(false);
    expect(report.map((i) => `${i.kind}: ${i.file}: ${i.what}`).sort()).toEqual([
      "exposures: models/staging/_sources.yml: exposures: dashboard",
      "other files: analyses/adhoc.sql: an analysis (dbt compiles, never runs them)",
      "other files: seeds/raw/props.yml: seed properties or a non-CSV file",
      "python models: models/py_model.py: a Python model",
      "semantic models: models/staging/_sources.yml: semantic_models: orders",
      "snapshots: snapshots/pets_snapshot.sql: a snapshot",
    ]);
  });

  it("packages are reported with each package macro a file calls", () => {
    const dir = dbtProject({
      "packages.yml": "packages:\n  - package: dbt-labs/dbt_utils\n    version: 1.3.3\n",
      "models/a.sql": "select {{ dbt_utils.generate_surrogate_key(['id']) }} as k, {{ dbt.hash('id') }} as h from {{ ref('b') }}",
      "models/b.sql": "select 1 as id",
    });
    expect(convertDbtProject(dir).report.map((i) => `${i.file}: ${i.what}`)).toEqual([
      'packages.yml: dbt-labs/dbt_utils "1.3.3" (xorq does not install dbt packages; its macros are missing)',
      "models/a.sql: uses dbt_utils.generate_surrogate_key",
    ]);
  });
});

describe("dbt's tutorial shops", () => {
  it("the newer shop converts with only its packages (and its semantic layer) reported", () => {
    const { files, report } = convertDbtProject(V3);
    expect(new Set(report.map((i) => i.kind))).toEqual(new Set(["packages", "semantic models"]));
    expect(report.filter((i) => i.kind === "packages").map((i) => `${i.file}: ${i.what}`)).toEqual([
      'packages.yml: dbt-labs/dbt_utils "1.3.3" (xorq does not install dbt packages; its macros are missing)',
      'packages.yml: godatadriven/dbt_date "0.17.1" (xorq does not install dbt packages; its macros are missing)',
      "packages.yml: https://github.com/dbt-labs/dbt-audit-helper.git (xorq does not install dbt packages; its macros are missing)",
      "models/marts/customers.yml: uses dbt_utils.expression_is_true",
      "models/marts/metricflow_time_spine.sql: uses dbt_date.get_base_dates",
      "models/marts/orders.yml: uses dbt_utils.expression_is_true",
      "models/staging/stg_orders.yml: uses dbt_utils.expression_is_true",
      "models/staging/stg_supplies.sql: uses dbt_utils.generate_surrogate_key",
      "dbt_project.yml: vars: dbt_date:time_zone is a var of package dbt_date",
    ]);
    expect(text(files, "xorq_project/macros/cents_to_dollars.sql")).toBe(readFileSync(join(V3, "macros/cents_to_dollars.sql"), "utf8"));
    expect(text(files, "xorq_project/models/staging/stg_orders.sql")).toBe(readFileSync(join(V3, "models/staging/stg_orders.sql"), "utf8"));
    expect(yamlOf(files, "xorq_project/project.yaml")["models"]).toEqual({ staging: { "+materialized": "view" }, marts: { "+materialized": "table" } });
    expect((yamlOf(files, "xorq_project/sources/staging/__sources.yaml")["sources"] as Array<{ tables: unknown[] }>)[0]!.tables).toHaveLength(6);
  });

  it("the classic shop converts, and xorq run gives the rows of dbt's SQL rendered by hand", async () => {
    const dir = tempDir("xorq-dbt-classic-");
    const init = await runCli(["init", dir, "--from-dbt", CLASSIC]);
    expect(init.exitCode, init.stderr).toBe(0);
    expect(init.stdout).toContain("everything was converted");
    expect(readFileSync(join(dir, "dbt-import-report.md"), "utf8")).toBe("# dbt import report: jaffle_shop\n\nEverything was converted.\n");
    const again = await runCli(["init", dir, "--from-dbt", CLASSIC]);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain("already exists; xorq init never overwrites a project");

    const run = await runCli(["run"], dir);
    expect(run.exitCode, run.stderr + run.stdout).toBe(0);
    const db = join(dir, "xorq_project/jaffle_shop.duckdb");
    expect(existsSync(db)).toBe(true);
    const seed = (name: string) => `read_csv_auto('${join(CLASSIC, "seeds", `${name}.csv`)}')`;
    // dbt's compiled SQL of the two marts (target/compiled/…), the seeds read as dbt loads them.
    const stg = {
      customers: `(select id as customer_id, first_name, last_name from ${seed("raw_customers")})`,
      orders: `(select id as order_id, user_id as customer_id, order_date, status from ${seed("raw_orders")})`,
      payments: `(select id as payment_id, order_id, payment_method, amount / 100 as amount from ${seed("raw_payments")})`,
    };
    const methods = ["credit_card", "coupon", "bank_transfer", "gift_card"];
    const ordersSql = `with orders as (select * from ${stg.orders}), payments as (select * from ${stg.payments}),
      order_payments as (select order_id, ${methods.map((m) => `sum(case when payment_method = '${m}' then amount else 0 end) as ${m}_amount,`).join(" ")} sum(amount) as total_amount from payments group by order_id)
      select orders.order_id, orders.customer_id, orders.order_date, orders.status, ${methods.map((m) => `order_payments.${m}_amount,`).join(" ")} order_payments.total_amount as amount
      from orders left join order_payments on orders.order_id = order_payments.order_id`;
    const customersSql = `with customers as (select * from ${stg.customers}), orders as (select * from ${stg.orders}), payments as (select * from ${stg.payments}),
      customer_orders as (select customer_id, min(order_date) as first_order, max(order_date) as most_recent_order, count(order_id) as number_of_orders from orders group by customer_id),
      customer_payments as (select orders.customer_id, sum(amount) as total_amount from payments left join orders on payments.order_id = orders.order_id group by orders.customer_id)
      select customers.customer_id, customers.first_name, customers.last_name, customer_orders.first_order, customer_orders.most_recent_order, customer_orders.number_of_orders, customer_payments.total_amount as customer_lifetime_value
      from customers left join customer_orders on customers.customer_id = customer_orders.customer_id left join customer_payments on customers.customer_id = customer_payments.customer_id`;
    for (const [model, sql, key] of [["orders", ordersSql, "order_id"], ["customers", customersSql, "customer_id"]] as const) {
      const expected = await queryDuckDBFile(":memory:", `select * from (${sql}) order by ${key}`);
      const got = await queryDuckDBFile(db, `select * from main.${model} order by ${key}`);
      expect(got.length).toBeGreaterThan(90);
      expect(got).toEqual(expected);
    }
    // schema.yml's tests (unique, not_null, accepted_values, relationships) hold on the converted shop.
    const tests = await runCli(["test"], dir);
    expect(tests.exitCode, tests.stderr + tests.stdout).toBe(0);
    expect(tests.stdout).toMatch(/test: 20 pass/);
  }, 60_000);
});
