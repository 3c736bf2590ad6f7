/**
 * Suites against cloud warehouses run only when their credentials are in the
 * environment, and are skipped, saying which variables are missing, when not.
 */
import { describe } from "vitest";

export function describeLive(name: string, required: ReadonlyArray<string>, body: () => void): void {
  const missing = required.filter((v) => !process.env[v]);
  if (missing.length === 0) {
    describe(name, body);
    return;
  }
  const why = `set ${missing.join(", ")} to run it`;
  console.warn(`skipping "${name}": ${why}`);
  describe.skip(`${name} (skipped: ${why})`, body);
}
