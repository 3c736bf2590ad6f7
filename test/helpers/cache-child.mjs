// One cached expression, run in a child process by test/cache-processes.test.ts (against
// the built package in dist/, as a user's program would import it).
//
//   node cache-child.mjs <parquet|source> <rows> [go-file] [duckdb-file]
//
// Prints "ready", waits for go-file (if given) so two children start together, runs the
// expression and prints one JSON line: the cache event and a checksum of the rows.
import { existsSync } from "node:fs";
import * as xo from "../../dist/index.js";

const [storage, rows, goFile, dbFile] = process.argv.slice(2);
const con = xo.connect({ name: "child", ...(dbFile ? { path: dbFile } : {}) });
const { _ } = xo;
const base = await con.sql(`SELECT range AS id, range % 1000 AS g, 'row ' || range AS label FROM range(${Number(rows)})`);
const policy = storage === "source" ? xo.SourceSnapshotCache.fromKwargs({ source: con }) : xo.ParquetSnapshotCache.fromKwargs();
const cached = base.mutate({ x: _.id.mul(3) }).cache(policy);
const expr = cached.agg({ n: _.count(), s: _.x.sum(), labels: _.label.max() });

process.stdout.write("ready\n");
while (goFile && !existsSync(goFile)) await new Promise((r) => setTimeout(r, 2));
const events = [];
const result = (await xo.defaultServices().execute(expr, { onCacheEvent: (e) => events.push({ status: e.status, key: e.key }) })).toArray()[0].toJSON();
process.stdout.write(JSON.stringify({ events, n: Number(result.n), s: String(result.s), labels: result.labels }) + "\n");
await con.close();
