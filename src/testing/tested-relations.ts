/**
 * What `xorq test --env E` tests a materialized model over: the physical relation its
 * view in E points at, read in its engine (nothing is computed). The relation is named
 * by the model's key, so the test's hash, and with it its cached result, changes when
 * the model's data does. Models without a view in E (and ephemeral ones) are tested over
 * their expressions.
 */
import { Table } from "../expr/table.js";
import { openEngineStates } from "../materialize/environments.js";
import { planMaterializations } from "../materialize/materialize-plan.js";
import { PHYSICAL_SCHEMA } from "../materialize/relation-names.js";
import type { Project } from "../project/project.js";

/** The tables to test instead of the models' expressions, by model name. */
export async function environmentTables(project: Project, names: ReadonlyArray<string>, env: string): Promise<Map<string, Table>> {
  const plan = planMaterializations(project, env);
  const out = new Map<string, Table>();
  const mine = names.filter((n) => plan.models.has(n));
  if (mine.length === 0) return out;
  const engines = await openEngineStates(project, plan);
  for (const name of mine) {
    const model = plan.models.get(name)!;
    const row = engines.get(model.profile)!.state.row(env, name);
    if (!row) continue;
    const schema = project.models.get(name)!.table.node.schema;
    const backends = new Map([[model.profile, project.connections.get(model.profile)] as const]);
    out.set(name, new Table({ kind: "table", name: `${PHYSICAL_SCHEMA}.${row.relation}`, backend: model.backend, schema }, { backends, memtables: new Map() }));
  }
  return out;
}
