/**
 * The expressions whose SQL is kept per dialect in test/golden/<case>/<dialect>.sql
 * (test/sql-golden.test.ts), and executed for real in PostgreSQL by
 * test/postgres-golden.test.ts.
 */
import * as xo from "../../src/index.js";

const { _ } = xo;

export const ORDERS_SCHEMA = { id: "int64", select: "string", 'a"b': "string", amount: "float64", qty: "int32", ts: "timestamp", d: "date", price: "decimal(12,2)" } as const;

export const orders = xo.memtable(
  { id: [1], select: ["x"], 'a"b': ["y"], amount: [1.5], qty: [2], ts: ["2024-01-01 00:00:00"], d: ["2024-01-01"], price: ["1.25"] },
  { schema: ORDERS_SCHEMA },
);

export const CASES: Record<string, () => xo.Table> = {
  filter_agg_order_limit: () =>
    orders.filter(_.amount.gt(100), _.select.isin(["open", "it's"])).groupBy("select").agg({ total: _.qty.sum(), avg: _.amount.mean(), n: _.count() }).orderBy("-total").limit(10, 20),
  quoting_and_escapes: () =>
    orders.filter(_.col('a"b').eq("x'); drop table t; --\\")).select("select", { 'weird "name"': _.col('a"b').concat("\n") }),
  join_collisions: () => orders.join(orders.select("id", "amount", "select"), "id", { how: "left" }).mutate({ ratio: _.amount.div(_.qty) }),
  semi_anti_outer: () => orders.semiJoin(orders, "id").union(orders.antiJoin(orders, "id")).outerJoin(orders.select("id", "qty"), "id"),
  windows_case_cast: () =>
    orders.mutate({
      rn: xo.rowNumber().over({ partitionBy: "select", orderBy: "-amount" }),
      prev: _.amount.lag().over({ orderBy: "id" }),
      size: xo.cases([[_.amount.lt(10), "s"]], "l"),
      qty64: _.qty.cast("int64"),
      p: _.price.mul(2),
      m: _.qty.mod(3),
    }),
  temporal_strings: () =>
    orders.mutate({
      y: _.ts.year(), month_start: _.ts.truncate("month"), day_start: _.d.truncate("week"), dow: _.d.dayOfWeek(),
      low: _.select.lower(), has: _.select.contains("a"), sw: _.select.startsWith("a"), ew: _.select.endsWith("z"),
      sub: _.select.substr(2, 3), after: _.ts.gt("2024-01-01 12:00:00"), r: _.amount.round(1), il: _.select.ilike("A%"),
    }),
  // Every aggregate the dialects wrap in a cast, windowed: the cast goes around the whole
  // `f(x) OVER (...)` (issue 16). any_value is over one-row partitions so engines agree.
  window_aggregates: () =>
    orders.mutate({
      avg_qty: _.qty.mean().over({ partitionBy: "select" }),
      running: _.qty.sum().over({ orderBy: "id" }),
      n: _.count().over({ partitionBy: "select" }),
      n_qty: _.qty.count().over({ partitionBy: "select" }),
      lo: _.amount.min().over({ partitionBy: "select" }),
      same: _.qty.anyValue().over({ partitionBy: "id" }),
      share: _.qty.div(_.qty.sum()),
    }),
  offset_only_distinct_union: () => orders.select("id").union(orders.select("id"), { distinct: true }).distinct().limit(null, 5),
};
