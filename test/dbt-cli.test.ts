/**
 * dbt's command-line habits (issue 15): `--vars`, `--target`, `1 of N` counters with a
 * `Done. PASS=… ERROR=… SKIP=…` line, and `xorq retry`. Through the CLI in-process
 * (build first: `npx tsc -p tsconfig.json`), on real DuckDB.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";
import { tempDir, writeFiles } from "./helpers/project.js";

/** amounts 10, 20, 30, 40; `big` keeps those >= var('min_amount'); `flaky` fails at run time while `bad` is set. */
function project(options: { materialized?: boolean; failing?: boolean } = {}): string {
  const dir = tempDir("xorq-dbt-cli-");
  writeFiles(dir, {
    "xorq_project/project.yaml": `name: shop\ndefault_profile: local\nvars: { min_amount: 30 }\n${options.materialized ? "materialized: table\n" : ""}`,
    "xorq_project/profiles.yaml": 'profiles:\n  local: { kind: duckdb, path: "shop.duckdb" }\n',
    "xorq_project/sources/shop.yaml": "sources:\n  - name: orders\n    read_csv: data/orders.csv\n",
    "xorq_project/data/orders.csv": "id,amount,label\n1,10,a\n2,20,b\n3,30,c\n4,40,d\n",
    "xorq_project/models/big.sql": "select * from {{ source('orders') }} where amount >= {{ var('min_amount') }}",
    "xorq_project/models/flaky.sql": `select ${options.failing ? "cast(label as integer)" : "id"} as n from {{ ref('big') }}`,
    "xorq_project/models/after_flaky.sql": "select count(*) as c from {{ ref('flaky') }}",
  });
  return dir;
}

const rowsOf = (stdout: string, model: string) => Number(new RegExp(`^\\w+\\s+${model}\\s+[0-9a-f]{12}\\s+\\((\\d+) rows`, "m").exec(stdout)?.[1]);

describe("--vars", () => {
  it("a YAML or JSON mapping sets vars for the command; -p wins over it", async () => {
    const dir = project();
    const run = async (...args: string[]) => {
      const r = await runCli(["run", "--select", "big", ...args], dir);
      expect(r.exitCode, r.stderr).toBe(0);
      return rowsOf(r.stdout, "big");
    };
    expect(await run()).toBe(2);
    expect(await run("--vars", '{"min_amount": 15}')).toBe(3);
    expect(await run("--vars", "min_amount: 40")).toBe(1);
    expect(await run("--vars", "{min_amount: 40}", "-p", "min_amount=5")).toBe(4);
  });

  it("build, plan and ls take it; a var changes the definition plan compares", async () => {
    const dir = project();
    expect((await runCli(["build"], dir)).exitCode).toBe(0);
    const plan = await runCli(["plan", "--select", "big", "--vars", '{"min_amount": 15}'], dir);
    expect(plan.exitCode, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/^build\s+big\s/m);
    expect((await runCli(["plan", "--select", "big"], dir)).stdout).toMatch(/^unchanged\s+big\s/m);
    const ls = await runCli(["ls", "--vars", "min_amount: 1"], dir);
    expect(ls.stdout).toBe("after_flaky\nbig\nflaky\n");
    expect((await runCli(["build", "--vars", "{min_amount: 15}"], dir)).stdout).toMatch(/^built\s+big\s/m);
  });

  it("anything but a mapping is a usage error", async () => {
    const dir = project();
    for (const [text, message] of [
      ["[1, 2]", "--vars must be a mapping of var names to values"],
      ["{min_amount: ", "--vars is not YAML or JSON"],
    ] as const) {
      const r = await runCli(["ls", "--vars", text], dir);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain(message);
    }
    const build = await runCli(["run", "builds/nothing", "--vars", "{a: 1}"], dir);
    expect(build.exitCode).toBe(2);
    expect(build.stderr).toContain("--vars (with a BUILD: -p name=value): project mode only");
  });
});

describe("--target", () => {
  it("is dbt's name for run's --env", async () => {
    const dir = project({ materialized: true });
    const r = await runCli(["run", "--target", "dev"], dir);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, "target/run_results.json"), "utf8")).env).toBe("dev");
    const both = await runCli(["run", "--target", "dev", "--env", "prod"], dir);
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toContain("--target dev and --env prod name two environments; give one");
    expect((await runCli(["run", "--target", "dev", "--env", "dev"], dir)).exitCode).toBe(0);
  });
});

describe("counters", () => {
  it("model lines count k of N, and a Done line sums PASS, ERROR, SKIP", async () => {
    const dir = project({ failing: true });
    const r = await runCli(["run"], dir);
    expect(r.exitCode).toBe(1);
    const counters = [...r.stdout.matchAll(/^(\w+)\s+(\w+)\s+[0-9a-f]{12}\s+\([^)]*\)\s+(\d+) of (\d+)$/gm)].map((m) => [m[2], m[1], `${m[3]}/${m[4]}`]);
    expect(counters.map((c) => c[2])).toEqual(["1/3", "2/3", "3/3"]);
    expect(Object.fromEntries(counters.map((c) => [c[0], c[1]]))).toEqual({ big: "computed", flaky: "error", after_flaky: "skipped" });
    expect(r.stdout).toMatch(/^run: 1 computed, 1 error, 1 skipped in .*\nDone\. PASS=1 ERROR=1 SKIP=1 TOTAL=3\n$/m);
    const built = await runCli(["build"], dir);
    expect(built.stdout).toMatch(/\nDone\. PASS=3 ERROR=0 SKIP=0 TOTAL=3\n$/);
  });

  it("--json events stay as they were: no counters, no Done line", async () => {
    const dir = project();
    const r = await runCli(["run", "--json"], dir);
    expect(r.exitCode, r.stderr).toBe(0);
    const events = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.map((e) => e["event"]).filter((e) => e !== "model_started")).toEqual(["started", "model_finished", "model_finished", "model_finished", "summary"]);
    expect(Object.keys(events.find((e) => e["event"] === "model_finished")!).sort()).toEqual(["event", "hash", "ms", "name", "rows", "status"]);
    expect(Object.keys(events.at(-1)!).sort()).toEqual(["command", "computed", "event", "text"]);
    expect(r.stdout).not.toContain("Done.");
  });
});

describe("xorq retry", () => {
  it("reruns what the last run left failed or skipped, then has nothing to retry", async () => {
    const dir = project({ failing: true, materialized: true });
    const none = await runCli(["retry"], dir);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain("nothing to retry: ");
    expect(none.stderr).toContain("run_results.json does not exist (xorq run writes it)");

    expect((await runCli(["run", "--target", "dev"], dir)).exitCode).toBe(1);
    // Still failing: the same two again, and only them.
    const again = await runCli(["retry"], dir);
    expect(again.exitCode).toBe(1);
    expect([...again.stdout.matchAll(/^(\w+)\s+(\w+)\s+[0-9a-f]{12}/gm)].map((m) => `${m[2]} ${m[1]}`)).toEqual(["flaky error", "after_flaky skipped"]);

    writeFileSync(join(dir, "xorq_project/models/flaky.sql"), "select id as n from {{ ref('big') }}");
    const fixed = await runCli(["retry"], dir);
    expect(fixed.exitCode, fixed.stderr).toBe(0);
    expect([...fixed.stdout.matchAll(/^(\w+)\s+(\w+)\s+[0-9a-f]{12}/gm)].map((m) => `${m[2]} ${m[1]}`)).toEqual(["flaky created", "after_flaky created"]);
    // In the environment the failed run wrote.
    expect(JSON.parse(readFileSync(join(dir, "target/run_results.json"), "utf8")).env).toBe("dev");
    const done = await runCli(["retry"], dir);
    expect(done.exitCode).toBe(0);
    expect(done.stdout).toMatch(/^nothing to retry: every model of the last run passed/);
  });
});
