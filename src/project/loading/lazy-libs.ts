/**
 * yaml and ajv, loaded on first use. A load served from the parse cache parses no YAML
 * and validates nothing, so `xorq ls` on an unchanged project does not pay for loading
 * them (~100 ms together). They are CommonJS-compatible, so `require` loads them
 * synchronously where the callers (validation, error positions) are synchronous.
 */
import { createRequire } from "node:module";
import type * as Ajv2020Module from "ajv/dist/2020.js";
import type * as YamlModule from "yaml";

const require = createRequire(import.meta.url);
let yaml: typeof YamlModule | null = null;
let ajv: typeof Ajv2020Module | null = null;

export function yamlLib(): typeof YamlModule {
  return (yaml ??= require("yaml") as typeof YamlModule);
}

export function ajvLib(): typeof Ajv2020Module {
  return (ajv ??= require("ajv/dist/2020.js") as typeof Ajv2020Module);
}
