/**
 * Reads data-test declarations as written, in every place they may be: a model's config
 * (YAML keys, front matter, `config()`, `model({...})`), a source, or an entry of a
 * dbt-style properties file. Both shapes of `columns:` are read: SPEC's mapping
 * (`columns: { id: { tests: [unique] } }`) and dbt's list (`columns: [{ name: id, tests:
 * [unique] }]`); `tests:` and dbt's newer `data_tests:` are the same thing.
 *
 * ```ts
 * declaredTests({ columns: { id: { tests: ["unique"] } } }).tests
 * // [{ test: "unique", args: {}, column: "id", path: ["columns", "id", "tests", 0], in: null }]
 * ```
 *
 * A test entry is a name (`unique`), or a mapping of one name to its arguments
 * (`accepted_values: { values: [a, b], severity: warn }`); dbt 1.10's `arguments:` and
 * `config:` sub-mappings are flattened into the arguments, and a package prefix
 * (`dbt_utils.expression_is_true`) is dropped, so a dbt project's files load unchanged.
 */
import { type Obj, asObj as obj } from "../project/loading/file-reader.js";
import type { YamlPath } from "../project/loading/yaml-locate.js";
import type { ColumnDecl, TestDecl, YamlPos } from "../project/project-spec.js";

const TEST_KEYS = ["tests", "data_tests"] as const;

/** Package prefixes of dbt's common test packages: their tests of the same name are ours. */
const PACKAGE_PREFIX = /^(dbt_utils|dbt_expectations|dbt)\./;

/** The columns and tests declared in `v` (a model's, source's or properties entry's mapping); `at` is where `v` is when it is not its owner's own mapping. */
export function declaredTests(v: Obj, at: YamlPos | null = null): { columns: ColumnDecl[]; tests: TestDecl[] } {
  const columns: ColumnDecl[] = [];
  const tests: TestDecl[] = [];
  const testsIn = (owner: Obj, column: string | null, path: YamlPath) => {
    for (const key of TEST_KEYS) {
      const list = owner[key];
      if (Array.isArray(list)) list.forEach((entry, i) => {
        const t = testEntry(entry);
        if (t) tests.push({ ...t, column, path: [...path, key, i], in: at });
      });
    }
  };
  const raw = v["columns"];
  const entries: Array<[string, Obj, YamlPath]> = Array.isArray(raw)
    ? raw.map((c, i) => [String(obj(c)["name"]), obj(c), ["columns", i]])
    : Object.entries(obj(raw)).map(([name, c]) => [name, obj(c), ["columns", name]]);
  for (const [name, c, path] of entries) {
    columns.push({ name, description: c["description"] === undefined ? null : String(c["description"]) });
    testsIn(c, name, path);
  }
  testsIn(v, null, []);
  return { columns, tests };
}

function testEntry(entry: unknown): { test: string; args: Obj } | null {
  if (typeof entry === "string") return { test: entry.replace(PACKAGE_PREFIX, ""), args: {} };
  const keys = Object.keys(obj(entry));
  if (keys.length !== 1) return null; // the JSON Schema reported it
  const name = keys[0]!;
  const value = obj(entry)[name];
  // `expression_is_true: "amount >= 0"`: a test's one argument written in place of the mapping.
  if (typeof value === "string") return { test: name.replace(PACKAGE_PREFIX, ""), args: { expression: value } };
  const { arguments: nested, config, ...rest } = obj(value);
  return { test: name.replace(PACKAGE_PREFIX, ""), args: { ...obj(nested), ...rest, ...obj(config) } };
}
