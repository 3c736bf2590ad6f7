/**
 * `xorq plan` on Jinja models (issue 15): the manifest records each model's template hash
 * and the macros it calls, so a rebuild caused by a macro says so ("rendered SQL changed
 * (macro dollars)") and one caused by the model's own file says "definition changed".
 * Through the CLI in-process (build first: `npx tsc -p tsconfig.json`), on real DuckDB.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MacroIndex } from "../src/artifacts/macro-uses.js";
import { runCli } from "./helpers/cli.js";
import { SHOP, tempDir, writeFiles } from "./helpers/project.js";

const MONEY = (scale: number, cents = "default__cents({{ c }})") => [
  `{% macro dollars(col) %}round({{ col }} / 100.0, ${scale}){% endmacro %}`,
  "{% macro label() %}'x'{% endmacro %}",
  "{% macro cents(c) %}{{ return(adapter.dispatch('cents')(c)) }}{% endmacro %}",
  `{% macro default__cents(c) %}${cents.includes("default__") ? "{{ c }} * 100" : cents}{% endmacro %}`,
  "{% macro postgres__cents(c) %}({{ c }} * 100)::int{% endmacro %}",
  "",
].join("\n");

/** `xorq plan`'s build lines as { model: reasons }. */
async function planReasons(dir: string): Promise<Record<string, string>> {
  const r = await runCli(["plan"], dir);
  expect(r.exitCode, r.stderr).toBe(0);
  return Object.fromEntries([...r.stdout.matchAll(/^build\s+(\S+)\s+[0-9a-f]{12}\s+(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
}

describe("plan on Jinja models", () => {
  it("names the macro whose edit changed a model's rendered SQL, and tells it from a file edit or a var", async () => {
    const dir = tempDir("xorq-dbt-plan-");
    writeFiles(dir, {
      ...SHOP,
      "xorq_project/macros/money.sql": MONEY(2),
      "xorq_project/models/j/uses_dollars.sql": "select order_id, {{ dollars('amount') }} as d from {{ source('orders') }}",
      "xorq_project/models/j/uses_cents.sql": "select {{ cents('amount') }} as c from {{ source('orders') }} where amount > {{ var('min_amount') }}",
      "xorq_project/models/j/downstream.sql": "select {{ label() }} as l from {{ ref('uses_dollars') }}",
    });
    expect((await runCli(["build"], dir)).exitCode).toBe(0);
    const manifest = JSON.parse(readFileSync(join(dir, "target/manifest.json"), "utf8")).models;
    expect(Object.keys(manifest["uses_cents"].macros)).toEqual(["cents", "default__cents"]);
    expect(Object.keys(manifest["downstream"].macros)).toEqual(["label"]);
    expect(manifest["uses_dollars"].template_hash).toMatch(/^[0-9a-f]{12}$/);
    expect(manifest["stg_orders"].macros).toBeUndefined();

    writeFileSync(join(dir, "xorq_project/macros/money.sql"), MONEY(3));
    expect(await planReasons(dir)).toEqual({ uses_dollars: "rendered SQL changed (macro dollars)", downstream: "upstream changed (uses_dollars)" });

    // The implementation dispatch picks on DuckDB is the one named; postgres__cents does not matter here.
    writeFileSync(join(dir, "xorq_project/macros/money.sql"), MONEY(2, "{{ c }} * 1000"));
    expect(await planReasons(dir)).toEqual({ uses_cents: "rendered SQL changed (macro default__cents)" });

    writeFileSync(join(dir, "xorq_project/macros/money.sql"), MONEY(2));
    writeFileSync(join(dir, "xorq_project/models/j/uses_dollars.sql"), "select order_id, {{ dollars('amount') }} as dd from {{ source('orders') }}");
    expect(await planReasons(dir)).toEqual({ uses_dollars: "definition changed", downstream: "upstream changed (uses_dollars)" });

    writeFileSync(join(dir, "xorq_project/models/j/uses_dollars.sql"), "select order_id, {{ dollars('amount') }} as d from {{ source('orders') }}");
    const byVar = await runCli(["plan", "--vars", "{min_amount: 5}"], dir);
    expect(byVar.stdout).toMatch(/^build\s+uses_cents\s+[0-9a-f]{12}\s+rendered SQL changed$/m);
  });

  it("reads calls through macros and dispatch, for the model's engine", () => {
    const index = new MacroIndex([MONEY(2), "{% macro both(x) %}{{ dollars(x) }} + {{ cents(x) }}{% endmacro %}"]);
    expect(Object.keys(index.usedBy("select {{ both('a') }}", "duckdb"))).toEqual(["both", "cents", "default__cents", "dollars"]);
    expect(Object.keys(index.usedBy("select {{ cents('a') }}", "postgres"))).toEqual(["cents", "postgres__cents"]);
    expect(index.usedBy("select count(a) from t", "duckdb")).toEqual({});
  });
});
