// Moving rows PostgreSQL -> DuckDB through `intoBackend`, against the floor: PostgreSQL's
// own `COPY <table> TO STDOUT (FORMAT binary)`, drained by psql into /dev/null and by
// Node (pg + pg-copy-streams). Peak RSS of a process doing only the hop, per row count.
//
//   npx tsc -p tsconfig.json
//   XORQ_TEST_CMD="node bench/hop-postgres-duckdb.mjs" node scripts/test.mjs   # throwaway server
//   PGHOST=... PGPORT=... PGUSER=... PGDATABASE=... node bench/hop-postgres-duckdb.mjs [rows...] [--reps N]
//
// The table: id bigint, user_id int, region text (7-9 bytes), score float8, active bool,
// created_at timestamptz; ~64 bytes per row in binary COPY.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { to as copyTo } from "pg-copy-streams";

const self = fileURLToPath(import.meta.url);
const args = process.argv.slice(2);

if (args[0] === "--child") {
  // One measurement in a fresh process, so its peak RSS is its own.
  const [, what, table] = args;
  // Module loading is not part of the measurement (the floor's pg import is tiny, xorq's is not).
  const xo = what === "hop" || what === "arrow" ? await import("../dist/index.js") : null;
  // JS-side memory (heap + ArrayBuffers, i.e. Arrow buffers in flight), sampled: what the
  // transfer itself holds, apart from what the destination engine stores.
  let peakJs = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakJs = Math.max(peakJs, m.heapUsed + m.arrayBuffers);
  };
  const sampler = setInterval(sample, 10);
  const t0 = performance.now();
  let rows = 0;
  if (what === "hop") {
    const source = xo.postgres.connectEnv();
    const duck = xo.connect();
    const t = await source.table(table);
    const result = await t.intoBackend(duck).agg({ n: xo._.count() }).execute();
    rows = Number(result.getChild("n").get(0));
    await source.close();
    await duck.close();
  } else if (what === "arrow") {
    const source = xo.postgres.connectEnv();
    for await (const b of (await source.table(table)).toBatches()) rows += b.numRows;
    await source.close();
  } else {
    const client = new pg.Client();
    await client.connect();
    const sql = what === "drain" ? `COPY ${table} TO STDOUT (FORMAT binary)` : `COPY (SELECT * FROM ${table}) TO STDOUT (FORMAT binary)`;
    for await (const chunk of client.query(copyTo(sql))) rows += chunk.length;
    await client.end();
  }
  const ms = performance.now() - t0;
  clearInterval(sampler);
  sample();
  console.log(JSON.stringify({ ms, rows, maxRssMiB: process.resourceUsage().maxRSS / 1024, peakJsMiB: peakJs / 2 ** 20 }));
  process.exit(0);
}

const reps = args.includes("--reps") ? Number(args[args.indexOf("--reps") + 1]) : 5;
const sizes = args.filter((a, i) => /^\d+$/.test(a) && args[i - 1] !== "--reps").map(Number);
if (sizes.length === 0) sizes.push(1_000_000, 10_000_000);

const client = new pg.Client();
await client.connect();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function child(what, table) {
  const r = spawnSync(process.execPath, [self, "--child", what, table], { encoding: "utf8", env: process.env });
  if (r.status !== 0) throw new Error(`${what} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop());
}

function psqlDrain(table) {
  const t0 = performance.now();
  const r = spawnSync("psql", ["-X", "-q", "-c", `COPY ${table} TO STDOUT (FORMAT binary)`], { stdio: ["ignore", "ignore", "pipe"], env: process.env });
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
  return { ms: performance.now() - t0 };
}

const results = [];
for (const n of sizes) {
  const table = `bench_hop_${n}`;
  const exists = await client.query("SELECT count(*)::int AS c FROM pg_class WHERE relname = $1", [table]);
  if (exists.rows[0].c === 0) {
    process.stderr.write(`creating ${table} ...\n`);
    await client.query(`CREATE TABLE ${table} AS
      SELECT g::bigint AS id, (g % 100000)::int AS user_id, 'region_' || (g % 97) AS region,
             (g % 10007) / 7.0::float8 AS score, g % 3 = 0 AS active,
             TIMESTAMPTZ '2024-01-01 00:00:00+00' + g * INTERVAL '1 second' AS created_at
        FROM generate_series(1, ${n}) AS g`);
    await client.query(`VACUUM ANALYZE ${table}`);
  }
  const runs = { psql: [], drain: [], drainQuery: [], arrow: [], hop: [] };
  const rss = { drain: [], arrow: [], hop: [] };
  const js = { arrow: [], hop: [] };
  // Round-robin, so every path sees the same machine load.
  for (let i = 0; i < reps; i++) {
    runs.psql.push(psqlDrain(table).ms);
    for (const what of ["drain", "drainQuery", "arrow", "hop"]) {
      const r = child(what, table);
      runs[what].push(r.ms);
      if (rss[what]) rss[what].push(r.maxRssMiB);
      if (js[what]) js[what].push(r.peakJsMiB);
      if (what === "hop" && r.rows !== n) throw new Error(`hop moved ${r.rows} rows, expected ${n}`);
    }
    process.stderr.write(`${n}: rep ${i + 1}/${reps}\n`);
  }
  const m = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)]));
  results.push({
    rows: n, ...m, rssHop: Math.max(...rss.hop), rssArrow: Math.max(...rss.arrow), rssDrain: Math.max(...rss.drain),
    jsHop: Math.max(...js.hop), jsArrow: Math.max(...js.arrow),
  });
}
await client.end();

const f = (ms) => `${Math.round(ms)} ms`;
console.log("| rows | floor: psql COPY binary -> /dev/null | floor: Node drain (pg-copy-streams) | Node drain of COPY (query) | PG -> Arrow batches | hop PG -> DuckDB (`intoBackend`) | hop / psql floor | hop / Node floor | peak JS heap+buffers: arrow / hop | peak RSS: drain / arrow / hop |");
console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const r of results) {
  console.log(`| ${r.rows.toLocaleString("en-US")} | ${f(r.psql)} | ${f(r.drain)} | ${f(r.drainQuery)} | ${f(r.arrow)} | ${f(r.hop)} | ${(r.hop / r.psql).toFixed(2)}x | ${(r.hop / r.drain).toFixed(2)}x | ${Math.round(r.jsArrow)} / ${Math.round(r.jsHop)} MiB | ${Math.round(r.rssDrain)} / ${Math.round(r.rssArrow)} / ${Math.round(r.rssHop)} MiB |`);
}
