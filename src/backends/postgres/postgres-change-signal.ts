/**
 * PostgreSQL's change signal for a table: exact write counters plus the table's
 * identity, read from the statistics system without touching the table.
 *
 * The signal is `pg_stat_all_tables.n_tup_ins / n_tup_upd / n_tup_del` (rows inserted,
 * updated, deleted over the table's life: every INSERT, COPY, UPDATE, DELETE and MERGE
 * adds to them, and they never go down), the table's oid (a dropped and re-created
 * table has a new one), its relfilenode (TRUNCATE, VACUUM FULL, CLUSTER and
 * `ALTER ... SET DATA TYPE` give it a new file without counting rows), and the times
 * the statistics were last reset and the server started (see below). Xorq uses
 * `pg_class.reltuples`, an estimate that lags until ANALYZE; these counters do not.
 * https://www.postgresql.org/docs/current/monitoring-stats.html
 *
 * When it can miss or delay a change:
 * * Counters are reported by the writing session after its transaction ends, and at
 *   most once a second (PostgreSQL 15+: `PGSTAT_MIN_INTERVAL`). A write from another
 *   session that stays connected and idle can take up to 10 s (`PGSTAT_IDLE_INTERVAL`)
 *   to show; a session that disconnects reports at once. Writes through the same xorq
 *   connection are reported before the signal is read (`pg_stat_force_next_flush()`).
 * * Before PostgreSQL 15 the counters travel through the statistics collector over UDP,
 *   which may drop messages under heavy load: a change can then be missed until the
 *   next write to the table.
 * * `pg_stat_reset()`, `pg_stat_reset_single_table_counters()` and crash recovery zero
 *   the counters; the reset time and the server start time are part of the signal, so a
 *   reset cannot make an old signal come back.
 * * Rolled-back writes count too: they change the signal without changing the data (a
 *   needless recompute, never a stale result).
 * Views and partitioned tables hold no rows of their own: their signal is that of the
 * tables a `SELECT *` from them reads (`tablesReadBy`). Foreign tables have none.
 */
import type { ChangeSignal } from "../backend.js";

/** Reports this session's pending counters at its next idle point, i.e. before the next statement. */
export const POSTGRES_FLUSH_STATS_SQL = "SELECT pg_stat_force_next_flush()";

/** `$1`: the table name as a quoted, possibly schema-qualified identifier (it goes through `::regclass`). */
export const POSTGRES_CHANGE_SIGNAL_SQL = `SELECT c.oid::int8::text AS oid,
       c.relkind::text AS relkind,
       c.relfilenode::int8::text AS relfilenode,
       s.n_tup_ins::text AS n_tup_ins,
       s.n_tup_upd::text AS n_tup_upd,
       s.n_tup_del::text AS n_tup_del,
       (pg_stat_get_xact_tuples_inserted(c.oid) + pg_stat_get_xact_tuples_updated(c.oid)
         + pg_stat_get_xact_tuples_deleted(c.oid))::text AS n_tup_in_transaction,
       pg_stat_get_db_stat_reset_time(d.oid)::text AS stats_reset,
       pg_postmaster_start_time()::text AS server_start
  FROM pg_class c
  JOIN pg_database d ON d.datname = current_database()
  LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
 WHERE c.oid = $1::regclass`;

export interface PostgresSignalRow {
  readonly oid: string;
  readonly relkind: string;
  readonly relfilenode: string;
  readonly n_tup_ins: string | null;
  readonly n_tup_upd: string | null;
  readonly n_tup_del: string | null;
  readonly n_tup_in_transaction: string | null;
  readonly stats_reset: string | null;
  readonly server_start: string;
}

/** The signal from the query's row; null for objects that hold no rows of their own (views, partitioned tables). */
export function postgresChangeSignal(table: string, row: PostgresSignalRow | undefined): ChangeSignal | null {
  if (!row) throw new Error(`table '${table}' not found`);
  if (row.relkind === "v" || row.relkind === "p") return null;
  if (row.relkind === "f") {
    throw new Error(`'${table}' is a foreign table: PostgreSQL cannot tell when its data changes; use a snapshot cache`);
  }
  return {
    kind: "postgres_stat_counters",
    oid: row.oid,
    relfilenode: row.relfilenode,
    n_tup_ins: row.n_tup_ins,
    n_tup_upd: row.n_tup_upd,
    n_tup_del: row.n_tup_del,
    n_tup_in_transaction: row.n_tup_in_transaction,
    stats_reset: row.stats_reset,
    server_start: row.server_start,
  };
}

/** The base relations an `EXPLAIN (FORMAT JSON, VERBOSE)` plan scans, as `schema.table` (views are already expanded). */
export function relationsInPlan(plan: unknown): string[] {
  const out = new Set<string>();
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === "object") {
      const o = x as Record<string, unknown>;
      if (typeof o["Relation Name"] === "string") {
        out.add(typeof o["Schema"] === "string" ? `${o["Schema"]}.${o["Relation Name"]}` : (o["Relation Name"] as string));
      }
      Object.values(o).forEach(walk);
    }
  };
  walk(plan);
  return [...out].sort();
}
