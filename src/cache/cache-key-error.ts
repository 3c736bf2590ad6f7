import { ExecutionError } from "../backends/executor.js";

/** A cache key cannot be computed (e.g. a source whose changes the engine cannot report). */
export class CacheKeyError extends ExecutionError {
  constructor(message: string) {
    super(message, null);
  }
}
