/**
 * What `xorq init --from-dbt` could not convert, as data and as the Markdown of
 * `dbt-import-report.md`: one line per item, grouped by kind, each naming the dbt file.
 */

/** Kinds of dbt features the import leaves out, in the order the report lists them. */
export const REPORT_KINDS = ["packages", "snapshots", "hooks", "exposures", "semantic models", "python models", "configs", "vars", "profiles", "other files"] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

export interface ReportItem {
  readonly kind: ReportKind;
  /** Relative to the dbt project. */
  readonly file: string;
  readonly what: string;
}

export function renderReport(projectName: string, items: ReadonlyArray<ReportItem>): string {
  const head = `# dbt import report: ${projectName}\n\n`;
  if (items.length === 0) return `${head}Everything was converted.\n`;
  const sections = REPORT_KINDS.flatMap((kind) => {
    const mine = items.filter((i) => i.kind === kind);
    return mine.length === 0 ? [] : [`## Not converted: ${kind}\n\n${mine.map((i) => `* \`${i.file}\`: ${i.what}`).join("\n")}\n`];
  });
  return `${head}${sections.join("\n")}`;
}
