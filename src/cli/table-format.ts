/**
 * Result rows as `xorq show` and `xorq run BUILD` print them: each cell as its type's
 * portable value (`src/backends/arrow-values.ts`: decimals as exact text, dates as
 * YYYY-MM-DD, timestamps as YYYY-MM-DD HH:MM:SS.ffffff, 64-bit integers as digits), so
 * 33.00 prints as 33.00, never as its unscaled integer, and a date never as epoch
 * milliseconds.
 */
import type * as arrow from "apache-arrow";
import { type PortableValue, cellReader } from "../backends/arrow-values.js";
import { fromArrowSchema } from "../backends/arrow-types.js";
import { isDecimal, isInteger } from "../expr/data-type.js";

/** The first `limit` rows, as objects of portable values (nested values as Arrow gives them). */
export function headRows(table: arrow.Table, limit: number): Array<Record<string, unknown>> {
  const fields = fromArrowSchema(table.schema);
  const readers = fields.map((f, c) => {
    const column = table.getChildAt(c)!;
    const read = cellReader(column, f);
    return (i: number): unknown => {
      const v = read(i);
      // Lists, structs and maps come back as Arrow rows or vectors: plain JSON values instead.
      return v !== null && typeof v === "object" && !(v instanceof Uint8Array) && "toJSON" in v ? (v as { toJSON(): unknown }).toJSON() : v;
    };
  });
  const out: Array<Record<string, unknown>> = [];
  for (let i = 0; i < Math.min(limit, table.numRows); i++) out.push(Object.fromEntries(fields.map((f, c) => [f.name, readers[c]!(i)])));
  return out;
}

/** JSON text of rows from `headRows` (binary as base64; any bigint left in a nested value as digits). */
export function rowsJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString("base64") : v));
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return "NULL";
  if (v instanceof Uint8Array) return `<${v.length} bytes>`;
  if (typeof v === "object") return rowsJson(v);
  return String(v as PortableValue);
}

/** The first `limit` rows as aligned columns (numbers right-aligned), plus a row count line. */
export function formatTable(table: arrow.Table, totalRows: number, limit: number): string {
  const fields = fromArrowSchema(table.schema);
  const names = fields.map((f) => f.name);
  const numeric = fields.map((f) => isInteger(f.type) || isDecimal(f.type) || f.type === "float32" || f.type === "float64");
  const rows = headRows(table, limit).map((r) => names.map((n) => cell(r[n])));
  const widths = names.map((n, c) => Math.min(40, Math.max(n.length, ...rows.map((r) => r[c]!.length))));
  const fit = (s: string, c: number) => {
    const t = s.length > widths[c]! ? `${s.slice(0, widths[c]! - 1)}…` : s;
    return numeric[c] ? t.padStart(widths[c]!) : t.padEnd(widths[c]!);
  };
  const lines = [names.map(fit).join("  "), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map((r) => r.map(fit).join("  "))];
  const shown = Math.min(limit, table.numRows);
  lines.push(shown < totalRows ? `(${shown} of ${totalRows.toLocaleString("en-US")} rows)` : `(${totalRows.toLocaleString("en-US")} row${totalRows === 1 ? "" : "s"})`);
  return lines.map((l) => l.trimEnd()).join("\n");
}
