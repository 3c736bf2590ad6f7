/**
 * How errors reach the terminal, and the exit code each kind means (SPEC: 0 success,
 * 1 a model or check failed, 2 the project or the command line is invalid).
 */
import { ExpressionError } from "../expr/errors.js";

/** An error in the user's project or command line (exit code 2). */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Errors that carry their own exit code (e.g. project loading errors) implement this. */
export interface HasExitCode {
  readonly exitCode: number;
}

export function exitCodeFor(e: unknown): number {
  if (e && typeof e === "object" && typeof (e as HasExitCode).exitCode === "number") return (e as HasExitCode).exitCode;
  if (e instanceof UsageError || e instanceof ExpressionError) return 2;
  return 1;
}

export function formatError(e: unknown): string {
  if (e instanceof Error) return `error: ${e.message}`;
  return `error: ${String(e)}`;
}
