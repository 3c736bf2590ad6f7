/**
 * The names of a model's relations, as SPEC "Materializations and environments" gives
 * them: its physical relation `xorq_physical.<schema>__<name>__<key>`, its view in
 * `prod` `<schema>.<name>`, in any other environment E `<schema>__<E>.<name>`.
 *
 * A name longer than the engine's identifier limit (PostgreSQL: 63 bytes) is shortened
 * deterministically: its readable part is cut and followed by a hash of the whole, so
 * two long names never meet and every run finds the same name again. A physical name
 * always keeps its key whole.
 */
import { sha256 } from "../expr/canonical.js";
import type { QualifiedName } from "../backends/materialization-ddl.js";

/** The schema holding every physical relation (and the environments' state table). */
export const PHYSICAL_SCHEMA = "xorq_physical";
/** The state table: which relation each environment's view of each model points at. */
export const STATE_TABLE = "_xorq_environments";
export const PROD = "prod";
/**
 * The `env` of the state table's rows that record a physical relation itself rather
 * than an environment's view of a model (no environment is named so): its `model`
 * column holds the relation's name, `updated_at` when it was created. `env gc
 * --older-than` reads that age.
 */
export const RELATION_RECORDS = "";
/** Hex digits of the key in a physical name (80 bits; the state table keeps the whole key). */
const KEY_DIGITS = 20;
const HASH_DIGITS = 8;

/** `name` if it fits in `limit` bytes, else its start, `_` and a hash of the whole name. */
export function fitName(name: string, limit: number): string {
  if (Buffer.byteLength(name) <= limit) return name;
  return `${name.slice(0, limit - HASH_DIGITS - 1)}_${sha256(name).slice(0, HASH_DIGITS)}`;
}

export function physicalName(schema: string, alias: string, key: string, limit: number): QualifiedName {
  const suffix = `__${key.slice(0, KEY_DIGITS)}`;
  return { schema: PHYSICAL_SCHEMA, name: `${fitName(`${schema}__${alias}`, limit - suffix.length)}${suffix}` };
}

/** The view of a model in an environment. */
export function environmentView(schema: string, alias: string, env: string, limit: number): QualifiedName {
  return { schema: fitName(env === PROD ? schema : `${schema}__${env}`, limit), name: fitName(alias, limit) };
}

/** A staging name for a write in progress: unique per writer, renamed into place when complete. */
export function stagingName(key: string, nonce: string): QualifiedName {
  return { schema: PHYSICAL_SCHEMA, name: `_xorq_tmp_${key.slice(0, KEY_DIGITS)}_${nonce}` };
}

export function stateTable(): QualifiedName {
  return { schema: PHYSICAL_SCHEMA, name: STATE_TABLE };
}
