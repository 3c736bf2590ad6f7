/**
 * Every model kind, in one table: the loader picks a file's kind by its name ending,
 * the resolver dispatches on the spec's `kind`. A new kind is one file implementing
 * `ModelKind` (model-kind.ts), one line here and its spec in the `ModelSpec` union.
 */
import { JINJA_KIND, type JinjaModelSpec } from "./jinja/jinja-kind.js";
import type { ModelKind } from "./model-kind.js";
import { SQL_KIND, type SqlModelSpec } from "./sql-kind.js";
import { TS_KIND, type TsModelSpec } from "./ts-kind.js";
import { YAML_STEPS_KIND, type YamlStepsModelSpec } from "./yaml-steps-kind.js";

export type ModelSpec = YamlStepsModelSpec | SqlModelSpec | JinjaModelSpec | TsModelSpec;

export type ModelKindName = ModelSpec["kind"];

export const MODEL_KINDS: { readonly [K in ModelKindName]: ModelKind<Extract<ModelSpec, { kind: K }>> } = {
  yaml: YAML_STEPS_KIND,
  sql: SQL_KIND,
  jinja: JINJA_KIND,
  ts: TS_KIND,
};

/** A spec's kind, typed for its spec (the table's type ties each kind to its spec). */
export function kindOf<S extends ModelSpec>(spec: S): ModelKind<S> {
  return MODEL_KINDS[spec.kind] as unknown as ModelKind<S>;
}

/** Name endings, longest first, so `.sql.j2` would win over `.j2`. */
const ENDINGS = (Object.keys(MODEL_KINDS) as ModelKindName[])
  .flatMap((k) => MODEL_KINDS[k].extensions.map((ext) => [ext, k] as const))
  .sort(([a], [b]) => b.length - a.length);

/** The kind that loads a file, or null when the file is no model (a declaration file `.d.ts` is none). */
export function kindForFile(path: string): ModelKind<ModelSpec> | null {
  if (path.endsWith(".d.ts")) return null;
  const found = ENDINGS.find(([ext]) => path.endsWith(ext));
  return found ? (MODEL_KINDS[found[1]] as unknown as ModelKind<ModelSpec>) : null;
}
