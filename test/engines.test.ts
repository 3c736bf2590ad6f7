/**
 * The engine registry is the one list of engines: profiles.schema.json, the dialect
 * lookup and the profile openers must agree with it, and loading it loads no driver.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Connections } from "../src/backends/connections.js";
import { ENGINES, availableKinds, dialectFor, engineFor } from "../src/backends/engines.js";
import { validateYaml } from "../src/project/loading/validate.js";

const ROOT = new URL("..", import.meta.url).pathname;

interface KindSchema {
  readonly properties: Readonly<Record<string, { readonly $ref?: string }>>;
  readonly required?: ReadonlyArray<string>;
  readonly additionalProperties: boolean;
}

const schema = JSON.parse(readFileSync(`${ROOT}schemas/profiles.schema.json`, "utf8")) as {
  $defs: Record<string, unknown> & {
    profile: { properties: { kind: { enum: string[] } }; allOf: Array<{ if: { properties: { kind: { const: string } } }; then: { $ref: string } }> };
  };
};

function kindSchema(kind: string): KindSchema {
  const branch = schema.$defs.profile.allOf.find((b) => b.if.properties.kind.const === kind);
  expect(branch, `profiles.schema.json has no branch for kind '${kind}'`).toBeDefined();
  return schema.$defs[branch!.then.$ref.replace("#/$defs/", "")] as KindSchema;
}

/** A profiles.yaml with one profile of `kind` giving `params`. */
function profilesYaml(kind: string, params: Readonly<Record<string, string>>): string {
  return `profiles:\n  p:\n    kind: ${kind}\n${Object.entries(params).map(([k, v]) => `    ${k}: "${v}"\n`).join("")}`;
}

describe("the engine registry", () => {
  it("keys every engine by its kind; the kinds are what the tool reports", () => {
    for (const [key, engine] of Object.entries(ENGINES)) expect(engine.kind).toBe(key);
    expect(availableKinds()).toEqual(Object.keys(ENGINES).sort());
    for (const engine of Object.values(ENGINES)) {
      expect(dialectFor(engine.kind)).toBe(engine.dialect);
      for (const s of engine.secrets) expect(engine.params, `${engine.kind}: secret ${s} is a setting`).toContain(s);
      for (const r of engine.required) expect(engine.params, `${engine.kind}: required ${r} is a setting`).toContain(r);
    }
  });

  it("knows no kind outside it, not even a name every object has", () => {
    expect(engineFor("constructor")).toBeNull();
    expect(engineFor("oracle")).toBeNull();
    expect(() => dialectFor("toString")).toThrow(`unknown SQL dialect 'toString'; known: ${Object.keys(ENGINES).join(", ")}`);
  });

  it("matches profiles.schema.json: every kind, its settings, its required settings", () => {
    expect([...schema.$defs.profile.properties.kind.enum].sort()).toEqual(availableKinds());
    for (const engine of Object.values(ENGINES)) {
      const s = kindSchema(engine.kind);
      expect(s.additionalProperties, engine.kind).toBe(false);
      expect(Object.keys(s.properties).filter((k) => k !== "kind").sort(), `${engine.kind} settings`).toEqual([...engine.params].sort());
      expect([...(s.required ?? [])].sort(), `${engine.kind} required settings`).toEqual([...engine.required].sort());
      for (const key of engine.params) {
        const isSecret = s.properties[key]!.$ref === "#/$defs/secret";
        expect(isSecret, `${engine.kind}.${key} is ${engine.secrets.includes(key) ? "" : "not "}a secret`).toBe(engine.secrets.includes(key));
      }
    }
  });

  it("schema: secrets only as ${env:…} references, other settings as written", () => {
    for (const engine of Object.values(ENGINES)) {
      const given = Object.fromEntries(engine.params.map((k) => [k, engine.secrets.includes(k) ? "${env:XORQ_SECRET}" : "${env:XORQ_VALUE:-v}"]));
      expect(validateYaml("profiles", profilesYaml(engine.kind, given), "profiles.yaml").errors, engine.kind).toEqual([]);
      for (const secret of engine.secrets) {
        for (const literal of ["hunter2", "x${env:XORQ_SECRET}", "${env:XORQ_SECRET:-hunter2}"]) {
          const errors = validateYaml("profiles", profilesYaml(engine.kind, { ...given, [secret]: literal }), "profiles.yaml").errors;
          expect(errors.map((e) => e.message).join("\n"), `${engine.kind}.${secret} = ${literal}`).toContain("a secret comes from the environment");
        }
      }
      // An empty default (no password) is a reference, not a secret.
      expect(validateYaml("profiles", profilesYaml(engine.kind, { ...given, ...Object.fromEntries(engine.secrets.map((k) => [k, "${env:XORQ_SECRET:-}"])) }), "profiles.yaml").errors, engine.kind).toEqual([]);
    }
  });

  it("opens profiles through it: unknown kinds and settings are errors naming what is known", async () => {
    const connections = new Connections(
      [{ name: "w", kind: "oracle", params: {} }, { name: "d", kind: "duckdb", params: { path: ":memory:", port: 1 } }],
      { baseDir: ROOT },
    );
    expect(() => connections.get("w")).toThrow(`profile 'w' has unknown kind 'oracle' (known: ${availableKinds().join(", ")})`);
    await expect(connections.get("d").listTables()).rejects.toThrow("duckdb profile 'd': unknown setting(s) port; known: path");
    await connections.closeAll();
  });

  it("loads no driver: the registry and the connections import each engine's driver only when a profile opens", () => {
    const script = `
      const { createRequire } = await import("node:module");
      await import(${JSON.stringify(`${ROOT}dist/backends/engines.js`)});
      await import(${JSON.stringify(`${ROOT}dist/backends/connections.js`)});
      const cache = createRequire(import.meta.url).cache;
      console.log(JSON.stringify(Object.keys(cache)));`;
    const loaded = JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" })) as string[];
    expect(loaded.filter((m) => /node_modules\/(pg|snowflake-sdk|@google-cloud|@databricks|@duckdb)\//.test(m))).toEqual([]);
  });
});
