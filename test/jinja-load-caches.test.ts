/**
 * Jinja models and target/'s load caches: an unchanged project renders nothing (what a
 * model rendered is kept in the parse cache, keyed by its template, the macro files, docs,
 * vars and profiles), a macro edit renders the Jinja models again and re-resolves exactly
 * those whose SQL changed, and an environment variable a model read is checked on every
 * load. Needs dist/ (build first: `npx tsc -p tsconfig.json`).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type Project, loadProject } from "../dist/project/project.js";
import { SHOP, tempDir, writeFiles } from "./helpers/project.js";

const FILES: Readonly<Record<string, string>> = {
  ...Object.fromEntries(Object.entries(SHOP).filter(([path]) => !path.endsWith(".ts"))),
  "xorq_project/macros/m.sql": "{% macro big(col) %}{{ col }} > 100{% endmacro %}\n{% macro label() %}'l'{% endmacro %}\n",
  "xorq_project/models/j/big_orders.sql": "select * from {{ source('orders') }} where {{ big('amount') }}",
  "xorq_project/models/j/labelled.sql": "select {{ label() }} as l, '{{ env_var('XORQ_JINJA_CACHE_TEST', 'unset') }}' as e",
};

const opened: Project[] = [];
afterEach(async () => {
  for (const p of opened.splice(0)) await p.close();
});

async function load(root: string): Promise<Project> {
  const p = await loadProject({ project: root });
  opened.push(p);
  return p;
}

const hash = (p: Project, m: string) => p.models.get(m)!.hash;

describe("Jinja models and the load caches", () => {
  it("render nothing when unchanged; a macro edit re-resolves exactly the models whose SQL changed", async () => {
    const root = tempDir("xorq-jinja-caches-");
    writeFiles(root, FILES);
    const first = await load(root);
    const again = await load(root);
    expect(again.stats).toEqual({ filesParsed: 0, modelsResolved: 0, modelsReused: first.order.length });

    writeFileSync(join(root, "xorq_project/macros/m.sql"), "{% macro big(col) %}{{ col }} > 200{% endmacro %}\n{% macro label() %}'l'{% endmacro %}\n");
    const edited = await load(root);
    // Both Jinja models render again (the macro file changed); only big_orders' SQL did.
    expect(edited.stats).toEqual({ filesParsed: 2, modelsResolved: 1, modelsReused: first.order.length - 1 });
    expect(hash(edited, "big_orders")).not.toBe(hash(first, "big_orders"));
    expect(hash(edited, "labelled")).toBe(hash(first, "labelled"));
  });

  it("an environment variable a model read is checked on every load", async () => {
    const root = tempDir("xorq-jinja-caches-");
    writeFiles(root, FILES);
    const unset = await load(root);
    process.env["XORQ_JINJA_CACHE_TEST"] = "set";
    try {
      const set = await load(root);
      expect(hash(set, "labelled")).not.toBe(hash(unset, "labelled"));
      expect(hash(set, "big_orders")).toBe(hash(unset, "big_orders"));
    } finally {
      delete process.env["XORQ_JINJA_CACHE_TEST"];
    }
    expect(hash(await load(root), "labelled")).toBe(hash(unset, "labelled"));
  });
});
