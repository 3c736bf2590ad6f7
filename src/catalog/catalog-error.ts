/**
 * Errors of the catalog. Most are about what the user asked for (an unknown alias, a
 * catalog with uncommitted changes, no remote): exit code 2. Failures of git itself
 * (a remote that cannot be reached, a push that keeps being rejected) are 1.
 */
export class CatalogError extends Error {
  override readonly name = "CatalogError";
  /** The CLI's exit code for this error (see src/cli/errors.ts). */
  readonly exitCode: number;

  constructor(message: string, exitCode = 2, options?: { cause?: unknown }) {
    super(message, options);
    this.exitCode = exitCode;
  }
}
