/**
 * Leaf expressions: tables that live in an engine, deferred file reads and SQL queries.
 * Their schemas come from the engine when the expression is built (metadata only: a
 * parquet footer, a CSV sniff, a prepared statement), never by running over the data.
 */
import { type Backend, type FileReadingBackend, canReadFiles } from "../backends/backend.js";
import { isConnectionFailure } from "../backends/connection-error.js";
import type { Dialect } from "../compile/dialect.js";
import type { Schema } from "./data-type.js";
import { ExpressionError } from "./errors.js";
import type { ReadFormat } from "./relation-nodes.js";
import { type Table as TableType, Table, contextOf, mergeContexts } from "./table.js";

export type ReadOptions = Readonly<Record<string, string | number | boolean>>;

/**
 * A table or view of an engine (`schema.table` names are accepted). A connection that
 * cannot be opened is reported as such, never as a missing table.
 */
export async function databaseTable(backend: Backend, name: string): Promise<Table> {
  let schema;
  try {
    schema = await backend.tableSchema(name);
  } catch (e) {
    if (isConnectionFailure(e)) throw e;
    throw new ExpressionError(`table '${name}' not found in ${backend.ref.name} (${backend.ref.kind}): ${(e as Error).message}`);
  }
  return new Table({ kind: "table", name, backend: backend.ref, schema }, contextOf(backend));
}

/**
 * A file read lazily. The path is kept as given (relative paths resolve against the
 * working directory, or the project root inside a project), so the hash does not depend
 * on where the project sits. An engine that cannot read files (PostgreSQL, ...) gets the
 * file's rows from DuckDB when the expression runs; DuckDB also supplies the schema (the
 * backend's own file reader, else the local engine of the default services).
 */
export async function deferredRead(backend: Backend, format: ReadFormat, path: string, options: ReadOptions = {}): Promise<Table> {
  const reader: FileReadingBackend = canReadFiles(backend)
    ? backend
    : ((await backend.fileReader?.()) ?? (await (await import("../services.js")).defaultServices().localEngine()));
  let schema;
  try {
    schema = await reader.fileSchema(format, path, options);
  } catch (e) {
    throw new ExpressionError(`cannot read ${format} file '${path}': ${(e as Error).message}`);
  }
  return new Table({ kind: "read", format, path, options, backend: backend.ref, schema }, contextOf(backend));
}

/**
 * A SQL query over named inputs; each input is visible to the query under its name.
 * The schema is found by preparing the query over empty stand-ins of the inputs.
 */
export async function sqlQuery(backend: Backend, query: string, inputs: Readonly<Record<string, TableType>> = {}): Promise<Table> {
  const trimmed = query.trim().replace(/;\s*$/, "");
  const probe = sqlProbe(backend.dialect, trimmed, Object.entries(inputs).map(([name, t]) => [name, t.schema()] as const));
  let schema;
  try {
    schema = await backend.querySchema(probe);
  } catch (e) {
    throw new ExpressionError(`SQL query does not compile in ${backend.ref.kind}: ${(e as Error).message}`);
  }
  const entries = Object.entries(inputs);
  return new Table(
    { kind: "sql", query: trimmed, inputs: entries.map(([n, t]) => [n, t.node] as const), backend: backend.ref, schema },
    mergeContexts(contextOf(backend), ...entries.map(([, t]) => t.context)),
  );
}

/**
 * The query with each named input replaced by an empty stand-in of its schema: it
 * compiles (and binds) in the engine without any input's data, e.g. to learn the
 * result's schema or the tables the query itself reads.
 */
export function sqlProbe(d: Dialect, query: string, inputs: ReadonlyArray<readonly [string, Schema]>): string {
  const standIns = inputs.map(([name, schema]) => {
    const cols = schema.map((f) => `CAST(NULL AS ${d.typeName(f.type)}) AS ${d.quoteIdentifier(f.name)}`);
    return `${/^[A-Za-z_]\w*$/.test(name) ? name : d.quoteIdentifier(name)} AS (SELECT ${cols.join(", ")} WHERE FALSE)`;
  });
  const trimmed = query.trim().replace(/;\s*$/, "");
  const userWith = /^with\s+(recursive\s+)?/i.exec(trimmed);
  return standIns.length === 0 ? trimmed
    : userWith ? `WITH ${userWith[1] ?? ""}${standIns.join(", ")}, ${trimmed.slice(userWith[0].length)}`
    : `WITH ${standIns.join(", ")}\n${trimmed}`;
}
