#!/usr/bin/env node
// Writes the synthetic N-model project of ../shared/bench/peers/SHAPE.md in our format:
// the same DAG and SQL bodies as the Dataform peer benchmark (imported from its generator),
// one SQL model per file, 100 per folder, sources as small parquet files read by DuckDB.
//
//   node bench/gen-project.mjs <N> <outDir> [--seed 42]
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";

const here = path.dirname(fileURLToPath(import.meta.url));
const peers = process.env.XORQ_PEERS_DIR ?? path.resolve(here, "../../shared/bench/peers");
const { buildDag, renderSql, SOURCES, describe } = await import(path.join(peers, "gen-dataform.mjs"));

const args = process.argv.slice(2);
const n = Number(args[0]);
const outDir = args[1];
const seed = args.includes("--seed") ? Number(args[args.indexOf("--seed") + 1]) : 42;
if (!Number.isInteger(n) || n < 1 || !outDir) {
  console.error("usage: node bench/gen-project.mjs <N> <outDir> [--seed 42]");
  process.exit(2);
}

const { dag, stats } = buildDag(n, seed);
const proj = path.join(outDir, "xorq_project");
fs.rmSync(path.join(proj, "models"), { recursive: true, force: true });
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
  // SHAPE.md's dialect note: DuckDB spells the timestamp literal `timestamp '...'`.
  const body = renderSql(m, ref).replace(/timestamp\('(\d{4}-\d\d-\d\d)'\)/g, "timestamp '$1'");
  const header = `---\ntags: [${m.tags.join(", ")}]\ndescription: "${describe(m)}"\n---\n`;
  fs.writeFileSync(path.join(dir, `${m.name}.sql`), header + body);
}
console.log(JSON.stringify({ n, seed, models: dag.models.length, sha256: stats.sha256.slice(0, 16), outDir }));
