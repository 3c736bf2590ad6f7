import { describe, expect, it } from "vitest";
import * as xo from "../src/index.js";
import { call } from "../src/expr/value.js";
import {
  ExpressionSourceError,
  ExpressionSyntaxError,
  type ExpressionParseOptions,
  parseSortKey,
  parseValueExpression,
} from "../src/project/expression-language/expression-parser.js";
import { groupBy, makeSales, rowsOf, sum } from "./helpers/data.js";

const { _ } = xo;

const VARS = { min_amount: 100, regions: ["north", "east"], label: "big", flag_on: true };
const parse = (text: string, options: Partial<ExpressionParseOptions> = {}) => parseValueExpression(text, { vars: VARS, ...options });

/** A table with one column of each kind the grammar touches. */
function wide(): xo.Table {
  return xo.memtable(
    {
      id: [1, 2, 3],
      region: ["north", "south", "o'hare"],
      amount: [10.5, 200, 30],
      qty: [1, 2, 3],
      status: ["open", null, "shipped"],
      day: ["2024-01-31", "2024-02-15", "2024-03-01"],
      ts: ["2024-01-31 10:00:00", "2024-02-15 11:30:00", "2024-03-01 00:00:01"],
      price: ["1.25", "2.50", "3.75"],
      flag: [true, false, true],
      "unit price": [1.5, 2.5, 3.5],
    },
    {
      schema: {
        id: "int64", region: "string", amount: "float64", qty: "int32", status: "string", day: "date",
        ts: "timestamp", price: "decimal(12,2)", flag: "boolean", "unit price": "float64",
      },
    },
  );
}

type Case = readonly [text: string, ts: xo.Value];

const FILTERS: ReadonlyArray<Case> = [
  ["amount > var('min_amount') and status in ('open', 'shipped')", _.amount.gt(100).and(_.status.isin(["open", "shipped"]))],
  ["amount >= 10 or qty < 3", _.amount.ge(10).or(_.qty.lt(3))],
  ["amount > 1 AND status IS NOT NULL", _.amount.gt(1).and(_.status.notNull())],
  ["flag or qty = 1 and amount > 2", _.flag.or(_.qty.eq(1).and(_.amount.gt(2)))],
  ["(flag or qty = 1) and amount > 2", _.flag.or(_.qty.eq(1)).and(_.amount.gt(2))],
  ["not status = 'open'", _.status.eq("open").not()],
  ["not flag and qty > 1", _.flag.not().and(_.qty.gt(1))],
  ["status is null", _.status.isNull()],
  ["status is not null", _.status.notNull()],
  ["region not in ('north', 'south')", _.region.notin(["north", "south"])],
  ["region in var('regions')", _.region.isin(["north", "east"])],
  ["qty in (1, 2 + 1)", _.qty.isin([1, xo.lit(2).add(1)])],
  ["amount between 10 and 20", _.amount.between(10, 20)],
  ["amount not between 10 and 20 and flag", _.amount.between(10, 20).not().and(_.flag)],
  ["region like 'n%'", _.region.like("n%")],
  ["region not ilike 'N%'", _.region.ilike("N%").not()],
  ["day >= date '2024-02-01'", _.day.ge(xo.date("2024-02-01"))],
  ["day >= '2024-02-01'", _.day.ge("2024-02-01")],
  ["ts < timestamp '2024-02-15 12:00:00'", _.ts.lt(xo.timestamp("2024-02-15 12:00:00"))],
  ["amount <> 5", _.amount.ne(5)],
  ["amount != 5", _.amount.ne(5)],
  ["amount == -5", _.amount.eq(-5)],
  ["amount = 5 - -2", _.amount.eq(xo.lit(5).sub(-2))],
  ["flag", _.flag],
  ["flag = true", _.flag.eq(true)],
  ["flag = var('flag_on')", _.flag.eq(true)],
  ['"unit price" > 2', _.col("unit price").gt(2)],
  ["`unit price` > 2", _.col("unit price").gt(2)],
  ["contains(region, 'or') and starts_with(region, 'n') or ends_with(region, 'h')", _.region.contains("or").and(_.region.startsWith("n")).or(_.region.endsWith("h"))],
  ["amount > var('missing', 7)", _.amount.gt(7)],
  ["length(trim(region)) > 3", _.region.strip().length().gt(3)],
  ["region = 'o''hare' -- a comment\n", _.region.eq("o'hare")],
  ["/* lead */ qty <= 2", _.qty.le(2)],
];

const VALUES: ReadonlyArray<Case> = [
  ["amount * 0.92", _.amount.mul(0.92)],
  ["amount + qty * 2 - 1", _.amount.add(_.qty.mul(2)).sub(1)],
  ["(amount + qty) * 2", _.amount.add(_.qty).mul(2)],
  ["amount / qty % 3", _.amount.div(_.qty).mod(3)],
  ["-amount", _.amount.neg()],
  ["+qty", _.qty],
  ["1.0 * qty", xo.lit(1, "float64").mul(_.qty)],
  ["qty + 1e3", _.qty.add(xo.lit(1000, "float64"))],
  ["qty + .5", _.qty.add(0.5)],
  ["qty + 9007199254740993", _.qty.add(xo.lit(9007199254740993n))],
  ["price * 2", _.price.mul(2)],
  ["lower(region) || '-' || upper(status)", _.region.lower().concat("-").concat(_.status.upper())],
  ["concat(region, '/', status)", _.region.concat("/", _.status)],
  ["substr(region, 1, 3)", _.region.substr(0, 3)],
  ["substring(region, 2)", _.region.substr(1)],
  ["substr(region, qty)", _.region.substr(_.qty.sub(1))],
  ["replace(region, 'o', '0')", _.region.replace("o", "0")],
  ["abs(amount)", _.amount.abs()],
  ["round(amount, 1)", _.amount.round(1)],
  ["round(amount)", _.amount.round()],
  ["floor(amount)", _.amount.floor()],
  ["ceil(amount)", _.amount.ceil()],
  ["ceiling(amount)", _.amount.ceil()],
  ["sqrt(amount)", _.amount.sqrt()],
  ["ln(amount + 1)", _.amount.add(1).ln()],
  ["exp(qty)", _.qty.exp()],
  ["power(qty, 2)", _.qty.pow(2)],
  ["mod(qty, 2)", _.qty.mod(2)],
  ["year(day)", _.day.year()],
  ["month(day)", _.day.month()],
  ["day(day)", _.day.day()],
  ["hour(ts)", _.ts.hour()],
  ["minute(ts)", _.ts.minute()],
  ["second(ts)", _.ts.second()],
  ["dayofweek(day)", _.day.dayOfWeek()],
  ["date(ts)", _.ts.date()],
  ["date_trunc('month', day)", _.day.truncate("month")],
  ["date_trunc('Year', ts)", _.ts.truncate("year")],
  ["coalesce(status, 'none')", _.status.coalesce("none")],
  ["greatest(amount, qty)", call("greatest", [_.amount, _.qty])],
  ["least(amount, 3)", call("least", [_.amount, 3])],
  ["cast(qty as double)", _.qty.cast("float64")],
  ["qty::varchar", _.qty.cast("string")],
  ["-qty::bigint", _.qty.cast("int64").neg()],
  ["cast(amount as decimal(12, 2))", _.amount.cast("decimal(12,2)")],
  ["case when amount > 100 then 'big' when amount > 10 then 'mid' else 'small' end", xo.cases([[_.amount.gt(100), "big"], [_.amount.gt(10), "mid"]], "small")],
  ["case region when 'north' then 1 else 0 end", xo.cases([[_.region.eq("north"), 1]], 0)],
  ["CASE WHEN flag THEN amount END", xo.cases([[_.flag, _.amount]])],
  ["case when amount > var('min_amount') then var('label') end", xo.cases([[_.amount.gt(100), "big"]])],
  ["row_number() over (partition by region order by amount desc)", xo.rowNumber().over({ partitionBy: "region", orderBy: "-amount" })],
  ["sum(amount) over (partition by region)", _.amount.sum().over({ partitionBy: ["region"] })],
  ["lag(amount) over (order by id)", _.amount.lag().over({ orderBy: "id" })],
  ["lead(amount, 2) over (partition by region, status order by day, id desc)", _.amount.lead(2).over({ partitionBy: ["region", "status"], orderBy: ["day", "-id"] })],
  ["rank() over (order by amount)", xo.rank().over({ orderBy: "amount" })],
  ["dense_rank() over ()", xo.denseRank().over()],
  ["count(*) over (partition by region)", _.count().over({ partitionBy: "region" })],
];

const AGGREGATES: ReadonlyArray<Case> = [
  ["count(id)", _.id.count()],
  ["count(*)", _.count()],
  ["COUNT(DISTINCT status)", _.status.countDistinct()],
  ["sum(amount)", _.amount.sum()],
  ["avg(amount)", _.amount.mean()],
  ["mean(qty)", _.qty.mean()],
  ["min(day)", _.day.min()],
  ["max(amount)", _.amount.max()],
  ["any_value(status)", _.status.anyValue()],
  ["sum(amount * qty) / count(*)", _.amount.mul(_.qty).sum().div(_.count())],
  ["coalesce(sum(price), 0)", _.price.sum().coalesce(0)],
];

describe("expression strings build the same nodes as the TypeScript API", () => {
  const t = wide();

  it.each(FILTERS)("filter %s", (text, ts) => {
    expect(xo.nodeHash(t.filter(parse(text)).node)).toBe(t.filter(ts).hash());
  });

  it.each(VALUES)("mutate %s", (text, ts) => {
    expect(t.mutate({ x: parse(text) }).hash()).toBe(t.mutate({ x: ts }).hash());
  });

  it.each(AGGREGATES)("agg %s", (text, ts) => {
    expect(t.groupBy("region").agg({ m: parse(text) }).hash()).toBe(t.groupBy("region").agg({ m: ts }).hash());
  });

  it.each([
    ["-amount", "-amount"],
    ["amount desc", xo.desc("amount")],
    ["amount DESC", xo.desc("amount")],
    ["amount asc", "amount"],
    ["amount", "amount"],
    ['"unit price" desc', xo.desc(_.col("unit price"))],
    ["lower(region) desc", _.region.lower().desc()],
  ] as const)("sort key %s", (text, ts) => {
    expect(t.orderBy(parseSortKey(text, { vars: {} })).hash()).toBe(t.orderBy(ts).hash());
  });

  it("gives different hashes to different expressions", () => {
    const hashes = new Set(VALUES.map(([text]) => t.mutate({ x: parse(text) }).hash()));
    // Pairs written differently on purpose (substr/substring, ceil/ceiling) are the same expression.
    const distinct = new Set(VALUES.map(([, ts]) => t.mutate({ x: ts }).hash()));
    expect(hashes.size).toBe(distinct.size);
    expect(distinct.size).toBeGreaterThan(VALUES.length - 5);
  });

  it("keeps the column's name as the value's alias, like _.name", () => {
    expect(parse("amount").alias).toBe("amount");
    expect(t.select(parse("amount"), parse("region")).columns).toEqual(["amount", "region"]);
  });
});

describe("expression strings run on DuckDB", () => {
  const sales = makeSales(400);
  const t = xo.memtable(sales.map((s) => ({ ...s })), { schema: { id: "int64", region: "string", amount: "float64", qty: "int64", status: "string", day: "date" } });
  const run = async (e: xo.Table) => rowsOf(await e.execute());
  const count = async (predicate: string, vars: Record<string, unknown> = VARS) =>
    (await run(t.filter(parseValueExpression(predicate, { vars })).agg({ n: _.count() })))[0]!.n;

  it("filters rows as the same predicate computed in JS", async () => {
    const cases: Array<[string, (s: (typeof sales)[number]) => boolean]> = [
      ["amount > var('min_amount') and status in ('open', 'shipped')", (s) => s.amount > 100 && (s.status === "open" || s.status === "shipped")],
      ["status is null or qty between 3 and 5", (s) => s.status === null || (s.qty >= 3 && s.qty <= 5)],
      ["region not in ('north', 'south') and not amount < 250", (s) => !["north", "south"].includes(s.region) && !(s.amount < 250)],
      ["region = 'o''hare'", (s) => s.region === "o'hare"],
      ["region like '%th'", (s) => s.region.endsWith("th")],
      ["region ilike 'N%'", (s) => s.region.toLowerCase().startsWith("n")],
      ["day >= date '2024-07-01' and month(day) <= 9", (s) => s.day >= "2024-07-01" && Number(s.day.slice(5, 7)) <= 9],
      ["qty % 2 = 0 and amount / qty > 20", (s) => s.qty % 2 === 0 && s.amount / s.qty > 20],
      ["region in var('regions')", (s) => s.region === "north" || s.region === "east"],
    ];
    for (const [text, predicate] of cases) {
      expect(await count(text), text).toBe(sales.filter(predicate).length);
    }
  });

  it("computes columns as JS does", async () => {
    const e = t
      .mutate({
        size: parse("case when amount > 250 then 'big' when amount > 100 then 'mid' else 'small' end"),
        code: parse("upper(substr(region, 2, 3)) || '-' || cast(qty as varchar)"),
        month_start: parse("cast(date_trunc('month', day) as varchar)"),
        net: parse("round(amount * 0.92, 2)"),
        label: parse("coalesce(status, 'none')"),
      })
      .orderBy("id");
    const rows = await run(e);
    expect(rows).toHaveLength(sales.length);
    rows.forEach((row, i) => {
      const s = sales[i]!;
      expect(row.size).toBe(s.amount > 250 ? "big" : s.amount > 100 ? "mid" : "small");
      expect(row.code).toBe(`${s.region.slice(1, 4).toUpperCase()}-${s.qty}`);
      expect(row.month_start).toBe(`${s.day.slice(0, 7)}-01`);
      expect(row.net).toBeCloseTo(s.amount * 0.92, 2);
      expect(row.label).toBe(s.status ?? "none");
    });
  });

  it("aggregates per group as JS does", async () => {
    const e = t
      .groupBy("region")
      .agg({
        n: parse("count(*)"),
        statuses: parse("count(distinct status)"),
        revenue: parse("sum(amount * qty)"),
        avg_qty: parse("avg(qty)"),
      })
      .orderBy(parseSortKey("region", { vars: {} }));
    const rows = await run(e);
    const groups = groupBy(sales, (s) => s.region);
    expect(rows.map((r) => r.region)).toEqual([...groups.keys()].sort());
    for (const row of rows) {
      const g = groups.get(row.region as string)!;
      expect(row.n).toBe(g.length);
      expect(row.statuses).toBe(new Set(g.map((s) => s.status).filter((x) => x !== null)).size);
      expect(row.revenue).toBeCloseTo(sum(g.map((s) => s.amount * s.qty)), 6);
      expect(row.avg_qty).toBeCloseTo(sum(g.map((s) => s.qty)) / g.length, 9);
    }
  });

  it("computes window functions as JS does", async () => {
    const e = t
      .mutate({
        pos: parse("row_number() over (partition by region order by amount desc, id)"),
        prev: parse("lag(id) over (partition by region order by id)"),
        share: parse("amount / sum(amount) over (partition by region)"),
      })
      .orderBy(parseSortKey("id", { vars: {} }));
    const rows = await run(e);
    const groups = groupBy(sales, (s) => s.region);
    for (const row of rows) {
      const g = groups.get(row.region as string)!;
      const ranked = [...g].sort((a, b) => b.amount - a.amount || a.id - b.id);
      expect(row.pos).toBe(ranked.findIndex((s) => s.id === row.id) + 1);
      const byId = [...g].sort((a, b) => a.id - b.id);
      const at = byId.findIndex((s) => s.id === row.id);
      expect(row.prev).toBe(at === 0 ? null : byId[at - 1]!.id);
      expect(row.share).toBeCloseTo((row.amount as number) / sum(g.map((s) => s.amount)), 9);
    }
  });

  it("sorts by parsed keys", async () => {
    const rows = await run(t.orderBy(parseSortKey("-amount", { vars: {} }), parseSortKey("id asc", { vars: {} })).limit(5));
    const expected = [...sales].sort((a, b) => b.amount - a.amount || a.id - b.id).slice(0, 5);
    expect(rows.map((r) => r.id)).toEqual(expected.map((s) => s.id));
  });

  it("treats SQL inside a string as a string, never as SQL", async () => {
    const hostile = "region = 'x''; drop table t; --' or qty < 0";
    const e = t.filter(parse(hostile));
    expect(e.toSql()).toContain(`'x''; drop table t; --'`);
    expect((await run(e.agg({ n: _.count() })))[0]!.n).toBe(0);
  });
});

/** The error thrown by `fn`, which must throw. */
function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error");
}

describe("errors point at the character", () => {
  const t = wide();
  const at = { file: "models/orders.yaml", line: 7, col: 15 } as const;
  const syntax = (text: string) => errorOf(() => parse(text, at));

  it.each([
    ["amount >", 23, "expected an expression, found the end of the expression"],
    ["amount > > 1", 24, "expected an expression, found '>'"],
    ["status = 'open", 24, "unterminated string: missing the closing '"],
    ['"unit price > 1', 15, "unterminated quoted name"],
    ["(amount > 1", 26, "expected ')' to close the '(' at 7:15, found the end of the expression"],
    ["sume(amount)", 15, "unknown function 'sume' (did you mean 'sum'?)"],
    ["amount > var('min_amout')", 28, "unknown var 'min_amout' (did you mean 'min_amount'?); defined vars: min_amount, regions, label, flag_on"],
    ["amount > var('regions')", 24, "var 'regions' is a list; a list can only follow 'in'"],
    ["substr(region)", 15, "substr() takes 2 to 3 arguments, got 1: substr(text, start[, length]) with start counted from 1"],
    ["substr(region, 0, 2)", 30, "substr() counts positions from 1 as in SQL; 0 is not a position"],
    ["max(amount, qty)", 15, "max() takes 1 argument, got 2: max(x) (for the larger of two values: greatest(a, b))"],
    ["sum(max(amount))", 19, "aggregate functions cannot be nested: max() inside sum()"],
    ["sum(distinct amount)", 15, "'distinct' is only supported as count(distinct x)"],
    ["row_number()", 15, "row_number() is a window function: add over (partition by ... order by ...)"],
    ["lower(region) over ()", 15, "lower() is not an aggregate or window function, so 'over' does not apply"],
    ["lag(amount, qty) over ()", 27, "lag() offset must be a whole number written as a literal"],
    ["date_trunc('fortnight', day)", 26, "date_trunc() unit must be one of 'year', 'quarter'"],
    ["cast(qty as nosuchtype)", 27, "unknown data type 'nosuchtype'"],
    ["day > date '2024-02-30'", 21, "'2024-02-30' is not a date (write YYYY-MM-DD)"],
    ["t.amount > 1", 16, "unexpected '.' after the end of the expression (qualified names like t.col are not supported"],
    ["and > 1", 15, `expected an expression, found the keyword 'and' (write "and" for a column of that name)`],
    ["amount > 1abc", 25, "unexpected 'a' after the number 1"],
    ["amount ? 1", 22, "unexpected character '?'"],
    ["status is 'open'", 25, "expected 'null' after 'is', found the string 'open'"],
    ["case when flag then 1", 36, "expected 'end' to close 'case', found the end of the expression"],
    ["amount in ()", 26, "'in' needs at least one value"],
    ["  ", 15, "empty expression"],
    ["qty + 99999999999999999999", 21, "the integer 99999999999999999999 does not fit in 64 bits"],
  ] as const)("%s", (text, col, message) => {
    const e = syntax(text);
    expect(e).toBeInstanceOf(ExpressionSyntaxError);
    expect(e).toBeInstanceOf(xo.ExpressionError);
    const err = e as ExpressionSyntaxError;
    expect(err.message.split("\n")[0]).toContain(`models/orders.yaml:7:${col}: ${message}`);
    expect([err.file, err.line, err.col, err.exitCode]).toEqual(["models/orders.yaml", 7, col, 2]);
  });

  it("draws a caret under the characters at fault", () => {
    expect(syntax("amount > var('min_amout')").message).toBe(
      "models/orders.yaml:7:28: unknown var 'min_amout' (did you mean 'min_amount'?); defined vars: min_amount, regions, label, flag_on\n" +
        "  amount > var('min_amout')\n" +
        "               ^~~~~~~~~~~",
    );
  });

  it("reports an unknown column where it is written, with a suggestion, when the value meets the table", () => {
    const v = parse("amount > 1 and staus = 'open'", at);
    const e = errorOf(() => t.filter(v)) as ExpressionSourceError;
    expect(e).toBeInstanceOf(ExpressionSourceError);
    expect(e.message).toBe(
      "models/orders.yaml:7:30: column 'staus' not found in filter (did you mean 'status'?); " +
        "available columns: id, region, amount, qty, status, day, ts, price, flag, unit price\n" +
        "  amount > 1 and staus = 'open'\n" +
        "                 ^~~~~",
    );
    expect([e.line, e.col, e.exitCode]).toEqual([7, 30, 2]);
  });

  it("reports a type mismatch at its operator", () => {
    const e = errorOf(() => t.mutate({ x: parse("qty * 2 + region", at) })) as ExpressionSourceError;
    expect(e.message.split("\n")[0]).toBe(
      "models/orders.yaml:7:23: cannot apply add to binary expression (int32) and column 'region' (string) in mutate",
    );
    const f = errorOf(() => t.mutate({ x: parse("upper(qty)", at) })) as ExpressionSourceError;
    expect(f.message.split("\n")[0]).toBe(
      "models/orders.yaml:7:15: upper() expects string for argument 1, got column 'qty' of type int32 (in mutate)",
    );
  });

  it("explains that double quotes name a column", () => {
    const e = errorOf(() => t.filter(parse(`status = "open"`, at)));
    expect(e.message.split("\n")[0]).toBe(
      `models/orders.yaml:7:24: column 'open' not found in filter; available columns: id, region, amount, qty, status, day, ts, price, flag, unit price; ` +
        `"open" is a column name, a string takes single quotes: 'open'`,
    );
  });

  it("maps later lines of a multi-line string through the block indent", () => {
    const text = "amount > 1\n  and staus = 'open'";
    const e = errorOf(() => t.filter(parseValueExpression(text, { vars: {}, file: "m.yaml", line: 4, col: 7, indent: 6 }))) as ExpressionSourceError;
    expect([e.line, e.col]).toEqual([5, 13]);
    expect(e.message).toContain("\n    and staus = 'open'\n        ^~~~~");
  });

  it("names <expression> when no file is given, and counts from 1:1", () => {
    const e = errorOf(() => parseValueExpression("1 +", { vars: {} }));
    expect(e.message.split("\n")[0]).toBe("<expression>:1:4: expected an expression, found the end of the expression");
  });

  it("rejects a sort key with both '-' and a direction", () => {
    const e = errorOf(() => parseSortKey("-total desc", { vars: {}, ...at }));
    expect(e.message.split("\n")[0]).toBe("models/orders.yaml:7:22: a sort key takes either a leading '-' or 'desc', not both");
  });
});

