/**
 * A backend's connection settings, split the one way every engine needs: what its `ref`
 * records (plain values and `${env:…}` references, hashed into nodes and written into
 * artifacts) and literal secrets given to `connect()`, which are used to log in but
 * never recorded. Resolving reads the environment when the connection opens.
 */
import { type ParamValue, isEnvOnly, resolveEnv } from "./env-refs.js";
import { ConnectionError } from "./connection-error.js";
import { redact } from "./secrets.js";

/** What a setting's value must be once the environment is read (a setting without one is free text). */
export type SettingType = "port";

const SETTING_TYPES: Readonly<Record<SettingType, { readonly what: string; readonly ok: (text: string) => boolean }>> = {
  port: { what: "a port number (1-65535)", ok: (t) => /^[0-9]{1,5}$/.test(t) && Number(t) >= 1 && Number(t) <= 65535 },
};

/**
 * The first setting whose value (after `${env:…}` substitution) is not of its type, as
 * a message showing what the profile wrote and what it gave; null when all are. An
 * empty value means "not given" and is not checked.
 */
export function settingProblem(
  written: Readonly<Record<string, ParamValue>>,
  resolved: Readonly<Record<string, ParamValue | undefined>>,
  types: Readonly<Partial<Record<string, SettingType>>>,
): string | null {
  for (const [key, type] of Object.entries(types)) {
    const value = resolved[key];
    if (value === undefined || value === "" || type === undefined) continue;
    const text = String(value);
    if (SETTING_TYPES[type].ok(text)) continue;
    const source = String(written[key]) === text ? "" : ` (from ${String(written[key])})`;
    return `${key} must be ${SETTING_TYPES[type].what}, got '${text}'${source}`;
  }
  return null;
}

/** Settings as the driver takes them: text, with "" (e.g. an unset `${env:X:-}`) meaning "not given". */
export type ResolvedParams = Readonly<Record<string, string | undefined>>;

export class ConnectionParams {
  /** The settings nodes carry (`BackendRef.params`). */
  readonly recorded: Readonly<Record<string, ParamValue>>;
  readonly #literalSecrets: Readonly<Record<string, string>>;
  readonly #kind: string;
  readonly #name: string;
  readonly #secrets: ReadonlyArray<string>;
  readonly #types: Readonly<Partial<Record<string, SettingType>>>;
  /** Secret values of the last resolution, for scrubbing driver messages. */
  #used: string[] = [];

  /** `options` are a backend's `connect()` options; only `keys` are read from them. */
  constructor(
    kind: string,
    name: string,
    options: object,
    keys: ReadonlyArray<string>,
    secrets: ReadonlyArray<string>,
    types: Readonly<Partial<Record<string, SettingType>>> = {},
  ) {
    this.#kind = kind;
    this.#name = name;
    this.#secrets = secrets;
    this.#types = types;
    const recorded: Record<string, ParamValue> = {};
    const literal: Record<string, string> = {};
    for (const key of keys) {
      const v = (options as Readonly<Record<string, ParamValue | undefined>>)[key];
      if (v === undefined || v === "") continue;
      if (secrets.includes(key) && !isEnvOnly(v)) literal[key] = String(v);
      else recorded[key] = v;
    }
    this.recorded = recorded;
    this.#literalSecrets = literal;
  }

  /**
   * Every setting with the environment read now; throws "cannot connect to <kind>
   * '<name>': …" naming missing variables or a value that is not of its setting's type.
   */
  resolve(): ResolvedParams {
    let resolved: Record<string, ParamValue>;
    try {
      resolved = resolveEnv(this.recorded);
    } catch (e) {
      throw new ConnectionError(`cannot connect to ${this.#kind} '${this.#name}': ${(e as Error).message}`);
    }
    const problem = settingProblem(this.recorded, resolved, this.#types);
    if (problem) throw new ConnectionError(`cannot connect to ${this.#kind} '${this.#name}': ${problem}`);
    const out: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(resolved)) out[k] = v === "" ? undefined : String(v);
    Object.assign(out, this.#literalSecrets);
    this.#used = this.#secrets.map((k) => out[k] ?? "");
    return out;
  }

  /** A message without any secret value this connection used or was given. */
  redact(message: string): string {
    return redact(message, [...this.#used, ...Object.values(this.#literalSecrets)]);
  }
}

/** A profile's resolved settings as the text `connect()` options take. */
export function textParams(params: Readonly<Record<string, ParamValue>>): Record<string, string> {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)]));
}
