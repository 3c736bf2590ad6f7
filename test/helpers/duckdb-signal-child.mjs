// Reads (or changes) a DuckDB table in a file-backed database from a process of its own,
// for test/cache-duckdb-signal.test.ts, against the built package in dist/.
//
//   node duckdb-signal-child.mjs <duckdb-file> signal <table>    prints {signal, scans, memoHits}
//   node duckdb-signal-child.mjs <duckdb-file> run <sql>         runs a statement and exits
//
// The cache root comes from XORQ_CACHE_DIR, as for any xorq process.
import * as xo from "../../dist/index.js";
import { duckdbSignalCounters } from "../../dist/backends/duckdb/duckdb-change-signal.js";

const [file, action, arg] = process.argv.slice(2);
const con = xo.connect({ name: "child", path: file });
if (action === "signal") {
  const signal = await con.changeSignal(arg);
  process.stdout.write(`${JSON.stringify({ signal, ...duckdbSignalCounters })}\n`);
} else {
  await con.run(arg);
}
await con.close();
