/**
 * The search box's selector (`docsSelector`, evaluated in the browser) against the
 * project's own selection (`xorq ls --select`): the same models for every form of the
 * grammar, on the example project's docs index.
 */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { DocsIndex } from "../src/docs/docs-model.js";
import { docsSelector } from "../src/docs/docs-selector.js";
import { xorqInProcess } from "./helpers/cli.js";
import { exampleCopy, readIndex } from "./docs-helpers.js";

let project: string;
let index: DocsIndex;

beforeAll(async () => {
  project = exampleCopy();
  expect((await xorqInProcess(project, ["docs", "generate"])).code).toBe(0);
  index = readIndex(join(project, "target", "docs"));
});

const SELECTIONS = [
  "orders_enriched",
  "+orders_enriched",
  "orders_enriched+",
  "1+orders_enriched+1",
  "@order_totals",
  "tag:daily",
  "tag:reports",
  "tag:mar*",
  "+customer_value tag:reports",
  "tag:daily,+big_spenders",
  "path:models/marts",
  "models/staging",
  "models/marts/revenue_by_month.sql",
  "source:orders",
  "source:order_*",
  "kind:ts",
  "kind:sql",
  "profile:local",
  "stg_*",
  "2+top_products",
];

describe("the docs search box", () => {
  it.each(SELECTIONS)("selects what xorq ls --select selects: %s", async (selection) => {
    const ls = await xorqInProcess(project, ["ls", "--select", ...selection.split(" ")]);
    expect(ls.code).toBe(0);
    const models = index.nodes.filter((n) => n.type === "model");
    expect([...docsSelector().select(models, selection)].sort()).toEqual(ls.stdout.trim().split("\n").filter((l) => l !== ""));
  });

  it("says what is wrong with a selection it cannot evaluate", () => {
    const models = index.nodes.filter((n) => n.type === "model");
    const error = (s: string) => {
      try {
        docsSelector().select(models, s);
        return null;
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(error("nope")).toBe("no model named 'nope'");
    expect(error("colour:red")).toContain("unknown selector method 'colour:'");
    expect(error("state:modified")).toContain("does not have");
    expect(error("@+orders_enriched")).toContain("@ already includes ancestors");
    expect(error("a,,b")).toContain("empty selector");
    expect(error("   ")).toBeNull();
  });
});
