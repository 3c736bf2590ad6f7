/**
 * `Services`: each execution hears its own cache events, the services' sinks hear all;
 * relative cache paths resolve against the execution's base directory; one `close()`
 * (after which the services still work); and a plain library script exits without one.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as xo from "../src/index.js";

const { _ } = xo;

describe("Services", () => {
  const dir = mkdtempSync(join(tmpdir(), "xorq-services-"));
  const saved = process.env.XORQ_CACHE_DIR;
  beforeAll(() => {
    process.env.XORQ_CACHE_DIR = join(dir, "cache");
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.XORQ_CACHE_DIR;
    else process.env.XORQ_CACHE_DIR = saved;
  });

  it("gives each execution its own cache events; the services' sink hears every execution", async () => {
    const services = new xo.Services();
    const all: xo.CacheEvent[] = [];
    const off = services.onCacheEvent((e) => all.push(e));
    try {
      const a = xo.memtable({ k: [1, 2, 3] }).mutate({ v: _.k.mul(2) }).cache(xo.ParquetSnapshotCache.fromKwargs());
      const b = xo.memtable({ k: [4, 5] }).mutate({ v: _.k.mul(3) }).cache(xo.ParquetSnapshotCache.fromKwargs());
      const ofA: xo.CacheEvent[] = [];
      const ofB: xo.CacheEvent[] = [];
      const [ta, tb] = await Promise.all([
        services.execute(a, { onCacheEvent: (e) => ofA.push(e) }),
        services.execute(b, { onCacheEvent: (e) => ofB.push(e) }),
      ]);
      expect([ta.numRows, tb.numRows]).toEqual([3, 2]);
      expect(ofA.map((e) => [e.nodeHash, e.status])).toEqual([[a.hash(), "computed"]]);
      expect(ofB.map((e) => [e.nodeHash, e.status])).toEqual([[b.hash(), "computed"]]);
      expect(all.map((e) => e.nodeHash).sort()).toEqual([a.hash(), b.hash()].sort());

      const again: xo.CacheEvent[] = [];
      await services.execute(a, { onCacheEvent: (e) => again.push(e) });
      expect(again.map((e) => e.status)).toEqual(["cached"]);
      expect(all).toHaveLength(3);
    } finally {
      off();
      await services.close();
    }
  });

  it("resolves a relative cache path against the execution's base directory", async () => {
    const services = new xo.Services();
    try {
      const expr = xo.memtable({ k: [1, 2] }).cache(xo.ParquetSnapshotCache.fromKwargs({ path: "entries" }));
      const base = join(dir, "project");
      await services.execute(expr, { baseDir: base });
      expect(readdirSync(join(base, "entries")).filter((f) => f.endsWith(".parquet"))).toHaveLength(1);
      expect(existsSync(resolve("entries"))).toBe(false);
    } finally {
      await services.close();
    }
  });

  it("closes its local engine once, and opens a new one when used again", async () => {
    const services = new xo.Services();
    const first = await services.localEngine();
    expect(Number((await services.execute(xo.memtable({ k: [1, 2, 3] }).agg({ s: _.k.sum() }))).getChild("s")!.get(0))).toBe(6);
    await services.close();
    await services.close(); // nothing left to close
    await expect(first.run("SELECT 1")).rejects.toThrow();
    const second = await services.localEngine();
    expect(second).not.toBe(first);
    expect((await xo.memtable({ k: [1] }).execute(services)).numRows).toBe(1);
    await services.close();
  });

  it("a library script exits when its work is done, without closing anything", async () => {
    const script = join(dir, "script.mjs");
    const index = resolve("dist/index.js");
    writeFileSync(
      script,
      [
        `import * as xo from ${JSON.stringify(index)};`,
        `const con = xo.connect();`,
        `const t = await (await con.sql("SELECT range AS k FROM range(5)")).cache(xo.ParquetSnapshotCache.fromKwargs()).execute();`,
        `const m = await xo.memtable({ k: [1, 2] }).execute();`,
        `console.log(t.numRows + m.numRows);`,
      ].join("\n"),
    );
    const child = spawn(process.execPath, [script], { env: { ...process.env, XORQ_CACHE_DIR: join(dir, "script-cache") }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const code = await new Promise<number | null>((done) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        done(null);
      }, 20_000);
      child.on("close", (c) => {
        clearTimeout(timer);
        done(c);
      });
    });
    expect(code, `still running after 20 s, or failed: ${err}`).toBe(0);
    expect(out.trim()).toBe("7");
  }, 30_000);
});
