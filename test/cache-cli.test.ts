/**
 * `xorq run` reporting computed / cached per model, and `xorq cache ls | clear | prune`,
 * on the duckdb template project, through the built CLI (dist/, built by `npm test`)
 * run in-process.
 */
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as xo from "../src/index.js";
import { runCli } from "./helpers/cli.js";

describe("xorq cache and run on a project", () => {
  const dir = mkdtempSync(join(tmpdir(), "xorq-cache-cli-"));
  const project = join(dir, "shop");
  const cacheDir = join(dir, "cache");
  const parquet = join(cacheDir, "parquet");
  const env = { XORQ_CACHE_DIR: cacheDir };
  const xorq = (...args: string[]) => runCli(args, project, env);
  const ok = async (...args: string[]) => {
    const r = await xorq(...args);
    expect(r.exitCode, `${args.join(" ")}\n${r.stdout}\n${r.stderr}`).toBe(0);
    return r.stdout;
  };
  /** model name -> status, from `xorq run --json` events. */
  const statuses = (out: string) =>
    Object.fromEntries(out.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l)).filter((e) => e.event === "model_finished").map((e) => [e.name, e.status]));

  beforeAll(async () => {
    expect((await runCli(["init", project], dir, env)).exitCode).toBe(0);
    // The caches are the subject here: the models run ephemeral (not left in the warehouse),
    // and clean_orders is cached as the template's staging model was before it became a view.
    const yaml = join(project, "xorq_project", "project.yaml");
    writeFileSync(yaml, readFileSync(yaml, "utf8").replace(/^models:\n(?:  .*\n)+/m, ""));
    appendFileSync(join(project, "xorq_project", "models", "staging", "clean_orders.yaml"), "cache: true\n");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** model name -> rows, from `xorq run --json` events. */
  const rowCounts = (out: string) =>
    Object.fromEntries(out.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l)).filter((e) => e.event === "model_finished").map((e) => [e.name, e.rows]));

  it("reports each cached model as computed, then cached, then computed again after its source changed", async () => {
    const firstOut = await ok("run", "--json");
    const first = statuses(firstOut);
    // A cached model's rows are counted from its entry without reading it: the same count as computing it.
    expect(Object.values(rowCounts(firstOut)).every((n) => typeof n === "number" && n > 0)).toBe(true);
    expect(rowCounts(await ok("run", "--json"))).toEqual(rowCounts(firstOut));
    expect(first.clean_orders).toBe("computed");
    expect(first.top_customers).toBe("computed");
    const second = statuses(await ok("run", "--json"));
    expect(second.clean_orders).toBe("cached");
    expect(second.top_customers).toBe("cached");
    // The CSV behind clean_orders changes: its modification_time key changes.
    const later = new Date(Date.now() + 10_000);
    utimesSync(join(project, "xorq_project", "data", "orders.csv"), later, later);
    const third = statuses(await ok("run", "--json"));
    expect(third.clean_orders).toBe("computed");
    expect(third.top_customers).toBe("cached"); // a snapshot: its first result stays
  });

  it("lists entries, prunes the superseded one, clears the selected model's entries only", async () => {
    const listing = await xo.listCache(parquet);
    const byStrategy = (s: string) => listing.entries.filter((e) => e.metadata?.strategy === s);
    expect(byStrategy("modification_time").length).toBeGreaterThanOrEqual(2);
    const ls = await ok("cache", "ls");
    for (const e of listing.entries) expect(ls).toContain(e.key.slice(0, 12));
    expect(JSON.parse(await ok("cache", "ls", "--json")).entries).toHaveLength(listing.entries.length);

    // The older clean_orders entry was computed from the CSV before it changed: prune drops it.
    const dry = await ok("cache", "prune", "--dry-run");
    expect(dry).toMatch(/would remove\s+superseded/);
    expect((await xo.listCache(parquet)).entries).toHaveLength(listing.entries.length);
    const pruned = JSON.parse(await ok("cache", "prune", "--json")).removed as Array<{ reason: string }>;
    expect(pruned.length).toBeGreaterThan(0);
    expect(pruned.every((r) => r.reason === "superseded")).toBe(true);
    const after = await xo.listCache(parquet);
    const inputs = after.entries.map((e) => e.metadata!.input);
    expect(new Set(inputs).size).toBe(inputs.length); // one entry per cached expression now

    const cleared = JSON.parse(await ok("cache", "clear", "--select", "top_customers", "--json")).removed as string[];
    expect(cleared).toHaveLength(1);
    expect(statuses(await ok("run", "--json", "--select", "top_customers", "clean_orders"))).toMatchObject({ top_customers: "computed", clean_orders: "cached" });

    expect((await xorq("cache", "clear", "--select", "no_such_model")).exitCode).toBe(2);
    await ok("cache", "clear");
    expect(readdirSync(parquet)).toEqual([]);
  });

  it("prune removes expired entries and leaves live ones", async () => {
    const ttlDir = join(dir, "ttl");
    const con = xo.connect({ name: "ttl_duck" });
    try {
      await con.run("CREATE TABLE t AS SELECT 1 AS x");
      const t = await con.table("t");
      await t.cache(xo.ParquetTTLSnapshotCache.fromKwargs({ ttl: 60, path: ttlDir })).execute();
      await t.filter(xo._.x.gt(0)).cache(xo.ParquetTTLSnapshotCache.fromKwargs({ ttl: 3600, path: ttlDir })).execute();
    } finally {
      await con.close();
    }
    const now = Date.now() + 120_000; // two minutes from now: the 60 s entry has expired
    expect((await xo.listCache(ttlDir, now)).entries.map((e) => e.expired).sort()).toEqual([false, true]);
    const { removed } = await xo.pruneCache(ttlDir, { now });
    expect(removed.map((r) => r.reason)).toEqual(["expired"]);
    expect((await xo.listCache(ttlDir)).entries).toHaveLength(1);
    // A file the cache did not write is listed but never pruned.
    appendFileSync(join(ttlDir, "foreign.parquet"), "not parquet");
    const listing = await xo.listCache(ttlDir);
    expect(listing.entries.find((e) => e.key === "foreign")).toMatchObject({ metadata: null, rows: null });
    expect((await xo.pruneCache(ttlDir, { now })).removed).toEqual([]);
  });
});
