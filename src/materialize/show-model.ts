/**
 * `xorq show MODEL`: the first rows of a model, read from its environment's view when it
 * is materialized (nothing is computed), else computed from its expression.
 */
import type * as arrow from "apache-arrow";
import { Table } from "../expr/table.js";
import { countStar } from "../expr/value.js";
import type { Project } from "../project/project.js";
import type { Services } from "../services.js";
import { openEngineStates } from "./environments.js";
import { planMaterializations } from "./materialize-plan.js";

export interface ModelRows {
  readonly head: arrow.Table;
  readonly total: number;
  /** The view read (`<schema>.<name>`), or null for a model computed from its expression. */
  readonly view: string | null;
}

export class NoEnvironmentViewError extends Error {
  override readonly name = "NoEnvironmentViewError";
  readonly exitCode = 1;
}

export async function showModel(project: Project, name: string, env: string, limit: number, services: Services): Promise<ModelRows> {
  const m = project.models.get(name)!;
  const plan = planMaterializations(project, env);
  const model = plan.models.get(name);
  let table = m.table;
  let view: string | null = null;
  if (model) {
    const row = (await openEngineStates(project, plan)).get(model.profile)!.state.row(env, name);
    if (!row) throw new NoEnvironmentViewError(`model '${name}' has no view in environment '${env}' yet (create it with: xorq run --select ${name} --env ${env})`);
    view = row.view;
    const connection = project.connections.get(model.profile);
    table = new Table({ kind: "table", name: row.view, backend: model.backend, schema: m.table.node.schema }, { backends: new Map([[model.profile, connection]]), memtables: new Map() });
  }
  const scope = { baseDir: project.location.projectDir };
  const head = await services.execute(table.limit(limit), scope);
  const counted = await services.execute(table.agg({ rows: countStar() }), scope);
  return { head, total: Number(counted.getChildAt(0)?.get(0) ?? 0), view };
}
