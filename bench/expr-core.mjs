#!/usr/bin/env node
// Benchmark for the expression core (issue 3): build + compile a 1,000-operation
// expression, and execute() against the same SQL run directly through @duckdb/node-api.
// Usage: npm run build && node bench/expr-core.mjs
import { performance } from "node:perf_hooks";
import { DuckDBInstance } from "@duckdb/node-api";
import * as xo from "../dist/index.js";

const { _ } = xo;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function time(fn, runs) {
  const out = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return median(out);
}

const con = xo.connect({ name: "bench" });
await con.run("CREATE TABLE t AS SELECT range AS id, range % 97 AS g, (range * 7919) % 10007 / 10.0 AS amount FROM range(1000000)");
const base = await con.table("t");

// 1. A 1,000-operation expression: alternating mutate / filter steps.
function build1000() {
  let e = base;
  for (let i = 0; i < 500; i++) {
    e = e.mutate({ [`c${i % 5}`]: _.amount.add(i) });
    e = e.filter(_.amount.gt(-i));
  }
  return e;
}
const buildMs = await time(() => build1000(), 5);
const e1000 = build1000();
const compileMs = await time(() => e1000.toSql(), 5);
const hashMs = await time(() => build1000().hash(), 5);

// 2. Fixed overhead per query: a one-row result.
const tiny = base.filter(_.id.eq(42)).select("id", "g");
const tinySql = tiny.toSql();
const inst = await DuckDBInstance.create(":memory:");
const direct = await inst.connect();
await direct.run("CREATE TABLE t AS SELECT range AS id, range % 97 AS g, (range * 7919) % 10007 / 10.0 AS amount FROM range(1000000)");
await tiny.execute();
const tinyXorq = await time(() => tiny.execute(), 30);
const tinyDirect = await time(async () => (await direct.runAndReadAll(tinySql)).getColumns(), 30);

// 3. Data path: an aggregate and a 1M-row scan, result as Arrow vs direct column read.
const agg = base.groupBy("g").agg({ total: _.amount.sum(), n: _.count() });
const scan = base.select("id", "g", "amount");
const results = [];
for (const [name, expr] of [["97-group aggregate over 1M rows", agg], ["1M-row scan (3 columns) to the client", scan]]) {
  const sql = expr.toSql();
  await expr.execute();
  const ours = await time(() => expr.execute(), 7);
  const theirs = await time(async () => (await direct.runAndReadAll(sql)).getColumns(), 7);
  // The floor: DuckDB's own chunks fetched, no value converted at all.
  const floor = await time(async () => {
    const r = await direct.stream(sql);
    while ((await r.fetchChunk())?.rowCount) {}
  }, 7);
  results.push({ name, ours, theirs, floor });
}

const f = (x) => x.toFixed(2);
console.log(`schema of the scan: ${JSON.stringify(scan.schema())}`);
console.log(`build 1,000-operation expression: ${f(buildMs)} ms`);
console.log(`hash it (fresh nodes): ${f(hashMs)} ms`);
console.log(`compile it to DuckDB SQL: ${f(compileMs)} ms`);
console.log(`one-row query: execute() ${f(tinyXorq)} ms vs direct runAndReadAll ${f(tinyDirect)} ms (overhead ${f(tinyXorq - tinyDirect)} ms)`);
for (const r of results) {
  console.log(`${r.name}: execute() -> Arrow ${f(r.ours)} ms; direct runAndReadAll+getColumns ${f(r.theirs)} ms (${f(r.ours / r.theirs)}x); raw chunk fetch, no conversion ${f(r.floor)} ms (${f(r.ours / r.floor)}x)`);
}
await con.close();
