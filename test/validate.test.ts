import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { parseSortKey, parseValueExpression } from "../src/project/expression-language/expression-parser.js";
import { type YamlFileKind, YAML_FILE_KINDS, validateYaml } from "../src/project/loading/validate.js";

const ROOT = new URL("..", import.meta.url).pathname;

/** `file:line:col: message` lines, as a user sees them. */
function problems(kind: YamlFileKind, text: string, file = "f.yaml", lineOffset = 0): string[] {
  return validateYaml(kind, text, file, { lineOffset }).errors.map((e) => `${e.file}:${e.line}:${e.col}: ${e.message}`);
}

describe("JSON Schemas", () => {
  const metaSchema = new Ajv2020({ strict: false });
  it("exist for every YAML file of the project tree, are valid draft 2020-12 and describe every top-level key", () => {
    expect(metaSchema.validateSchema(JSON.parse(readFileSync(join(ROOT, "schemas", "common.schema.json"), "utf8")))).toBe(true);
    for (const kind of YAML_FILE_KINDS) {
      const schema = JSON.parse(readFileSync(join(ROOT, "schemas", `${kind}.schema.json`), "utf8"));
      expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
      expect(schema.additionalProperties).toBe(false);
      for (const [key, sub] of Object.entries(schema.properties as Record<string, Record<string, unknown>>)) {
        expect(typeof sub.description === "string" || typeof sub.$ref === "string", `${kind}.${key}`).toBe(true);
      }
      expect(metaSchema.validateSchema(schema), `${kind}: ${metaSchema.errorsText()}`).toBe(true);
      // Compiles (strict mode: an unknown keyword or a broken $ref would throw).
      expect(() => validateYaml(kind, "{}", "x.yaml")).not.toThrow();
    }
  });

  it("accept the examples of SPEC.md as written", () => {
    expect(problems("project", "name: shop\ndefault_profile: local\nvars: { min_amount: 100 }\ncache: { storage: parquet, strategy: modification_time }\n")).toEqual([]);
    expect(
      problems(
        "profiles",
        `profiles:
  local:  { kind: duckdb, path: ":memory:" }
  wh:     { kind: duckdb, path: warehouse.duckdb }
  pg:     { kind: postgres, host: "\${env:PGHOST}", port: "\${env:PGPORT:-5432}",
            user: "\${env:PGUSER}", password: "\${env:PGPASSWORD}", database: "\${env:PGDATABASE}" }
  sf:     { kind: snowflake, account: "\${env:SNOWFLAKE_ACCOUNT}", user: "\${env:SNOWFLAKE_USER}",
            password: "\${env:SNOWFLAKE_PASSWORD}", warehouse: "\${env:SNOWFLAKE_WAREHOUSE}" }
  bq:     { kind: bigquery, project_id: "\${env:GCP_PROJECT}" }
`,
      ),
    ).toEqual([]);
    expect(
      problems(
        "sources",
        `sources:
  - name: orders                        # referenced as source('orders')
    read_parquet: data/orders.parquet   # deferred read, paths relative to xorq_project/
  - name: customers
    read_csv: data/customers.csv
  - name: users
    profile: pg                         # a table that lives in an engine
    table: public.users
`,
      ),
    ).toEqual([]);
    expect(
      problems(
        "model",
        `name: active_users_by_region
from: source('users')             # or ref('other_model')
tags: [daily]
steps:
  - filter: "active = true and amount > var('min_amount')"
  - into_backend: local           # backend hop: the rest runs in DuckDB, data moves as Arrow
  - mutate: { amount_eur: "amount * 0.92" }
  - join: { with: ref('regions'), on: [region], how: left }
  - group_by: [region]
  - agg: { users: "count(id)", total: "sum(amount_eur)" }
  - order_by: ["-total"]
  - limit: 100
cache: { storage: parquet, strategy: modification_time }   # or snapshot; ttl: 1h; storage: source
`,
      ),
    ).toEqual([]);
    expect(problems("sql-front-matter", "tags: [kind_join2, daily]\nprofile: local\ncache: true\n")).toEqual([]);
  });

  it("accept every step kind in its documented forms", () => {
    const model = `from: ref('a')
steps:
  - filter: ["amount > 0", "status is not null"]
  - select: [id, { total: "amount * qty" }]
  - drop: secret
  - rename: { new_name: old_name }
  - distinct: true
  - union: ref('b')
  - union: [ref('c'), source('d')]
  - union: { with: [ref('e')], distinct: true }
  - join: { with: source('f'), on: [id, [customer_id, cid]], how: anti, rsuffix: _f }
  - join: { with: ref('g'), how: cross }
  - order_by: "amount desc"
  - limit: { n: 10, offset: 20 }
  - cache: true
  - cache: { storage: source, strategy: snapshot }
  - cache: { storage: parquet, strategy: snapshot, ttl: 90 }
  - cache: { storage: gcs, bucket: my-bucket }
`;
    expect(problems("model", model)).toEqual([]);
    expect(problems("model", "name: m\nsql: select 1\ntags: [a]\ndescription: d\nprofile: pg\ncache: { ttl: 2d }\n")).toEqual([]);
  });
});

describe("validateYaml reports file:line:col", () => {
  it("for malformed YAML", () => {
    expect(problems("model", "name: x\nsteps:\n  - filter: [a > 1\n", "models/x.yaml")).toEqual([
      "models/x.yaml:4:1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
    ]);
    expect(problems("project", "name: shop\nvars:\n  a: 1\n  a: 2\n", "project.yaml")).toEqual([
      "project.yaml:4:3: duplicate key 'a': each key may appear once in a mapping",
    ]);
    expect(problems("project", 'name: "shop\n', "project.yaml")).toEqual(['project.yaml:2:1: invalid YAML: Missing closing "quote']);
    expect(problems("project", "name: shop\n---\nname: other\n", "project.yaml")).toEqual([
      "project.yaml:2:1: the file holds more than one YAML document (a second '---'); keep one",
    ]);
    expect(problems("project", "name: *shop\n", "project.yaml")).toEqual(["project.yaml:1:7: alias *shop refers to no anchor &shop"]);
    expect(validateYaml("project", "a: [", "p.yaml").value).toBeNull();
  });

  it("for a value of the wrong type, at the value", () => {
    expect(problems("model", "from: ref('a')\nsteps:\n  - limit: ten\n", "models/x.yaml")).toEqual([
      "models/x.yaml:3:12: steps[0].limit: expected a whole number or a mapping, found the string 'ten'",
    ]);
    expect(problems("model", "from: ref('a')\nsteps:\n  - mutate: { x: 1 }\n")).toEqual([
      `f.yaml:3:18: steps[0].mutate.x: an expression is written as a string, e.g. "amount * 0.92" (quote numbers too: "1")`,
    ]);
    expect(problems("model", "from: ref('a')\ntags: daily\nsteps: [{ distinct: true }]\n")).toEqual(["f.yaml:2:7: tags: expected a list, found the string 'daily'"]);
    expect(problems("project", "name: shop\ncache: true\n")).toEqual(["f.yaml:2:8: cache: expected a mapping, found true"]);
    expect(problems("project", "")).toEqual(["f.yaml:1:1: expected a mapping, found nothing"]);
  });

  it("for an unknown key, at the key, with the closest allowed one", () => {
    expect(problems("model", "name: x\nfrom: ref('a')\nsteps:\n  - filtr: \"a > 1\"\n", "models/x.yaml")).toEqual([
      "models/x.yaml:4:5: steps[0]: unknown key 'filtr' (did you mean 'filter'?); expected one of: filter, select, drop, rename, mutate, group_by, agg, join, union, distinct, order_by, limit, into_backend, cache",
    ]);
    expect(problems("project", "name: shop\ndefault_profle: local\n")).toEqual([
      "f.yaml:2:1: unknown key 'default_profle' (did you mean 'default_profile'?); expected one of: name, description, default_profile, vars, cache, materialized, schema, env, models, paths",
    ]);
    expect(problems("profiles", "profiles:\n  pg:\n    kind: postgres\n    hots: db.local\n")).toEqual([
      "f.yaml:4:5: profiles.pg: unknown key 'hots' (did you mean 'host'?); expected one of: kind, host, port, user, password, database",
    ]);
    expect(problems("sql-front-matter", "tags: [daily]\npersist_docs: true\n", "models/m.sql", 1)).toEqual([
      "models/m.sql:3:1: unknown key 'persist_docs'; expected one of: name, description, tags, profile, cache, materialized, schema, alias, columns, tests, data_tests",
    ]);
  });

  it("for missing keys, wrong values and conflicting keys", () => {
    expect(problems("model", "from: ref('a')\nsteps:\n  - join: { with: ref('b'), how: lef }\n")).toEqual([
      "f.yaml:3:11: steps[0].join: missing required key 'on'",
      "f.yaml:3:34: steps[0].join.how: the string 'lef' is not one of: inner, left, right, outer, semi, anti, cross (did you mean 'left'?)",
    ]);
    expect(problems("model", "name: x\ndescription: no input\n")).toEqual(["f.yaml:1:1: a model needs either from: (with steps:) or sql:, not both"]);
    expect(problems("model", "sql: select 1\nfrom: ref('a')\n")).toEqual(["f.yaml:1:1: a model needs either from: (with steps:) or sql:, not both"]);
    expect(problems("model", "from: ref(a)\nsteps: [{ distinct: true }]\n")).toEqual(["f.yaml:1:7: from: an input is written ref('model') or source('name')"]);
    expect(problems("model", "from: ref('a')\nsteps:\n  - filter: a > 1\n    limit: 3\n")).toEqual([
      "f.yaml:3:5: steps[0]: a step has exactly one key; put each transformation in its own `- ` item",
    ]);
    expect(problems("model", "from: ref('a')\nsteps:\n  - distinct\n")).toEqual([
      "f.yaml:3:5: steps[0]: a step is a mapping with one key, e.g. `- filter: \"amount > 0\"` or `- distinct: true`",
    ]);
    expect(problems("model", "from: ref('a')\nsteps:\n  - join: { with: ref('b'), how: cross, on: [id] }\n")).toEqual([
      "f.yaml:3:11: steps[0].join: a cross join takes no on:",
    ]);
    expect(problems("model", "sql: select 1\ncache: { storage: gcs }\ntags: [a, b, a]\n")).toEqual([
      "f.yaml:2:8: cache: missing required key 'bucket'",
      "f.yaml:3:14: tags: the string 'a' is listed twice",
    ]);
    expect(problems("model", "sql: select 1\ncache: { storage: parquet, ttl: 1 hour }\n")).toEqual([
      `f.yaml:2:33: cache.ttl: a duration is a number of seconds or a number with a unit s, m, h, d or w, e.g. "1h"`,
    ]);
    expect(problems("sources", "sources:\n  - name: orders\n    read_csv: a.csv\n    table: t\n  - name: 2nd\n    table: t\n")).toEqual([
      "f.yaml:2:5: sources[0]: a source needs exactly one of read_parquet:, read_csv:, table:, catalog: or tables:",
      "f.yaml:5:11: sources[1].name: a name uses letters, digits and underscores and does not start with a digit",
    ]);
    expect(problems("profiles", 'profiles:\n  pg: { kind: postgres, host: "${env:PGHOST", port: 70000 }\n  bad-name: { kind: mysql }\n')).toEqual([
      "f.yaml:2:31: profiles.pg.host: the environment is referenced as ${env:VAR} or ${env:VAR:-default}",
      "f.yaml:2:53: profiles.pg.port: must be <= 65535",
      "f.yaml:3:3: profiles: invalid name 'bad-name': a name uses letters, digits and underscores and does not start with a digit",
      "f.yaml:3:21: profiles.bad-name.kind: the string 'mysql' is not one of: duckdb, postgres, snowflake, bigquery, databricks",
    ]);
    expect(problems("project", "name: shop\nvars: { ok: [1, 2], bad: { a: 1 } }\n")).toEqual([
      "f.yaml:2:26: vars.bad: a var holds a string, number, boolean, null or a list of them",
    ]);
  });

  it("returns the parsed value along with the problems", () => {
    const r = validateYaml("project", "name: shop\nvars: { min_amount: 100 }\nextra: 1\n", "p.yaml");
    expect(r.value).toEqual({ name: "shop", vars: { min_amount: 100 }, extra: 1 });
    expect(r.errors).toHaveLength(1);
  });
});

// --- the templates and the example project ---

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** The front matter of a SQL model (between `---` lines at the top), and the line it starts on. */
function frontMatter(sql: string): { text: string; lineOffset: number } | null {
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n/.exec(sql);
  return m ? { text: m[1]!, lineOffset: 1 } : null;
}

/** Every expression string of a YAML model's steps, parsed as the loader will. */
function parseStepExpressions(steps: ReadonlyArray<Record<string, unknown>>, vars: Record<string, unknown>, file: string): number {
  let count = 0;
  const expr = (text: unknown) => {
    parseValueExpression(String(text), { vars, file });
    count++;
  };
  const items = (v: unknown) => {
    for (const item of ([] as unknown[]).concat(v)) {
      if (typeof item === "string") expr(item);
      else for (const e of Object.values(item as Record<string, unknown>)) expr(e);
    }
  };
  for (const step of steps) {
    const [kind, arg] = Object.entries(step)[0]!;
    if (kind === "filter") ([] as unknown[]).concat(arg).forEach(expr);
    if (kind === "mutate" || kind === "agg") Object.values(arg as Record<string, unknown>).forEach(expr);
    if (kind === "select" || kind === "group_by") items(arg);
    if (kind === "order_by") {
      for (const key of ([] as unknown[]).concat(arg)) {
        parseSortKey(String(key), { vars, file });
        count++;
      }
    }
  }
  return count;
}

const PROJECTS = ["templates/duckdb", "templates/postgres", "templates/multi-engine", "example-project"];

describe.each(PROJECTS)("%s", (project) => {
  const dir = join(ROOT, project, "xorq_project");
  const files = filesUnder(dir).map((f) => relative(dir, f)).sort();

  it("has the files of SPEC's project tree", () => {
    expect(files).toContain("project.yaml");
    expect(files).toContain("profiles.yaml");
    expect(files.some((f) => /^sources\/[^/]+\.yaml$/.test(f))).toBe(true);
    for (const ext of [".yaml", ".sql", ".ts"]) expect(files.some((f) => f.startsWith("models/") && f.endsWith(ext)), ext).toBe(true);
  });

  it("validates against the schemas, and its expression strings parse with its vars", () => {
    const read = (f: string) => readFileSync(join(dir, f), "utf8");
    const project = validateYaml("project", read("project.yaml"), "project.yaml");
    expect(project.errors).toEqual([]);
    const vars = ((project.value as { vars?: Record<string, unknown> }).vars ?? {});
    expect(validateYaml("profiles", read("profiles.yaml"), "profiles.yaml").errors).toEqual([]);
    let expressions = 0;
    let frontMatters = 0;
    const tags = new Set<string>();
    let cached = 0;
    for (const f of files) {
      if (f.startsWith("sources/")) expect(validateYaml("sources", read(f), f).errors).toEqual([]);
      if (f.startsWith("models/") && f.endsWith(".yaml")) {
        const model = validateYaml("model", read(f), f);
        expect(model.errors).toEqual([]);
        const value = model.value as { steps?: Array<Record<string, unknown>>; tags?: string[]; cache?: unknown };
        expressions += parseStepExpressions(value.steps ?? [], vars, f);
        value.tags?.forEach((t) => tags.add(t));
        if (value.cache) cached++;
      }
      if (f.startsWith("models/") && f.endsWith(".sql")) {
        const fm = frontMatter(read(f));
        if (fm) {
          const front = validateYaml("sql-front-matter", fm.text, f, { lineOffset: fm.lineOffset });
          expect(front.errors).toEqual([]);
          (front.value as { tags?: string[] }).tags?.forEach((t) => tags.add(t));
          frontMatters++;
        }
      }
      if (f.startsWith("models/") && f.endsWith(".ts")) {
        const source = read(f);
        expect(source).toMatch(/import \{[^}]*\bmodel\b[^}]*\} from "xorq";/);
        if (/cache:/.test(source)) cached++;
      }
    }
    expect(expressions).toBeGreaterThan(3);
    expect(frontMatters).toBeGreaterThan(0);
    expect(tags.size).toBeGreaterThan(1);
    expect(cached).toBeGreaterThan(0);
  });

  it("ships the data its sources read", () => {
    const text = readFileSync(join(dir, "sources", "shop.yaml"), "utf8");
    for (const m of text.matchAll(/read_(?:csv|parquet): (\S+)/g)) expect(files).toContain(m[1]);
    for (const m of text.matchAll(/table: (\S+)/g)) expect(readFileSync(join(dir, "data", "seed.sql"), "utf8")).toContain(`CREATE TABLE ${m[1]} (`);
  });
});

describe("sample data", () => {
  it("is what scripts/generate-sample-data.mjs generates (deterministic, committed up to date)", async () => {
    // @ts-expect-error: a plain JavaScript module without type declarations
    const { sampleTextFiles } = (await import("../scripts/generate-sample-data.mjs")) as { sampleTextFiles(): Record<string, string> };
    const first = sampleTextFiles();
    expect(sampleTextFiles()).toEqual(first);
    for (const [path, content] of Object.entries(first)) {
      if (path.endsWith("order_items.csv")) continue; // shipped as parquet, checked below
      expect(readFileSync(join(ROOT, path), "utf8"), path).toBe(content);
    }
  });

  it("keeps order_items.parquet equal to the generated rows", async () => {
    const xo = await import("../src/index.js");
    // @ts-expect-error: a plain JavaScript module without type declarations
    const { sampleTextFiles } = (await import("../scripts/generate-sample-data.mjs")) as { sampleTextFiles(): Record<string, string> };
    const lines = sampleTextFiles()["example-project/xorq_project/data/order_items.csv"]!.trim().split("\n").slice(1);
    const con = xo.connect({ name: "sample_data_check" });
    try {
      const items = await xo.deferredReadParquet(join(ROOT, "example-project/xorq_project/data/order_items.parquet"), con);
      const rows = (await items.mutate({ unit_price: xo._.unit_price.cast("float64"), discount: xo._.discount.cast("float64") }).orderBy("order_id", "product_id").execute()).toArray().map((r) => r.toJSON());
      const fromCsv = lines
        .map((l) => l.split(","))
        .sort((a, b) => Number(a[0]) - Number(b[0]) || Number(a[1]) - Number(b[1]))
        .map(([o, p, q, price, d]) => `${o},${p},${q},${Number(price).toFixed(2)},${Number(d).toFixed(2)}`);
      const fromParquet = rows.map((r) => `${r.order_id},${r.product_id},${r.quantity},${Number(r.unit_price).toFixed(2)},${Number(r.discount).toFixed(2)}`);
      expect(fromParquet).toEqual(fromCsv);
    } finally {
      await con.close();
    }
  });
});
