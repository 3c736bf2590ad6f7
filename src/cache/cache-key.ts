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
import { isUrl, urlSignal } from "../urls/url-copy.js";

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

/** A source a cached sub-expression depends on, and how to read its signal. */
interface Dependency {
  readonly id: string;
  readonly signal: (run: ExecutionRun) => Promise<unknown>;
}

/**
 * The dependencies of a cached sub-expression: a property of the nodes alone (and of
 * the tables SQL queries name, bound once per process), so found once per process.
 */
const dependenciesOf = new WeakMap<RelationNode, Promise<ReadonlyArray<Dependency>>>();
/** Signals read in a run, by dependency id: each source is asked once per run, however many caches read it. */
const signalsByRun = new WeakMap<ExecutionRun, Map<string, Promise<unknown>>>();

/**
 * One signal per source under `root`, across engine hops and through nested
 * modification_time caches (whose keys change exactly when these signals do). A nested
 * snapshot cache contributes nothing: it serves its first result whatever its sources
 * do, and its structure is already part of the outer input's hash. Found as a flat set
 * of files and tables, so a key costs one signal per distinct source, however deep the
 * caches nest and however many SQL models lie between them.
 */
export async function sourceSignals(root: RelationNode, run: ExecutionRun): Promise<Array<readonly [string, unknown]>> {
  let signals = signalsByRun.get(run);
  if (!signals) signalsByRun.set(run, (signals = new Map()));
  const out: Array<readonly [string, unknown]> = [];
  // One at a time: signals of one engine share its connection, which runs one statement at a time.
  for (const dep of await dependencies(root, run)) {
    let value = signals.get(dep.id);
    if (!value) signals.set(dep.id, (value = dep.signal(run)));
    out.push([dep.id, await value]);
  }
  return out;
}

function dependencies(root: RelationNode, run: ExecutionRun): Promise<ReadonlyArray<Dependency>> {
  let deps = dependenciesOf.get(root);
  if (!deps) {
    deps = findDependencies(root, run);
    dependenciesOf.set(root, deps);
    deps.catch(() => dependenciesOf.delete(root)); // e.g. an engine that was down: ask again next time
  }
  return deps;
}

async function findDependencies(root: RelationNode, run: ExecutionRun): Promise<ReadonlyArray<Dependency>> {
  const found = new Map<string, Dependency["signal"]>();
  const sqlNodes: SqlNode[] = [];
  const seen = new Set<RelationNode>();
  const table = (ref: BackendRef, name: string) => found.set(`table:${ref.name}:${name}`, (r) => tableSignal(ref, name, r));
  const visit = (n: RelationNode): void => {
    if (seen.has(n)) return;
    seen.add(n);
    switch (n.kind) {
      case "read":
        found.set(`read:${nodeHash(n)}`, isUrl(n.path) ? () => urlSignal(n.path) : (r) => fileSignal(n, r));
        return;
      case "table":
        table(n.backend, n.name);
        return;
      case "cache":
        // A nested snapshot serves its first result whatever its sources do: nothing under it can change what we read.
        if (n.policy.strategy === "snapshot") return;
        break;
      case "sql":
        sqlNodes.push(n);
        break;
      // Nothing of their own that can change: what they read is their inputs'.
      case "memtable":
      case "project":
      case "filter":
      case "aggregate_rel":
      case "join":
      case "union":
      case "distinct":
      case "sort":
      case "limit":
      case "into_backend":
        break;
      default:
        // A new relation kind must say here whether it reads anything with a change signal.
        return n satisfies never;
    }
    for (const input of relationInputs(n)) visit(input);
  };
  visit(root);
  // A SQL query depends on the tables it names itself (its named inputs are sub-expressions, visited above).
  for (const n of sqlNodes) for (const t of await sqlTablesOf(n, run)) table(n.backend, t);
  return [...found.keys()].sort().map((id) => ({ id, signal: found.get(id)! }));
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

/**
 * The tables a SQL node's query reads, asked once per process: the query text is fixed,
 * and binding it is the expensive part of a key (DuckDB binds in ~1 ms; a project's
 * SQL models would otherwise pay that for every upstream model on every run). A view
 * the query names is still signed on every run, through its own change signal.
 */
const sqlTables = new WeakMap<SqlNode, Promise<string[]>>();

async function sqlTablesOf(node: SqlNode, run: ExecutionRun): Promise<string[]> {
  let names = sqlTables.get(node);
  if (!names) {
    names = (async () => {
      const backend = await run.backendFor(node.backend);
      if (!backend.tablesReadBy) throw noSignal(backend, "the tables a SQL query reads");
      const probe = sqlProbe(backend.dialect, node.query, node.inputs.map(([name, rel]) => [name, rel.schema] as const));
      return [...new Set(await backend.tablesReadBy(probe))].sort();
    })();
    sqlTables.set(node, names);
    names.catch(() => sqlTables.delete(node));
  }
  return names;
}

async function tablesSignals(backend: Backend, sql: string, ref: BackendRef, run: ExecutionRun, depth: number): Promise<Record<string, unknown>> {
  if (!backend.tablesReadBy) throw noSignal(backend, "the tables a SQL query reads");
  return signalsOf(await backend.tablesReadBy(sql), ref, run, depth);
}

async function signalsOf(tables: ReadonlyArray<string>, ref: BackendRef, run: ExecutionRun, depth: number): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const t of [...new Set(tables)].sort()) out[t] = await tableSignal(ref, t, run, depth);
  return out;
}

function noSignal(backend: Backend, what: string): CacheKeyError {
  return new CacheKeyError(
    `a modification_time cache needs a change signal for ${what}, and ${backend.ref.kind} ('${backend.ref.name}') provides none; use a snapshot cache`,
  );
}
