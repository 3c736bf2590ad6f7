/**
 * Cache keys. A key is the sha256 of the canonical JSON of
 * `{ strategy, input: <content hash of the cached sub-expression>, signals }`:
 *
 * * snapshot: no signals, so the key is the expression's structure only (table names,
 *   paths, schemas) and the first stored result is served until it is deleted;
 * * modification_time: one signal per source the sub-expression reads, read cheaply
 *   from the engine or the file system (see each engine's `changeSignal`), so a write to
 *   any source gives a new key.
 *
 * The same expression over unchanged data gives the same key in every process.
 */
import type { Backend } from "../backends/backend.js";
import type { ExecutionRun } from "../backends/executor.js";
import { nodeHash, sha256, stableStringify } from "../expr/canonical.js";
import type { BackendRef, CacheNode, CacheStrategy, RelationNode, SqlNode } from "../expr/relation-nodes.js";
import { relationInputs } from "../expr/relation-nodes.js";
import { sqlProbe } from "../expr/sources.js";
import { CacheKeyError } from "./cache-key-error.js";
import { fileSignal } from "./file-signal.js";

export interface CacheKey {
  readonly key: string;
  /** The content hash of the cached sub-expression. */
  readonly inputHash: string;
  /** Source id -> signal, sorted by id (empty for snapshot). */
  readonly signals: ReadonlyArray<readonly [string, unknown]>;
}

/** The key of the given parts; the version field lets a future key format coexist with old entries. */
export function keyOf(strategy: CacheStrategy, inputHash: string, signals: ReadonlyArray<readonly [string, unknown]>): string {
  return sha256(stableStringify({ v: 1, strategy, input: inputHash, signals }));
}

const keysByRun = new WeakMap<ExecutionRun, Map<CacheNode, Promise<CacheKey>>>();

/** The key of a cache node in this run (computed once per run). */
export function cacheKeyOf(node: CacheNode, run: ExecutionRun): Promise<CacheKey> {
  let keys = keysByRun.get(run);
  if (!keys) keysByRun.set(run, (keys = new Map()));
  let key = keys.get(node);
  if (!key) {
    key = computeKey(node, run);
    keys.set(node, key);
  }
  return key;
}

async function computeKey(node: CacheNode, run: ExecutionRun): Promise<CacheKey> {
  const inputHash = nodeHash(node.input);
  const signals = node.policy.strategy === "snapshot" ? [] : await sourceSignals(node.input, run);
  return { key: keyOf(node.policy.strategy, inputHash, signals), inputHash, signals };
}

/**
 * One signal per source under `root`, across engine hops. A nested cache contributes
 * its own key instead of its sources: the outer result is computed from what the inner
 * cache serves, which changes exactly when the inner key does.
 */
async function sourceSignals(root: RelationNode, run: ExecutionRun): Promise<Array<readonly [string, unknown]>> {
  // Thunks, run one at a time: signals of one engine share its connection, which runs one statement at a time.
  const pending = new Map<string, () => Promise<unknown>>();
  const seen = new Set<RelationNode>();
  const visit = (n: RelationNode): void => {
    if (seen.has(n)) return;
    seen.add(n);
    switch (n.kind) {
      case "read":
        pending.set(`read:${nodeHash(n)}`, () => fileSignal(n, run));
        return;
      case "table":
        pending.set(`table:${n.backend.name}:${n.name}`, () => tableSignal(n.backend, n.name, run));
        return;
      case "cache":
        pending.set(`cache:${nodeHash(n)}`, async () => (await cacheKeyOf(n, run)).key);
        return;
      case "sql":
        pending.set(`sql:${nodeHash(n)}`, () => sqlSignal(n, run));
        break;
      default:
        break;
    }
    for (const input of relationInputs(n)) visit(input);
  };
  visit(root);
  const out: Array<readonly [string, unknown]> = [];
  for (const id of [...pending.keys()].sort()) out.push([id, await pending.get(id)!()]);
  return out;
}

async function tableSignal(ref: BackendRef, table: string, run: ExecutionRun, depth = 0): Promise<unknown> {
  const backend = await run.backendFor(ref);
  if (!backend.changeSignal) throw noSignal(backend, `table '${table}'`);
  const signal = await backend.changeSignal(table);
  if (signal !== null) return signal;
  // No signal of its own (a view): sign what it reads.
  if (depth > 8) throw new CacheKeyError(`'${table}' in ${ref.name}: views nested too deeply to find their tables`);
  return { reads: await tablesSignals(backend, `SELECT * FROM ${backend.dialect.tableName(table)}`, ref, run, depth + 1) };
}

/** A SQL node's own table reads (its named inputs are signed as sub-expressions). */
async function sqlSignal(node: SqlNode, run: ExecutionRun): Promise<unknown> {
  const backend = await run.backendFor(node.backend);
  const probe = sqlProbe(backend.dialect, node.query, node.inputs.map(([name, rel]) => [name, rel.schema] as const));
  return tablesSignals(backend, probe, node.backend, run, 0);
}

async function tablesSignals(backend: Backend, sql: string, ref: BackendRef, run: ExecutionRun, depth: number): Promise<Record<string, unknown>> {
  if (!backend.tablesReadBy) throw noSignal(backend, "the tables a SQL query reads");
  const names = [...new Set(await backend.tablesReadBy(sql))].sort();
  const out: Record<string, unknown> = {};
  for (const t of names) out[t] = await tableSignal(ref, t, run, depth);
  return out;
}

function noSignal(backend: Backend, what: string): CacheKeyError {
  return new CacheKeyError(
    `a modification_time cache needs a change signal for ${what}, and ${backend.ref.kind} ('${backend.ref.name}') provides none; use a snapshot cache`,
  );
}
