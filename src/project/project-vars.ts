/**
 * Project vars (`vars:` of project.yaml, `var('name')` in models) as they appear in
 * expressions. A var becomes a parameter node (`ParamNode`: its name, type and value;
 * `vars` + `template` on a SQL node), so the name travels into the build artifact and
 * `xorq run BUILD -p min_amount=250` can change the value without the project.
 */
import { type Literal, Value, param } from "../expr/value.js";
import { ExpressionError } from "../expr/errors.js";

/** The value of var `name` as an expression value: a parameter with that name and value. */
export function varLiteral(name: string, value: unknown): Value {
  if (!(value === null || ["boolean", "number", "string", "bigint"].includes(typeof value) || value instanceof Date)) {
    throw new ExpressionError(`var '${name}' is ${Array.isArray(value) ? "a list" : "a mapping"}; an expression can use a string, number, boolean or null`);
  }
  return param(name, value as Literal);
}

/**
 * A view of `vars` that records which names were read (so a model's definition
 * fingerprint includes the values of the vars it uses, and nothing else).
 */
export function trackVars(vars: Readonly<Record<string, unknown>>): { vars: Readonly<Record<string, unknown>>; used: Set<string> } {
  const used = new Set<string>();
  const proxy = new Proxy(vars, {
    get(target, prop, receiver) {
      if (typeof prop === "string" && Object.prototype.hasOwnProperty.call(target, prop)) used.add(prop);
      return Reflect.get(target, prop, receiver);
    },
    getOwnPropertyDescriptor(target, prop) {
      if (typeof prop === "string" && Object.prototype.hasOwnProperty.call(target, prop)) used.add(prop);
      return Reflect.getOwnPropertyDescriptor(target, prop);
    },
    has(target, prop) {
      if (typeof prop === "string" && Object.prototype.hasOwnProperty.call(target, prop)) used.add(prop);
      return Reflect.has(target, prop);
    },
  });
  return { vars: proxy, used };
}

/** Reads a `-p name=value` value as YAML would read it (numbers, booleans, null, else text). */
export function parseVarText(text: string): unknown {
  const t = text.trim();
  if (t === "null" || t === "~") return null;
  if (t === "true" || t === "false") return t === "true";
  if (/^[-+]?\d+$/.test(t)) {
    const n = Number(t);
    return Number.isSafeInteger(n) ? n : BigInt(t);
  }
  if (/^[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$/.test(t)) return Number(t);
  if (/^'.*'$|^".*"$/s.test(t)) return t.slice(1, -1);
  return text;
}
