/**
 * Runs data tests: each test's `count(*)` of failing rows in the tested model's engine,
 * then what that count means for its severity and thresholds. A test whose key
 * (`test-cache.ts`) has a stored result is not run: it reports that result, `cached`.
 * Tests run one at a time: they share the project's connections.
 */
import type { Table as ArrowTable } from "apache-arrow";
import { fromArrowSchema } from "../backends/arrow-types.js";
import { type PortableValue, cellReader } from "../backends/arrow-values.js";
import { keyOf, sourceSignals } from "../cache/cache-key.js";
import { Table } from "../expr/table.js";
import type { Project } from "../project/project.js";
import type { ExecutionScope, Services } from "../services.js";
import type { DataTest } from "./data-tests.js";
import type { TestCache } from "./test-cache.js";
import { outcomeOf } from "./thresholds.js";

/** Failing rows kept for the report. */
const SAMPLE_ROWS = 3;

export interface TestResult {
  readonly event: "test_finished";
  readonly name: string;
  readonly type: DataTest["type"] | "unit";
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
  const scope = { baseDir: project.location.projectDir };
  // Every profile's connection: a test may read models of several engines (relationships).
  const backends = new Map(project.connections.profiles.map((p) => [p.name, project.connections.get(p.name)] as const));
  const bound = (table: Table) => new Table(table.node, { backends, memtables: table.context.memtables });
  const keys = options.cache && tests.length > 0 ? await testKeys(tests, bound(tests[0]!.count), options.services, scope) : tests.map(() => null);
  const out: TestResult[] = [];
  for (const [i, t] of tests.entries()) {
    const r = await runOne(t, keys[i]!, bound, scope, options);
    options.onResult?.(r);
    out.push(r);
  }
  return out;
}

/**
 * Each test's cache key (null: its data has no change signal, so it always runs), all
 * read in one execution run: a source read by many tests is asked for its signal once.
 */
async function testKeys(tests: ReadonlyArray<DataTest>, any: Table, services: Services, scope: ExecutionScope): Promise<Array<string | null>> {
  return services.withRun(any, scope, async (run) => {
    const keys: Array<string | null> = [];
    for (const t of tests) keys.push(await sourceSignals(t.count.node, run).then((s) => keyOf("modification_time", t.hash, s), () => null));
    return keys;
  });
}

async function runOne(t: DataTest, key: string | null, bound: (table: Table) => Table, scope: ExecutionScope, options: TestRunOptions): Promise<TestResult> {
  const start = performance.now();
  const { services, cache } = options;
  const base = { event: "test_finished", name: t.name, type: t.type, test: t.test, of: t.of, column: t.column, severity: t.severity, hash: t.hash } as const;
  const stored = key === null ? null : cache?.get(t.name, key);
  if (stored) return { ...base, status: outcomeOf(t, stored.failures), failures: stored.failures, cached: true, ms: performance.now() - start, sample: stored.sample };
  try {
    const counted = await services.execute(bound(t.count), scope);
    const failures = Number(counted.getChildAt(0)?.get(0) ?? 0);
    const sample = failures > 0 ? rowsOf(await services.execute(bound(t.failures.limit(SAMPLE_ROWS)), scope)) : [];
    if (key !== null) cache?.set(t.name, { key, failures, sample });
    return { ...base, status: outcomeOf(t, failures), failures, cached: false, ms: performance.now() - start, sample };
  } catch (e) {
    return { ...base, status: "error", failures: null, cached: false, ms: performance.now() - start, sample: [], message: (e as Error).message };
  }
}

/** Plain JSON rows, read exactly (`cellReader`): numbers as numbers when exact, else as text; dates as YYYY-MM-DD. */
export function rowsOf(table: ArrowTable): Array<Record<string, unknown>> {
  const fields = fromArrowSchema(table.schema);
  const readers = fields.map((f, c) => cellReader(table.getChildAt(c)!, f));
  return Array.from({ length: table.numRows }, (_, i) => Object.fromEntries(fields.map((f, c) => [f.name, plain(readers[c]!(i))])));
}

function plain(v: PortableValue): unknown {
  if (typeof v !== "string" || !/^-?\d+(\.\d+)?$/.test(v)) return v;
  const n = Number(v);
  return v.includes(".") || Number.isSafeInteger(n) ? n : v;
}
