/**
 * Every way a project can be wrong gets a message naming file:line:col and exit code 2,
 * and nothing is built. The CLI runs in-process (build first: `npx tsc -p tsconfig.json`);
 * "no project" spawns it, so exit code 2 of a real process stays covered.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { xorqInProcess } from "./helpers/cli.js";
import { SHOP, tempDir, writeFiles, xorq } from "./helpers/project.js";

async function buildWith(files: Readonly<Record<string, string | null>>, args: ReadonlyArray<string> = ["build"], env: Record<string, string> = {}) {
  const root = tempDir();
  const merged: Record<string, string> = { ...SHOP };
  for (const [k, v] of Object.entries(files)) {
    if (v === null) delete merged[k];
    else merged[k] = v;
  }
  writeFiles(root, merged);
  const result = await xorqInProcess(root, args, env);
  return { ...result, root };
}

describe("project errors name file:line:col and exit with code 2", () => {
  const cases: Array<{ name: string; files: Record<string, string | null>; expected: ReadonlyArray<string | RegExp>; env?: Record<string, string> }> = [
    {
      name: "malformed YAML",
      files: { "xorq_project/models/bad.yaml": "from: source('orders')\nsteps:\n  - filter: [unclosed\n" },
      expected: [/xorq_project\/models\/bad\.yaml:\d+:\d+: /],
    },
    {
      name: "a YAML key the schema does not know",
      files: { "xorq_project/models/bad.yaml": "from: source('orders')\nstep:\n  - distinct: true\n" },
      expected: ["xorq_project/models/bad.yaml:2:1: "],
    },
    {
      name: "unknown ref with a suggestion",
      files: { "xorq_project/models/bad.yaml": "from: ref('stg_ordrs')\nsteps:\n  - distinct: true\n" },
      expected: ["xorq_project/models/bad.yaml:1:7: unknown ref 'stg_ordrs' (did you mean 'stg_orders'?)"],
    },
    {
      name: "unknown ref in SQL",
      files: { "xorq_project/models/bad.sql": "select *\nfrom {{ ref('by_regon') }}\n" },
      expected: ["xorq_project/models/bad.sql:2:6: unknown ref 'by_regon' (did you mean 'by_region'?)"],
    },
    {
      name: "unknown ref in TypeScript",
      files: { "xorq_project/models/bad.ts": 'import { model } from "xorq";\nexport default model({}, ({ ref }) =>\n  ref("top_region"));\n' },
      expected: ["xorq_project/models/bad.ts:3:3: unknown ref 'top_region' (did you mean 'top_regions'?)"],
    },
    {
      name: "unknown source",
      files: { "xorq_project/models/bad.yaml": "from: source('order')\nsteps:\n  - distinct: true\n" },
      expected: ["xorq_project/models/bad.yaml:1:7: unknown source 'order' (did you mean 'orders'?)"],
    },
    {
      name: "a cycle across model kinds, printed whole",
      files: {
        "xorq_project/models/a.yaml": "from: ref('c')\nsteps:\n  - distinct: true\n",
        "xorq_project/models/b.sql": "select * from {{ ref('a') }}\n",
        "xorq_project/models/c.ts": 'import { model } from "xorq";\nexport default model({}, ({ ref }) => ref("b"));\n',
      },
      expected: ["xorq_project/models/a.yaml:1:7: cycle: a > c > b > a"],
    },
    {
      name: "a duplicate model name",
      files: { "xorq_project/models/other/stg_orders.sql": "select 1 as x\n" },
      expected: ["xorq_project/models/staging/stg_orders.yaml:1:1: duplicate model name 'stg_orders': also defined in models/other/stg_orders.sql"],
    },
    {
      name: "a missing environment variable",
      files: {
        "xorq_project/profiles.yaml": 'profiles:\n  local: { kind: duckdb, path: ":memory:" }\n  wh:\n    kind: duckdb\n    path: "${env:XORQ_TEST_NOT_SET}"\n',
        "xorq_project/sources/wh.yaml": "sources:\n  - name: events\n    profile: wh\n    table: events\n",
      },
      expected: ["xorq_project/profiles.yaml:4:5: profile 'wh' needs environment variable XORQ_TEST_NOT_SET not set"],
    },
    {
      name: "a literal secret in profiles.yaml",
      files: { "xorq_project/profiles.yaml": 'profiles:\n  local: { kind: duckdb, path: ":memory:" }\n  pg: { kind: postgres, host: db, password: hunter22 }\n' },
      expected: ["xorq_project/profiles.yaml:3:45: profiles.pg.password: holds a literal value; a secret comes from the environment"],
    },
    {
      name: "an unknown column in a YAML expression, at its character",
      files: { "xorq_project/models/bad.yaml": "from: source('orders')\nsteps:\n  - filter: \"amount > 10 and staus = 'open'\"\n" },
      expected: ["xorq_project/models/bad.yaml:3:30: column 'staus' not found", "did you mean 'status'?"],
    },
    {
      name: "an expression syntax error, at its character",
      files: { "xorq_project/models/bad.yaml": "from: source('orders')\nsteps:\n  - mutate:\n      x: \"amount * * 2\"\n" },
      expected: ["xorq_project/models/bad.yaml:4:20: expected an expression"],
    },
    {
      name: "SQL that does not compile",
      files: { "xorq_project/models/bad.sql": "---\ntags: [x]\n---\nselect nope from {{ ref('stg_orders') }}\n" },
      expected: ["xorq_project/models/bad.sql:4:1: SQL does not compile in local (duckdb)"],
    },
    {
      name: "an unknown var in SQL",
      files: { "xorq_project/models/bad.sql": "select * from {{ ref('stg_orders') }}\nwhere amount > {{ var('min_amout') }}\n" },
      expected: ["xorq_project/models/bad.sql:2:16: unknown var 'min_amout'"],
    },
    {
      name: "a TypeScript model that throws",
      files: { "xorq_project/models/bad.ts": 'import { model, _ } from "xorq";\nexport default model({}, ({ ref }) =>\n  ref("stg_orders").select(_.nope));\n' },
      expected: ["xorq_project/models/bad.ts:3:21: column 'nope' not found in select"],
    },
    {
      name: "an unknown profile",
      files: { "xorq_project/models/bad.sql": "---\nprofile: warehouse\n---\nselect 1 as x\n" },
      expected: ["xorq_project/models/bad.sql:2:1: unknown profile 'warehouse'"],
    },
    {
      name: "a source file that does not exist",
      files: { "xorq_project/data/customers.csv": null },
      expected: ["xorq_project/sources/shop.yaml:5:5: source 'customers': file not found: data/customers.csv"],
    },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      const r = await buildWith(c.files, ["build"], c.env);
      expect(r.code, r.stderr).toBe(2);
      for (const e of c.expected) {
        if (typeof e === "string") expect(r.stderr).toContain(e);
        else expect(r.stderr).toMatch(e);
      }
      expect(existsSync(join(r.root, "builds")), "nothing is built while the project has a problem").toBe(false);
    }, 30_000);
  }

  it("reports every problem at once, sorted by file and line", async () => {
    const r = await buildWith({
      "xorq_project/models/a.yaml": "from: ref('nope')\nsteps:\n  - distinct: true\n",
      "xorq_project/models/b.sql": "select * from {{ ref('nada') }}\n",
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("2 problems in the project:");
    expect(r.stderr.indexOf("models/a.yaml:1:7")).toBeLessThan(r.stderr.indexOf("models/b.sql:1:15"));
  }, 30_000);

  it("reports problems as one JSON event with --json", async () => {
    const r = await buildWith({ "xorq_project/models/a.yaml": "from: ref('nope')\nsteps:\n  - distinct: true\n" }, ["build", "--json"]);
    expect(r.code).toBe(2);
    const event = JSON.parse(r.stdout.trim());
    expect(event).toMatchObject({ event: "error", exit_code: 2, problems: [{ file: "xorq_project/models/a.yaml", line: 1, col: 7 }] });
  }, 30_000);
});

describe("bad selections exit with code 2", () => {
  const cases: Array<[string[], string]> = [
    [["--select", "by_regon"], "no model named 'by_regon' (did you mean 'by_region'?)"],
    [["--select", "tga:marts"], "unknown selector method 'tga:' in 'tga:marts' (did you mean 'tag:'?)"],
    [["--select", "state:modified"], "pass --state DIR"],
    [["--select", "state:changed", "--state", "target"], "unknown state 'changed'"],
    [["--select", "a,,b"], "empty selector"],
    [["--select", "@2+by_region"], "@ already includes ancestors"],
    [["--select", "state:new", "--state", "no/such/dir"], "no manifest at"],
    [["--output", "yaml"], "--output must be name or json"],
  ];
  for (const [args, message] of cases) {
    it(args.join(" "), async () => {
      const r = await buildWith({}, ["ls", ...args]);
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stderr + r.stdout).toContain(message);
    }, 30_000);
  }
});

describe("no project", () => {
  it("says how to make one (a spawned process exits with code 2)", async () => {
    const r = await xorq(tempDir(), ["build"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("xorq init");
  });
});
