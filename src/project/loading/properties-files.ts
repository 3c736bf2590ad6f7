/**
 * dbt-style properties files: a YAML file among the models whose top-level keys are
 * `models:` / `sources:` (`models/schema.yml`). It declares no model: it adds
 * descriptions, columns and data tests to models and sources declared elsewhere, in
 * dbt's exact shape (`- name: customers`, `columns: - name: id`, `tests:` or
 * `data_tests:`). A model's own description wins over the file's; columns and tests add up.
 */
import { readFileSync } from "node:fs";
import type { ModelSpec, SourceSpec, SpecPos, YamlPos } from "../project-spec.js";
import { declaredTests } from "../../testing/test-declarations.js";
import { sourceTableName } from "../model-kinds/model-kind.js";
import { type FileReader, asObj, readYaml } from "./file-reader.js";

/** A top-level key only a properties file has (a YAML model's schema allows none of them). */
const PROPERTIES_KEY = /^(models|sources|version)\s*:/m;

/** One `models:` or `sources:` entry of a properties file, its tests' positions in that file. */
export interface PropertiesEntry {
  readonly of: "model" | "source";
  readonly name: string;
  readonly description: string | null;
  readonly declared: ReturnType<typeof declaredTests>;
  readonly at: SpecPos;
}

/** The model directories' files split into properties files and the rest (model files). */
export function splitPropertiesFiles(paths: ReadonlyArray<string>): [string[], string[]] {
  const properties: string[] = [];
  const rest: string[] = [];
  for (const path of paths) (/\.ya?ml$/.test(path) && PROPERTIES_KEY.test(readFileSync(path, "utf8")) ? properties : rest).push(path);
  return [properties, rest];
}

export function loadPropertiesFile(path: string, reader: FileReader): PropertiesEntry[] {
  const file = reader.display(path);
  const parsed = readYaml(reader, path, "properties");
  if (!parsed || parsed.data === null) return [];
  const v = asObj(parsed.data);
  const entry = (of: PropertiesEntry["of"], raw: unknown, yaml: YamlPos["yaml"]): PropertiesEntry => {
    const e = asObj(raw);
    return {
      of,
      name: String(e["name"]),
      description: e["description"] === undefined ? null : String(e["description"]),
      declared: declaredTests(e, { file, yaml }),
      at: { file, yaml: [...yaml, "name"] },
    };
  };
  const list = (key: string) => (Array.isArray(v[key]) ? (v[key] as unknown[]) : []);
  return [
    ...list("models").map((m, i) => entry("model", m, ["models", i])),
    // dbt's source groups list their tables (source('<group>', '<table>')); an entry without `tables:` is one source.
    ...list("sources").flatMap((g, i) => {
      const tables = asObj(g)["tables"];
      return Array.isArray(tables)
        ? tables.map((t, j) => ({ ...entry("source", t, ["sources", i, "tables", j]), name: sourceTableName(String(asObj(g)["name"]), String(asObj(t)["name"])) }))
        : [entry("source", g, ["sources", i])];
    }),
  ];
}

/** Models and sources with their properties files' descriptions, columns and tests added; an entry naming nothing is a problem. */
export function applyProperties(
  entries: ReadonlyArray<PropertiesEntry>,
  sources: ReadonlyArray<SourceSpec>,
  models: ReadonlyArray<ModelSpec>,
  reader: FileReader,
): { sources: SourceSpec[]; models: ModelSpec[] } {
  const add = <T extends ModelSpec | SourceSpec>(owners: ReadonlyArray<T>, of: PropertiesEntry["of"]): T[] => {
    const mine = entries.filter((e) => e.of === of);
    const names = new Set(owners.map((o) => o.name));
    for (const e of mine) {
      if (!names.has(e.name)) reader.problems.add(reader.positions.pos(e.at), `properties of ${of} '${e.name}', which is not a ${of} of the project`);
    }
    return owners.map((o) => {
      const own = mine.filter((e) => e.name === o.name);
      if (own.length === 0) return o;
      return {
        ...o,
        description: o.description ?? own.find((e) => e.description !== null)?.description ?? null,
        columns: [...o.columns, ...own.flatMap((e) => e.declared.columns)],
        tests: [...o.tests, ...own.flatMap((e) => e.declared.tests)],
      };
    });
  };
  return { sources: add(sources, "source"), models: add(models, "model") };
}
