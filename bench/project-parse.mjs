#!/usr/bin/env node
// Benchmark for what loading a project costs per YAML model (issue 4): parsing expression
// strings into Values, applying them to a table, and validating model files against the
// JSON Schema (YAML parse + ajv + position mapping on error).
// Usage: npm run build && node bench/project-parse.mjs
import { performance } from "node:perf_hooks";
import * as xo from "../dist/index.js";
import { parseSortKey, parseValueExpression } from "../dist/project/expression-language/expression-parser.js";
import { validateYaml } from "../dist/project/loading/validate.js";

const { _ } = xo;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(fn, runs = 7) {
  const out = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
  }
  return median(out);
}

const EXPRESSIONS = [
  "amount > var('min_amount') and status in ('open', 'shipped')",
  "round(amount * 0.92, 2)",
  "case when amount > 250 then 'big' when amount > 100 then 'mid' else 'small' end",
  "date_trunc('month', day)",
  "upper(substr(region, 2, 3)) || '-' || cast(qty as varchar)",
  "coalesce(status, 'none')",
  "qty between 3 and 5 or status is null",
  "row_number() over (partition by region order by amount desc, id)",
];
const vars = { min_amount: 100 };
const t = xo.memtable(
  { id: [1], region: ["north"], amount: [1.5], qty: [2], status: ["open"], day: ["2024-01-01"] },
  { schema: { id: "int64", region: "string", amount: "float64", qty: "int64", status: "string", day: "date" } },
);

const N = 10_000;
const parseMs = time(() => {
  for (let i = 0; i < N; i++) parseValueExpression(EXPRESSIONS[i % EXPRESSIONS.length], { vars });
});
const applyMs = time(() => {
  for (let i = 0; i < N; i++) t.mutate({ x: parseValueExpression(EXPRESSIONS[1 + (i % (EXPRESSIONS.length - 1))], { vars }) });
});
const apiMs = time(() => {
  for (let i = 0; i < N; i++) t.mutate({ x: _.amount.mul(0.92).round(2) });
});
const sortMs = time(() => {
  for (let i = 0; i < N; i++) parseSortKey("-amount", { vars });
});

const MODEL = `name: clean_orders
description: Orders that count toward revenue.
from: source('orders')
tags: [staging, daily]
steps:
  - filter: "status in ('shipped', 'delivered') and amount >= var('min_amount')"
  - mutate:
      order_month: "date_trunc('month', order_date)"
      amount_eur: "round(amount * 0.92, 2)"
  - join: { with: source('customers'), on: [customer_id], how: left }
  - group_by: [order_month, region]
  - agg: { orders: "count(*)", revenue: "sum(amount)" }
  - order_by: ["-revenue", region]
  - limit: 100
cache: true
`;
const BROKEN = MODEL.replace("filter:", "filtr:").replace("how: left", "how: lef");
const t0 = performance.now();
validateYaml("model", MODEL, "m.yaml");
const firstValidateMs = performance.now() - t0;
const M = 1_000;
const validateMs = time(() => {
  for (let i = 0; i < M; i++) validateYaml("model", MODEL, "m.yaml");
});
const brokenMs = time(() => {
  for (let i = 0; i < M; i++) validateYaml("model", BROKEN, "m.yaml");
});

const us = (ms, n) => `${((ms * 1000) / n).toFixed(1)} µs`;
console.log(`parse an expression string into a Value        ${us(parseMs, N)}  (${Math.round(N / (parseMs / 1000)).toLocaleString("en")}/s)`);
console.log(`parse + apply it (mutate on a table)           ${us(applyMs, N)}`);
console.log(`  same mutate written with the TS API          ${us(apiMs, N)}`);
console.log(`parse a sort key                               ${us(sortMs, N)}`);
console.log(`validateYaml, first call (compiles the schema) ${firstValidateMs.toFixed(1)} ms`);
console.log(`validateYaml, a valid 20-line model            ${us(validateMs, M)}`);
console.log(`validateYaml, the same model with 2 errors     ${us(brokenMs, M)}`);
