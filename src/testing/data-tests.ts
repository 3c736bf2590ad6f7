/**
 * Builds the declared data tests of a project's models and sources into expressions:
 * each test's failing rows over the tested table (`generic-tests.ts`), with its
 * severity and thresholds. Every problem (an unknown test, a column the model does not
 * have, a bad argument or expression) is collected with file:line:col and reported
 * together, before any test runs.
 */
import { nodeHash } from "../expr/canonical.js";
import type { Table } from "../expr/table.js";
import { countStar } from "../expr/value.js";
import { closestMatch } from "../expr/errors.js";
import { parseValueExpression } from "../project/expression-language/expression-parser.js";
import type { SourceOrigin } from "../project/expression-language/expression-source.js";
import { SpecPositions } from "../project/loading/spec-positions.js";
import { ProblemList, positionOf } from "../project/project-errors.js";
import type { Project } from "../project/project.js";
import { type SpecPos, type TestDecl, type YamlPos, testPos } from "../project/project-spec.js";
import { varLiteral } from "../project/project-vars.js";
import { GENERIC_TESTS, type GenericTest, TestArgumentError, isGenericTest } from "./generic-tests.js";
import { type Threshold, parseThreshold } from "./thresholds.js";
import { resolveSingularTest, singularTestSelected } from "./singular-tests.js";
import { type InputRef, projectInput } from "./project-inputs.js";

export type Severity = "error" | "warn";

/** One data test, ready to run. */
export interface DataTest {
  /** Unique in the project (dbt's naming: `unique_orders_id`), or the declared `name:`. */
  readonly name: string;
  readonly type: "generic" | "singular";
  /** The generic test (`unique`), or `singular`. */
  readonly test: string;
  /** The tested model or source (a singular test: the first model it reads). */
  readonly of: { readonly kind: "model" | "source"; readonly name: string };
  readonly column: string | null;
  readonly severity: Severity;
  readonly errorIf: Threshold;
  readonly warnIf: Threshold;
  /** The failing rows. */
  readonly failures: Table;
  /** `count(*)` of the failing rows: what runs. */
  readonly count: Table;
  /** The content hash of `count` (the test's definition and the tested expression). */
  readonly hash: string;
}

/** The arguments every test takes (dbt's test configs), besides its own. */
const SHARED_ARGS = ["name", "severity", "where", "error_if", "warn_if", "tags", "meta", "enabled", "column_name"] as const;

type Owner = { readonly kind: "model" | "source"; readonly name: string; readonly at: SpecPos; readonly keys: YamlPos | null; readonly tests: ReadonlyArray<TestDecl>; readonly table: Table };

/**
 * The tests of the selected models, and of the sources they read, in model order, then
 * the singular tests that read a selected model; throws a `ProjectError` listing every
 * problem. Expects the project resolved (relationships read their `to:` model).
 * `tested` replaces models' expressions by the tables to test (`environmentTables`).
 */
export async function buildDataTests(project: Project, names: ReadonlyArray<string>, tested: ReadonlyMap<string, Table> = new Map()): Promise<DataTest[]> {
  const problems = new ProblemList();
  const positions = new SpecPositions(project.location.root);
  const owners: Owner[] = [];
  const seenSources = new Set<string>();
  for (const name of names) {
    const m = project.models.get(name);
    if (!m) continue;
    for (const s of project.graph.sourcesOf.get(name) ?? []) {
      const spec = project.graph.sources.get(s);
      const source = project.sources.get(s);
      if (spec && source && !seenSources.has(s) && spec.tests.length > 0) {
        seenSources.add(s);
        owners.push({ kind: "source", name: s, at: spec.at, keys: spec.keys, tests: spec.tests, table: source.table });
      }
    }
    owners.push({ kind: "model", name, at: m.spec.at, keys: m.spec.keys, tests: m.spec.tests, table: tested.get(name) ?? m.table });
  }
  const input = (ref: InputRef): Table => {
    try {
      return projectInput(project, ref);
    } catch (e) {
      throw new TestArgumentError(["to"], (e as Error).message);
    }
  };
  const built: DataTest[] = [];
  const explicit = new Set<string>();
  for (const owner of owners) {
    for (const decl of owner.tests) {
      const t = buildOne(project, owner, decl, input, positions, problems);
      if (!t) continue;
      if (decl.args["name"] !== undefined) {
        if (explicit.has(t.name)) problems.add(positions.pos(testPos(owner, decl)), `two tests are named '${t.name}'`);
        explicit.add(t.name);
      }
      built.push(t);
    }
  }
  const selected = new Set(names);
  for (const spec of project.singularTests.filter((t) => singularTestSelected(t, selected))) {
    const failures = await resolveSingularTest(project, spec, problems, positions);
    if (!failures) continue;
    if (explicit.has(spec.name)) problems.add(positions.pos(spec.at), `two tests are named '${spec.name}'`);
    explicit.add(spec.name);
    const count = failures.agg({ failures: countStar() });
    const anyRow = { op: "!=", n: 0 } as const;
    built.push({ name: spec.name, type: "singular", test: "singular", of: { kind: "model", name: spec.refs[0]!.name }, column: null, severity: "error", errorIf: anyRow, warnIf: anyRow, failures, count, hash: nodeHash(count.node) });
  }
  problems.throwIfAny();
  return uniqueNames(built, explicit);
}

/** Generated names that collide get `_2`, `_3`, ... (a declared `name:` is kept as written). */
function uniqueNames(tests: DataTest[], explicit: ReadonlySet<string>): DataTest[] {
  const used = new Set(explicit);
  return tests.map((t) => {
    if (explicit.has(t.name)) return t;
    let name = t.name;
    for (let n = 2; used.has(name); n++) name = `${t.name}_${n}`;
    used.add(name);
    return name === t.name ? t : { ...t, name };
  });
}

function buildOne(
  project: Project,
  owner: Owner,
  decl: TestDecl,
  input: (ref: InputRef) => Table,
  positions: SpecPositions,
  problems: ProblemList,
): DataTest | null {
  const here = testPos(owner, decl);
  // An argument's place: under the test's name (the nearest node there when it is nested
  // under dbt's `arguments:` / `config:`, or the test is a bare name).
  const at = (arg: ReadonlyArray<string>, key = false): SpecPos => {
    if (arg.length === 0 || !("yaml" in here)) return here;
    const { key: _key, ...value } = here;
    return { ...value, yaml: [...here.yaml, decl.test, ...arg], ...(key ? { key: true as const } : {}) };
  };
  const problem = (arg: ReadonlyArray<string>, message: string, key = false) => {
    problems.add(positions.pos(at(arg, key)), `test ${decl.test} on ${owner.kind} '${owner.name}'${decl.column ? `, column '${decl.column}'` : ""}: ${message}`);
    return null;
  };
  if (!isGenericTest(decl.test)) return problem([], `unknown test '${decl.test}'${suggest(decl.test)} (tests: ${Object.keys(GENERIC_TESTS).join(", ")})`);
  const generic: GenericTest = GENERIC_TESTS[decl.test];
  if (decl.args["enabled"] === false) return null;
  const unknown = Object.keys(decl.args).filter((k) => !generic.args.includes(k) && !(SHARED_ARGS as readonly string[]).includes(k));
  if (unknown.length > 0) return problem([unknown[0]!], `unknown argument '${unknown[0]}' (arguments: ${[...generic.args, ...SHARED_ARGS].join(", ")})`, true);
  const missing = generic.required.find((k) => decl.args[k] === undefined);
  if (missing) return problem([], `missing argument '${missing}'`);
  const column = decl.column ?? (decl.args["column_name"] === undefined ? null : String(decl.args["column_name"]));
  if (generic.column === "required" && column === null) return problem([], "needs a column: write it under columns: (or give column_name:)");
  if (generic.column === "none" && column !== null) return problem([], "tests the whole model: write it under the model's tests:, not a column's");
  if (column !== null && !owner.table.columns.includes(column)) {
    return problem([], `column '${column}' is not a column of ${owner.kind} '${owner.name}'${suggestFrom(column, owner.table.columns)} (columns: ${owner.table.columns.join(", ")})`);
  }
  const severity = decl.args["severity"] === undefined ? "error" : String(decl.args["severity"]).toLowerCase();
  if (severity !== "error" && severity !== "warn") return problem(["severity"], `severity must be error or warn, got '${severity}'`);
  const thresholds: Partial<Record<"error_if" | "warn_if", Threshold>> = {};
  for (const key of ["error_if", "warn_if"] as const) {
    const text = decl.args[key] === undefined ? "!=0" : String(decl.args[key]);
    const parsed = parseThreshold(text);
    if (!parsed) return problem([key], `${key} must be a comparison with a whole number, e.g. ">10" or "!=0", got '${text}'`);
    thresholds[key] = parsed;
  }
  // Expression strings get their file positions only when one fails (positions cost a YAML parse).
  const attempt = (origin: (arg: string) => SourceOrigin) => {
    const expression = (text: string, arg: string) => parseValueExpression(text, { vars: project.vars, varLiteral, ...origin(arg) });
    const where = decl.args["where"];
    const table = where === undefined ? owner.table : owner.table.filter(expression(String(where), "where"));
    return generic.failures({ table, column, args: decl.args, expression, input });
  };
  let failures: Table;
  try {
    failures = attempt(() => ({ file: here.file }));
  } catch {
    try {
      failures = attempt((arg) => {
        const p = at([arg]);
        return "yaml" in p ? positions.origin(p) : { file: here.file };
      });
    } catch (e) {
      if (e instanceof TestArgumentError) return problem(e.arg, e.message);
      const pos = positionOf(e);
      if (pos && pos.file) {
        // An expression error names its own place; its `reason` is the message without it.
        const reason = (e as { reason?: unknown }).reason;
        problems.add({ file: pos.file, line: pos.line, col: pos.col }, `test ${decl.test} on ${owner.kind} '${owner.name}': ${typeof reason === "string" ? reason : (e as Error).message}`);
        return null;
      }
      return problem([], (e as Error).message);
    }
  }
  const count = failures.agg({ failures: countStar() });
  return {
    name: decl.args["name"] === undefined ? generatedName(decl.test, owner.name, column, decl.args) : String(decl.args["name"]),
    type: "generic",
    test: decl.test,
    of: { kind: owner.kind, name: owner.name },
    column,
    severity,
    errorIf: thresholds.error_if!,
    warnIf: thresholds.warn_if!,
    failures,
    count,
    hash: nodeHash(count.node),
  };
}

/** dbt's names: `unique_orders_id`, `accepted_values_orders_status__placed__shipped`, `relationships_orders_customer_id__id__ref_customers_`. */
function generatedName(test: string, owner: string, column: string | null, args: Readonly<Record<string, unknown>>): string {
  const parts = [test, owner, ...(column === null ? [] : [column])].join("_");
  const extra = test === "accepted_values" && Array.isArray(args["values"]) ? (args["values"] as unknown[]).map(String)
    : test === "relationships" ? [String(args["field"]), String(args["to"])]
    : [];
  return [parts, ...extra].join("__").replace(/[^A-Za-z0-9_]+/g, "_");
}

function suggest(name: string): string {
  return suggestFrom(name, Object.keys(GENERIC_TESTS));
}

function suggestFrom(name: string, options: ReadonlyArray<string>): string {
  const close = closestMatch(name, options);
  return close ? ` (did you mean '${close}'?)` : "";
}
