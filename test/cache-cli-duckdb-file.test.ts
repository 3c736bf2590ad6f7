/**
 * Caching end to end from the CLI on a project whose source is a table in a file-backed
 * DuckDB database (the built CLI, dist/, built by `npm test`): each YAML cache form
 * (`storage: source`, `storage: source` + snapshot, `storage: parquet`, `ttl:`), a row
 * inserted by another process between runs, and `xorq cache ls | clear --select`.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import * as xo from "../src/index.js";
import { SETTLED_MS } from "../src/backends/duckdb/duckdb-change-signal.js";

const CLI = new URL("../dist/cli/main.js", import.meta.url).pathname;

describe("xorq run with caches over a file-backed DuckDB table", () => {
  const dir = mkdtempSync(join(tmpdir(), "xorq-cache-duckfile-"));
  const projectDir = join(dir, "xorq_project");
  const cacheDir = join(dir, "cache");
  const warehouse = join(projectDir, "warehouse.duckdb");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const files: Record<string, string> = {
    "project.yaml": "name: shop\ndefault_profile: wh\n",
    "profiles.yaml": "profiles:\n  wh: { kind: duckdb, path: warehouse.duckdb }\n",
    "sources/wh.yaml": "sources:\n  - name: orders\n    table: orders\n",
    "models/by_region_mtime.yaml": [
      "from: source('orders')",
      "steps:",
      "  - group_by: [region]",
      "  - agg: { total: \"sum(amount)\", n: \"count(id)\" }",
      "cache: { storage: source }",
    ].join("\n"),
    "models/by_region_snapshot.yaml": [
      "from: source('orders')",
      "steps:",
      "  - group_by: [region]",
      "  - agg: { n: \"count(id)\" }",
      "cache: { storage: source, strategy: snapshot }",
    ].join("\n"),
    "models/big_orders.yaml": ["from: source('orders')", "steps:", "  - filter: \"amount > 50\"", "cache: { storage: parquet }"].join("\n"),
    "models/small_orders.yaml": ["from: source('orders')", "steps:", "  - filter: \"amount <= 50\"", "cache: { storage: parquet, ttl: 1h }"].join("\n"),
  };

  const xorq = (...args: string[]) =>
    spawnSync(process.execPath, [CLI, ...args], { cwd: dir, env: { ...process.env, XORQ_CACHE_DIR: cacheDir }, encoding: "utf8" });
  const ok = (...args: string[]) => {
    const r = xorq(...args);
    expect(r.status, `${args.join(" ")}\n${r.stdout}\n${r.stderr}`).toBe(0);
    return r.stdout;
  };
  const run = () =>
    Object.fromEntries(
      ok("run", "--json", "--output-dir", join(dir, "out"))
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l))
        .filter((e) => e.event === "model_finished")
        .map((e) => [e.name, [e.status, e.rows]]),
    );
  /** Runs SQL on the warehouse from this process (another process than the CLI's), then lets go of the file. */
  const onWarehouse = async (sql: string) => {
    const con = xo.connect({ name: "writer", path: warehouse });
    try {
      await con.run(sql);
    } finally {
      await con.close();
    }
  };

  it("serves every form, sees another process's insert in the modification_time keys only, and clears the selected model's entry", async () => {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(projectDir, path, ".."), { recursive: true });
      writeFileSync(join(projectDir, path), `${text}\n`);
    }
    await onWarehouse("CREATE TABLE orders AS SELECT range AS id, ['north', 'south'][1 + range % 2] AS region, (range % 100)::DOUBLE AS amount FROM range(1000)");
    await new Promise((r) => setTimeout(r, SETTLED_MS + 150)); // old enough for its checksum to be remembered

    expect(run()).toEqual({
      big_orders: ["computed", 490],
      by_region_mtime: ["computed", 2],
      by_region_snapshot: ["computed", 2],
      small_orders: ["computed", 510],
    });
    // The source entries were written into the warehouse file: its table is re-checked, same contents, same keys.
    const cached = { big_orders: ["cached", 490], by_region_mtime: ["cached", 2], by_region_snapshot: ["cached", 2], small_orders: ["cached", 510] };
    expect(run()).toEqual(cached);
    expect(run()).toEqual(cached);

    await onWarehouse("INSERT INTO orders VALUES (1000, 'east', 99)");
    expect(run()).toEqual({
      big_orders: ["computed", 491],
      by_region_mtime: ["computed", 3],
      by_region_snapshot: ["cached", 2], // snapshots keep their first result
      small_orders: ["cached", 510],
    });
    await onWarehouse("UPDATE orders SET amount = 10 WHERE id = 1000");
    expect(run()).toMatchObject({ big_orders: ["computed", 490], by_region_mtime: ["computed", 3] });

    const listing = JSON.parse(ok("cache", "ls", "--json")) as { entries: Array<{ metadata: { strategy: string; ttl: number | null } }> };
    expect(listing.entries.map((e) => [e.metadata.strategy, e.metadata.ttl]).sort()).toEqual([
      ["modification_time", null],
      ["modification_time", null],
      ["modification_time", null],
      ["snapshot", 3600],
    ]);
    const removed = JSON.parse(ok("cache", "clear", "--select", "small_orders", "--json")).removed as string[];
    expect(removed).toHaveLength(1);
    expect(run()).toMatchObject({ small_orders: ["computed", 511], big_orders: ["cached", 490] });
  });
});
