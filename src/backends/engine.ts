/**
 * What the tool knows about one engine, in one value: the registry (`engines.ts`) holds
 * one per kind, and everything that varies by engine (the dialect of a node's SQL, how
 * a profile opens, what profiles.yaml accepts) reads it from there.
 */
import type { Dialect } from "../compile/dialect.js";
import type { BackendRef } from "../expr/relation-nodes.js";
import type { Backend } from "./backend.js";
import type { SettingType } from "./connection-params.js";
import type { ParamValue } from "./env-refs.js";

export interface OpenOptions {
  /** Relative file paths (DuckDB database files, deferred reads) resolve against this directory. */
  readonly baseDir: string;
}

export interface EngineDefinition {
  /** The `kind:` of its profiles; also its key in the registry. */
  readonly kind: string;
  /** How its SQL is spelled. Whether it reads files itself is the dialect's `readsFiles` (the compiler needs it too). */
  readonly dialect: Dialect;
  /** The settings a profile of this kind accepts (besides `kind`). */
  readonly params: ReadonlyArray<string>;
  /** The settings a profile must give. */
  readonly required: ReadonlyArray<string>;
  /** The settings that are secrets: profiles hold them only as `${env:…}` references. */
  readonly secrets: ReadonlyArray<string>;
  /** The settings that are not free text, checked once `${env:…}` is read (a port must be a number). */
  readonly settingTypes: Readonly<Partial<Record<string, SettingType>>>;
  /** Its backends implement `fork()` (independent connections for parallel work). */
  readonly forks: boolean;
  /**
   * Opens a connection with `params` already resolved from the environment. The driver
   * is imported here, on first use: a command that opens nothing (`xorq ls`) loads none.
   */
  open(ref: BackendRef, params: Readonly<Record<string, ParamValue>>, options: OpenOptions): Promise<Backend>;
}
