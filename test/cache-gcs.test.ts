/**
 * GCSCache against a real bucket: runs only when XORQ_TEST_GCS_BUCKET names one and
 * Google credentials are available (GOOGLE_APPLICATION_CREDENTIALS, gcloud ADC), or
 * STORAGE_EMULATOR_HOST points at an emulator. Objects go under a unique prefix that
 * the test deletes.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import * as xo from "../src/index.js";
import { GcsObjectStore } from "../src/cache/gcs-object-store.js";

const bucket = process.env.XORQ_TEST_GCS_BUCKET;
const live = bucket && (process.env.GOOGLE_APPLICATION_CREDENTIALS || process.env.STORAGE_EMULATOR_HOST || process.env.XORQ_TEST_GCS_ADC === "1");

(live ? describe : describe.skip)("GCSCache on a live bucket (XORQ_TEST_GCS_BUCKET + credentials)", () => {
  it("stores an entry as an object, serves it on the next run, and recomputes after the source changes", async () => {
    const prefix = `xorq-test-${randomBytes(6).toString("hex")}/`;
    const store = new GcsObjectStore(bucket!, prefix);
    const con = xo.connect({ name: "gcs_duck" });
    const events: xo.CacheEvent[] = [];
    const off = xo.onCacheEvent((e) => events.push(e));
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
    } finally {
      off();
      for (const o of await store.list()) await store.delete(o.name);
      await con.close();
    }
  });
});
