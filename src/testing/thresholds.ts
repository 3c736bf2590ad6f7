/**
 * dbt's `error_if` / `warn_if`: a comparison of a test's failing-row count with a whole
 * number (`">10"`, `"!=0"`, the default). A test with severity error fails when
 * `error_if` holds, else warns when `warn_if` holds; with severity warn, only `warn_if`
 * is read.
 */
export interface Threshold {
  readonly op: "=" | "!=" | ">" | ">=" | "<" | "<=";
  readonly n: number;
}

const THRESHOLD = /^\s*(==|=|!=|<>|>=|<=|>|<)\s*(\d+)\s*$/;

/** The threshold written `text`, or null when it is not one. */
export function parseThreshold(text: string): Threshold | null {
  const m = THRESHOLD.exec(text);
  if (!m) return null;
  const op = m[1] === "==" ? "=" : m[1] === "<>" ? "!=" : (m[1] as Threshold["op"]);
  return { op, n: Number(m[2]) };
}

export function holds(t: Threshold, failures: number): boolean {
  switch (t.op) {
    case "=": return failures === t.n;
    case "!=": return failures !== t.n;
    case ">": return failures > t.n;
    case ">=": return failures >= t.n;
    case "<": return failures < t.n;
    case "<=": return failures <= t.n;
  }
}

export type Outcome = "pass" | "warn" | "fail";

/** What a failing-row count means for a test of `severity`. */
export function outcomeOf(test: { readonly severity: "error" | "warn"; readonly errorIf: Threshold; readonly warnIf: Threshold }, failures: number): Outcome {
  if (test.severity === "error" && holds(test.errorIf, failures)) return "fail";
  return holds(test.warnIf, failures) ? "warn" : "pass";
}
