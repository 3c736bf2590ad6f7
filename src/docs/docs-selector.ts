/**
 * The dbt selector grammar of `src/project/graph/` (`+orders`, `tag:daily`, `2+name+1`,
 * `@name`, unions and intersections), as one self-contained function the site embeds as
 * its source text: the search box evaluates selections in the browser, with no server.
 * It must not use anything outside its own body (its text is all the page gets). Its
 * answers are those of `selectModels` (test/docs-selector.test.ts compares them);
 * `state:` needs a previous build, which a docs page does not have.
 *
 * ```ts
 * const select = docsSelector();
 * select.select(graph, "+orders tag:daily"); // Set of model names
 * ```
 */

/** The models the selector sees, as the docs index lists them. */
export interface SelectorModel {
  readonly name: string;
  readonly tags: ReadonlyArray<string>;
  readonly file: string;
  readonly sources: ReadonlyArray<string>;
  readonly kind: string;
  readonly engine: string;
  readonly parents: ReadonlyArray<string>;
  readonly children: ReadonlyArray<string>;
}

export interface DocsSelector {
  /** The selected model names; throws an Error whose message says what is wrong with `text`. */
  select(models: ReadonlyArray<SelectorModel>, text: string): Set<string>;
}

export function docsSelector(): DocsSelector {
  interface Atom {
    readonly text: string;
    readonly method: string;
    readonly value: string;
    readonly parents: number;
    readonly children: number;
    readonly at: boolean;
  }
  const METHODS = ["name", "tag", "path", "profile", "state", "source", "kind"];
  const ATOM = /^(@)?(?:(\d*)\+)?([^+@]+)(?:\+(\d*))?$/;
  const depth = (t: string | undefined): number => (t === undefined ? 0 : t === "" ? Infinity : Number(t));

  function parseAtom(text: string): Atom {
    const m = ATOM.exec(text);
    if (!m) throw new Error(`cannot parse selector '${text}' (forms: name, name+, +name, 2+name+1, @name, tag:T, path:P, profile:P)`);
    const [, at, up, body, down] = m;
    if (at && up !== undefined) throw new Error(`'${text}': @ already includes ancestors; use @name or +name, not both`);
    const colon = body!.indexOf(":");
    let method: string;
    let value: string;
    if (colon >= 0) {
      method = body!.slice(0, colon);
      if (!METHODS.includes(method)) throw new Error(`unknown selector method '${method}:' in '${text}'; methods: ${METHODS.join(", ")}`);
      value = body!.slice(colon + 1);
    } else {
      method = body!.includes("/") || /\.(ya?ml|sql|ts)$/.test(body!) ? "path" : "name";
      value = body!;
    }
    if (value === "") throw new Error(`'${text}': ${method}: needs a value`);
    if (method === "state") throw new Error(`'${text}': state: compares with a previous build, which the docs site does not have`);
    return { text, method, value, parents: depth(up), children: depth(down), at: at === "@" };
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

  function select(models: ReadonlyArray<SelectorModel>, text: string): Set<string> {
    const byName = new Map(models.map((m) => [m.name, m]));
    const matches = (atom: Atom): Set<string> => {
      const { method, value } = atom;
      const g = glob(value);
      const path = method === "path" ? pathMatcher(value) : null;
      if (method === "name" && !value.includes("*") && !byName.has(value)) throw new Error(`no model named '${value}'`);
      const test = (m: SelectorModel): boolean => {
        switch (method) {
          case "name": return g(m.name);
          case "tag": return m.tags.some(g);
          case "path": return path!(m.file);
          case "profile": return g(m.engine);
          case "source": return m.sources.some(g);
          default: return m.kind === value;
        }
      };
      return new Set(models.filter(test).map((m) => m.name));
    };
    const walk = (start: Iterable<string>, next: (m: SelectorModel) => ReadonlyArray<string>, maxDepth: number): Set<string> => {
      const seen = new Set<string>();
      let frontier = [...start];
      for (let d = 0; d < maxDepth && frontier.length > 0; d++) {
        const following: string[] = [];
        for (const n of frontier) {
          for (const x of next(byName.get(n)!)) {
            if (!seen.has(x)) {
              seen.add(x);
              following.push(x);
            }
          }
        }
        frontier = following;
      }
      return seen;
    };
    const evaluateAtom = (atom: Atom): Set<string> => {
      const base = matches(atom);
      const out = new Set(base);
      if (atom.at) {
        for (const n of walk(base, (m) => m.children, Infinity)) out.add(n);
        for (const n of walk(out, (m) => m.parents, Infinity)) out.add(n);
        return out;
      }
      if (atom.parents > 0) for (const n of walk(base, (m) => m.parents, atom.parents)) out.add(n);
      if (atom.children > 0) for (const n of walk(base, (m) => m.children, atom.children)) out.add(n);
      return out;
    };
    // Parsed whole before anything is evaluated, as `parseSelector`: a typo is reported first.
    const terms = text.trim().split(/\s+/).filter((t) => t !== "").map((term) =>
      term.split(",").map((a) => {
        if (a === "") throw new Error(`empty selector in '${term}' (a comma joins two selectors)`);
        return parseAtom(a);
      }),
    );
    const out = new Set<string>();
    for (const term of terms) {
      const [first, ...rest] = term.map(evaluateAtom);
      for (const n of first ?? []) if (rest.every((s) => s.has(n))) out.add(n);
    }
    return out;
  }

  return { select };
}
