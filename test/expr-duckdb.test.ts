import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as xo from "../src/index.js";
import { groupBy, makeSales, rowsOf, sum } from "./helpers/data.js";

const { _ } = xo;
const sales = makeSales(400);
const round2 = (x: number) => Math.round(x * 100) / 100;

describe("expressions on embedded DuckDB", () => {
  const con = xo.connect({ name: "test_duck" });
  const dir = mkdtempSync(join(tmpdir(), "xorq-expr-"));
  let t: xo.Table;

  beforeAll(async () => {
    t = xo.memtable(sales);
    // Files for deferred reads, written by DuckDB from the same rows.
    await con.ingest("sales", t.schema(), (await t.execute()).batches);
    await con.run(`COPY sales TO '${join(dir, "sales.parquet")}' (FORMAT parquet)`);
    await con.run(`COPY sales TO '${join(dir, "sales.csv")}' (FORMAT csv, HEADER)`);
  });
  afterAll(async () => {
    await con.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("filters, groups and aggregates like an independent computation", async () => {
    const expr = t
      .filter(_.amount.gt(100), _.status.notNull())
      .groupBy("region")
      .agg({ total: _.amount.sum(), n: _.count(), avg_qty: _.qty.mean(), max_amount: _.amount.max() })
      .orderBy("region");
    expect(expr.schema()).toEqual([
      { name: "region", type: "string" },
      { name: "total", type: "float64" },
      { name: "n", type: "int64" },
      { name: "avg_qty", type: "float64" },
      { name: "max_amount", type: "float64" },
    ]);
    const got = rowsOf(await expr.execute());
    const kept = sales.filter((s) => s.amount > 100 && s.status !== null);
    const want = [...groupBy(kept, (s) => s.region)]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([region, rows]) => ({
        region,
        total: round2(sum(rows.map((r) => r.amount))),
        n: rows.length,
        avg_qty: sum(rows.map((r) => r.qty)) / rows.length,
        max_amount: Math.max(...rows.map((r) => r.amount)),
      }));
    expect(got.map((r) => ({ ...r, total: round2(r.total as number) }))).toEqual(
      want.map((w) => ({ ...w, avg_qty: expect.closeTo(w.avg_qty, 9) })),
    );
  });

  it("reads parquet and CSV lazily, with schemas from the files", async () => {
    const pq = await xo.deferredReadParquet(join(dir, "sales.parquet"), con);
    const csv = await xo.deferredReadCsv(join(dir, "sales.csv"), con);
    expect(pq.columns).toEqual(["id", "region", "amount", "qty", "status", "day"]);
    expect(csv.schema().find((f) => f.name === "amount")!.type).toBe("float64");
    const n = rowsOf(await pq.agg({ n: _.count(), s: _.qty.sum() }).execute())[0];
    expect(n).toEqual({ n: 400, s: sum(sales.map((s) => s.qty)) });
    const c = rowsOf(await csv.filter(_.region.eq("o'hare")).agg({ n: _.count() }).execute())[0];
    expect(c!.n).toBe(sales.filter((s) => s.region === "o'hare").length);
  });

  it("selects, drops, renames and mutates", async () => {
    const expr = t
      .select("id", "amount", "qty")
      .mutate({ total: _.amount.mul(_.qty), big: _.amount.gt(250), half: _.qty.div(2) })
      .rename({ identifier: "id" })
      .drop("qty")
      .filter(_.identifier.le(3));
    expect(expr.columns).toEqual(["identifier", "amount", "total", "big", "half"]);
    const got = rowsOf(await expr.orderBy("identifier").execute());
    expect(got).toEqual(
      sales.slice(0, 3).map((s) => ({
        identifier: s.id,
        amount: s.amount,
        total: expect.closeTo(s.amount * s.qty, 6),
        big: s.amount > 250,
        half: s.qty / 2,
      })),
    );
  });

  it("joins every way, with predictable names for colliding columns", async () => {
    const regions = xo.memtable([
      { region: "north", manager: "ann", amount: 1 },
      { region: "south", manager: "bob", amount: 2 },
      { region: "atlantis", manager: "zed", amount: 3 },
    ]);
    const inner = t.join(regions, "region");
    expect(inner.columns).toEqual(["id", "region", "amount", "qty", "status", "day", "manager", "amount_right"]);
    const countOf = async (e: xo.Table) => Number(rowsOf(await e.agg({ n: _.count() }).execute())[0]!.n);
    const inRegions = sales.filter((s) => s.region === "north" || s.region === "south").length;
    expect(await countOf(inner)).toBe(inRegions);
    expect(await countOf(t.leftJoin(regions, "region"))).toBe(400);
    expect(await countOf(t.rightJoin(regions, "region"))).toBe(inRegions + 1);
    expect(await countOf(t.outerJoin(regions, "region"))).toBe(400 + 1);
    expect(await countOf(t.semiJoin(regions, "region"))).toBe(inRegions);
    expect(await countOf(t.antiJoin(regions, "region"))).toBe(400 - inRegions);
    const outer = rowsOf(await t.outerJoin(regions, "region").filter(_.id.isNull()).execute());
    expect(outer).toEqual([expect.objectContaining({ region: "atlantis", manager: "zed", amount_right: 3 })]);
    const byPredicate = t.join(regions, (l, r) => l.region!.eq(r.region!).and(l.amount!.gt(r.amount!)), { how: "inner" });
    expect(byPredicate.columns).toContain("region_right");
    expect(await countOf(byPredicate)).toBe(inRegions);
  });

  it("unions, distincts, sorts, limits and offsets", async () => {
    const a = t.filter(_.id.le(10)).select("id", "region");
    const b = t.filter(_.id.gt(395)).select("id", "region");
    expect(await a.union(b).count()).toBe(15);
    const dup = a.union(a);
    expect(rowsOf(await dup.agg({ n: _.count() }).execute())[0]!.n).toBe(20);
    expect(rowsOf(await a.union(a, { distinct: true }).agg({ n: _.count() }).execute())[0]!.n).toBe(10);
    const regions = rowsOf(await t.select("region").distinct().orderBy("region").execute()).map((r) => r.region);
    expect(regions).toEqual([...new Set(sales.map((s) => s.region))].sort());
    const page = rowsOf(await t.orderBy(_.amount.desc(), "id").limit(5, 10).select("id", "amount").execute());
    const want = [...sales].sort((x, y) => y.amount - x.amount || x.id - y.id).slice(10, 15).map((s) => ({ id: s.id, amount: s.amount }));
    expect(page).toEqual(want);
  });

  it("evaluates column functions: nulls, isin, between, cast, case, strings, temporal", async () => {
    const expr = t
      .mutate({
        status2: _.status.fillNull("none"),
        is_open: _.status.isin(["open", "shipped"]),
        mid: _.amount.between(100, 200),
        amount_int: _.amount.cast("int64"),
        size: xo.cases([[_.amount.lt(100), "small"], [_.amount.lt(300), "medium"]], "large"),
        upper: _.region.upper(),
        len: _.region.length(),
        has_o: _.region.contains("o"),
        like_s: _.region.like("s%"),
        sub: _.region.substr(1, 3),
        tag: _.region.concat("-", _.status.fillNull("?")),
        d: _.day.cast("date"),
      })
      .mutate({ y: _.d.year(), m: _.d.month(), dd: _.d.day(), month_start: _.d.truncate("month") })
      .orderBy("id");
    const got = rowsOf(await expr.execute());
    got.forEach((row, i) => {
      const s = sales[i]!;
      expect(row.status2).toBe(s.status ?? "none");
      expect(row.is_open).toBe(s.status === null ? null : s.status === "open" || s.status === "shipped");
      expect(row.mid).toBe(s.amount >= 100 && s.amount <= 200);
      expect(row.size).toBe(s.amount < 100 ? "small" : s.amount < 300 ? "medium" : "large");
      expect(row.upper).toBe(s.region.toUpperCase());
      expect(row.len).toBe(s.region.length);
      expect(row.has_o).toBe(s.region.includes("o"));
      expect(row.like_s).toBe(s.region.startsWith("s"));
      expect(row.sub).toBe(s.region.substring(1, 4));
      expect(row.tag).toBe(`${s.region}-${s.status ?? "?"}`);
      expect([row.y, row.m, row.dd]).toEqual(s.day.split("-").map(Number));
      expect(new Date(row.month_start as number).toISOString().slice(0, 10)).toBe(`${s.day.slice(0, 7)}-01`);
    });
    expect(expr.schema().find((f) => f.name === "d")!.type).toBe("date");
  });

  it("computes window functions over partitions", async () => {
    const expr = t
      .mutate({
        rn: xo.rowNumber().over({ partitionBy: "region", orderBy: ["-amount", "id"] }),
        rk: xo.rank().over({ partitionBy: "region", orderBy: _.qty.desc() }),
        prev: _.amount.lag().over({ partitionBy: "region", orderBy: "id" }),
        next: _.amount.lead(2).over({ partitionBy: "region", orderBy: "id" }),
        region_total: _.amount.sum().over({ partitionBy: "region" }),
      })
      .orderBy("id");
    const got = rowsOf(await expr.execute());
    for (const [, rows] of groupBy(sales, (s) => s.region)) {
      const byAmount = [...rows].sort((a, b) => b.amount - a.amount || a.id - b.id);
      const byId = [...rows].sort((a, b) => a.id - b.id);
      const total = sum(rows.map((r) => r.amount));
      for (const s of rows) {
        const row = got[s.id - 1]!;
        expect(row.rn).toBe(byAmount.indexOf(s) + 1);
        expect(row.rk).toBe(rows.filter((o) => o.qty > s.qty).length + 1);
        const k = byId.indexOf(s);
        expect(row.prev).toBe(k > 0 ? byId[k - 1]!.amount : null);
        expect(row.next).toBe(k + 2 < byId.length ? byId[k + 2]!.amount : null);
        expect(row.region_total).toBeCloseTo(total, 6);
      }
    }
  });

  it("runs SQL over named inputs, with the schema known before running", async () => {
    const q = await xo.sql(con, "select region, count(*) as n from s where qty > 5 group by region order by region", { s: t });
    expect(q.schema()).toEqual([{ name: "region", type: "string" }, { name: "n", type: "int64" }]);
    const got = rowsOf(await q.execute());
    const want = [...groupBy(sales.filter((s) => s.qty > 5), (s) => s.region)].map(([region, rows]) => ({ region, n: rows.length }));
    expect(got).toEqual(want.sort((a, b) => (a.region < b.region ? -1 : 1)));
  });

  it("quotes identifiers and escapes literals: names and values cannot inject SQL", async () => {
    const nasty = xo.memtable([{ select: 1, 'a"b': "x'); DROP TABLE sales; --", "from where": 2 }]);
    const expr = nasty
      .filter(_.col('a"b').eq("x'); DROP TABLE sales; --"))
      .mutate({ 'new"col': _.select.add(_.col("from where")) });
    const got = rowsOf(await expr.execute());
    expect(got).toEqual([{ select: 1, 'a"b': "x'); DROP TABLE sales; --", "from where": 2, 'new"col': 3 }]);
    expect(await con.listTables()).toContain("sales");
  });

  it("streams a large result in record batches", async () => {
    const big = await xo.sql(con, "select range as i, range % 7 as k from range(3000000)");
    let rows = 0;
    let batches = 0;
    let checksum = 0n;
    for await (const batch of big.toBatches()) {
      rows += batch.numRows;
      batches++;
      const col = batch.getChild("i")!;
      checksum += col.get(batch.numRows - 1) as bigint;
    }
    expect(rows).toBe(3_000_000);
    expect(batches).toBeGreaterThan(100);
    expect(checksum).toBeGreaterThan(0n);
  });

  it("registers Arrow tables with every supported type and reads them back unchanged", async () => {
    const data = xo.memtable(
      {
        i8: [1, null, -3], i64: [10n, 2n ** 60n, null], f: [1.5, null, -0.25], b: [true, false, null],
        s: ["a", null, "ü€"], d: ["2024-01-02", null, "1969-12-31"], ts: ["2024-01-02 03:04:05.123456", null, "1960-06-01 00:00:00"],
        dec: ["12.345", "-0.001", null],
      },
      { schema: { i8: "int8", i64: "int64", f: "float64", b: "boolean", s: "string", d: "date", ts: "timestamp", dec: "decimal(10,3)" } },
    );
    const back = await data.execute();
    expect(back.schema.fields.map((f) => String(f.type))).toEqual(["Int8", "Int64", "Float64", "Bool", "Utf8", "Date32<DAY>", "Timestamp<MICROSECOND>", "Decimal[10e+3]"]);
    const roundTrip = await (await con.sql("select * from d", { d: data })).execute();
    const a = rowsOf(back);
    const b = rowsOf(roundTrip);
    expect(b.map((r) => ({ ...r, dec: String(r.dec) }))).toEqual(a.map((r) => ({ ...r, dec: String(r.dec) })));
    expect(a[1]).toEqual({ i8: null, i64: 2 ** 60, f: null, b: false, s: null, d: null, ts: null, dec: expect.anything() });
  });
});
