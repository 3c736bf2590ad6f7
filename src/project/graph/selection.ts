/**
 * Evaluates a parsed selection over the project DAG: on the spec's graph, before any
 * model is resolved, unless it asks what only resolving tells (`state:`, and `profile:`
 * when a model's engine is decided by running it).
 * Linear in the size of the graph per atom (each graph walk visits a model once).
 */
import { closestMatch } from "../../expr/errors.js";
import type { ProjectGraph } from "./project-graph.js";
import { type Selector, type SelectorAtom, SelectionError, parseSelector } from "./selector-parser.js";

/** What selection needs to know about the models (kept apart from the resolved project, for tests). */
export interface SelectionGraph {
  /** All model names, in dependency order. */
  readonly names: ReadonlyArray<string>;
  parents(name: string): ReadonlyArray<string>;
  children(name: string): ReadonlyArray<string>;
  info(name: string): {
    readonly tags: ReadonlyArray<string>;
    /** Relative to xorq_project/. */
    readonly file: string;
    readonly sources: ReadonlyArray<string>;
    readonly kind: string;
  };
  /** The engine a model runs in, known once it is resolved (`profile:`); null on the spec's graph. */
  readonly profile: ((name: string) => string) | null;
  /** Comparison with a previous manifest (`--state DIR`), or null when none was given. */
  readonly state: { isNew(name: string): boolean; isModified(name: string): boolean } | null;
}

/** `--select` and `--exclude`, parsed (once, where they come in); null: not given. */
export interface Selection {
  readonly select: Selector | null;
  readonly exclude: Selector | null;
}

/** Parses selection strings; an empty or missing `select` selects every model. Throws `SelectionError`. */
export function parseSelection(options: { readonly select?: string | ReadonlyArray<string>; readonly exclude?: string | ReadonlyArray<string> }): Selection {
  const parse = (s: string | ReadonlyArray<string> | undefined) => {
    if (s === undefined) return null;
    const selector = parseSelector(s);
    return selector.length === 0 ? null : selector;
  };
  return { select: parse(options.select), exclude: parse(options.exclude) };
}

/**
 * What the selection asks beyond names, tags, paths, sources and kinds: models' engines
 * (`profile:`: the spec tells them unless a model runs code to decide, see
 * spec-profiles.ts) and the comparison with a previous build (`state:`: a model's
 * definition hash covers the values of the vars it read, which only resolving tells).
 */
export function selectionNeeds(selection: Selection): { readonly profile: boolean; readonly state: boolean } {
  const atoms = [...(selection.select ?? []), ...(selection.exclude ?? [])].flat();
  return { profile: atoms.some((a) => a.method === "profile"), state: atoms.some((a) => a.method === "state") };
}

/** The selected model names, in dependency order. */
export function selectModels(graph: SelectionGraph, selection: Selection): string[] {
  const chosen = selection.select === null ? new Set(graph.names) : evaluate(graph, selection.select);
  if (selection.exclude !== null) for (const n of evaluate(graph, selection.exclude)) chosen.delete(n);
  return graph.names.filter((n) => chosen.has(n));
}

/**
 * The selection view of a project's graph. `known` adds each model's engine and the
 * comparison with a previous build (from the resolved project, or the engines from the
 * spec); without it, a selection that `selectionNeeds` them cannot be evaluated.
 */
export function graphSelection(
  graph: ProjectGraph,
  known: { readonly profile: (name: string) => string; readonly state: SelectionGraph["state"] } | null,
): SelectionGraph {
  return {
    names: graph.order,
    parents: (n) => graph.parents.get(n) ?? [],
    children: (n) => graph.children.get(n) ?? [],
    info: (n) => {
      const m = graph.models.get(n)!;
      return { tags: m.tags, file: m.file, sources: graph.sourcesOf.get(n) ?? [], kind: m.kind };
    },
    profile: known?.profile ?? null,
    state: known?.state ?? null,
  };
}

export function evaluate(graph: SelectionGraph, selector: Selector): Set<string> {
  const out = new Set<string>();
  for (const term of selector) {
    const [first, ...rest] = term.map((atom) => evaluateAtom(graph, atom));
    for (const n of first ?? []) if (rest.every((s) => s.has(n))) out.add(n);
  }
  return out;
}

function glob(pattern: string): (s: string) => boolean {
  if (!pattern.includes("*")) return (s) => s === pattern;
  const re = new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
  return (s) => re.test(s);
}

function pathMatcher(value: string): (file: string) => boolean {
  const v = value.replace(/^\.\//, "").replace(/^xorq_project\//, "").replace(/\/+$/, "");
  const exact = glob(v);
  return (file) => exact(file) || file.startsWith(`${v}/`) || (v.includes("*") && glob(`${v}/*`)(file));
}

function matches(graph: SelectionGraph, atom: SelectorAtom): Set<string> {
  const { method, value } = atom;
  if (method === "state") {
    if (!graph.state) throw new SelectionError(`'${atom.text}' compares with a previous build: pass --state DIR (a previous target/ directory)`);
    const st = graph.state;
    const test = value === "new" ? st.isNew : value === "modified" ? (n: string) => st.isNew(n) || st.isModified(n)
      : value === "old" ? (n: string) => !st.isNew(n) : (n: string) => !st.isNew(n) && !st.isModified(n);
    return new Set(graph.names.filter((n) => test.call(st, n)));
  }
  let test: (name: string) => boolean;
  switch (method) {
    case "name": {
      const g = glob(value);
      test = g;
      if (!value.includes("*") && !graph.names.includes(value)) {
        const hint = closestMatch(value, graph.names);
        throw new SelectionError(`no model named '${value}'${hint ? ` (did you mean '${hint}'?)` : ""}`);
      }
      break;
    }
    case "tag": {
      const g = glob(value);
      test = (n) => graph.info(n).tags.some(g);
      break;
    }
    case "path": {
      const m = pathMatcher(value);
      test = (n) => m(graph.info(n).file);
      break;
    }
    case "profile": {
      const g = glob(value);
      const profile = graph.profile;
      if (!profile) throw new Error(`'${atom.text}' needs the models' profiles (see selectionNeeds)`);
      test = (n) => g(profile(n));
      break;
    }
    case "source": {
      const g = glob(value);
      test = (n) => graph.info(n).sources.some(g);
      break;
    }
    case "kind":
      test = (n) => graph.info(n).kind === value;
      break;
  }
  return new Set(graph.names.filter(test));
}

/** Models reachable from `start` by `next` within `maxDepth` steps (not including `start`). */
function walk(start: Iterable<string>, next: (n: string) => ReadonlyArray<string>, maxDepth: number): Set<string> {
  const seen = new Set<string>();
  let frontier = [...start];
  for (let d = 0; d < maxDepth && frontier.length > 0; d++) {
    const nextFrontier: string[] = [];
    for (const n of frontier) {
      for (const m of next(n)) {
        if (!seen.has(m)) {
          seen.add(m);
          nextFrontier.push(m);
        }
      }
    }
    frontier = nextFrontier;
  }
  return seen;
}

function evaluateAtom(graph: SelectionGraph, atom: SelectorAtom): Set<string> {
  const base = matches(graph, atom);
  const out = new Set(base);
  const parents = (n: string) => graph.parents(n);
  const children = (n: string) => graph.children(n);
  if (atom.at) {
    const down = walk(base, children, Infinity);
    for (const n of down) out.add(n);
    for (const n of walk(out, parents, Infinity)) out.add(n);
    return out;
  }
  if (atom.parents > 0) for (const n of walk(base, parents, atom.parents)) out.add(n);
  if (atom.children > 0) for (const n of walk(base, children, atom.children)) out.add(n);
  return out;
}
