#!/usr/bin/env node
// Writes the synthetic N-model project of ../shared/bench/peers/SHAPE.md in our format:
// the same DAG and SQL bodies as the Dataform peer benchmark (imported from its generator),
// one model per file, 100 per folder, sources as small parquet files read by DuckDB.
// With --ts every model is a TypeScript model written with the Table builder instead of
// SQL: the same logic (inputs, predicates, aggregates, join keys) and the same columns.
// With --jinja every SQL model also uses what dbt projects use (issue 15): one macro of
// macros/bench.sql and a `{% for %}` loop over a `{% set %}` list, around the same body.
//
//   node bench/gen-project.mjs <N> <outDir> [--seed 42] [--ts | --jinja]
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";

const here = path.dirname(fileURLToPath(import.meta.url));
const peers = process.env.XORQ_PEERS_DIR ?? path.resolve(here, "../../shared/bench/peers");
const { buildDag, renderSql, SOURCES, COLUMNS, describe } = await import(path.join(peers, "gen-dataform.mjs"));

const args = process.argv.slice(2);
const n = Number(args[0]);
const outDir = args[1];
const seed = args.includes("--seed") ? Number(args[args.indexOf("--seed") + 1]) : 42;
const ts = args.includes("--ts");
const jinja = args.includes("--jinja");
if (!Number.isInteger(n) || n < 1 || !outDir || (ts && jinja)) {
  console.error("usage: node bench/gen-project.mjs <N> <outDir> [--seed 42] [--ts | --jinja]");
  process.exit(2);
}

const { dag, stats } = buildDag(n, seed);
const proj = path.join(outDir, "xorq_project");
fs.rmSync(path.join(proj, "models"), { recursive: true, force: true });
fs.rmSync(path.join(proj, "macros"), { recursive: true, force: true });
if (jinja) {
  fs.mkdirSync(path.join(proj, "macros"), { recursive: true });
  fs.writeFileSync(path.join(proj, "macros", "bench.sql"), "{% macro non_negative(column) -%}\n  ({{ column }} >= 0)\n{%- endmacro %}\n");
}
fs.mkdirSync(path.join(proj, "sources"), { recursive: true });
fs.mkdirSync(path.join(proj, "data"), { recursive: true });

fs.writeFileSync(path.join(proj, "project.yaml"), `name: bench_${n}\ndefault_profile: local\n`);
fs.writeFileSync(path.join(proj, "profiles.yaml"), `profiles:\n  local: { kind: duckdb, path: ":memory:" }\n`);
fs.writeFileSync(
  path.join(proj, "sources", "raw.yaml"),
  "sources:\n" + SOURCES.map((s) => `  - name: ${s}\n    read_parquet: data/${s}.parquet\n`).join(""),
);

// Source data: a few hundred deterministic rows per source, with the uniform schema.
const dataMarker = path.join(proj, "data", ".generated");
if (!fs.existsSync(dataMarker)) {
  const db = await (await DuckDBInstance.create(":memory:")).connect();
  for (const [i, s] of SOURCES.entries()) {
    await db.run(`COPY (SELECT range::BIGINT AS id, (range % 50)::BIGINT AS customer_id,
      ['north','south','east','west'][1 + (range + ${i}) % 4] AS region,
      ['toys','books','food'][1 + range % 3] AS category,
      ['open','shipped','delivered','pending','cancelled'][1 + (range * 7 + ${i}) % 5] AS status,
      ((range * 37 + ${i}) % 1000)::DECIMAL(18,2) AS amount, (range % 9)::BIGINT AS quantity,
      TIMESTAMP '2018-01-01' + INTERVAL (range * 5) DAY AS event_ts
      FROM range(400)) TO '${path.join(proj, "data", `${s}.parquet`)}' (FORMAT parquet)`);
  }
  fs.writeFileSync(dataMarker, "");
}

const ref = (x) => (x.startsWith("src_") ? `{{ source('${x}') }}` : `{{ ref('${x}') }}`);
for (const [i, m] of dag.models.entries()) {
  const dir = path.join(proj, "models", `part_${String(Math.floor(i / 100)).padStart(3, "0")}`);
  if (i % 100 === 0) fs.mkdirSync(dir, { recursive: true });
  if (ts) {
    fs.writeFileSync(path.join(dir, `${m.name}.ts`), renderTs(m));
    continue;
  }
  // SHAPE.md's dialect note: DuckDB spells the timestamp literal `timestamp '...'`.
  const body = renderSql(m, ref).replace(/timestamp\('(\d{4}-\d\d-\d\d)'\)/g, "timestamp '$1'");
  const header = `---\ntags: [${m.tags.join(", ")}]\ndescription: "${describe(m)}"\n---\n`;
  fs.writeFileSync(path.join(dir, `${m.name}.sql`), header + (jinja ? jinjaBody(body) : body));
}
console.log(JSON.stringify({ n, seed, variant: ts ? "ts" : jinja ? "jinja" : "sql", models: dag.models.length, sha256: stats.sha256.slice(0, 16), outDir }));

/**
 * A SHAPE.md model body as a Jinja model: the same rows, plus one flag per checked
 * column from the macro, written in a loop (every model has SHAPE.md's uniform columns).
 */
function jinjaBody(body) {
  return [
    "{% set checked = ['amount', 'quantity'] %}",
    "select q.*{% for c in checked %}, {{ non_negative('q.' ~ c) }} as {{ c }}_ok{% endfor %}",
    "from (",
    body.trimEnd(),
    ") as q",
    "",
  ].join("\n");
}

/**
 * A model of SHAPE.md as a TypeScript model file, written the way a user would with the
 * Table builder. A join keeps the left side's columns and suffixes the right side's
 * (`_right`, then `_c` for join3's third input), so `b.status` is `_.status_right`.
 * The TS API has no `greatest` (SQL's skips NULLs); `ifElse(x.ge(y), x, y)` gives the
 * same result here because `a.event_ts` is never NULL, hence neither are the coalesces.
 */
function renderTs(m) {
  const inRef = (x) => (x.startsWith("src_") ? `source("${x}")` : `ref("${x}")`);
  const uses = new Set(m.inputs.map((x) => (x.startsWith("src_") ? "source" : "ref")));
  const ctx = `{ ${[...uses].sort().join(", ")} }`;
  const [a, b, c] = m.inputs.map(inRef);
  const p = m.params;
  const list = (xs) => xs.map((x) => `"${x}"`).join(", ");
  let imports = ["model", "_"];
  let body;
  if (m.kind === "filter") {
    imports.push("timestamp");
    body = [
      `// ${m.name} (filter): recent ${p.statuses.join("/")} rows of ${m.inputs[0]}`,
      `  ${a}.filter(`,
      `    _.status.isin([${list(p.statuses)}]),`,
      `    _.amount.gt(${p.minAmount}),`,
      `    _.event_ts.ge(timestamp("${p.sinceYear}-01-01 00:00:00")),`,
      `  )`,
    ];
  } else if (m.kind === "aggregate") {
    const agg = { id: "min", customer_id: "min", region: "anyValue", category: "anyValue", status: "max", amount: "sum", quantity: "sum", event_ts: "max" };
    const metrics = COLUMNS.filter((col) => !p.groupBy.includes(col)).map((col) => `${col}: _.${col}.${agg[col]}()`);
    body = [
      `// ${m.name} (aggregate): rollup of ${m.inputs[0]} by ${p.groupBy.join(", ")}`,
      `  ${a}`,
      `    .filter(_.quantity.gt(0))`,
      `    .groupBy(${list(p.groupBy)})`,
      `    .agg({ ${metrics.join(", ")} })`,
      `    .filter(_.amount.gt(${p.minTotal}))`,
      `    .select(${list(COLUMNS)})`,
    ];
  } else if (m.kind === "join2") {
    imports.push("coalesce", "ifElse");
    body = [
      `// ${m.name} (join): ${m.inputs[0]} ${p.joinType} join ${m.inputs[1]} on ${p.joinKey.join(", ")}`,
      `  ${a}`,
      `    .join(${b}, [${list(p.joinKey)}], { how: "${p.joinType}" })`,
      `    .filter(_.amount.notNull())`,
      `    .select("id", "customer_id", "region", {`,
      `      category: coalesce(_.category, _.category_right),`,
      `      status: coalesce(_.status_right, _.status),`,
      `      amount: _.amount.add(coalesce(_.amount_right, 0)),`,
      `      quantity: _.quantity.add(coalesce(_.quantity_right, 0)),`,
      `      event_ts: later(_.event_ts, coalesce(_.event_ts_right, _.event_ts)),`,
      `    })`,
    ];
  } else {
    imports.push("coalesce", "ifElse");
    body = [
      `// ${m.name} (join3): ${m.inputs[0]} with ${m.inputs[1]} (on ${p.joinKey.join(", ")}) and ${m.inputs[2]} (on id)`,
      `  ${a}`,
      `    .join(${b}, [${list(p.joinKey)}], { how: "inner" })`,
      `    .join(${c}, ["id"], { how: "left", rsuffix: "_c" })`,
      `    .filter(_.status.ne("cancelled"))`,
      `    .select("id", "customer_id", "region", {`,
      `      category: coalesce(_.category_right, _.category),`,
      `      status: coalesce(_.status_c, _.status_right, _.status),`,
      `      amount: _.amount.add(coalesce(_.amount_right, 0)).sub(coalesce(_.amount_c, 0)),`,
      `      quantity: _.quantity.add(coalesce(_.quantity_right, 0)),`,
      `      event_ts: later(later(_.event_ts, coalesce(_.event_ts_right, _.event_ts)), coalesce(_.event_ts_c, _.event_ts)),`,
      `    })`,
    ];
  }
  const comment = body.shift();
  const helper = imports.includes("ifElse")
    ? ["", "/** The later of two timestamps (SQL's greatest for non-NULL values). */", "const later = (x: Value, y: Value): Value => ifElse(x.ge(y), x, y);"]
    : [];
  const typeImport = helper.length > 0 ? [`import type { Value } from "xorq";`] : [];
  return [
    comment,
    `import { ${imports.join(", ")} } from "xorq";`,
    ...typeImport,
    ...helper,
    "",
    "export default model(",
    `  { name: "${m.name}", description: "${describe(m)}", tags: [${list(m.tags)}] },`,
    `  (${ctx}) =>`,
    ...body.map((l, j) => `  ${l}${j === body.length - 1 ? "," : ""}`),
    ");",
    "",
  ].join("\n");
}
