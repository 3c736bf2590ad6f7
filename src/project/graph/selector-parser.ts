/**
 * dbt's node selection grammar, parsed into plain data:
 *
 *   selection := term (" " term)*        union
 *   term      := atom ("," atom)*        intersection
 *   atom      := ["@"] [[N] "+"] [method ":"] value ["+" [N]]
 *
 * `name+` adds descendants, `+name` ancestors, `2+name+1` limits the depth, `@name` adds
 * the descendants and all of their ancestors. Methods: name (default), tag, path,
 * profile, state (modified, new, unmodified, old), source (models reading it), kind
 * (yaml, sql, ts). Values may use `*` wildcards (not state).
 */
import { closestMatch } from "../../expr/errors.js";

export type SelectorMethod = "name" | "tag" | "path" | "profile" | "state" | "source" | "kind";

export const SELECTOR_METHODS: ReadonlyArray<SelectorMethod> = ["name", "tag", "path", "profile", "state", "source", "kind"];
export const STATE_VALUES = ["modified", "new", "unmodified", "old"] as const;

export interface SelectorAtom {
  readonly text: string;
  readonly method: SelectorMethod;
  readonly value: string;
  /** Include ancestors up to this depth (Infinity for all), or 0. */
  readonly parents: number;
  /** Include descendants up to this depth (Infinity for all), or 0. */
  readonly children: number;
  /** `@`: descendants and all of their ancestors. */
  readonly at: boolean;
}

/** A union of intersections. */
export type Selector = ReadonlyArray<ReadonlyArray<SelectorAtom>>;

/** A selection that cannot be parsed or evaluated; exit code 2. */
export class SelectionError extends Error {
  override readonly name = "SelectionError";
  readonly exitCode = 2;
}

const ATOM = /^(@)?(?:(\d*)\+)?([^+@]+)(?:\+(\d*))?$/;

/** Parses one or more selection strings (several `--select` values are a union too). */
export function parseSelector(inputs: string | ReadonlyArray<string>): Selector {
  const texts = typeof inputs === "string" ? [inputs] : inputs;
  const terms = texts.flatMap((t) => t.trim().split(/\s+/)).filter((t) => t !== "");
  return terms.map((term) =>
    term.split(",").map((atomText) => {
      if (atomText === "") throw new SelectionError(`empty selector in '${term}' (a comma joins two selectors)`);
      return parseAtom(atomText);
    }),
  );
}

function depth(text: string | undefined): number {
  return text === undefined ? 0 : text === "" ? Infinity : Number(text);
}

function parseAtom(text: string): SelectorAtom {
  const m = ATOM.exec(text);
  if (!m) throw new SelectionError(`cannot parse selector '${text}' (forms: name, name+, +name, 2+name+1, @name, tag:T, path:P, profile:P, state:modified)`);
  const [, at, up, body, down] = m;
  if (at && up !== undefined) throw new SelectionError(`'${text}': @ already includes ancestors; use @name or +name, not both`);
  const colon = body!.indexOf(":");
  let method: SelectorMethod;
  let value: string;
  if (colon >= 0) {
    const name = body!.slice(0, colon);
    if (!(SELECTOR_METHODS as ReadonlyArray<string>).includes(name)) {
      const hint = closestMatch(name, SELECTOR_METHODS);
      throw new SelectionError(`unknown selector method '${name}:' in '${text}'${hint ? ` (did you mean '${hint}:'?)` : ""}; methods: ${SELECTOR_METHODS.join(", ")}`);
    }
    method = name as SelectorMethod;
    value = body!.slice(colon + 1);
  } else {
    method = body!.includes("/") || /\.(ya?ml|sql|ts)$/.test(body!) ? "path" : "name";
    value = body!;
  }
  if (value === "") throw new SelectionError(`'${text}': ${method}: needs a value`);
  if (method === "state" && !(STATE_VALUES as ReadonlyArray<string>).includes(value)) {
    throw new SelectionError(`unknown state '${value}' in '${text}'; use state:${STATE_VALUES.join(", state:")}`);
  }
  return { text, method, value, parents: depth(up), children: depth(down), at: at === "@" };
}
