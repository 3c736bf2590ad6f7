/**
 * DuckDB's change signal for a table or view: a checksum of its rows, read by a scan
 * only when the database files have changed since it was last taken.
 *
 * The checksum. DuckDB keeps no per-table write counter that a query can read, and
 * what it does expose misses writes (measured on 1.5.6): `duckdb_tables().estimated_size`
 * counts appended rows but not updates or deletes; `pragma_storage_info` flags the first
 * update of a segment and nothing after. So the signal is `count(*)` plus the sum (a
 * HUGEINT, so it never overflows) of `hash(row)` over every row: any insert, update or
 * delete changes it (up to a 64-bit hash collision), and equal contents give the same
 * signal in every process, whatever the table's history. A sum rather than `bit_xor`:
 * xor cancels duplicate rows, a sum counts them. A scan costs ~0.6 ms for a small
 * table and ~40 ms per million 4-column rows on a 2-core machine (bench/cache.mjs).
 *
 * The memo (file-backed databases). Every committed write reaches the database file or
 * its write-ahead log `<file>.wal` before the commit returns, and opening, reading and
 * closing a database leaves both untouched (all measured on 1.5.6, including writes made
 * through this very connection). So the checksum is remembered (src/cache/signal-memo.ts,
 * on disk next to the cache entries) under the stat signature (device, inode, size,
 * mtime, ctime) of every database file the object reads, and reused while that
 * signature holds: an unchanged table costs two catalog queries and a few `stat` calls,
 * no scan, in this process or any later one. The binder says what the object reads:
 * `json_serialize_plan` names the catalog of every scanned table (a view is expanded to
 * its tables), and `duckdb_databases()` names each catalog's file. The memo is keyed by
 * that plan and those files, so a name that starts to mean another table (a temporary
 * table shadowing it, a re-attached file) is another memo entry.
 *
 * When the memo is not used (the scan runs every time):
 * * the object reads anything but tables of file-backed databases: an in-memory
 *   database (nothing outlives the process, and no file tells that its data changed),
 *   temporary tables, files (`read_parquet` in a view), other engines' tables;
 * * the connection is inside an explicit transaction (its own uncommitted writes are
 *   visible to it but not in any file);
 * * the files' signature is not settled: a timestamp is coarse (one kernel tick, a few
 *   ms, on ext4; whole seconds on FAT or HFS+), so a write made within the same tick
 *   as the previous one can leave size, mtime and ctime all equal. A signature is only
 *   remembered when its newest timestamp is more than SETTLED_MS older than the check,
 *   so any later write must carry a newer timestamp (as in git's "racily clean" rule).
 *   Files written moments ago are therefore rescanned until they settle.
 *
 * A write to another table of the same file (e.g. a SourceCache entry) changes the
 * signature: the next check rescans, finds the same checksum, and the key is unchanged.
 */
import { stat } from "node:fs/promises";
import type { DuckDBConnection } from "@duckdb/node-api";
import { duckdbApi } from "./duckdb-api.js";
import type { ChangeSignal } from "../backend.js";
import type { Dialect } from "../../compile/dialect.js";
import { sha256, stableStringify } from "../../expr/canonical.js";
import { recallSignal, rememberSignal } from "../../cache/signal-memo.js";

/** How much older than the check the newest file timestamp must be for a signature to be remembered. */
export const SETTLED_MS = 2000;

/** How often the rows were scanned and the memo served, in this process (observable by tests and benchmarks). */
export const duckdbSignalCounters = { scans: 0, memoHits: 0 };

/** The query that reads the signal of `table` (a possibly qualified name) by scanning it. */
export function duckdbChangeSignalSql(dialect: Dialect, table: string): string {
  // The row alias names the whole row as a struct, so every column is hashed whatever it is called.
  return `SELECT count(*)::VARCHAR AS row_count, coalesce(sum(hash(_xorq_row)), 0)::VARCHAR AS row_hash_sum FROM ${dialect.tableName(table)} AS _xorq_row`;
}

/**
 * The signal of `table`. `fileBacked: false` (a connection to an in-memory database)
 * skips the memo's catalog queries: its tables can only be scanned (a table of a file
 * attached to it is scanned too).
 */
export async function duckdbChangeSignal(connection: DuckDBConnection, dialect: Dialect, table: string, fileBacked = true): Promise<ChangeSignal> {
  const source = fileBacked ? await memoSource(connection, dialect, table) : null;
  if (source === null) return scan(connection, dialect, table);
  const checkedMs = Date.now();
  const before = await signature(source.files);
  const remembered = await recallSignal(source.memoKey, before.text);
  if (remembered) {
    duckdbSignalCounters.memoHits++;
    return remembered;
  }
  const signal = await scan(connection, dialect, table);
  const after = await signature(source.files);
  // Unchanged during the scan, and too old to be repeated by a write in the same timestamp tick.
  if (after.text === before.text && before.newestMs < checkedMs - SETTLED_MS) {
    await rememberSignal(source.memoKey, before.text, signal);
  }
  return signal;
}

async function scan(connection: DuckDBConnection, dialect: Dialect, table: string): Promise<ChangeSignal> {
  duckdbSignalCounters.scans++;
  const reader = await connection.runAndReadAll(duckdbChangeSignalSql(dialect, table));
  const [row] = reader.getRowObjectsJS();
  return { kind: "duckdb_row_checksum", rows: String(row!.row_count), hash_sum: String(row!.row_hash_sum) };
}

interface MemoSource {
  /** The database files the object's rows come from, sorted. */
  readonly files: ReadonlyArray<string>;
  /** What the object is: its bound plan and those files (and the DuckDB version whose `hash` made the checksum). */
  readonly memoKey: string;
}

/**
 * The database files `table` reads, or null when its signal cannot be memoized (see the
 * module comment). Two small queries: the bound plan with the transaction id, then the
 * transaction id again with the catalogs' files (equal ids mean one explicit transaction
 * spans both).
 */
async function memoSource(connection: DuckDBConnection, dialect: Dialect, table: string): Promise<MemoSource | null> {
  const probe = dialect.stringLiteral(`SELECT * FROM ${dialect.tableName(table)}`);
  const [row] = (await connection.runAndReadAll(`SELECT json_serialize_plan(${probe}) AS plan, txid_current()::VARCHAR AS tx`)).getRowObjectsJS();
  const databases = (await connection.runAndReadAll("SELECT txid_current()::VARCHAR AS tx, database_name, path FROM duckdb_databases()")).getRowObjectsJS();
  if (databases.some((d) => String(d.tx) === String(row!.tx))) return null;
  const planText = String(row!.plan);
  const plan = JSON.parse(planText) as { error?: boolean; plans?: unknown };
  if (plan.error) return null; // not serializable (e.g. a view over read_csv), or it does not bind: the scan reports it
  const catalogFiles = new Map(databases.filter((d) => typeof d.path === "string" && d.path !== "").map((d) => [String(d.database_name), String(d.path)]));
  const scans = tableScans(plan.plans);
  if (scans.length === 0) return null;
  const files = new Set<string>();
  for (const s of scans) {
    const file = s.catalog === null ? undefined : catalogFiles.get(s.catalog);
    if (file === undefined) return null; // in memory, temporary, or not a DuckDB table scan
    files.add(file);
  }
  const sorted = [...files].sort();
  return { files: sorted, memoKey: sha256(stableStringify({ v: 1, duckdb: duckdbApi.version(), plan: planText, files: sorted })) };
}

/** Every data source of a serialized logical plan: its catalog when it is a scan of a DuckDB table, else null. */
function tableScans(node: unknown, out: Array<{ catalog: string | null }> = []): Array<{ catalog: string | null }> {
  if (Array.isArray(node)) {
    for (const n of node) tableScans(n, out);
  } else if (node !== null && typeof node === "object") {
    const n = node as { type?: unknown; name?: unknown; function_data?: { catalog?: unknown } };
    if (n.type === "LOGICAL_GET") {
      out.push({ catalog: n.name === "seq_scan" && typeof n.function_data?.catalog === "string" ? n.function_data.catalog : null });
    }
    for (const v of Object.values(node)) tableScans(v, out);
  }
  return out;
}

/** The stat signature of database files and their write-ahead logs, and the newest timestamp in it. */
async function signature(files: ReadonlyArray<string>): Promise<{ text: string; newestMs: number }> {
  let newestNs = 0n;
  const parts = await Promise.all(
    files.flatMap((f) => [f, `${f}.wal`]).map(async (path) => {
      try {
        const s = await stat(path, { bigint: true });
        for (const t of [s.mtimeNs, s.ctimeNs]) if (t > newestNs) newestNs = t;
        return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return "missing";
        throw e;
      }
    }),
  );
  return { text: parts.join("|"), newestMs: Number(newestNs / 1_000_000n) };
}
