/**
 * Jinja SQL models as a dbt user writes them (issue 15): `{% set %}`, `{% for %}`, `{# #}`,
 * macros from macros/, dbt's context functions, refs next to the query's own CTEs, and
 * errors at file:line:col. Through the CLI in-process (build first: `npx tsc -p
 * tsconfig.json`), on real DuckDB.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { xorqInProcess } from "./helpers/cli.js";
import { SHOP, tempDir, writeFiles } from "./helpers/project.js";

/** A SHOP project with extra files, built; fails the test when the build fails. */
async function builtProject(files: Readonly<Record<string, string>>, env: Readonly<Record<string, string>> = {}): Promise<string> {
  const dir = tempDir("xorq-jinja-");
  writeFiles(dir, { ...SHOP, ...files });
  const build = await xorqInProcess(dir, ["build"], env);
  expect(build.code, build.stderr).toBe(0);
  return dir;
}

/** A model's rows, run from its build artifact. */
async function rows(dir: string, model: string, env: Readonly<Record<string, string>> = {}): Promise<Array<Record<string, unknown>>> {
  const ls = await xorqInProcess(dir, ["ls", "--output", "json"], env);
  const entry = (JSON.parse(ls.stdout) as Array<{ name: string; hash: string }>).find((m) => m.name === model);
  if (!entry) throw new Error(`no model ${model}: ${ls.stdout}${ls.stderr}`);
  const out = join(dir, `${model}.json`);
  const run = await xorqInProcess(dir, ["run", entry.hash.slice(0, 12), "-o", out], env);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(readFileSync(out, "utf8")) as Array<Record<string, unknown>>;
}

/** The problems a failing load prints (exit 2). */
async function problems(files: Readonly<Record<string, string>>): Promise<string> {
  const dir = tempDir("xorq-jinja-");
  writeFiles(dir, { ...SHOP, ...files });
  const r = await xorqInProcess(dir, ["build"]);
  expect(r.code, r.stdout).toBe(2);
  return r.stderr;
}

const M = "xorq_project/models/j";

describe("Jinja SQL models", () => {
  it("render {% set %}, {% for %} with loop.*, {# #} and Python methods, and give the rows of the SQL rendered by hand", async () => {
    const dir = await builtProject({
      [`${M}/by_status.sql`]: [
        "{# one column per status, as dbt's tutorial pivots payment methods #}",
        "{% set statuses = ['open', 'shipped', 'cancelled'] %}",
        "{% set labels = {'open': 'o', 'shipped': 's'} %}",
        "select region,",
        "{%- for s in statuses %}",
        "  sum(case when status = '{{ s }}' then amount else 0 end) as {{ s }}_amount{{ ',' if not loop.last }}",
        "{%- endfor %}",
        "  , '{% for k, v in labels.items() %}{{ k ~ '=' ~ v }}{% if not loop.last %};{% endif %}{% endfor %}' as labels",
        "  , '{{ 'a,b'.split(',') | join('+') | upper }}' as py",
        "from {{ source('orders') }}",
        "group by region",
        "order by region",
      ].join("\n"),
      [`${M}/by_status_by_hand.sql`]: [
        "select region,",
        "  sum(case when status = 'open' then amount else 0 end) as open_amount,",
        "  sum(case when status = 'shipped' then amount else 0 end) as shipped_amount,",
        "  sum(case when status = 'cancelled' then amount else 0 end) as cancelled_amount",
        "  , 'open=o;shipped=s' as labels",
        "  , 'A+B' as py",
        "from {{ source('orders') }}",
        "group by region",
        "order by region",
      ].join("\n"),
    });
    const jinja = await rows(dir, "by_status");
    expect(jinja).toHaveLength(4);
    expect(jinja[0]).toMatchObject({ labels: "open=o;shipped=s", py: "A+B" });
    expect(jinja).toEqual(await rows(dir, "by_status_by_hand"));
  });

  it("call macros from macros/**/*.sql, which call each other across files and use the model's context", async () => {
    const dir = await builtProject({
      "xorq_project/macros/money.sql": "{% macro cents_to_dollars(col, scale=2) %}round({{ col }} / 100.0, {{ scale }}){% endmacro %}\n",
      "xorq_project/macros/nested/amounts.sql":
        "{% macro amount_of(col) %}{{ cents_to_dollars(col ~ ' * ' ~ var('min_amount'), scale=1) }}{% endmacro %}\n" +
        "{% macro wrap() %}({{ caller() }}){% endmacro %}\n",
      [`${M}/dollars.sql`]: [
        "select order_id, {{ cents_to_dollars('amount') }} as dollars, {{ amount_of('amount') }} as scaled,",
        "  {% call wrap() %}amount + 1{% endcall %} as wrapped",
        "from {{ source('orders') }} where order_id = 3",
      ].join("\n"),
    });
    // order 3: amount (2 * 37) % 400 = 74; min_amount is 100
    expect(await rows(dir, "dollars")).toEqual([{ order_id: 3, dollars: 0.74, scaled: 74, wrapped: 75 }]);
  });

  it("name a ref after the query's own CTE of the same name (dbt's style guide), in Jinja and plain SQL models", async () => {
    const dir = await builtProject({
      [`${M}/orders.sql`]: "select * from {{ source('orders') }} where order_id <= 10",
      [`${M}/styled_plain.sql`]: [
        "with orders as (",
        "    select * from {{ ref('orders') }}",
        "), customers as (select * from {{ source('customers') }})",
        "select count(*) as n, count(distinct c.segment) as segments from orders join customers c using (customer_id)",
      ].join("\n"),
      [`${M}/styled_jinja.sql`]: [
        "{# same, through MiniJinja #}",
        "with orders as (",
        "    select * from {{ ref('orders') }}",
        "),",
        '"customers" as (select * from {{ source(\'customers\') }})',
        "select count(*) as n, count(distinct c.segment) as segments from orders join customers c using (customer_id)",
      ].join("\n"),
    });
    expect(await rows(dir, "styled_plain")).toEqual([{ n: 10, segments: 2 }]);
    expect(await rows(dir, "styled_jinja")).toEqual([{ n: 10, segments: 2 }]);
  });
});

describe("dbt's context functions", () => {
  // Every load renders the models again, so every command gets the variable.
  const ENV = { XORQ_JINJA_TEST: "from-env" };
  let dir = "";
  const one = (name: string, sql: string) => ({ [`${M}/${name}.sql`]: sql });
  beforeAll(async () => {
    dir = await builtProject(
      {
        ...one("f_ref", "select count(*) as v from {{ ref('stg_orders') }} {# jinja #}"),
        ...one("f_source", "select count(*) as v from {{ source('orders') }} {# jinja #}"),
        ...one("f_var", "select {{ var('min_amount') }} as v, {{ var('missing', 7) }} as w {# jinja #}"),
        ...one("f_env_var", "select '{{ env_var('XORQ_JINJA_TEST') }}' as v, '{{ env_var('XORQ_JINJA_UNSET', 'dflt') }}' as w"),
        ...one("f_config", "{{ config(materialized='table', tags=['from_config'], unique_key='id', alias='x') }}select 1 as v"),
        ...one("f_disabled", "{{ config(enabled=false) }}select 1 as v"),
        ...one("f_this", "select '{{ this }}' as v {# jinja #}"),
        ...one("f_is_incremental", "select {% if is_incremental() %}1{% else %}0{% endif %} as v"),
        ...one("f_target", "select '{{ target.name }}|{{ target.type }}|{{ target.schema }}' as v"),
        ...one("f_dispatch", "select '{{ adapter.dispatch('greet')() }}' as v, '{{ adapter.dispatch('shout')() }}' as w"),
        ...one("f_log", "{{ log('rendering f_log', info=True) }}select 1 as v"),
        ...one("f_return", "select {{ answer() }} as v"),
        ...one("f_return_values", [
          "{% set methods = payment_methods() %}{% set conf = settings() %}",
          "select '{% for m in methods %}{{ m }}{{ '+' if not loop.last }}{% endfor %}' as v,",
          "  {{ conf.scale * 2 }} as w, {{ payment_methods() | length }} as n",
        ].join("\n")),
        ...one("f_doc", "select '{{ doc('orders_doc') }}' as v"),
        ...one("f_exceptions", "{% if false %}{{ exceptions.raise_compiler_error('never') }}{% endif %}select 1 as v"),
        "xorq_project/macros/dispatch.sql": [
          "{% macro default__greet() %}default{% endmacro %}",
          "{% macro duckdb__greet() %}duck{% endmacro %}",
          "{% macro default__shout() %}DEFAULT{% endmacro %}",
          "{% macro answer() %}{{ return(42) }}{% endmacro %}",
          "{% macro payment_methods() %}",
          "  {{ return(['credit_card', 'coupon']) }}",
          "{% endmacro %}",
          "{% macro settings() %}{% do return({'scale': 3}) %}{% endmacro %}",
        ].join("\n"),
        "xorq_project/models/docs.md": "{% docs orders_doc %}\nOne row per order.\n{% enddocs %}\n",
      },
      ENV,
    );
  });
  const value = async (model: string) => (await rows(dir, model, ENV))[0];

  it("ref('m') reads the model", async () => expect(await value("f_ref")).toEqual({ v: 19 }));
  it("source('name') reads the source", async () => expect(await value("f_source")).toEqual({ v: 40 }));
  it("var('x') and var('x', default)", async () => expect(await value("f_var")).toEqual({ v: 100, w: 7 }));
  it("env_var('X') and env_var('X', default)", async () => expect(await value("f_env_var")).toEqual({ v: "from-env", w: "dflt" }));
  it("this is the model", async () => expect(await value("f_this")).toEqual({ v: "f_this" }));
  it("is_incremental() is false", async () => expect(await value("f_is_incremental")).toEqual({ v: 0 }));
  it("target.name|type|schema", async () => expect(await value("f_target")).toEqual({ v: "local|duckdb|main" }));
  it("adapter.dispatch picks <engine>__name, else default__name", async () => expect(await value("f_dispatch")).toEqual({ v: "duck", w: "DEFAULT" }));
  it("log() renders nothing", async () => expect(await value("f_log")).toEqual({ v: 1 }));
  it("return() gives the macro's value", async () => expect(await value("f_return")).toEqual({ v: 42 }));
  it("return() of a list or a mapping is that value (loops, attributes, filters)", async () =>
    expect(await value("f_return_values")).toEqual({ v: "credit_card+coupon", w: 6, n: 2 }));
  it("doc('name') is the docs block", async () => expect(await value("f_doc")).toEqual({ v: "One row per order." }));
  it("exceptions.raise_compiler_error only when reached", async () => expect(await value("f_exceptions")).toEqual({ v: 1 }));
  it("config(...) sets tags (and keeps what the project does not act on)", async () => {
    const ls = JSON.parse((await xorqInProcess(dir, ["ls", "--select", "tag:from_config", "--output", "json"], ENV)).stdout) as Array<{ name: string }>;
    expect(ls.map((m) => m.name)).toEqual(["f_config"]);
    expect(await value("f_config")).toEqual({ v: 1 });
    // config(enabled=false) leaves the model out, as in dbt.
    const all = JSON.parse((await xorqInProcess(dir, ["ls", "--output", "json"], ENV)).stdout) as Array<{ name: string }>;
    expect(all.map((m) => m.name)).not.toContain("f_disabled");
    expect(all.map((m) => m.name)).toContain("f_this");
  });
});

describe("Jinja errors", () => {
  it("name file:line:col in the model (after its front matter), one error per problem", async () => {
    const err = await problems({ [`${M}/bad.sql`]: "---\ntags: [x]\n---\nselect 1\n{% if %}\n" });
    expect(err).toMatch(/xorq_project\/models\/j\/bad\.sql:5:7: Jinja: syntax error/);
    expect(err).not.toMatch(/does not compile/);
    expect(err.match(/bad\.sql/g)).toHaveLength(1);
  });

  it("name file:line:col in the macro file, once for all models", async () => {
    const err = await problems({
      "xorq_project/macros/broken.sql": "{% macro ok() %}1{% endmacro %}\n{% macro bad() %}\n  {{ 1 + }}\n{% endmacro %}\n",
      [`${M}/a.sql`]: "select {{ ok() }} as v",
      [`${M}/b.sql`]: "select {{ ok() }} as v",
    });
    expect(err).toMatch(/xorq_project\/macros\/broken\.sql:3:10: Jinja: syntax error/);
    expect(err.match(/broken\.sql/g)).toHaveLength(1);
  });

  it("report an undefined name at its place", async () => {
    const err = await problems({ [`${M}/undef.sql`]: "select 1 as a,\n  {{ no_such_thing }} as b" });
    expect(err).toMatch(/models\/j\/undef\.sql:2:\d+: Jinja: undefined value/);
  });

  it("ref('package', 'model') names packages as unsupported", async () => {
    const err = await problems({ [`${M}/pkg.sql`]: "select 1 {# x #}\nfrom {{ ref('dbt_utils', 'orders') }}" });
    expect(err).toMatch(/models\/j\/pkg\.sql:2:9: ref\('dbt_utils', 'orders'\): packages are not supported/);
  });

  it("an unknown var, a missing env var and raise_compiler_error point at their call", async () => {
    const err = await problems({
      [`${M}/v.sql`]: "select {# x #}\n  {{ var('nope') }}",
      [`${M}/e.sql`]: "select {# x #}\n  '{{ env_var('XORQ_JINJA_NEVER_SET') }}'",
      [`${M}/r.sql`]: "{% if true %}\n  {{ exceptions.raise_compiler_error('orders need an id') }}\n{% endif %}select 1",
    });
    expect(err).toMatch(/models\/j\/v\.sql:2:6: unknown var 'nope' \(project vars: min_amount\)/);
    expect(err).toMatch(/models\/j\/e\.sql:2:7: env_var\('XORQ_JINJA_NEVER_SET'\): the environment variable is not set/);
    expect(err).toMatch(/models\/j\/r\.sql:2:17: orders need an id/);
  });

  it("a compile error of the rendered SQL names the model once", async () => {
    const err = await problems({ [`${M}/sqlbad.sql`]: "{# x #}selec 1" });
    expect(err).toMatch(/models\/j\/sqlbad\.sql:1:1: SQL does not compile/);
  });
});
