/**
 * Data tests through the CLI (in-process, on real DuckDB; build first with `npx tsc -p
 * tsconfig.json`): declaring them in model configs, sources and dbt properties files,
 * every generic test passing and failing, severities, `where`, thresholds, caching,
 * load-time errors, and `xorq run` stopping at a model whose tests fail.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { xorqInProcess as xorq } from "./helpers/cli.js";
import { describePg } from "./helpers/postgres.js";
import { tempDir, writeFiles } from "./helpers/project.js";

const BASE: Readonly<Record<string, string>> = {
  "xorq_project/project.yaml": "name: shop\ndefault_profile: local\n",
  "xorq_project/profiles.yaml": "profiles:\n  local: { kind: duckdb, path: \":memory:\" }\n",
};

/** Test name -> `status failures` from `xorq test --json`. */
async function results(root: string, args: string[] = []): Promise<{ code: number; byName: Record<string, string>; cached: Record<string, boolean>; stdout: string }> {
  const r = await xorq(root, ["test", "--json", ...args]);
  const events = r.stdout.trim().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);
  const finished = events.filter((e) => e["event"] === "test_finished");
  return {
    code: r.code,
    byName: Object.fromEntries(finished.map((e) => [e["name"], `${e["status"]} ${e["failures"]}`])),
    cached: Object.fromEntries(finished.map((e) => [e["name"], e["cached"] === true])),
    stdout: r.stdout + r.stderr,
  };
}

describe("generic tests: each passing and failing", () => {
  const root = tempDir("xorq-tests-generic-");
  beforeAll(() =>
    writeFiles(root, {
      ...BASE,
      "xorq_project/data/orders.csv": "id,customer_id,status,amount\n1,1,placed,10\n2,2,shipped,20\n3,2,returned,30\n3,9,lost,-5\n4,,placed,7\n",
      "xorq_project/data/customers.csv": "id,name\n1,ann\n2,bob\n",
      "xorq_project/sources/shop.yaml": "sources:\n  - name: raw_orders\n    read_csv: data/orders.csv\n  - name: raw_customers\n    read_csv: data/customers.csv\n",
      // Passing tests on `good` (the rows without the bad order), failing ones on `orders`.
      "xorq_project/models/orders.yaml": [
        "from: source('raw_orders')",
        "steps:",
        "  - select: [id, customer_id, status, amount]",
        "columns:",
        "  id: { tests: [unique, not_null] }",
        "  customer_id: { tests: [not_null, { relationships: { to: ref('customers'), field: id } }] }",
        "  status: { tests: [{ accepted_values: { values: [placed, shipped, returned] } }] }",
        "  amount: { tests: [{ accepted_range: { min: 0, max: 25 } }] }",
        "tests:",
        "  - expression_is_true: \"amount >= 0\"",
        "  - row_count: { max: 3 }",
        "",
      ].join("\n"),
      "xorq_project/models/good.yaml": [
        "from: ref('orders')",
        "steps:",
        "  - filter: \"amount > 0 and amount < 25 and customer_id is not null\"",
        "columns:",
        "  id: { tests: [unique, not_null] }",
        "  customer_id: { tests: [not_null, { relationships: { to: ref('customers'), field: id } }] }",
        "  status: { tests: [{ accepted_values: { values: [placed, shipped, returned] } }] }",
        "  amount: { tests: [{ accepted_range: { min: 0, max: 25, inclusive: false } }] }",
        "tests:",
        "  - expression_is_true: \"amount >= 0\"",
        "  - row_count: { min: 1, max: 3 }",
        "",
      ].join("\n"),
      "xorq_project/models/customers.sql": "select * from {{ source('raw_customers') }}\n",
    }),
  );
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("names every failing test with its failing-row count and exits 1; the passing ones pass", async () => {
    const r = await results(root);
    expect(r.code, r.stdout).toBe(1);
    expect(r.byName).toEqual({
      unique_orders_id: "fail 1",
      not_null_orders_id: "pass 0",
      not_null_orders_customer_id: "fail 1",
      relationships_orders_customer_id__id__ref_customers_: "fail 1",
      accepted_values_orders_status__placed__shipped__returned: "fail 1",
      accepted_range_orders_amount: "fail 2",
      expression_is_true_orders: "fail 1",
      row_count_orders: "fail 1",
      unique_good_id: "pass 0",
      not_null_good_id: "pass 0",
      not_null_good_customer_id: "pass 0",
      relationships_good_customer_id__id__ref_customers_: "pass 0",
      accepted_values_good_status__placed__shipped__returned: "pass 0",
      accepted_range_good_amount: "pass 0",
      expression_is_true_good: "pass 0",
      row_count_good: "pass 0",
    });
  });

  it("prints one line per test with a few failing rows, and a summary", async () => {
    const r = await xorq(root, ["test", "--select", "orders"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^fail\s+unique_orders_id\s+1 row\s+\((\d+ ms|cached)\)\n\s+\{"id":3,"n_records":2\}$/m);
    expect(r.stdout).toMatch(/^pass\s+not_null_orders_id\s/m);
    expect(r.stdout).toMatch(/^test: 1 pass, 7 fail( \(\d+ cached\))? in /m);
    const written = JSON.parse(readFileSync(join(root, "target/test_results.json"), "utf8")) as { results: Array<Record<string, unknown>> };
    expect(written.results.find((t) => t["name"] === "unique_orders_id")).toMatchObject({ test: "unique", model: "orders", column: "id", status: "fail", failures: 1, severity: "error" });
  });

  it("runs only the selected models' tests", async () => {
    const r = await results(root, ["--select", "good"]);
    expect(r.code).toBe(0);
    expect(Object.keys(r.byName).every((n) => n.includes("_good"))).toBe(true);
  });
});

describe("severity, where, thresholds and names", () => {
  const root = tempDir("xorq-tests-config-");
  const model = (tests: string) => `from: source('raw')\ncolumns:\n  id:\n    tests:\n${tests}`;
  beforeAll(() =>
    writeFiles(root, {
      ...BASE,
      "xorq_project/data/raw.csv": "id,kind\n1,a\n1,a\n2,b\n2,b\n3,c\n3,c\n",
      "xorq_project/sources/s.yaml": "sources:\n  - name: raw\n    read_csv: data/raw.csv\n",
      "xorq_project/models/warned.yaml": model("      - unique: { severity: warn }\n"),
      "xorq_project/models/filtered.yaml": model("      - unique: { where: \"kind = 'a'\" }\n      - unique: { where: \"kind = 'z'\", name: no_z_duplicates }\n"),
      "xorq_project/models/thresholds.yaml": model("      - unique: { error_if: \">2\", warn_if: \">1\" }\n      - not_null: { error_if: \">=0\", name: always_fails }\n      - unique: { error_if: \">5\", warn_if: \">5\", name: tolerated }\n"),
    }),
  );
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("warn-severity failures warn and exit 0", async () => {
    const r = await results(root, ["--select", "warned"]);
    expect(r.byName).toEqual({ unique_warned_id: "warn 3" });
    expect(r.code).toBe(0);
  });

  it("where filters the tested rows; name names the test", async () => {
    const r = await results(root, ["--select", "filtered"]);
    expect(r.byName).toEqual({ unique_filtered_id: "fail 1", no_z_duplicates: "pass 0" });
  });

  it("error_if and warn_if decide fail, warn and pass from the count", async () => {
    const r = await results(root, ["--select", "thresholds"]);
    expect(r.byName).toEqual({ unique_thresholds_id: "fail 3", always_fails: "fail 0", tolerated: "pass 3" });
    const warnOnly = await results(root, ["--select", "warned", "thresholds", "--exclude", "thresholds"]);
    expect(warnOnly.code).toBe(0);
  });
});

describe("declaring tests: every place a model or source can", () => {
  const root = tempDir("xorq-tests-declare-");
  beforeAll(() =>
    writeFiles(root, {
      ...BASE,
      "xorq_project/data/raw.csv": "id,status\n1,placed\n2,placed\n2,shipped\n",
      "xorq_project/sources/s.yaml": "sources:\n  - name: raw\n    read_csv: data/raw.csv\n    columns:\n      id: { tests: [not_null] }\n",
      "xorq_project/models/front.sql": "---\ncolumns:\n  id: { tests: [unique] }\n---\nselect * from {{ source('raw') }}\n",
      "xorq_project/models/jinja.sql": "{{ config(tests=[{'row_count': {'max': 1}}]) }}\nselect * from {{ source('raw') }} {% if true %}where id > 0{% endif %}\n",
      "xorq_project/models/typed.ts": [
        'import { model } from "xorq";',
        'export default model({ columns: { status: { tests: [{ accepted_values: { values: ["placed"] } }] } } }, ({ source }) => source("raw"));',
        "",
      ].join("\n"),
      // A properties file from a dbt project: descriptions, list-shaped columns, the four built-ins.
      "xorq_project/models/schema.yml": [
        "version: 2",
        "",
        "models:",
        "  - name: described",
        "    description: One row per order",
        "    config:",
        "      materialized: view",
        "    columns:",
        "      - name: id",
        "        description: The primary key",
        "        data_type: integer",
        "        tests:",
        "          - unique",
        "          - not_null",
        "      - name: status",
        "        description: '{{ doc(\"status\") }}'",
        "        data_tests:",
        "          - accepted_values:",
        "              values: ['placed', 'shipped']",
        "              config:",
        "                severity: warn",
        "          - relationships:",
        "              to: ref('front')",
        "              field: status",
        "",
        "sources:",
        "  - name: raw",
        "    tables: []",
        "",
      ].join("\n"),
      "xorq_project/models/described.yaml": "from: source('raw')\n",
      "xorq_project/tests/no_repeated_ids.sql": "select id, count(*) as n from {{ ref('front') }} group by id having count(*) > {{ var('max_repeats', 1) }}\n",
      "xorq_project/tests/nested/all_placed.sql": "select * from {{ ref('typed') }} where status <> 'placed'\n",
    }),
  );
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("collects tests from YAML, front matter, config(), model({...}), sources and properties files", async () => {
    const r = await results(root);
    expect(r.byName).toEqual({
      not_null_raw_id: "pass 0",
      unique_front_id: "fail 1",
      row_count_jinja: "fail 1",
      accepted_values_typed_status__placed: "fail 1",
      unique_described_id: "fail 1",
      not_null_described_id: "pass 0",
      accepted_values_described_status__placed__shipped: "pass 0",
      relationships_described_status__status__ref_front_: "pass 0",
      no_repeated_ids: "fail 1",
      all_placed: "fail 1",
    });
  });

  it("singular tests run with the models they read, and their errors name the file", async () => {
    const only = await results(root, ["--select", "front"]);
    // The tests of the sources it reads come along.
    expect(Object.keys(only.byName)).toEqual(["not_null_raw_id", "unique_front_id", "no_repeated_ids"]);
    writeFileSync(join(root, "xorq_project/tests/broken.sql"), "select * from {{ ref('front') }} where nope > 1\n");
    const broken = await xorq(root, ["test"]);
    rmSync(join(root, "xorq_project/tests/broken.sql"));
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain("xorq_project/tests/broken.sql:1:1: SQL does not compile in local (duckdb)");
  });

  it("a properties file is no model; its descriptions reach ls --output json and the manifest", async () => {
    const ls = await xorq(root, ["ls"]);
    expect(ls.stdout.trim().split("\n")).toEqual(["described", "front", "jinja", "typed"]);
    const rows = JSON.parse((await xorq(root, ["ls", "--output", "json", "--select", "described"])).stdout) as Array<Record<string, unknown>>;
    expect(rows[0]).toMatchObject({ name: "described", description: "One row per order", columns: { id: { name: "id", description: "The primary key" } } });
    expect((await xorq(root, ["build"])).code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(root, "target/manifest.json"), "utf8")) as { models: Record<string, { description: string; columns: Record<string, unknown> }> };
    expect(manifest.models["described"]!.description).toBe("One row per order");
    expect(Object.keys(manifest.models["described"]!.columns)).toEqual(["id", "status"]);
  });
});

describe("load-time errors name the file, line and column", () => {
  const root = tempDir("xorq-tests-errors-");
  const files = {
    ...BASE,
    "xorq_project/data/raw.csv": "id\n1\n",
    "xorq_project/sources/s.yaml": "sources:\n  - name: raw\n    read_csv: data/raw.csv\n",
  };
  const write = (extra: Record<string, string>) => {
    rmSync(join(root, "xorq_project"), { recursive: true, force: true });
    writeFiles(root, { ...files, ...extra });
  };
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("a test on a column the model does not have", async () => {
    write({ "xorq_project/models/m.yaml": "from: source('raw')\ncolumns:\n  idd: { tests: [unique] }\n" });
    const r = await xorq(root, ["test"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("xorq_project/models/m.yaml:3:18: test unique on model 'm', column 'idd': column 'idd' is not a column of model 'm' (did you mean 'id'?) (columns: id)");
  });

  it("an unknown test, a bad argument, a bad threshold, a broken expression", async () => {
    write({
      "xorq_project/models/m.yaml": [
        "from: source('raw')",
        "columns:",
        "  id:",
        "    tests:",
        "      - uniqe",
        "      - accepted_values: { values: [1], colour: red }",
        "      - not_null: { error_if: \"lots\" }",
        "tests:",
        "  - expression_is_true: \"id >\"",
        "",
      ].join("\n"),
    });
    const r = await xorq(root, ["test"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("xorq_project/models/m.yaml:5:9: test uniqe on model 'm', column 'id': unknown test 'uniqe' (did you mean 'unique'?)");
    expect(r.stderr).toContain("xorq_project/models/m.yaml:6:41: test accepted_values on model 'm', column 'id': unknown argument 'colour'");
    expect(r.stderr).toContain("xorq_project/models/m.yaml:7:31: test not_null on model 'm', column 'id': error_if must be a comparison with a whole number");
    expect(r.stderr).toContain("xorq_project/models/m.yaml:9:30: test expression_is_true on model 'm': expected an expression, found the end of the expression");
  });

  it("properties files are checked by their JSON Schema and name models that exist", async () => {
    write({
      "xorq_project/models/m.yaml": "from: source('raw')\n",
      "xorq_project/models/schema.yml": "models:\n  - name: m\n    colums: []\n  - name: nope\n",
    });
    const r = await xorq(root, ["ls"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/xorq_project\/models\/schema\.yml:3:5: .*colums/);
    write({ "xorq_project/models/m.yaml": "from: source('raw')\n", "xorq_project/models/schema.yml": "models:\n  - name: nope\n" });
    const missing = await xorq(root, ["ls"]);
    expect(missing.stderr).toContain("xorq_project/models/schema.yml:2:11: properties of model 'nope', which is not a model of the project");
  });
});

describe("caching: an unchanged test on unchanged data is not run again", () => {
  const root = tempDir("xorq-tests-cache-");
  beforeAll(() =>
    writeFiles(root, {
      ...BASE,
      "xorq_project/data/raw.csv": "id,status\n1,a\n2,b\n2,b\n",
      "xorq_project/sources/s.yaml": "sources:\n  - name: raw\n    read_csv: data/raw.csv\n",
      "xorq_project/models/m.yaml": "from: source('raw')\ncolumns:\n  id: { tests: [unique, not_null] }\n  status: { tests: [{ accepted_values: { values: [a, b] } }] }\n",
    }),
  );
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("serves every result the second time; fixing the data runs them again and they pass", async () => {
    const first = await results(root);
    expect(first.code).toBe(1);
    expect(Object.values(first.cached)).toEqual([false, false, false]);
    const second = await results(root);
    expect(second.byName).toEqual(first.byName);
    expect(Object.values(second.cached)).toEqual([true, true, true]);
    expect(second.code).toBe(1);
    expect((await xorq(root, ["test"])).stdout).toMatch(/^test: 2 pass, 1 fail \(3 cached\) in /m);
    // New data: a new change signal, so every test reruns.
    writeFileSync(join(root, "xorq_project/data/raw.csv"), "id,status\n1,a\n2,b\n3,b\n");
    const fixed = await results(root);
    expect(fixed.code).toBe(0);
    expect(fixed.byName).toEqual({ unique_m_id: "pass 0", not_null_m_id: "pass 0", accepted_values_m_status__a__b: "pass 0" });
    expect(Object.values(fixed.cached)).toEqual([false, false, false]);
    // A changed test definition reruns that test only.
    writeFileSync(join(root, "xorq_project/models/m.yaml"), "from: source('raw')\ncolumns:\n  id: { tests: [unique, not_null] }\n  status: { tests: [{ accepted_values: { values: [a] } }] }\n");
    const edited = await results(root);
    expect(edited.byName["accepted_values_m_status__a"]).toBe("fail 2");
    expect(edited.cached).toEqual({ unique_m_id: true, not_null_m_id: true, accepted_values_m_status__a: false });
  });
});

describe("xorq run stops bad data", () => {
  const root = tempDir("xorq-tests-run-");
  beforeAll(() =>
    writeFiles(root, {
      ...BASE,
      "xorq_project/data/raw.csv": "id\n1\n2\n2\n",
      "xorq_project/sources/s.yaml": "sources:\n  - name: raw\n    read_csv: data/raw.csv\n",
      "xorq_project/models/items.yaml": "from: source('raw')\ncolumns:\n  id: { tests: [unique, { not_null: { severity: warn } }] }\n",
      "xorq_project/models/report.yaml": "from: ref('items')\nsteps:\n  - agg: { n: \"count(id)\" }\n",
      "xorq_project/models/other.yaml": "from: source('raw')\n",
    }),
  );
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("a model whose error-severity tests fail is failed and its descendants skipped; --skip-tests runs everything", async () => {
    const r = await xorq(root, ["run"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^error\s+items\s.*\n\s+tests failed: unique_items_id \(1 row\)$/m);
    expect(r.stdout).toMatch(/^skipped\s+report\s/m);
    expect(r.stdout).toMatch(/^computed\s+other\s/m);
    const skipped = await xorq(root, ["run", "--skip-tests"]);
    expect(skipped.code).toBe(0);
    expect(skipped.stdout).toMatch(/^computed\s+report\s/m);
    writeFileSync(join(root, "xorq_project/data/raw.csv"), "id\n1\n2\n3\n");
    const fixed = await xorq(root, ["run"]);
    expect(fixed.code, fixed.stdout).toBe(0);
    expect(fixed.stdout).toMatch(/^computed\s+report\s/m);
  });
});

describePg("data tests in PostgreSQL", () => {
  const root = tempDir("xorq-tests-pg-");
  beforeAll(() =>
    writeFiles(root, {
      "xorq_project/project.yaml": "name: shop\ndefault_profile: pg\n",
      "xorq_project/profiles.yaml": 'profiles:\n  pg: { kind: postgres, host: "${env:PGHOST}", port: "${env:PGPORT:-5432}", user: "${env:PGUSER}", database: "${env:PGDATABASE}" }\n',
      "xorq_project/data/orders.csv": "id,customer_id,status\n1,1,placed\n2,2,shipped\n2,3,lost\n",
      "xorq_project/data/customers.csv": "id\n1\n2\n",
      "xorq_project/sources/s.yaml": "sources:\n  - name: raw_orders\n    read_csv: data/orders.csv\n  - name: raw_customers\n    read_csv: data/customers.csv\n",
      "xorq_project/models/customers.yaml": "from: source('raw_customers')\n",
      "xorq_project/models/orders.sql": "select id, customer_id, status from {{ source('raw_orders') }}\n",
      "xorq_project/models/schema.yml": [
        "models:",
        "  - name: orders",
        "    columns:",
        "      - name: id",
        "        tests: [unique, not_null]",
        "      - name: status",
        "        tests: [{ accepted_values: { values: [placed, shipped] } }]",
        "      - name: customer_id",
        "        tests: [{ relationships: { to: ref('customers'), field: id, severity: warn } }]",
        "    tests:",
        "      - row_count: { min: 1, max: 10 }",
        "      - expression_is_true: { expression: \"id > 0\", where: \"status <> 'lost'\" }",
        "",
      ].join("\n"),
    }),
  );
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("compiles each test to PostgreSQL's SQL, counts its failures there, and caches the results", async () => {
    const first = await results(root);
    expect(first.code, first.stdout).toBe(1);
    expect(first.byName).toEqual({
      unique_orders_id: "fail 1",
      not_null_orders_id: "pass 0",
      accepted_values_orders_status__placed__shipped: "fail 1",
      relationships_orders_customer_id__id__ref_customers_: "warn 1",
      row_count_orders: "pass 0",
      expression_is_true_orders: "pass 0",
    });
    const second = await results(root);
    expect(second.byName).toEqual(first.byName);
    expect(Object.values(second.cached).every(Boolean)).toBe(true);
  });
});

describe("xorq test --env: materialized models are tested over their relations", () => {
  const root = tempDir("xorq-tests-env-");
  beforeAll(() =>
    writeFiles(root, {
      "xorq_project/project.yaml": "name: shop\ndefault_profile: wh\nmaterialized: table\n",
      "xorq_project/profiles.yaml": "profiles:\n  wh: { kind: duckdb, path: wh.duckdb }\n",
      "xorq_project/data/raw.csv": "id\n1\n2\n2\n",
      "xorq_project/sources/s.yaml": "sources:\n  - name: raw\n    read_csv: data/raw.csv\n",
      "xorq_project/models/items.yaml": "from: source('raw')\ncolumns:\n  id: { tests: [unique] }\n",
    }),
  );
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("reads what the environment's view points at; a model without a view is tested over its expression", async () => {
    expect((await xorq(root, ["run", "--skip-tests"])).code).toBe(0);
    // The data is fixed, but prod's table still holds the duplicate.
    writeFileSync(join(root, "xorq_project/data/raw.csv"), "id\n1\n2\n3\n");
    expect((await results(root)).byName).toEqual({ unique_items_id: "fail 1" });
    expect((await results(root, ["--env", "dev"])).byName).toEqual({ unique_items_id: "pass 0" });
    expect((await xorq(root, ["run"])).code).toBe(0);
    const after = await results(root);
    expect(after.byName).toEqual({ unique_items_id: "pass 0" });
    expect(after.cached).toEqual({ unique_items_id: false });
  });
});
