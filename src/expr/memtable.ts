/**
 * In-memory tables: rows, columns or an Arrow table become a `memtable` node whose hash
 * is the content hash of the data (as Arrow IPC bytes), so equal data hashes equally.
 */
import * as arrow from "apache-arrow";
import { fromArrowSchema, toArrowSchema } from "../backends/arrow-types.js";
import { ColumnBuilder } from "../backends/column-builder.js";
import { sha256 } from "./canonical.js";
import { type DataType, type Schema, parseDataType } from "./data-type.js";
import { ExpressionError } from "./errors.js";
import { Table } from "./table.js";

export type MemtableData = arrow.Table | ReadonlyArray<Readonly<Record<string, unknown>>> | Readonly<Record<string, ReadonlyArray<unknown>>>;

export interface MemtableOptions {
  /** Column types, when inference from the values is not what you want. */
  readonly schema?: Readonly<Record<string, DataType | string>>;
}

/** Makes an expression over in-memory data. */
export function memtable(data: MemtableData, options: MemtableOptions = {}): Table {
  const table = data instanceof arrow.Table ? normalizeArrow(data) : fromColumns(toColumns(data), options);
  const dataHash = sha256(arrow.tableToIPC(table, "stream"));
  return new Table(
    { kind: "memtable", dataHash, schema: fromArrowSchema(table.schema) },
    { backends: new Map(), memtables: new Map([[dataHash, table]]) },
  );
}

/** Re-encodes an Arrow table with our canonical Arrow types (e.g. dictionary strings become plain). */
function normalizeArrow(t: arrow.Table): arrow.Table {
  const schema = fromArrowSchema(t.schema);
  const target = toArrowSchema(schema);
  if (t.schema.fields.every((f, i) => f.type.toString() === target.fields[i]!.type.toString())) return t;
  const columns: Record<string, unknown[]> = {};
  for (const f of schema) columns[f.name] = t.getChild(f.name)!.toArray() as unknown[];
  return fromColumns(columns, { schema: Object.fromEntries(schema.map((f) => [f.name, f.type])) });
}

function toColumns(data: Exclude<MemtableData, arrow.Table>): Record<string, ReadonlyArray<unknown>> {
  if (!Array.isArray(data)) return data as Record<string, ReadonlyArray<unknown>>;
  const rows = data as ReadonlyArray<Readonly<Record<string, unknown>>>;
  const names: string[] = [];
  for (const row of rows) for (const k of Object.keys(row)) if (!names.includes(k)) names.push(k);
  return Object.fromEntries(names.map((n) => [n, rows.map((r) => r[n] ?? null)]));
}

function inferType(name: string, values: ReadonlyArray<unknown>): DataType {
  let type: DataType | null = null;
  for (const v of values) {
    if (v === null || v === undefined) continue;
    let t: DataType;
    if (typeof v === "boolean") t = "boolean";
    else if (typeof v === "bigint") t = "int64";
    else if (typeof v === "number") t = Number.isInteger(v) ? "int64" : "float64";
    else if (typeof v === "string") t = "string";
    else if (v instanceof Date) t = "timestamp";
    else if (v instanceof Uint8Array) t = "binary";
    else throw new ExpressionError(`memtable column '${name}' holds a ${typeof v}; only scalars are supported`);
    if (type === null || type === t) type = t;
    else if ((type === "int64" && t === "float64") || (type === "float64" && t === "int64")) type = "float64";
    else throw new ExpressionError(`memtable column '${name}' mixes ${type} and ${t} values`);
  }
  return type ?? "string";
}

function fromColumns(columns: Record<string, ReadonlyArray<unknown>>, options: MemtableOptions): arrow.Table {
  const names = Object.keys(columns);
  const lengths = new Set(names.map((n) => columns[n]!.length));
  if (lengths.size > 1) throw new ExpressionError(`memtable columns have different lengths: ${[...lengths].join(", ")}`);
  const schema: Schema = names.map((name) => ({
    name,
    type: options.schema?.[name] ? parseDataType(options.schema[name]!) : inferType(name, columns[name]!),
  }));
  const children = schema.map((f) => {
    const b = new ColumnBuilder(f.type, columns[f.name]!.length);
    for (const v of columns[f.name]!) b.append(v);
    return b.finish();
  });
  const arrowSchema = toArrowSchema(schema);
  const length = lengths.size ? [...lengths][0]! : 0;
  const data = arrow.makeData({ type: new arrow.Struct(arrowSchema.fields), length, nullCount: 0, children });
  return new arrow.Table(arrowSchema, [new arrow.RecordBatch(arrowSchema, data)]);
}
