/**
 * dbt's Jinja context for one render of one model: `ref`, `source`, `var`, `env_var`,
 * `config`, `this`, `is_incremental`, `target`, `log`, `return`, `doc` and the `dbt`
 * cross-database macros (`exceptions` and `adapter.dispatch` live in the macro library's
 * Jinja, macro-library.ts). What the template calls is recorded: the inputs (the DAG needs
 * them before anything resolves, so the model is rendered at load time, as dbt parses),
 * the config, the vars and environment variables read, and the first error.
 *
 * A callback must never throw (a JS exception inside MiniJinja wrecks its WASM instance):
 * a problem is recorded and the callback returns a value the template can go on with.
 */
import { sourceTableName } from "../model-kind.js";
import { crossDbMacros } from "./cross-db-macros.js";

export interface TemplateTarget {
  /** The profile's name (dbt's target name). */
  readonly name: string;
  /** The engine kind: duckdb, postgres, … */
  readonly type: string;
  readonly schema: string;
  readonly database: string | null;
}

export interface RenderRecord {
  /** Inputs in the order first used; `token` is what the rendered text holds until the inputs are named. */
  readonly inputs: Array<{ readonly kind: "ref" | "source"; readonly name: string; readonly token: string; readonly call: string }>;
  readonly config: Record<string, unknown>;
  readonly vars: Record<string, unknown>;
  readonly envVars: Record<string, string | null>;
  readonly logs: string[];
  /** One frame per call of a returning macro under way, with the value it `return()`ed (return-calls.ts). */
  readonly calls: Array<{ returned: boolean; value: unknown }>;
  /** The first problem a callback found, with the text of its call (to find where it is). */
  error: { readonly message: string; readonly call: string } | null;
}

export interface ContextInput {
  readonly modelName: string;
  readonly vars: Readonly<Record<string, unknown>>;
  readonly projectVarNames: ReadonlyArray<string>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly target: TemplateTarget;
  readonly docs: ReadonlyMap<string, string>;
}

/** The token standing for input `i` in rendered text (an identifier no SQL writer uses). */
export function inputToken(i: number): string {
  return `__xorq_input_${i}__`;
}

/** dbt's `dbt` namespace names (for `adapter.dispatch('x', 'dbt')`). */
export function dbtMacroNames(engine: string): ReadonlySet<string> {
  return new Set(Object.keys(crossDbMacros(engine)));
}

/** The globals of one render, and what the render records through them. */
export function dbtContext(input: ContextInput): { globals: Record<string, unknown>; record: RenderRecord } {
  const record: RenderRecord = { inputs: [], config: {}, vars: {}, envVars: {}, logs: [], calls: [], error: null };
  const fail = (message: string, call: string) => {
    record.error ??= { message, call };
  };
  const useInput = (kind: "ref" | "source", name: string, call: string) => {
    const found = record.inputs.find((i) => i.kind === kind && i.name === name);
    if (found) return found.token;
    const token = inputToken(record.inputs.length);
    record.inputs.push({ kind, name, token, call });
    return token;
  };
  const globals: Record<string, unknown> = {
    ref: (...args: unknown[]) => {
      const [a, b] = args.map(plain);
      if (typeof a !== "string") {
        fail("ref() takes a model's name: ref('orders')", "ref(");
        return "";
      }
      if (b !== undefined) {
        fail(`ref('${a}', '${String(b)}'): packages are not supported; ref the model by its name: ref('${String(b)}')`, `ref('${a}'`);
        return "";
      }
      return useInput("ref", a, `ref('${a}'`);
    },
    source: (...args: unknown[]) => {
      const [a, b] = args.map(plain);
      if (typeof a !== "string") {
        fail("source() takes a source's name: source('raw_orders') or source('ecom', 'raw_orders')", "source(");
        return "";
      }
      return useInput("source", typeof b === "string" ? sourceTableName(a, b) : a, `source('${a}'`);
    },
    var: (...args: unknown[]) => {
      const [name, fallback] = args.map(plain);
      const n = String(name);
      if (Object.hasOwn(input.vars, n)) return (record.vars[n] = input.vars[n]);
      if (args.length > 1) return fallback;
      fail(`unknown var '${n}' (project vars: ${input.projectVarNames.join(", ") || "none"})`, `var('${n}'`);
      return null;
    },
    env_var: (...args: unknown[]) => {
      const [name, fallback] = args.map(plain);
      const n = String(name);
      const value = input.env[n];
      record.envVars[n] = value ?? null;
      if (value !== undefined) return value;
      if (args.length > 1) return fallback;
      fail(`env_var('${n}'): the environment variable is not set and has no default`, `env_var('${n}'`);
      return "";
    },
    config: (...args: unknown[]) => {
      for (const a of args.map(plain)) if (a && typeof a === "object" && !Array.isArray(a)) Object.assign(record.config, a);
      return "";
    },
    this: input.modelName,
    is_incremental: () => false,
    target: { ...input.target, profile_name: input.target.name },
    log: (...args: unknown[]) => {
      record.logs.push(String(plain(args[0])));
      return "";
    },
    // dbt's return stops the macro; here the first value returned is the call's value.
    return: (value: unknown) => {
      const call = record.calls.at(-1);
      if (!call) return textOf(plain(value));
      if (!call.returned) Object.assign(call, { returned: true, value: plain(value) });
      return "";
    },
    __xorq_call: () => {
      record.calls.push({ returned: false, value: null });
      return null;
    },
    __xorq_ret: (_call: unknown, rendered: unknown) => {
      const call = record.calls.pop();
      return call?.returned ? call.value : rendered;
    },
    doc: (name: unknown) => {
      const text = input.docs.get(String(name));
      if (text === undefined) fail(`doc('${String(name)}'): no {% docs ${String(name)} %} block in the project's .md files`, `doc('${String(name)}'`);
      return text ?? "";
    },
    dbt: crossDbMacros(input.target.type),
    __xorq_fail: (message: unknown) => {
      fail(String(plain(message)), "raise_compiler_error(");
      return null;
    },
    __xorq_no_dispatch: (name: unknown, engine: unknown) => {
      fail(`adapter.dispatch('${String(name)}'): no macro ${String(engine)}__${String(name)} or default__${String(name)}`, "dispatch(");
      return null;
    },
  };
  return { globals, record };
}

/** A value as `{{ value }}` would print it (`return()` outside a wrapped call). */
function textOf(v: unknown): string {
  return typeof v === "string" ? v : v === null || v === undefined ? "none" : typeof v === "object" ? JSON.stringify(v) : String(v);
}

/** A value from MiniJinja as plain data (maps, kwargs included, arrive as `Map`s). */
function plain(v: unknown): unknown {
  if (v instanceof Map) return Object.fromEntries([...v.entries()].map(([k, x]) => [String(k), plain(x)]));
  if (Array.isArray(v)) return v.map(plain);
  return v;
}
