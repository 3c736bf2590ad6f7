/**
 * A macro edit rebuilds exactly the models whose rendered SQL it changes (issue 15): the
 * definition hash of a Jinja model covers its rendered SQL, and the parse and resolve
 * caches (target/) serve nothing stale after a macro file changes. Through the CLI
 * in-process (build first: `npx tsc -p tsconfig.json`), on real DuckDB.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { xorqInProcess } from "./helpers/cli.js";
import { SHOP, tempDir, writeFiles } from "./helpers/project.js";

/** `xorq plan`'s lines as { model: "build" | "unchanged" }. */
async function plan(dir: string): Promise<Record<string, string>> {
  const r = await xorqInProcess(dir, ["plan"]);
  expect(r.code, r.stderr).toBe(0);
  return Object.fromEntries([...r.stdout.matchAll(/^(build|unchanged)\s+(\S+)\s/gm)].map((m) => [m[2]!, m[1]!]));
}

const toBuild = (p: Record<string, string>) => Object.keys(p).filter((k) => p[k] === "build").sort();

describe("macro edits", () => {
  it("xorq plan lists exactly the models whose rendered SQL changed, and build rebuilds only those", async () => {
    const dir = tempDir("xorq-jinja-macros-");
    const macro = (scale: number, extra = "") => `{% macro dollars(col) %}round({{ col }} / 100.0, ${scale}){% endmacro %}\n${extra}{% macro label() %}'x'{% endmacro %}\n`;
    writeFiles(dir, {
      ...SHOP,
      "xorq_project/macros/money.sql": macro(2),
      "xorq_project/models/j/uses_dollars.sql": "select order_id, {{ dollars('amount') }} as d from {{ source('orders') }}",
      "xorq_project/models/j/uses_dollars_too.sql": "select {{ dollars('total') }} as d from {{ ref('by_region') }}",
      "xorq_project/models/j/uses_label.sql": "select {{ label() }} as l from {{ ref('uses_dollars') }}",
      "xorq_project/models/j/no_macro.sql": "{% set n = 1 %}select {{ n }} as n",
    });
    const first = await xorqInProcess(dir, ["build"]);
    expect(first.code, first.stderr).toBe(0);
    expect(toBuild(await plan(dir))).toEqual([]);

    // A change no model's SQL shows: nothing to rebuild (dbt's state:modified would select every user of the file).
    writeFileSync(join(dir, "xorq_project/macros/money.sql"), macro(2, "{# a comment #}\n"));
    expect(toBuild(await plan(dir))).toEqual([]);

    // dollars() changes: its two users, and uses_label downstream of one (its input's hash changed).
    writeFileSync(join(dir, "xorq_project/macros/money.sql"), macro(3));
    expect(toBuild(await plan(dir))).toEqual(["uses_dollars", "uses_dollars_too", "uses_label"]);
    const rebuilt = await xorqInProcess(dir, ["build"]);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect([...rebuilt.stdout.matchAll(/^built\s+(\S+)/gm)].map((m) => m[1]).sort()).toEqual(["uses_dollars", "uses_dollars_too", "uses_label"]);
    expect(toBuild(await plan(dir))).toEqual([]);

    // Back to the first text: the first builds are there, nothing to build.
    writeFileSync(join(dir, "xorq_project/macros/money.sql"), macro(2));
    expect(toBuild(await plan(dir))).toEqual([]);
  });

  it("a var a Jinja model reads is in its hash (through the SQL it renders)", async () => {
    const dir = tempDir("xorq-jinja-vars-");
    writeFiles(dir, { ...SHOP, "xorq_project/models/j/by_var.sql": "{% if var('min_amount') > 50 %}select 'high' as v{% else %}select 'low' as v{% endif %}" });
    const build = await xorqInProcess(dir, ["build"]);
    expect(build.code, build.stderr).toBe(0);
    expect(toBuild(await plan(dir))).toEqual([]);
    writeFileSync(join(dir, "xorq_project/project.yaml"), "name: shop\ndefault_profile: local\nvars:\n  min_amount: 10\n");
    // by_var renders other SQL; stg_orders reads the var too (by_region, top_regions are downstream).
    expect(toBuild(await plan(dir))).toEqual(["by_region", "by_var", "stg_orders", "top_regions"]);
  });
});
