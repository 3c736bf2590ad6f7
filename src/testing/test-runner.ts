/**
 * Runs data tests: each test's `count(*)` of failing rows in the tested model's engine,
 * then what that count means for its severity and thresholds. A test whose key
 * (`test-cache.ts`) has a stored result is not run: it reports that result, `cached`.
 * Tests run one at a time: they share the project's connections.
 */
import type { Table as ArrowTable } from "apache-arrow";
import { keyOf, sourceSignals } from "../cache/cache-key.js";
import { Table } from "../expr/table.js";
import type { Project } from "../project/project.js";
import type { Services } from "../services.js";
import type { DataTest } from "./data-tests.js";
import type { TestCache } from "./test-cache.js";
import { outcomeOf } from "./thresholds.js";

/** Failing rows kept for the report. */
const SAMPLE_ROWS = 3;

export interface TestResult {
  readonly event: "test_finished";
  readonly name: string;
  readonly type: DataTest["type"];
  readonly test: string;
  readonly of: DataTest["of"];
  readonly column: string | null;
  readonly severity: DataTest["severity"];
  /** pass / warn / fail by the thresholds; error when the test could not run. */
  readonly status: "pass" | "warn" | "fail" | "error";
  readonly failures: number | null;
  readonly cached: boolean;
  readonly hash: string;
  readonly ms: number;
  /** A few failing rows (when there are some). */
  readonly sample: ReadonlyArray<Readonly<Record<string, unknown>>>;
  readonly message?: string;
}

export interface TestRunOptions {
  readonly services: Services;
  /** Serves and keeps results; without one every test runs. */
  readonly cache?: TestCache;
  readonly onResult?: (r: TestResult) => void;
}

export async function runDataTests(project: Project, tests: ReadonlyArray<DataTest>, options: TestRunOptions): Promise<TestResult[]> {
  const out: TestResult[] = [];
  for (const t of tests) {
    const r = await runOne(project, t, options);
    options.onResult?.(r);
    out.push(r);
  }
  return out;
}

async function runOne(project: Project, t: DataTest, options: TestRunOptions): Promise<TestResult> {
  const start = performance.now();
  const { services, cache } = options;
  const base = { event: "test_finished", name: t.name, type: t.type, test: t.test, of: t.of, column: t.column, severity: t.severity, hash: t.hash } as const;
  const scope = { baseDir: project.location.projectDir };
  // Every profile's connection: the test may read models of several engines (relationships).
  const backends = new Map(project.connections.profiles.map((p) => [p.name, project.connections.get(p.name)] as const));
  const bound = (table: Table) => new Table(table.node, { backends, memtables: table.context.memtables });
  try {
    const count = bound(t.count);
    const key = cache ? await services.withRun(count, scope, (run) => sourceSignals(count.node, run)).then((s) => keyOf("modification_time", t.hash, s), () => null) : null;
    const stored = key === null ? null : cache!.get(t.name, key);
    if (stored) return { ...base, status: outcomeOf(t, stored.failures), failures: stored.failures, cached: true, ms: performance.now() - start, sample: stored.sample };
    const counted = await services.execute(count, scope);
    const failures = Number(counted.getChildAt(0)?.get(0) ?? 0);
    const sample = failures > 0 ? rowsOf(await services.execute(bound(t.failures.limit(SAMPLE_ROWS)), scope)) : [];
    if (key !== null) cache!.set(t.name, { key, failures, sample });
    return { ...base, status: outcomeOf(t, failures), failures, cached: false, ms: performance.now() - start, sample };
  } catch (e) {
    return { ...base, status: "error", failures: null, cached: false, ms: performance.now() - start, sample: [], message: (e as Error).message };
  }
}

/** Plain JSON rows (64-bit integers as numbers when exact, else strings). */
function rowsOf(table: ArrowTable): Array<Record<string, unknown>> {
  return table.toArray().map((r: { toJSON(): Record<string, unknown> }) => Object.fromEntries(Object.entries(r.toJSON()).map(([k, v]) => [k, plain(v)])));
}

function plain(v: unknown): unknown {
  if (typeof v === "bigint") return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (v instanceof Date) return v.toISOString();
  return v;
}
