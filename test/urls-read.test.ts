/**
 * URL reads without DuckDB's downloadable extensions (issue 16.4): parquet and CSV over
 * HTTP from a loopback server (127.0.0.1 only), downloaded once into a local copy named
 * by the URL and its change signal (ETag, Last-Modified, Content-Length), and
 * modification_time caches keyed by that signal. GCS runs live only with credentials.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as xo from "../src/index.js";
import { rowsOf } from "./helpers/data.js";
import { describeLive } from "./helpers/live.js";

const { _ } = xo;

/** What the server serves, by path: the body and its version (a new version gives a new ETag). */
const files = new Map<string, { body: Buffer; version: number }>();
const gets: string[] = [];
let server: Server;
let base: string;
const dir = mkdtempSync(join(tmpdir(), "xorq-urls-"));
const saved = process.env.XORQ_CACHE_DIR;

beforeAll(async () => {
  process.env.XORQ_CACHE_DIR = join(dir, "cache");
  server = createServer((req, res) => {
    const f = files.get(req.url ?? "");
    if (!f) {
      res.writeHead(404).end();
      return;
    }
    res.setHeader("ETag", `"v${f.version}"`);
    res.setHeader("Last-Modified", new Date(Date.UTC(2026, 0, 1, 0, 0, f.version)).toUTCString());
    res.setHeader("Content-Length", String(f.body.length));
    if (req.method === "HEAD") {
      res.writeHead(200).end();
      return;
    }
    gets.push(req.url!);
    res.writeHead(200).end(f.body);
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((done) => server.close(() => done()));
  if (saved === undefined) delete process.env.XORQ_CACHE_DIR;
  else process.env.XORQ_CACHE_DIR = saved;
  rmSync(dir, { recursive: true, force: true });
});

/** Writes a parquet file with DuckDB and serves it at `path`. */
async function serveParquet(path: string, sql: string, version: number): Promise<void> {
  const con = xo.connect({ name: "urls_writer" });
  const file = join(dir, `w${version}.parquet`);
  await con.run(`COPY (${sql}) TO '${file}' (FORMAT parquet)`);
  await con.close();
  files.set(path, { body: readFileSync(file), version });
}

describe("deferred reads of HTTP URLs", () => {
  it("reads parquet and CSV over HTTP, without httpfs; an unchanged object is downloaded once", async () => {
    await serveParquet("/sales.parquet", "SELECT range AS id, (range * 2.5)::DOUBLE AS amount FROM range(10)", 1);
    files.set("/regions.csv", { body: Buffer.from("id,region\n1,north\n2,south\n"), version: 1 });
    const sales = await xo.deferredReadParquet(`${base}/sales.parquet`);
    expect(sales.columns).toEqual(["id", "amount"]);
    const total = sales.filter(_.id.lt(4)).agg({ total: _.amount.sum() });
    expect(rowsOf(await total.execute())).toEqual([{ total: 15 }]);
    expect(rowsOf(await total.execute())).toEqual([{ total: 15 }]);
    expect(gets.filter((g) => g === "/sales.parquet")).toHaveLength(1);

    const regions = await xo.deferredReadCsv(`${base}/regions.csv`);
    const joined = sales.join(regions, "id").select("region", "amount").orderBy("region");
    expect(rowsOf(await joined.execute())).toEqual([{ region: "north", amount: 2.5 }, { region: "south", amount: 5 }]);
    // The URL is the read's path: the hash does not depend on where the copy lives.
    expect(sales.toYaml()).toContain(`${base}/sales.parquet`);
  });

  it("a modification_time cache follows the server's change signal; a snapshot cache does not", async () => {
    await serveParquet("/orders.parquet", "SELECT range AS id FROM range(5)", 1);
    const orders = await xo.deferredReadParquet(`${base}/orders.parquet`);
    const counted = orders.agg({ n: _.count() });
    const mtime = counted.cache(xo.ParquetCache.fromKwargs({ base_path: join(dir, "pc") }));
    const snap = counted.cache(xo.ParquetSnapshotCache.fromKwargs({ base_path: join(dir, "pc") }));
    const k1 = await mtime.cacheKey();
    const s1 = await snap.cacheKey();
    expect(rowsOf(await mtime.execute())).toEqual([{ n: 5 }]);
    expect(rowsOf(await snap.execute())).toEqual([{ n: 5 }]);
    expect(await mtime.isCached()).toBe(true);

    await serveParquet("/orders.parquet", "SELECT range AS id FROM range(8)", 2);
    expect(await mtime.cacheKey()).not.toBe(k1);
    expect(await mtime.isCached()).toBe(false);
    expect(rowsOf(await mtime.execute())).toEqual([{ n: 8 }]);
    expect(await snap.cacheKey()).toBe(s1);
    expect(rowsOf(await snap.execute())).toEqual([{ n: 5 }]);
  });

  it("says what is wrong: a missing object, and S3 without its client", async () => {
    await expect(xo.deferredReadParquet(`${base}/missing.parquet`)).rejects.toThrow(/HTTP 404/);
    await expect(xo.deferredReadParquet("s3://bucket/key.parquet")).rejects.toThrow(/@aws-sdk\/client-s3.*not installed/);
  });
});

describeLive("deferred reads of gs:// URLs on a live bucket", ["XORQ_TEST_GCS_URL", "GOOGLE_APPLICATION_CREDENTIALS"], () => {
  it("reads the object and signs it with its generation", async () => {
    const { urlSignal } = await import("../src/urls/url-copy.js");
    const url = process.env.XORQ_TEST_GCS_URL!;
    const t = url.endsWith(".csv") ? await xo.deferredReadCsv(url) : await xo.deferredReadParquet(url);
    expect((await t.execute()).numRows).toBeGreaterThan(0);
    expect(await urlSignal(url)).toMatchObject({ generation: expect.stringMatching(/^\d+$/) });
  });
});
