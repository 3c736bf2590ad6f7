/**
 * Singular tests (dbt's `tests/*.sql`): a SQL query, with ref/source/var (and Jinja) as
 * in a SQL model, whose rows are the failures. Resolved like a SQL model over the
 * project's resolved models and sources, when tests run (no model depends on them).
 */
import { kindOf } from "../project/model-kinds/model-kinds.js";
import type { ResolveEnv } from "../project/model-kinds/model-kind.js";
import type { SpecPositions } from "../project/loading/spec-positions.js";
import { type ProblemList, ProjectError, positionOf } from "../project/project-errors.js";
import type { Project } from "../project/project.js";
import type { ModelSpec } from "../project/project-spec.js";
import { SchemaCache } from "../project/resolve/schema-cache.js";
import type { Table } from "../expr/table.js";
import { projectInput } from "./project-inputs.js";

/** Whether a singular test belongs to the selection: it reads a selected model. */
export function singularTestSelected(spec: ModelSpec, selected: ReadonlySet<string>): boolean {
  return spec.refs.some((r) => selected.has(r.name));
}

/** The failing rows of a singular test; null when a problem was reported. */
export async function resolveSingularTest(project: Project, spec: ModelSpec, problems: ProblemList, positions: SpecPositions): Promise<Table | null> {
  const report = (e: unknown, fallback: { file: string; line: number; col: number }) => {
    if (e instanceof ProjectError) {
      for (const p of e.problems) problems.add(p, p.message);
      return;
    }
    const pos = positionOf(e);
    problems.add(pos && pos.file !== undefined ? { file: pos.file, line: pos.line, col: pos.col } : fallback, `singular test '${spec.name}': ${(e as Error).message}`);
  };
  const profile = spec.profile ?? project.config.defaultProfile;
  const env: ResolveEnv = {
    location: project.location,
    projectVars: project.vars,
    vars: project.vars,
    connections: project.connections,
    // Schemas of test queries are asked of the engine each time (tests are few, and run anyway).
    schemas: await SchemaCache.open(null),
    problems,
    positions,
    declaredProfile: spec.profile,
    profile: () => {
      if (project.connections.has(profile)) return profile;
      problems.add(positions.pos(spec.at), `singular test '${spec.name}': unknown profile '${profile}'`);
      return null;
    },
    input: (ref) => projectInput(project, ref),
    cachePolicy: () => {
      throw new Error("a singular test takes no cache: its result is cached by its hash and its data's change signals");
    },
    report,
  };
  try {
    return await kindOf(spec).resolve(spec, env);
  } catch (e) {
    report(e, positions.pos(spec.at));
    return null;
  }
}
