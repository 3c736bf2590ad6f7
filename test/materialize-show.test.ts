/**
 * `xorq show` prints every type's value as written in SQL: decimals with their scale
 * (33.00, never the unscaled 3300), dates and timestamps as text (never epoch
 * milliseconds), 64-bit integers with every digit; from a materialized model's view and
 * from an ephemeral model computed on the spot alike.
 */
import { describe, expect, it } from "vitest";
import { tempDir, writeFiles, xorq } from "./helpers/project.js";

const SELECT = `select 1::integer as i32, 9007199254740993::bigint as i64, 1.5::double as f64, 33.00::decimal(10,2) as dec,
  -0.05::decimal(10,2) as neg, 'héllo' as s, true as b, date '2024-03-05' as d, date '1969-12-31' as before_epoch,
  timestamp '2024-03-05 10:11:12.123456' as ts, timestamptz '2024-03-05 10:11:12+00' as tsz, time '10:11:12' as t,
  '\\xAA'::blob as bin, null::integer as n
`;

const WANT = {
  i32: 1, i64: "9007199254740993", f64: 1.5, dec: "33.00", neg: "-0.05", s: "héllo", b: true, d: "2024-03-05", before_epoch: "1969-12-31",
  ts: "2024-03-05 10:11:12.123456", tsz: "2024-03-05 10:11:12.000000+00:00", t: "10:11:12.000000", bin: "qg==", n: null,
};

describe("xorq show prints each type's value", () => {
  const root = tempDir();
  writeFiles(root, {
    "xorq_project/project.yaml": "name: types\ndefault_profile: wh\n",
    "xorq_project/profiles.yaml": "profiles:\n  wh: { kind: duckdb, path: wh.duckdb }\n",
    "xorq_project/models/stored.sql": `---\nmaterialized: table\n---\n${SELECT}`,
    "xorq_project/models/computed.sql": SELECT,
  });

  it("as JSON and as a table, from a view and computed", async () => {
    const run = await xorq(root, ["run"]);
    expect(run.code, run.stderr).toBe(0);
    for (const [model, view] of [["stored", "main.stored"], ["computed", null]] as const) {
      const json = await xorq(root, ["show", model, "--json"]);
      expect(json.code, json.stderr).toBe(0);
      expect(JSON.parse(json.stdout)).toEqual({ event: "result", model, view, rows: 1, head: [WANT] });
      const text = await xorq(root, ["show", model]);
      expect(text.code, text.stderr).toBe(0);
      const [header, , row] = text.stdout.split("\n");
      const cells = row!.trim().split(/\s{2,}/);
      expect(header!.trim().split(/\s+/)).toEqual(Object.keys(WANT));
      expect(cells).toEqual(["1", "9007199254740993", "1.5", "33.00", "-0.05", "héllo", "true", "2024-03-05", "1969-12-31",
        "2024-03-05 10:11:12.123456", "2024-03-05 10:11:12.000000+00:00", "10:11:12.000000", "<1 bytes>", "NULL"]);
    }
  }, 60_000);
});
