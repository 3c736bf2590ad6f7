/**
 * Unit tests (dbt 1.8's `unit_tests:`): a model's logic run on given rows of its inputs
 * (each a memtable with the input's columns; an input not given is empty), compared
 * with the expected rows: only the columns they name, in any order. The model resolves
 * as it would in the project, so portable logic (YAML steps, TS) runs on the embedded
 * DuckDB and a SQL model in its own engine. The expression holds its data, so its hash
 * is the result's cache key: an unchanged unit test is not run again.
 */
import { nodeHash } from "../expr/canonical.js";
import { memtable } from "../expr/memtable.js";
import type { Table } from "../expr/table.js";
import { keyOf } from "../cache/cache-key.js";
import type { SpecPositions } from "../project/loading/spec-positions.js";
import type { ProblemList } from "../project/project-errors.js";
import type { Project } from "../project/project.js";
import type { UnitTestDecl } from "../project/project-spec.js";
import type { Services } from "../services.js";
import { type InputRef, projectInput } from "./project-inputs.js";
import { resolveWithInputs } from "./singular-tests.js";
import type { TestCache } from "./test-cache.js";
import { type TestResult, rowsOf } from "./test-runner.js";

export interface UnitTest {
  readonly name: string;
  readonly model: string;
  /** The model's expression over the given rows. */
  readonly actual: Table;
  readonly expect: ReadonlyArray<Readonly<Record<string, unknown>>>;
  readonly hash: string;
}

/** The unit tests of the selected models; problems are added to `problems`. */
export async function buildUnitTests(project: Project, names: ReadonlyArray<string>, problems: ProblemList, positions: SpecPositions): Promise<UnitTest[]> {
  const out: UnitTest[] = [];
  for (const name of names) {
    const spec = project.models.get(name)?.spec;
    for (const decl of spec?.unitTests ?? []) {
      const actual = await resolveWithInputs(project, spec!, problems, positions, givenInput(project, decl), `unit test '${decl.name}' of model '${name}'`);
      if (actual) out.push({ name: decl.name, model: name, actual, expect: decl.expect, hash: nodeHash(actual.node) });
    }
  }
  return out;
}

/** An input of a unit test: its given rows with the real input's columns and types (none given: no rows). */
function givenInput(project: Project, decl: UnitTestDecl): (ref: InputRef) => Table {
  return (ref) => {
    const real = projectInput(project, ref);
    const rows = decl.given.find((g) => g.input.kind === ref.kind && g.input.name === ref.name)?.rows ?? [];
    const schema = real.schema();
    const columns = Object.fromEntries(schema.map((f) => [f.name, rows.map((r) => r[f.name] ?? null)]));
    return memtable(columns, { schema: Object.fromEntries(schema.map((f) => [f.name, f.type])) });
  };
}

export async function runUnitTests(project: Project, tests: ReadonlyArray<UnitTest>, options: { readonly services: Services; readonly cache?: TestCache; readonly onResult?: (r: TestResult) => void }): Promise<TestResult[]> {
  const out: TestResult[] = [];
  for (const t of tests) {
    const start = performance.now();
    const base = { event: "test_finished", name: t.name, type: "unit", test: "unit", of: { kind: "model", name: t.model }, column: null, severity: "error", hash: t.hash } as const;
    const key = keyOf("snapshot", t.hash, []);
    const stored = options.cache?.get(t.name, key);
    let r: TestResult;
    if (stored) {
      r = { ...base, status: stored.failures === 0 ? "pass" : "fail", failures: stored.failures, cached: true, ms: performance.now() - start, sample: stored.sample };
    } else {
      try {
        const actual = rowsOf(await options.services.execute(t.actual, { baseDir: project.location.projectDir }));
        const diff = compareRows(t.expect, actual);
        options.cache?.set(t.name, { key, failures: diff.mismatches, sample: diff.sample });
        r = { ...base, status: diff.mismatches === 0 ? "pass" : "fail", failures: diff.mismatches, cached: false, ms: performance.now() - start, sample: diff.sample };
      } catch (e) {
        r = { ...base, status: "error", failures: null, cached: false, ms: performance.now() - start, sample: [], message: (e as Error).message };
      }
    }
    options.onResult?.(r);
    out.push(r);
  }
  return out;
}

/**
 * The rows only one side has (as multisets of the expected rows' columns), and the two
 * sides as report rows (`{ expected: [...], actual: [...] }`) when they differ.
 */
export function compareRows(expect: ReadonlyArray<Readonly<Record<string, unknown>>>, actual: ReadonlyArray<Readonly<Record<string, unknown>>>): { mismatches: number; sample: Array<Record<string, unknown>> } {
  const columns = [...new Set(expect.flatMap((r) => Object.keys(r)))];
  const key = (r: Readonly<Record<string, unknown>>) => JSON.stringify(columns.map((c) => r[c] ?? null));
  const left = new Map<string, number>();
  for (const r of expect) left.set(key(r), (left.get(key(r)) ?? 0) + 1);
  let unexpected = 0;
  for (const r of actual) {
    const k = key(r);
    const n = left.get(k) ?? 0;
    if (n > 0) left.set(k, n - 1);
    else unexpected++;
  }
  const missing = [...left.values()].reduce((a, b) => a + b, 0);
  const mismatches = missing + unexpected;
  const project = (r: Readonly<Record<string, unknown>>) => Object.fromEntries(columns.map((c) => [c, r[c] ?? null]));
  return { mismatches, sample: mismatches === 0 ? [] : [{ expected: expect.map(project), actual: actual.map(project) }] };
}
