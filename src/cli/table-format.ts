/** A small text rendering of result rows, for `xorq run BUILD` without `-o`. */
import type * as arrow from "apache-arrow";

function cell(v: unknown): string {
  if (v === null || v === undefined) return "NULL";
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Uint8Array) return `<${v.length} bytes>`;
  if (typeof v === "object") return JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x));
  return String(v);
}

/** The first `limit` rows as aligned columns (numbers right-aligned), plus a row count line. */
export function formatTable(table: arrow.Table, totalRows: number, limit: number): string {
  const names = table.schema.fields.map((f) => f.name);
  const numeric = table.schema.fields.map((f) => /Int|Float|Decimal/.test(String(f.type)));
  const rows: string[][] = [];
  for (let i = 0; i < Math.min(limit, table.numRows); i++) {
    const row = table.get(i);
    rows.push(names.map((n) => cell(row?.[n])));
  }
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
