/**
 * A connection that could not be opened: a refused port, a login the server rejects,
 * settings that do not resolve. Code that asks an engine something (does this table
 * exist?) tells these apart from the engine's answer, so a failed login is never
 * reported as a missing table.
 */
export class ConnectionError extends Error {
  override readonly name = "ConnectionError";
}

/** Set on an error thrown while a profile's connection was being opened (its class and place kept). */
const WHILE_OPENING = Symbol("xorq.whileOpening");

/** Marks `e` as a failure to open a connection and returns it. */
export function openingFailure(e: unknown): unknown {
  if (e !== null && typeof e === "object" && !(e instanceof ConnectionError) && !Object.isFrozen(e)) {
    Object.defineProperty(e, WHILE_OPENING, { value: true });
  }
  return e;
}

/** True for an error that is about the connection rather than the request. */
export function isConnectionFailure(e: unknown): boolean {
  return e instanceof ConnectionError || (e !== null && typeof e === "object" && WHILE_OPENING in e);
}
