/**
 * Environments as their engines keep them: listing them, and promoting one to another
 * (`xorq env promote ci prod`), which points the target's views at the source's
 * physical relations and computes nothing.
 *
 * ```ts
 * const plan = planMaterializations(project, "prod");
 * const engines = await openEngineStates(project, plan);
 * listEnvironments(engines);                       // [{ env: "ci", models: 3, ... }, ...]
 * await promoteEnvironment(project, plan, engines, "ci", "prod", ["orders"]);
 * ```
 */
import type { EnvironmentRow } from "../backends/materialization-ddl.js";
import type { Project } from "../project/project.js";
import { Semaphore } from "../util/semaphore.js";
import { EngineState } from "./engine-state.js";
import { pointEnvironmentViews } from "./materialize-model.js";
import type { MaterializePlan, MaterializedModel } from "./materialize-plan.js";

/** Each engine's state and the lock of its environment views, by profile. */
export type EngineStates = ReadonlyMap<string, { readonly state: EngineState; readonly lock: Semaphore }>;

/** Reads the state of every engine a materialized model of the plan lands in. */
export async function openEngineStates(project: Project, plan: MaterializePlan): Promise<EngineStates> {
  const engines = new Map<string, { state: EngineState; lock: Semaphore }>();
  for (const m of plan.models.values()) {
    if (engines.has(m.profile)) continue;
    engines.set(m.profile, { state: await EngineState.load(project.connections.get(m.profile), m.ddl), lock: new Semaphore(1) });
  }
  return engines;
}

export interface EnvironmentSummary {
  readonly env: string;
  /** Models whose view it has. */
  readonly models: number;
  /** The profiles of the engines holding its views, sorted. */
  readonly profiles: ReadonlyArray<string>;
  /** When one of its views last changed (ISO 8601). */
  readonly updatedAt: string;
}

export function listEnvironments(engines: EngineStates): EnvironmentSummary[] {
  const byEnv = new Map<string, { models: number; profiles: Set<string>; updatedAt: string }>();
  for (const [profile, { state }] of engines) {
    for (const row of state.rows()) {
      let e = byEnv.get(row.env);
      if (!e) byEnv.set(row.env, (e = { models: 0, profiles: new Set(), updatedAt: row.updatedAt }));
      e.models++;
      e.profiles.add(profile);
      if (row.updatedAt > e.updatedAt) e.updatedAt = row.updatedAt;
    }
  }
  return [...byEnv.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([env, e]) => ({ env, models: e.models, profiles: [...e.profiles].sort(), updatedAt: e.updatedAt }));
}

export interface Promotion {
  readonly name: string;
  /** promoted: `to` now reads `from`'s relation; unchanged: it already did; missing: `from` has no view of the model. */
  readonly status: "promoted" | "unchanged" | "missing";
  /** `to`'s view, `<schema>.<name>`. */
  readonly view: string | null;
}

/** Points `to`'s views of the models `names` (the materialized ones) at the relations `from`'s views read: one transaction per engine. */
export async function promoteEnvironment(project: Project, plan: MaterializePlan, engines: EngineStates, from: string, to: string, names: ReadonlyArray<string>): Promise<Promotion[]> {
  const out = new Map<string, Promotion>();
  const byProfile = new Map<string, Array<{ model: MaterializedModel; relation: EnvironmentRow }>>();
  for (const name of names) {
    const model = plan.models.get(name);
    if (!model) continue;
    const { state } = engines.get(model.profile)!;
    const source = state.row(from, name);
    const current = state.row(to, name);
    if (!source) out.set(name, { name, status: "missing", view: null });
    else if (current && current.relation === source.relation) out.set(name, { name, status: "unchanged", view: current.view });
    else {
      let list = byProfile.get(model.profile);
      if (!list) byProfile.set(model.profile, (list = []));
      list.push({ model, relation: source });
    }
  }
  for (const [profile, targets] of byProfile) {
    const { state, lock } = engines.get(profile)!;
    const views = await pointEnvironmentViews(project.connections.get(profile), state, lock, to, targets);
    targets.forEach((t, i) => out.set(t.model.name, { name: t.model.name, status: "promoted", view: views[i]! }));
  }
  return names.flatMap((n) => out.get(n) ?? []);
}

export interface ModelDifference {
  readonly name: string;
  /** same: both views read one relation; changed: they read different ones; only_a / only_b: one environment has no view of it. */
  readonly status: "same" | "changed" | "only_a" | "only_b";
  /** The relation each environment's view reads (null: no view). */
  readonly a: string | null;
  readonly b: string | null;
}

/** How two environments' views of every model either has differ, by model name. */
export function diffEnvironments(engines: EngineStates, a: string, b: string): ModelDifference[] {
  const out = new Map<string, ModelDifference>();
  for (const { state } of engines.values()) {
    const models = new Set(state.rows().filter((r) => r.env === a || r.env === b).map((r) => r.model));
    for (const name of models) {
      const ra = state.row(a, name)?.relation ?? null;
      const rb = state.row(b, name)?.relation ?? null;
      out.set(name, { name, status: ra === null ? "only_b" : rb === null ? "only_a" : ra === rb ? "same" : "changed", a: ra, b: rb });
    }
  }
  return [...out.values()].sort((x, y) => (x.name < y.name ? -1 : 1));
}
