/**
 * Cache entries under concurrent and crashing writers, with real child processes
 * running the built package (dist/, built by `npm test`'s tsc step):
 * two processes computing one key at once both get the right rows and leave one valid
 * entry; a writer killed with SIGKILL mid-write leaves nothing a later run would serve.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as xo from "../src/index.js";

const CHILD = new URL("./helpers/cache-child.mjs", import.meta.url).pathname;
const ROOT = new URL("..", import.meta.url).pathname;

interface ChildResult {
  readonly events: ReadonlyArray<{ status: string; key: string }>;
  readonly n: number;
  readonly s: string;
}

interface Child {
  readonly proc: ChildProcess;
  readonly ready: Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>;
}

function startChild(args: string[], cacheDir: string): Child {
  const proc = spawn(process.execPath, [CHILD, ...args], { cwd: ROOT, env: { ...process.env, XORQ_CACHE_DIR: cacheDir } });
  let out = "";
  let err = "";
  let onReady!: () => void;
  const ready = new Promise<void>((r) => (onReady = r));
  proc.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
    if (out.startsWith("ready\n")) onReady();
  });
  proc.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>((resolve) =>
    proc.on("exit", (code, signal) => resolve({ code, signal, out, err })),
  );
  return { proc, ready, exited };
}

function resultOf(r: { code: number | null; out: string; err: string }): ChildResult {
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out.split("\n").filter(Boolean).at(-1)!) as ChildResult;
}

/** Sum of 3*i for i < n, as the child computes it. */
const expectedSum = (n: number) => String(3n * ((BigInt(n) * BigInt(n - 1)) / 2n));

async function waitFor(what: string, cond: () => boolean, timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("cache entries across processes", () => {
  const dir = mkdtempSync(join(tmpdir(), "xorq-cache-proc-"));

  beforeAll(() => {
    if (!existsSync(join(ROOT, "dist", "index.js"))) throw new Error("dist/ is missing: run `npx tsc -p tsconfig.json` (npm test does)");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("two processes computing one key at once both get the right rows and leave one valid entry", async () => {
    const cacheDir = join(dir, "race");
    const go = join(dir, "race.go");
    const rows = 1_000_000;
    const children = [startChild(["parquet", String(rows), go], cacheDir), startChild(["parquet", String(rows), go], cacheDir)];
    await Promise.all(children.map((c) => c.ready));
    writeFileSync(go, "");
    const results = (await Promise.all(children.map((c) => c.exited))).map(resultOf);
    for (const r of results) {
      expect(r.n).toBe(rows);
      expect(r.s).toBe(expectedSum(rows));
      // Both started before either had stored anything: both computed.
      expect(r.events.map((e) => e.status)).toEqual(["computed"]);
    }
    expect(results[0]!.events[0]!.key).toBe(results[1]!.events[0]!.key);
    const files = readdirSync(join(cacheDir, "parquet"));
    expect(files).toEqual([`${results[0]!.events[0]!.key}.parquet`]);
    const { entries, staging } = await xo.listCache(join(cacheDir, "parquet"));
    expect(staging).toEqual([]);
    expect(entries.map((e) => [e.key, e.rows, e.metadata?.strategy])).toEqual([[results[0]!.events[0]!.key, rows, "snapshot"]]);
    // A third process is served the entry.
    const third = resultOf(await startChild(["parquet", String(rows)], cacheDir).exited);
    expect(third.events.map((e) => e.status)).toEqual(["cached"]);
    expect(third.s).toBe(expectedSum(rows));
  });

  it("a parquet writer killed mid-write leaves no entry; the next run computes, prune removes the leftovers", async () => {
    const cacheDir = join(dir, "killed");
    const parquetDir = join(cacheDir, "parquet");
    const rows = 4_000_000;
    const writer = startChild(["parquet", String(rows)], cacheDir);
    let exited = false;
    void writer.exited.then(() => (exited = true));
    // Wait until the staging file is being written, then kill the writer without warning.
    await waitFor("the staging file", () => existsSync(parquetDir) && readdirSync(parquetDir).some((f) => f.endsWith(".tmp") && statSync(join(parquetDir, f)).size > 0));
    expect(exited).toBe(false);
    writer.proc.kill("SIGKILL");
    expect((await writer.exited).signal).toBe("SIGKILL");

    const files = readdirSync(parquetDir);
    expect(files.filter((f) => f.endsWith(".parquet"))).toEqual([]);
    const listing = await xo.listCache(parquetDir);
    expect(listing.entries).toEqual([]);
    expect(listing.staging.map((s) => s.live)).toEqual([false]);

    const next = resultOf(await startChild(["parquet", String(rows)], cacheDir).exited);
    expect(next.events.map((e) => e.status)).toEqual(["computed"]);
    expect([next.n, next.s]).toEqual([rows, expectedSum(rows)]);

    const pruned = await xo.pruneCache(parquetDir);
    expect(pruned.removed.map((r) => r.reason)).toEqual(["abandoned write"]);
    expect(readdirSync(parquetDir)).toEqual([`${next.events[0]!.key}.parquet`]);
  });

  it("a source-table writer killed mid-write leaves no table in the DuckDB file", async () => {
    const cacheDir = join(dir, "unused");
    const db = join(dir, "killed.duckdb");
    const rows = 4_000_000;
    const go = join(dir, "source.go");
    const writer = startChild(["source", String(rows), go, db], cacheDir);
    await writer.ready;
    writeFileSync(go, "");
    let exited = false;
    void writer.exited.then(() => (exited = true));
    // The CREATE TABLE ... AS is under way once the database file grows past its empty size.
    const empty = statSync(db).size;
    await waitFor("the table write", () => statSync(db).size > empty || (existsSync(`${db}.wal`) && statSync(`${db}.wal`).size > 0));
    expect(exited).toBe(false);
    writer.proc.kill("SIGKILL");
    expect((await writer.exited).signal).toBe("SIGKILL");

    const con = xo.connect({ path: db, name: "child" });
    try {
      expect((await con.listTables()).filter((t) => t.startsWith("_xorq_cache_"))).toEqual([]);
    } finally {
      await con.close();
    }
    const next = resultOf(await startChild(["source", String(rows), "", db], cacheDir).exited);
    expect(next.events.map((e) => e.status)).toEqual(["computed"]);
    expect([next.n, next.s]).toEqual([rows, expectedSum(rows)]);
  });
});
