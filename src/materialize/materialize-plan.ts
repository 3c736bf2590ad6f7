/**
 * Which models `xorq run` materializes and where: each model's settings (defaults
 * applied), the engine it lands in (the one its last step runs in) and the names of its
 * environment view. Checked before anything runs: a `view` must be one query in one
 * engine over stored relations, so a view over an expression that spans engines, holds
 * in-memory data or a cache is an error at load time (as is any materialized model
 * made only of in-memory data, which has no engine to land in).
 */
import type { BackendKind } from "../backends/engines.js";
import type { MaterializationDdl, QualifiedName } from "../backends/materialization-ddl.js";
import { nodeHash } from "../expr/canonical.js";
import { relationInputs } from "../expr/node-kinds.js";
import { type BackendRef, type DatabaseTableNode, type RelationNode, backendOf } from "../expr/relation-nodes.js";
import { SpecPositions } from "../project/loading/spec-positions.js";
import type { Materialized } from "../project/model-kinds/model-definition.js";
import { ProblemList } from "../project/project-errors.js";
import { keyPos } from "../project/project-spec.js";
import type { Project } from "../project/project.js";
import { ddlFor } from "./engine-ddl.js";
import { modelSettings } from "./model-settings.js";
import { overRelations } from "./physical-inputs.js";
import { PHYSICAL_SCHEMA, environmentView } from "./relation-names.js";

/** A model `xorq run` leaves in its engine. */
export interface MaterializedModel {
  readonly name: string;
  readonly materialized: Exclude<Materialized, "ephemeral">;
  /** The schema of its environment views (the engine's default when none is configured). */
  readonly schema: string;
  readonly alias: string;
  /** The profile of the engine it lands in. */
  readonly profile: string;
  readonly backend: BackendRef;
  readonly ddl: MaterializationDdl;
}

export interface MaterializePlan {
  /** The environment the run writes. */
  readonly env: string;
  /** Every materialized model among the project's resolved ones (the selected and their ancestors). */
  readonly models: ReadonlyMap<string, MaterializedModel>;
}

/** The plan for `env`; throws one `ProjectError` listing every model that cannot be materialized as configured. */
export function planMaterializations(project: Project, env: string): MaterializePlan {
  const problems = new ProblemList();
  const positions = new SpecPositions(project.location.root);
  const models = new Map<string, MaterializedModel>();
  for (const name of project.order) {
    const m = project.models.get(name)!;
    const settings = modelSettings(m.spec, project.config);
    if (settings.materialized === "ephemeral") continue;
    const at = () => positions.pos(m.spec.materialization.materialized !== null ? keyPos(m.spec, ["materialized"]) : m.spec.at);
    const backend = backendOf(m.table.node);
    if (!backend) {
      problems.add(at(), `model '${name}' is materialized: ${settings.materialized} but is made only of in-memory data, so it has no engine to land in (add an into_backend step or a profile)`);
      continue;
    }
    const ddl = ddlFor(backend.kind as BackendKind);
    const model: MaterializedModel = { name, materialized: settings.materialized, schema: settings.schema ?? ddl.defaultSchema, alias: settings.alias, profile: backend.name, backend, ddl };
    if (model.materialized === "view") {
      const why = notOneQuery(overRelations(m.table.node, upstreamRelations(project, models, name, () => "_")), backend);
      if (why) {
        problems.add(at(), `model '${name}' cannot be materialized: view because its expression ${why}; a view is one query in one engine (use materialized: table)`);
        continue;
      }
    }
    models.set(name, model);
  }
  problems.throwIfAny();
  return { env, models };
}

/** The view of a model in an environment. */
export function viewOf(model: MaterializedModel, env: string): QualifiedName {
  return environmentView(model.schema, model.alias, env, model.ddl.identifierLimit);
}

/**
 * What a model's expression reads instead of its materialized ancestors: by their
 * expression's hash, a table node over the relation `relationOf` names for them (null:
 * no relation, the ancestor stays inlined).
 */
export function upstreamRelations(
  project: Project,
  materialized: ReadonlyMap<string, MaterializedModel>,
  name: string,
  relationOf: (ancestor: string) => string | null,
): Map<string, DatabaseTableNode> {
  const out = new Map<string, DatabaseTableNode>();
  const seen = new Set<string>();
  const todo = [...(project.graph.parents.get(name) ?? [])];
  while (todo.length > 0) {
    const a = todo.pop()!;
    if (seen.has(a)) continue;
    seen.add(a);
    const up = materialized.get(a);
    const relation = up ? relationOf(a) : null;
    if (up && relation !== null) {
      const node = project.models.get(a)!.table.node;
      out.set(nodeHash(node), { kind: "table", name: `${PHYSICAL_SCHEMA}.${relation}`, backend: up.backend, schema: node.schema });
      continue; // what it reads is in its relation
    }
    todo.push(...(project.graph.parents.get(a) ?? []));
  }
  return out;
}

/** Why an expression is not one query in `engine` (null when it is). */
function notOneQuery(root: RelationNode, engine: BackendRef): string | null {
  const seen = new Set<RelationNode>();
  const visit = (n: RelationNode): string | null => {
    if (seen.has(n)) return null;
    seen.add(n);
    if (n.kind === "memtable") return "holds in-memory data";
    if (n.kind === "into_backend") return `spans engines (it moves data into ${n.backend.name})`;
    if (n.kind === "cache") return "holds a cache (its rows live outside the engine's query)";
    const own = backendOf(n);
    if (own && own.name !== engine.name) return `spans engines (it reads from ${own.name} and lands in ${engine.name})`;
    for (const input of relationInputs(n)) {
      const why = visit(input);
      if (why) return why;
    }
    return null;
  };
  return visit(root);
}
