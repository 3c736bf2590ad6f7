/**
 * dbt's selection grammar over a model DAG, without a project or an engine:
 *
 *   raw_a   raw_b
 *     \     /   \
 *     stg_ab    stg_b
 *       |     /   |
 *     mart_x      mart_y
 *       |
 *     report
 */
import { describe, expect, it } from "vitest";
import { type SelectionGraph, selectionNeeds, parseSelection, selectModels } from "../src/project/graph/selection.js";
import { SelectionError, parseSelector } from "../src/project/graph/selector-parser.js";
import { topologicalOrder } from "../src/project/graph/project-graph.js";

const PARENTS: Record<string, string[]> = {
  raw_a: [],
  raw_b: [],
  stg_ab: ["raw_a", "raw_b"],
  stg_b: ["raw_b"],
  mart_x: ["stg_ab", "stg_b"],
  mart_y: ["stg_b"],
  report: ["mart_x"],
};
const INFO: Record<string, { tags: string[]; file: string; profile: string; sources: string[]; kind: string }> = {
  raw_a: { tags: ["raw"], file: "models/raw/raw_a.yaml", profile: "local", sources: ["orders"], kind: "yaml" },
  raw_b: { tags: ["raw", "daily"], file: "models/raw/raw_b.sql", profile: "pg", sources: ["users"], kind: "sql" },
  stg_ab: { tags: ["daily"], file: "models/staging/stg_ab.sql", profile: "local", sources: [], kind: "sql" },
  stg_b: { tags: [], file: "models/staging/stg_b.ts", profile: "local", sources: [], kind: "ts" },
  mart_x: { tags: ["daily", "finance"], file: "models/marts/mart_x.yaml", profile: "local", sources: [], kind: "yaml" },
  mart_y: { tags: ["finance"], file: "models/marts/mart_y.sql", profile: "wh", sources: ["users"], kind: "sql" },
  report: { tags: ["weekly"], file: "models/marts/reports/report.ts", profile: "local", sources: [], kind: "ts" },
};

function graph(state: SelectionGraph["state"] = null): SelectionGraph {
  const names = topologicalOrder(Object.keys(PARENTS).sort(), new Map(Object.entries(PARENTS)), () => {
    throw new Error("no cycle expected");
  });
  const children = (n: string) => names.filter((c) => PARENTS[c]!.includes(n));
  return { names, parents: (n) => PARENTS[n]!, children, info: (n) => INFO[n]!, profile: (n) => INFO[n]!.profile, state };
}

const sel = (select?: string | string[], exclude?: string | string[], state: SelectionGraph["state"] = null) =>
  selectModels(graph(state), parseSelection({ select, exclude })).sort();

describe("selection", () => {
  it("selects everything by default, in dependency order", () => {
    const all = selectModels(graph(), parseSelection({}));
    expect(all.length).toBe(7);
    for (const [child, parents] of Object.entries(PARENTS)) for (const p of parents) expect(all.indexOf(p)).toBeLessThan(all.indexOf(child));
  });

  it.each([
    ["stg_b", ["stg_b"]],
    ["stg_b+", ["mart_x", "mart_y", "report", "stg_b"]],
    ["+stg_ab", ["raw_a", "raw_b", "stg_ab"]],
    ["+report", ["mart_x", "raw_a", "raw_b", "report", "stg_ab", "stg_b"]],
    ["1+mart_x", ["mart_x", "stg_ab", "stg_b"]],
    ["2+report", ["mart_x", "report", "stg_ab", "stg_b"]],
    ["raw_b+1", ["raw_b", "stg_ab", "stg_b"]],
    ["1+stg_b+1", ["mart_x", "mart_y", "raw_b", "stg_b"]],
    ["@stg_ab", ["mart_x", "raw_a", "raw_b", "report", "stg_ab", "stg_b"]],
    ["@mart_y", ["mart_y", "raw_b", "stg_b"]],
    ["tag:daily", ["mart_x", "raw_b", "stg_ab"]],
    ["tag:fin*", ["mart_x", "mart_y"]],
    ["path:models/staging", ["stg_ab", "stg_b"]],
    ["path:models/marts/", ["mart_x", "mart_y", "report"]],
    ["path:xorq_project/models/marts/reports", ["report"]],
    ["models/raw/raw_a.yaml", ["raw_a"]],
    ["path:models/*/stg_*.sql", ["stg_ab"]],
    ["profile:pg+", ["mart_x", "mart_y", "raw_b", "report", "stg_ab", "stg_b"]],
    ["source:users", ["mart_y", "raw_b"]],
    ["kind:ts", ["report", "stg_b"]],
    ["stg_*", ["stg_ab", "stg_b"]],
    ["tag:daily tag:weekly", ["mart_x", "raw_b", "report", "stg_ab"]],
    ["tag:daily,tag:finance", ["mart_x"]],
    ["+mart_x,tag:raw", ["raw_a", "raw_b"]],
    ["tag:raw+,tag:finance stg_b", ["mart_x", "mart_y", "stg_b"]],
    ["tag:nothing", []],
  ])("%s", (selector, expected) => {
    expect(sel(selector)).toEqual(expected);
  });

  it("takes several --select values as a union, and subtracts --exclude", () => {
    expect(sel(["raw_a", "mart_y"])).toEqual(["mart_y", "raw_a"]);
    expect(sel("raw_b+", "tag:finance")).toEqual(["raw_b", "report", "stg_ab", "stg_b"]);
    expect(sel(undefined, ["path:models/marts", "raw_a"])).toEqual(["raw_b", "stg_ab", "stg_b"]);
    expect(sel("+report", "stg_ab+")).toEqual(["raw_a", "raw_b", "stg_b"]);
  });

  it("selects by state against a previous manifest", () => {
    const state = { isNew: (n: string) => n === "mart_y", isModified: (n: string) => n === "stg_ab" };
    expect(sel("state:new", undefined, state)).toEqual(["mart_y"]);
    expect(sel("state:modified", undefined, state)).toEqual(["mart_y", "stg_ab"]);
    expect(sel("state:modified+", undefined, state)).toEqual(["mart_x", "mart_y", "report", "stg_ab"]);
    expect(sel("state:modified+,tag:daily", undefined, state)).toEqual(["mart_x", "stg_ab"]);
    expect(sel("state:unmodified", "raw_*", state)).toEqual(["mart_x", "report", "stg_b"]);
    expect(sel("state:old", undefined, state).length).toBe(6);
  });

  it.each([
    ["nope", "no model named 'nope'"],
    ["stgb", "(did you mean 'stg_b'?)"],
    ["tga:daily", "unknown selector method 'tga:'"],
    ["tag:", "tag: needs a value"],
    ["a,,b", "empty selector"],
    ["@1+stg_b", "@ already includes ancestors"],
    ["stg_b++", "cannot parse selector"],
    ["state:fresh", "unknown state 'fresh'"],
    ["state:modified", "pass --state DIR"],
  ])("rejects %s", (selector, message) => {
    const run = () => sel(selector);
    expect(run).toThrow(SelectionError);
    expect(run).toThrow(message);
  });

  it("knows which selections need more than the spec's graph (profile:, state:)", () => {
    expect(selectionNeeds(parseSelection({ select: ["+report", "tag:daily,path:models/marts"], exclude: "kind:ts" }))).toEqual({ profile: false, state: false });
    expect(selectionNeeds(parseSelection({ select: "report+,profile:pg" }))).toEqual({ profile: true, state: false });
    expect(selectionNeeds(parseSelection({ select: "report", exclude: "state:modified" }))).toEqual({ profile: false, state: true });
    // On the spec's graph (no profiles known), a profile: atom is a bug in the caller, not a user error.
    const specGraph = { ...graph(), profile: null };
    expect(selectModels(specGraph, parseSelection({ select: "+mart_x", exclude: "tag:raw" }))).toEqual(["stg_ab", "stg_b", "mart_x"]);
    expect(() => selectModels(specGraph, parseSelection({ select: "profile:pg" }))).toThrow("needs the models' profiles");
  });

  it("parses depths and operators into plain data", () => {
    expect(parseSelector("2+tag:daily+")).toEqual([[{ text: "2+tag:daily+", method: "tag", value: "daily", parents: 2, children: Infinity, at: false }]]);
    expect(parseSelector("@a,b+3 c")).toEqual([
      [
        { text: "@a", method: "name", value: "a", parents: 0, children: 0, at: true },
        { text: "b+3", method: "name", value: "b", parents: 0, children: 3, at: false },
      ],
      [{ text: "c", method: "name", value: "c", parents: 0, children: 0, at: false }],
    ]);
  });
});

describe("dependency order and cycles", () => {
  it("orders a 20,000-model chain without overflowing the stack", () => {
    const n = 20_000;
    const names = Array.from({ length: n }, (_, i) => `m${String(i).padStart(5, "0")}`);
    const parents = new Map(names.map((name, i) => [name, i === 0 ? [] : [names[i - 1]!]]));
    const order = topologicalOrder([...names].reverse(), parents, () => {
      throw new Error("no cycle");
    });
    expect(order).toEqual(names);
  });

  it("reports each cycle once, from its smallest name, and leaves out what depends on it", () => {
    const parents = new Map<string, string[]>([
      ["a", ["c"]], ["b", ["a"]], ["c", ["b"]], ["d", ["d"]], ["e", ["a"]], ["f", []], ["g", ["f"]],
    ]);
    const cycles: string[] = [];
    const order = topologicalOrder(["g", "e", "d", "c", "b", "a", "f"], parents, (c) => cycles.push(c.join(" > ")));
    expect(cycles.sort()).toEqual(["a > c > b > a", "d > d"]);
    expect(order).toEqual(["f", "g"]);
  });
});
