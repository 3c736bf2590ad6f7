/**
 * Issue 17.12: a duplicate YAML key is named whole, not by its first letter (the yaml
 * library points at the key's first character only).
 */
import { describe, expect, it } from "vitest";
import { validateYaml } from "../src/project/loading/validate.js";

const messageOf = (text: string): string => {
  const { errors } = validateYaml("model", text, "m.yaml");
  expect(errors).toHaveLength(1);
  return `${errors[0]!.line}:${errors[0]!.col}: ${errors[0]!.message}`;
};

describe("a duplicate key is named", () => {
  it("a plain key", () => {
    expect(messageOf("name: a\nfrom: source('x')\nname: b\n")).toBe("3:1: duplicate key 'name': each key may appear once in a mapping");
  });
  it("a nested key", () => {
    expect(messageOf("name: a\nfrom: source('x')\ncache:\n  storage: parquet\n  storage: source\n")).toBe("5:3: duplicate key 'storage': each key may appear once in a mapping");
  });
  it("a quoted key, shown unquoted", () => {
    expect(messageOf("name: a\nfrom: source('x')\n\"description\": x\ndescription: y\n")).toBe("4:1: duplicate key 'description': each key may appear once in a mapping");
    expect(messageOf("name: a\nfrom: source('x')\ndescription: x\n'description': y\n")).toBe("4:1: duplicate key 'description': each key may appear once in a mapping");
  });
});
