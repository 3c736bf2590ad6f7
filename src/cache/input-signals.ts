/**
 * The change signals of everything an expression reads (the modification_time key's
 * signals, see `cache-key.ts`), outside any cache node: what a stored result records
 * of its inputs, so it is served later only while they are unchanged (the catalog's
 * shared memory, `catalog-results.ts`).
 *
 * A read of a copy an artifact carries (`reads/<sha256>.<ext>`, see
 * `artifact-writer.ts`) is signed by that content hash instead of the file's stat: the
 * copy is named by its content, so the signal is the same on every machine and in
 * every clone of a catalog, wherever the copy sits (its stat and its node's absolute
 * path differ between them).
 */
import { ExecutionRun } from "../backends/executor.js";
import { nodeHash, stableStringify } from "../expr/canonical.js";
import { relationInputs, type RelationNode } from "../expr/relation-nodes.js";
import type { Table } from "../expr/table.js";
import type { Services } from "../services.js";
import type { DuckDBBackend } from "../backends/duckdb/duckdb-backend.js";
import { jsonText } from "../util/atomic-write.js";
import { sourceSignals } from "./cache-key.js";

/** Source id -> signal, sorted by id. */
export type InputSignals = Readonly<Record<string, unknown>>;

export interface InputSignalsResult {
  readonly signals: InputSignals;
  /** Source id -> what it is, for messages (`read data/orders.csv`, `table local:orders`). */
  readonly described: Readonly<Record<string, string>>;
}

/** A relocated copy: `.../reads/<sha256>.<ext>`. */
const RELOCATED_COPY = /[/\\]reads[/\\]([0-9a-f]{64})\.[A-Za-z0-9]+$/;

/** Reads the signals of `table`'s sources now (relative paths resolve against `baseDir`, as when it runs). */
export async function inputSignals(table: Table, services: Services, options: { readonly baseDir?: string } = {}): Promise<InputSignalsResult> {
  const local: { engine: Promise<DuckDBBackend> | null } = { engine: null };
  const run = new ExecutionRun({
    context: table.context,
    localEngine: () => (local.engine ??= services.localEngine().then((e) => e.fork())),
    ...(options.baseDir === undefined ? {} : { baseDir: options.baseDir }),
  });
  try {
    const reads = readsOf(table.node);
    const signals: Record<string, unknown> = {};
    const described: Record<string, string> = {};
    for (const [id, signal] of await sourceSignals(table.node, run)) {
      const read = id.startsWith("read:") ? reads.get(id.slice(5)) : undefined;
      const copy = read === undefined ? null : RELOCATED_COPY.exec(read);
      const key = copy ? `copy:${copy[1]}` : id;
      signals[key] = copy ? copy[1] : signal;
      described[key] = read === undefined ? id.replace(/^table:/, "table ") : `read ${read}`;
    }
    // As JSON holds them (bigints as text), so a stored record and a fresh one compare alike.
    const sorted = Object.fromEntries(Object.entries(signals).sort(([a], [b]) => (a < b ? -1 : 1)));
    return { signals: JSON.parse(jsonText(sorted)) as InputSignals, described };
  } finally {
    await (await local.engine)?.close();
  }
}

/** The ids of signals that differ between two records (present in one only, or with other values). */
export function changedSignals(stored: InputSignals, current: InputSignals): string[] {
  const ids = new Set([...Object.keys(stored), ...Object.keys(current)]);
  return [...ids].filter((id) => !(id in stored) || !(id in current) || stableStringify(stored[id] as never) !== stableStringify(current[id] as never)).sort();
}

/** Read node hash -> its path, for every read under `root`. */
function readsOf(root: RelationNode): Map<string, string> {
  const out = new Map<string, string>();
  const seen = new Set<RelationNode>();
  const visit = (n: RelationNode): void => {
    if (seen.has(n)) return;
    seen.add(n);
    if (n.kind === "read") out.set(nodeHash(n), n.path);
    for (const input of relationInputs(n)) visit(input);
  };
  visit(root);
  return out;
}
