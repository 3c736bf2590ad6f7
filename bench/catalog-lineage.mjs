// Column lineage and catalog timings (issue 7). Run after `npm run build`:
//   node bench/catalog-lineage.mjs
// Prints one line per measurement (median of repeated runs where cheap enough).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as xo from "../dist/index.js";
import { Catalog } from "../dist/catalog/catalog.js";
import { columnLineage } from "../dist/lineage/column-lineage.js";
import { renderLineageText } from "../dist/lineage/lineage-render.js";

const { _ } = xo;

async function median(runs, fn) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const fmt = (ms) => `${ms.toFixed(1)} ms`;
const line = (what, value) => console.log(`${what.padEnd(62)} ${value}`);

// ---- lineage ----------------------------------------------------------------------
const base = xo.memtable({ a: [1, 2, 3], b: [4, 5, 6], c: [7, 8, 9] });

// A deep chain: 500 mutations, each reading the previous column and `a`.
let deep = base.mutate({ x0: _.a.add(1) });
for (let i = 1; i < 500; i++) deep = deep.mutate({ [`x${i}`]: _[`x${i - 1}`].mul(2).add(_.a) });
line("lineage of 1 column through 500 chained mutations", fmt(await median(5, () => columnLineage(deep.node, { column: "x499" }))));
const deepTrees = await columnLineage(deep.node, { column: "x499" });
line("  rendered as text", fmt(await median(5, () => renderLineageText(deepTrees))));
line("  lines of text", String(renderLineageText(deepTrees).split("\n").length));

// Wide: 300 computed columns over one filter and aggregate.
const metrics = Object.fromEntries(Array.from({ length: 300 }, (_v, i) => [`m${i}`, _.a.mul(i).add(_.b).sum()]));
const wide = base.filter(_.c.gt(0)).groupBy("c").agg(metrics);
line("lineage of all 301 columns of a 300-metric aggregate", fmt(await median(5, () => columnLineage(wide.node))));

// SQL nodes: parsed by DuckDB once per node.
const con = xo.connect({ name: "bench" });
let sqlExpr = base;
for (let i = 0; i < 20; i++) {
  sqlExpr = await xo.sql(con, `with t as (select a, b + ${i} as b, c from s) select t.a, sum(t.b) over (partition by t.c) as b, c from t`, { s: sqlExpr });
}
line("lineage of 1 column through 20 chained SQL nodes (CTE + window)", fmt(await median(5, () => columnLineage(sqlExpr.node, { column: "b" }))));
await con.close();

// ---- catalog ------------------------------------------------------------------------
const root = mkdtempSync(join(tmpdir(), "xorq-bench-catalog-"));
try {
  const builds = [];
  for (let i = 0; i < 100; i++) {
    const e = base.mutate({ k: _.a.add(i) });
    const dir = join(root, "builds", e.shortHash());
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "expr.yaml"), e.toYaml());
    writeFileSync(join(dir, "metadata.json"), JSON.stringify({ tool_version: "0.1.0", hash: e.hash(), model: `m${i}`, schema: e.schema() }));
    builds.push(dir);
  }
  const bare = join(root, "remote.git");
  execFileSync("git", ["init", "-q", "--bare", bare]);
  let t = performance.now();
  const { catalog } = await Catalog.init(join(root, "a"), { remote: bare });
  line("catalog init", fmt(performance.now() - t));
  t = performance.now();
  for (const b of builds) await catalog.add(b);
  line("catalog add (new entry, one commit), mean of 100", fmt((performance.now() - t) / builds.length));
  line("catalog add of an entry already there (no-op)", fmt(await median(11, () => catalog.add(builds[0]))));
  let n = 0;
  line("catalog alias (one commit)", fmt(await median(11, () => catalog.setAlias("prod", builds[n++ % 2].slice(-12)))));
  line("catalog ls with 100 entries", fmt(await median(11, () => catalog.entries())));
  line("catalog find (hash prefix)", fmt(await median(11, () => catalog.find(builds[50].slice(-12, -4)))));
  t = performance.now();
  await catalog.push();
  line("catalog push of 100 entries to a local bare repository", fmt(performance.now() - t));
  t = performance.now();
  const { catalog: other } = await Catalog.init(join(root, "b"), { remote: bare });
  line("catalog init --remote (clone of 100 entries)", fmt(performance.now() - t));
  await catalog.setAlias("prod", builds[7].slice(-12));
  await catalog.push();
  await other.setAlias("prod", builds[9].slice(-12));
  t = performance.now();
  const pushed = await other.push();
  line(`push rejected, pull with an alias conflict, push again (${pushed.attempts} attempts)`, fmt(performance.now() - t));
} finally {
  rmSync(root, { recursive: true, force: true });
}
