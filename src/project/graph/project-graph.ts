/**
 * One DAG over every model of the project, whatever its kind: refs resolved by name,
 * unknown names (with a "did you mean"), duplicate names and cycles reported as
 * problems. Linear in models + edges (no per-model walks), so 10,000-model projects
 * stay fast.
 */
import { closestMatch } from "../../expr/errors.js";
import type { ProblemList, SourcePos } from "../project-errors.js";
import type { ModelSpec, ProjectSpec, SourceSpec, SpecPos } from "../project-spec.js";

export interface ProjectGraph {
  /** Models by name (the first declaration when a name is duplicated). */
  readonly models: ReadonlyMap<string, ModelSpec>;
  readonly sources: ReadonlyMap<string, SourceSpec>;
  /** The models each model refs (sorted, unique). */
  readonly parents: ReadonlyMap<string, ReadonlyArray<string>>;
  readonly children: ReadonlyMap<string, ReadonlyArray<string>>;
  /** The sources each model reads directly (sorted, unique). */
  readonly sourcesOf: ReadonlyMap<string, ReadonlyArray<string>>;
  /** Models in dependency order (inputs first); models in or below a cycle are left out. */
  readonly order: ReadonlyArray<string>;
  /** Models that name an unknown model or source (already reported; not resolved further). */
  readonly broken: ReadonlySet<string>;
}

/** `positions`: where the problems found point (positions in the spec are data). */
export function buildGraph(spec: ProjectSpec, problems: ProblemList, positions: { pos(p: SpecPos): SourcePos }): ProjectGraph {
  const models = new Map<string, ModelSpec>();
  for (const m of spec.models) {
    const first = models.get(m.name);
    if (first) {
      problems.add(positions.pos(m.at), `duplicate model name '${m.name}': also defined in ${first.file} (names are unique across YAML, SQL and TS models)`);
      continue;
    }
    models.set(m.name, m);
  }
  const sources = new Map<string, SourceSpec>();
  for (const s of spec.sources) {
    const first = sources.get(s.name);
    if (first) {
      problems.add(positions.pos(s.at), `duplicate source name '${s.name}': also declared in ${first.file}`);
      continue;
    }
    sources.set(s.name, s);
  }

  const parents = new Map<string, string[]>();
  const sourcesOf = new Map<string, string[]>();
  const children = new Map<string, string[]>();
  const broken = new Set<string>();
  for (const name of models.keys()) children.set(name, []);
  // The names of one kind of input a model uses that exist; the others are reported.
  const known = (name: string, uses: ModelSpec["refs"], names: ReadonlyMap<string, unknown>, kind: "ref" | "source", other: ReadonlyMap<string, unknown>): Set<string> => {
    const found = new Set<string>();
    for (const u of uses) {
      if (names.has(u.name)) {
        found.add(u.name);
        continue;
      }
      broken.add(name);
      const hint = closestMatch(u.name, names.keys());
      const otherKind = kind === "ref" ? "source" : "ref";
      const isOther = other.has(u.name) ? ` ('${u.name}' is a ${kind === "ref" ? "source" : "model"}: use ${otherKind}('${u.name}'))` : "";
      problems.add(positions.pos(u.at), `unknown ${kind} '${u.name}'${hint ? ` (did you mean '${hint}'?)` : ""}${isOther}`);
    }
    return found;
  };
  for (const [name, m] of models) {
    const ps = known(name, m.refs, models, "ref", sources);
    const ss = known(name, m.sources, sources, "source", models);
    parents.set(name, [...ps].sort());
    sourcesOf.set(name, [...ss].sort());
    for (const p of ps) children.get(p)!.push(name);
  }
  for (const list of children.values()) list.sort();

  const order = topologicalOrder([...models.keys()].sort(), parents, (cycle) => {
    const first = models.get(cycle[0]!)!;
    const ref = first.refs.find((r) => r.name === cycle[1]);
    problems.add(positions.pos(ref ? ref.at : first.at), `cycle: ${[...cycle].join(" > ")} (each model refs the next)`);
  });
  return { models, sources, parents, children, sourcesOf, order, broken };
}

/**
 * Dependency order by an iterative depth-first walk (a 10,000-model chain must not
 * overflow the stack). Each cycle is reported once, rotated to start at its smallest
 * name and written back to its start (`a > b > c > a`); models in or below a cycle are
 * left out of the order.
 */
export function topologicalOrder(
  names: ReadonlyArray<string>,
  parents: ReadonlyMap<string, ReadonlyArray<string>>,
  onCycle: (cycle: ReadonlyArray<string>) => void,
): string[] {
  const state = new Map<string, 1 | 2 | 3>(); // 1 visiting, 2 done, 3 blocked (in or below a cycle)
  const order: string[] = [];
  const reported = new Set<string>();
  for (const root of names) {
    if (state.has(root)) continue;
    const stack: Array<{ name: string; next: number }> = [{ name: root, next: 0 }];
    state.set(root, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const ps = parents.get(top.name) ?? [];
      if (top.next < ps.length) {
        const p = ps[top.next++]!;
        const s = state.get(p);
        if (s === undefined) {
          state.set(p, 1);
          stack.push({ name: p, next: 0 });
        } else if (s === 1) {
          const start = stack.findIndex((f) => f.name === p);
          // The walk goes from a model to the models it refs, so each member refs the next.
          const members = stack.slice(start).map((f) => f.name);
          const min = members.reduce((a, b) => (b < a ? b : a));
          const i = members.indexOf(min);
          const rotated = [...members.slice(i), ...members.slice(0, i)];
          const key = rotated.join("\u0000");
          if (!reported.has(key)) {
            reported.add(key);
            onCycle([...rotated, rotated[0]!]);
          }
          for (const f of stack.slice(start)) state.set(f.name, 3);
        } else if (s === 3) {
          state.set(top.name, 3);
        }
        continue;
      }
      stack.pop();
      if (state.get(top.name) === 1) {
        state.set(top.name, 2);
        order.push(top.name);
      } else if (stack.length > 0) {
        state.set(stack[stack.length - 1]!.name, 3);
      }
    }
  }
  return order;
}
