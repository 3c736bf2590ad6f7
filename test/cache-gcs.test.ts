/**
 * GCSCache. Offline: object naming, locations, and the error a machine without
 * credentials gets. Live, against a real bucket: runs only when XORQ_TEST_GCS_BUCKET
 * names one and Google credentials are available (GOOGLE_APPLICATION_CREDENTIALS,
 * gcloud ADC), or STORAGE_EMULATOR_HOST points at an emulator. Objects go under a unique
 * prefix that the test deletes.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import * as xo from "../src/index.js";
import { cacheStoreAt } from "../src/cache/cache-entries.js";
import { GcsObjectStore, parseGcsUrl } from "../src/cache/gcs-object-store.js";
import { LocalObjectStore } from "../src/cache/local-object-store.js";

const CLI = new URL("../dist/cli/main.js", import.meta.url).pathname;

describe("GCSCache offline", () => {
  it("names objects <prefix><key>.parquet, with the prefix ending in a slash", () => {
    expect(new GcsObjectStore("b").location).toBe("gs://b/xorq-cache/");
    const store = new GcsObjectStore("b", "team/cache");
    expect(store.location).toBe("gs://b/team/cache/");
    expect(store.objectName("abc.parquet")).toBe("team/cache/abc.parquet");
    expect(new GcsObjectStore("b", "").objectName("k.parquet")).toBe("k.parquet");
    expect(parseGcsUrl("gs://b/team/cache")).toEqual({ bucket: "b", prefix: "team/cache/" });
    expect(parseGcsUrl("gs://b")).toEqual({ bucket: "b", prefix: "" });
    expect(parseGcsUrl("/tmp/gs://b")).toBeNull();
    expect(cacheStoreAt("gs://b/p/")).toBeInstanceOf(GcsObjectStore);
    expect(cacheStoreAt("/tmp/cache")).toBeInstanceOf(LocalObjectStore);
  });

  it("the policy is portable data: bucket and prefix, no client or credentials", () => {
    const policy = xo.GCSCache.fromKwargs({ bucket: "b", prefix: "p/" }).toPolicy();
    expect(policy).toEqual({ strategy: "modification_time", storage: "gcs", ttl: null, options: { bucket: "b", prefix: "p/" } });
    expect(() => xo.GCSCache.fromKwargs({ bucket: "" })).toThrow(/bucket/);
  });

  describe("without credentials", () => {
    const saved = { ...process.env };
    const home = mkdtempSync(join(tmpdir(), "xorq-gcs-home-"));
    afterEach(() => {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    });
    afterAll(() => rmSync(home, { recursive: true, force: true }));
    const noCredentials = () => {
      for (const k of ["GOOGLE_APPLICATION_CREDENTIALS", "STORAGE_EMULATOR_HOST", "CLOUDSDK_CONFIG", "GCE_METADATA_HOST", "GCE_METADATA_IP"]) delete process.env[k];
      process.env.HOME = home; // no ~/.config/gcloud login
      process.env.METADATA_SERVER_DETECTION = "none"; // and no metadata server, even on a cloud VM
    };

    it("a store says what to set, once, instead of retrying requests", async () => {
      noCredentials();
      const started = Date.now();
      await expect(new GcsObjectStore("xorq-no-such-bucket", "p/").stat("k.parquet")).rejects.toThrow(
        /GCSCache \(gs:\/\/xorq-no-such-bucket\): no Google Cloud credentials: set GOOGLE_APPLICATION_CREDENTIALS .*gcloud auth application-default login/,
      );
      expect(Date.now() - started).toBeLessThan(10_000);
    });

    it("`xorq cache ls --dir gs://...` reports it and exits 1 (built CLI)", () => {
      noCredentials();
      const r = spawnSync(process.execPath, [CLI, "cache", "ls", "--dir", "gs://xorq-no-such-bucket-3/p/"], { env: process.env, encoding: "utf8" });
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/GCSCache \(gs:\/\/xorq-no-such-bucket-3\): no Google Cloud credentials/);
      expect(r.stdout).toBe("");
    });

    it("a cached expression fails with that error (here: the key file named does not exist)", async () => {
      noCredentials();
      process.env.GOOGLE_APPLICATION_CREDENTIALS = join(home, "missing-key.json");
      const con = xo.connect({ name: "gcs_offline" });
      try {
        const expr = (await con.sql("SELECT 1 AS x")).cache(xo.GCSCache.fromKwargs({ bucket: "xorq-no-such-bucket-2" }));
        await expect(expr.execute()).rejects.toThrow(/no Google Cloud credentials.*missing-key\.json/s);
      } finally {
        await con.close();
      }
    });
  });
});

const bucket = process.env.XORQ_TEST_GCS_BUCKET;
const live = bucket && (process.env.GOOGLE_APPLICATION_CREDENTIALS || process.env.STORAGE_EMULATOR_HOST || process.env.XORQ_TEST_GCS_ADC === "1");

(live ? describe : describe.skip)("GCSCache on a live bucket (XORQ_TEST_GCS_BUCKET + credentials)", () => {
  it("stores an entry as an object, serves it on the next run, and recomputes after the source changes", async () => {
    const prefix = `xorq-test-${randomBytes(6).toString("hex")}/`;
    const store = new GcsObjectStore(bucket!, prefix);
    const con = xo.connect({ name: "gcs_duck" });
    const events: xo.CacheEvent[] = [];
    const off = xo.defaultServices().onCacheEvent((e) => events.push(e));
    try {
      await con.run("CREATE TABLE g AS SELECT range AS i FROM range(100)");
      const expr = (await con.table("g")).agg({ s: xo._.i.sum() }).cache(xo.GCSCache.fromKwargs({ bucket: bucket!, prefix }));
      expect(Number((await expr.execute()).getChild("s")!.get(0))).toBe(4950);
      expect(Number((await expr.execute()).getChild("s")!.get(0))).toBe(4950);
      await con.run("INSERT INTO g VALUES (50)");
      expect(Number((await expr.execute()).getChild("s")!.get(0))).toBe(5000);
      expect(events.map((e) => e.status)).toEqual(["computed", "cached", "computed"]);
      expect(events[0]!.location).toBe(`gs://${bucket}/${prefix}${events[0]!.key}.parquet`);
      const objects = await store.list();
      expect(objects.map((o) => o.name).sort()).toEqual([`${events[0]!.key}.parquet`, `${events[2]!.key}.parquet`].sort());
      // `xorq cache ls | prune --dir gs://...`: the entries' metadata comes from the listing.
      const listing = await xo.listCache(store.location);
      expect(listing.entries.map((e) => [e.key, e.metadata?.strategy])).toEqual([
        [events[2]!.key, "modification_time"],
        [events[0]!.key, "modification_time"],
      ]);
      const { removed } = await xo.pruneCache(store.location);
      expect(removed.map((r) => [r.name, r.reason])).toEqual([[`${events[0]!.key}.parquet`, "superseded"]]);
      expect((await store.list()).map((o) => o.name)).toEqual([`${events[2]!.key}.parquet`]);
    } finally {
      off();
      for (const o of await store.list()) await store.delete(o.name);
      await con.close();
    }
  });
});
