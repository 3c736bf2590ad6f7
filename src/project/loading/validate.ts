/**
 * Validates a project's YAML files against the JSON Schemas in `schemas/` (draft 2020-12,
 * checked by ajv) and reports every problem at `file:line:col`.
 *
 * ```ts
 * const { value, errors } = validateYaml("model", text, "models/clean_orders.yaml");
 * for (const e of errors) console.error(`${e.file}:${e.line}:${e.col}: ${e.message}`);
 * ```
 *
 * YAML syntax errors come first (and stop there: there is no value to check). Schema
 * errors are mapped from ajv's JSON pointer back to the YAML node they concern: an
 * unknown key points at the key, a wrong value at the value, a missing key at the
 * mapping that lacks it. Messages say what was expected in YAML words ("a list", "a
 * mapping") and suggest the closest allowed key or value.
 */
import { readFileSync } from "node:fs";
import type { Ajv2020, ErrorObject, ValidateFunction } from "ajv/dist/2020.js";
import type { Document, Node } from "yaml";
import { ajvLib, yamlLib } from "./lazy-libs.js";
import { closestMatch } from "../../expr/errors.js";

/** The YAML files of a project, each with its schema (`schemas/<kind>.schema.json`). */
export const YAML_FILE_KINDS = ["project", "profiles", "sources", "model", "sql-front-matter", "properties"] as const;
export type YamlFileKind = (typeof YAML_FILE_KINDS)[number];

export interface YamlProblem {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

export interface YamlValidation {
  /** The file's content as plain data; null when it is not valid YAML. */
  readonly value: unknown;
  /** Every problem, in file order; empty when the file is valid. */
  readonly errors: ReadonlyArray<YamlProblem>;
}

export interface ValidateOptions {
  /** Added to every line: the front matter of a SQL file starts on line 2 (after `---`), so pass 1. */
  readonly lineOffset?: number;
}

const SCHEMA_DIR = new URL("../../../schemas/", import.meta.url);

/** `x-messages` in a schema: a friendlier message per failing keyword. */
const MESSAGES_KEYWORD = "x-messages";

let ajv: Ajv2020 | null = null;
const validators = new Map<YamlFileKind, ValidateFunction>();

function loadSchema(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(name, SCHEMA_DIR), "utf8")) as Record<string, unknown>;
}

/** Each schema is compiled once, on first use (compiling costs milliseconds; most commands need one or two kinds). */
function validatorFor(kind: YamlFileKind): ValidateFunction {
  let v = validators.get(kind);
  if (!v) {
    if (!ajv) {
      // validateSchema: false skips checking our own schemas against the draft 2020-12
      // meta-schema on every start (~45 ms); test/validate.test.ts checks them instead.
      ajv = new (ajvLib().Ajv2020)({ allErrors: true, verbose: true, strict: true, strictRequired: false, strictTypes: false, validateSchema: false });
      ajv.addKeyword({ keyword: MESSAGES_KEYWORD, schemaType: "object" });
      ajv.addSchema(loadSchema("common.schema.json"));
    }
    v = ajv.compile(loadSchema(`${kind}.schema.json`));
    validators.set(kind, v);
  }
  return v;
}

/** Parses `text` as YAML and checks it against the schema of `kind`; `file` names it in every problem. */
export function validateYaml(kind: YamlFileKind, text: string, file: string, options: ValidateOptions = {}): YamlValidation {
  const { LineCounter, parseDocument } = yamlLib();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number, message: string): YamlProblem => {
    const { line, col } = lines.linePos(offset);
    return { file, line: line + (options.lineOffset ?? 0), col, message };
  };

  const syntax = syntaxProblem(doc, text);
  if (syntax) return { value: null, errors: [at(syntax.offset, syntax.message)] };

  const value: unknown = doc.toJS({ maxAliasCount: 1000 }) ?? null;
  const validate = validatorFor(kind);
  if (validate(value)) return { value, errors: [] };

  const problems = relevantErrors(validate.errors ?? []).map((e) => {
    const { offset, message } = describeError(e, doc);
    return at(offset, message);
  });
  const seen = new Set<string>();
  const errors = problems
    .filter((p) => {
      const key = `${p.line}:${p.col}:${p.message}`;
      return seen.has(key) ? false : (seen.add(key), true);
    })
    .sort((a, b) => a.line - b.line || a.col - b.col);
  return { value, errors };
}

/** The first YAML syntax error (later ones are usually its echoes), or an alias that points nowhere. */
function syntaxProblem(doc: Document.Parsed, text: string): { offset: number; message: string } | null {
  const { visit } = yamlLib();
  const first = doc.errors[0];
  if (first) {
    const snippet = text.slice(first.pos[0], first.pos[1]);
    switch (first.code) {
      case "DUPLICATE_KEY":
        return { offset: first.pos[0], message: `duplicate key${/^[^\n]{1,60}$/.test(snippet) ? ` '${snippet}'` : ""}: each key may appear once in a mapping` };
      case "MULTIPLE_DOCS":
        return { offset: first.pos[0], message: "the file holds more than one YAML document (a second '---'); keep one" };
      default:
        return { offset: first.pos[0], message: `invalid YAML: ${first.message}` };
    }
  }
  if (!text.includes("*")) return null; // no alias in the file: skip the walk
  let unresolved: { offset: number; message: string } | null = null;
  visit(doc, {
    Alias(_key, node) {
      if (!unresolved && !node.resolve(doc)) {
        unresolved = { offset: node.range?.[0] ?? 0, message: `alias *${node.source} refers to no anchor &${node.source}` };
      }
    },
  });
  return unresolved;
}

/**
 * Drops errors that only restate another: the branches of a failed oneOf/anyOf (its own
 * message says what was expected), the summary of a bad key name (its inner error says
 * what is wrong with it) and the "must match then schema" of if/then.
 */
function relevantErrors(errors: ReadonlyArray<ErrorObject>): ErrorObject[] {
  const combinators = errors.filter((e) => e.keyword === "oneOf" || e.keyword === "anyOf");
  return errors.filter((e) => {
    if (e.keyword === "if" || e.keyword === "propertyNames") return false;
    return !combinators.some((c) => c !== e && c.instancePath === e.instancePath && e.schemaPath.startsWith(`${c.schemaPath}/`));
  });
}

function pathOf(pointer: string): Array<string | number> {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** `steps[2].join.how`, for messages. */
function displayPath(path: ReadonlyArray<string | number>): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

/** The YAML node at a path (the deepest existing one), and the key node of its last step. */
function nodeAt(doc: Document.Parsed, path: ReadonlyArray<string | number>): { node: Node | null; key: Node | null } {
  const { isAlias, isMap, isPair, isScalar, isSeq } = yamlLib();
  let node: unknown = doc.contents;
  let key: Node | null = null;
  for (const step of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(step));
      if (!pair) break;
      key = pair.key as Node;
      node = pair.value;
    } else if (isSeq(node) && typeof step === "number" && step < node.items.length) {
      key = null;
      node = node.items[step];
    } else {
      break;
    }
  }
  if (isAlias(node)) node = node.resolve(doc);
  return { node: (node as Node | null) ?? null, key };
}

function keyOffset(doc: Document.Parsed, path: ReadonlyArray<string | number>, name: string): number {
  const { isMap, isScalar } = yamlLib();
  const { node } = nodeAt(doc, path);
  if (isMap(node)) {
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === name);
    if (pair && (pair.key as Node).range) return (pair.key as Node).range![0];
  }
  return node?.range?.[0] ?? 0;
}

const TYPE_WORDS: Record<string, string> = {
  object: "a mapping",
  array: "a list",
  string: "a string",
  number: "a number",
  integer: "a whole number",
  boolean: "true or false",
  null: "null",
};

function describeData(data: unknown): string {
  if (data === null || data === undefined) return "nothing";
  if (Array.isArray(data)) return "a list";
  if (typeof data === "object") return "a mapping";
  if (typeof data === "string") return `the string '${data}'`;
  if (typeof data === "number") return `the number ${data}`;
  return String(data);
}

function listWords(words: ReadonlyArray<string>): string {
  return words.length <= 1 ? (words[0] ?? "") : `${words.slice(0, -1).join(", ")} or ${words[words.length - 1]}`;
}

function describeError(e: ErrorObject, doc: Document.Parsed): { offset: number; message: string } {
  const path = pathOf(e.instancePath);
  const prefix = path.length ? `${displayPath(path)}: ` : "";
  const { node } = nodeAt(doc, path);
  const offset = node?.range?.[0] ?? 0;
  const parent = (e.parentSchema ?? {}) as Record<string, unknown>;
  const custom = (parent[MESSAGES_KEYWORD] as Record<string, string> | undefined)?.[e.keyword];
  const params = e.params as Record<string, unknown>;

  switch (e.keyword) {
    case "additionalProperties": {
      const name = String(params.additionalProperty);
      const allowed = Object.keys((parent.properties as Record<string, unknown> | undefined) ?? {});
      const hint = closestMatch(name, allowed);
      const message = allowed.length
        ? `unknown key '${name}'${hint ? ` (did you mean '${hint}'?)` : ""}; expected one of: ${allowed.join(", ")}`
        : `unknown key '${name}'`;
      return { offset: keyOffset(doc, path, name), message: prefix + message };
    }
    case "required":
      return { offset, message: `${prefix}missing required key '${String(params.missingProperty)}'` };
    case "dependentRequired":
      return { offset: keyOffset(doc, path, String(params.property)), message: `${prefix}'${String(params.property)}' needs '${String(params.missingProperty)}' too` };
  }

  // A key checked by propertyNames: point at the key, say which one.
  if (e.propertyName !== undefined) {
    return { offset: keyOffset(doc, path, e.propertyName), message: `${prefix}invalid name '${e.propertyName}': ${custom ?? e.message}` };
  }
  if (custom) return { offset, message: prefix + custom };

  const data: unknown = e.data;
  switch (e.keyword) {
    case "type": {
      const types = Array.isArray(e.schema) ? (e.schema as string[]) : [String(e.schema)];
      return { offset, message: `${prefix}expected ${listWords(types.map((t) => TYPE_WORDS[t] ?? t))}, found ${describeData(data)}` };
    }
    case "enum": {
      const allowed = (e.schema as unknown[]).map(String);
      const hint = typeof data === "string" ? closestMatch(data, allowed) : null;
      return { offset, message: `${prefix}${describeData(data)} is not one of: ${allowed.join(", ")}${hint ? ` (did you mean '${hint}'?)` : ""}` };
    }
    case "const":
      return { offset, message: `${prefix}expected ${JSON.stringify(e.schema)}, found ${describeData(data)}` };
    case "minLength":
      return { offset, message: `${prefix}must not be empty` };
    case "minItems":
      return { offset, message: `${prefix}needs at least ${String(params.limit)} item${params.limit === 1 ? "" : "s"}` };
    case "maxItems":
      return { offset, message: `${prefix}takes at most ${String(params.limit)} items` };
    case "minProperties":
      return { offset, message: `${prefix}needs at least ${String(params.limit)} key${params.limit === 1 ? "" : "s"}` };
    case "maxProperties":
      return { offset, message: `${prefix}takes at most ${String(params.limit)} key${params.limit === 1 ? "" : "s"}` };
    case "uniqueItems": {
      // ajv reports the pair as i < j: point at the later copy.
      const later = Math.max(Number(params.i), Number(params.j));
      const { node: item } = nodeAt(doc, [...path, later]);
      return { offset: item?.range?.[0] ?? offset, message: `${prefix}${describeData((data as unknown[])[later])} is listed twice` };
    }
    case "pattern":
      return { offset, message: `${prefix}${describeData(data)} does not match ${String(params.pattern)}` };
    default:
      return { offset, message: `${prefix}${e.message ?? "is invalid"}` };
  }
}
