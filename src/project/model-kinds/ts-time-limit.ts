/**
 * Runs a step of a TypeScript model (importing its file, calling its build function)
 * under a time limit, so a model that never finishes is an error naming its file
 * instead of a tool that hangs.
 *
 * A model can hang two ways. Asynchronously (a top-level await that never settles, a
 * promise never resolved): a timer in this thread rejects the step. Synchronously
 * (`while (true) {}`): no timer of this thread can run, so a watchdog thread asks V8,
 * through the inspector protocol, to terminate the JavaScript running in this thread
 * (`Runtime.terminateExecution`, which unwinds the stack past every catch); the event
 * loop then goes on, the timer fires and the step fails like an asynchronous one. The
 * watchdog acts only `GRACE_MS` after the limit, while the step is still armed: by then
 * this thread's own timer would have ended the step had the thread been free, so
 * something is running here (terminating with nothing running would stop whatever runs
 * next). It repeats every `GRACE_MS` while the step stays armed (a loop after a loop). The
 * watcher of `xorq build --watch` thus stays alive and sees the next edit. (The
 * terminated module stays unfinished in Node's module map; an edit imports a new version.)
 *
 * The limit: `XORQ_TS_TIME_LIMIT` seconds (default 30), read at each step.
 */
import { Worker } from "node:worker_threads";

const DEFAULT_SECONDS = 30;
/** Slots for the steps armed at once (a step clears its slot when it ends). */
const SLOTS = 64;
const GRACE_MS = 500;

/** The limit in milliseconds, from the environment. */
export function tsTimeLimitMs(): number {
  const text = process.env["XORQ_TS_TIME_LIMIT"];
  if (text === undefined || text === "") return DEFAULT_SECONDS * 1000;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new TsTimeLimitError(`XORQ_TS_TIME_LIMIT must be a positive number of seconds, got '${text}'`);
  return seconds * 1000;
}

/** A TS model step that did not finish within the time limit. */
export class TsTimeLimitError extends Error {
  override readonly name = "TsTimeLimitError";
}

/**
 * `step()`, or a TsTimeLimitError saying `what` did not finish within the limit.
 *
 * ```ts
 * const mod = await withTsTimeLimit("the import", () => import(url));
 * ```
 */
export async function withTsTimeLimit<T>(what: string, step: () => Promise<T>): Promise<T> {
  const ms = tsTimeLimitMs();
  const dog = watchdog();
  const id = dog?.arm(ms) ?? 0;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TsTimeLimitError(`${what} did not finish within ${ms / 1000} s (set XORQ_TS_TIME_LIMIT to allow more)`)), ms);
  });
  try {
    return await Promise.race([Promise.resolve().then(step), expired]);
  } finally {
    clearTimeout(timer);
    dog?.disarm(id);
  }
}

interface Watchdog {
  arm(ms: number): number;
  disarm(id: number): void;
}

/**
 * The watchdog thread, started on first use and shared by the steps of the process: a
 * thread per step would cost more than most steps (a TS model is resolved on every load).
 * Null where the inspector is unavailable (a Node built without it): only asynchronous
 * hangs are caught there.
 */
let shared: Watchdog | null | undefined;

function watchdog(): Watchdog | null {
  if (shared !== undefined) return shared;
  try {
    // Slot i holds the id of the step armed in it, 0 when none: the watchdog terminates
    // only a step still armed, never code that runs after the step ended.
    const active = new Int32Array(new SharedArrayBuffer(4 * SLOTS));
    const worker = new Worker(WATCHDOG_SOURCE, { eval: true, workerData: { active } });
    worker.unref();
    let next = 0;
    shared = {
      arm(ms) {
        const id = ++next;
        Atomics.store(active, id % SLOTS, id);
        worker.postMessage({ id, ms });
        return id;
      },
      disarm(id) {
        Atomics.compareExchange(active, id % SLOTS, id, 0);
      },
    };
  } catch {
    shared = null;
  }
  return shared;
}

const WATCHDOG_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { Session } = require("node:inspector");
const active = workerData.active;
let session = null;
const watch = (id, delay) =>
  setTimeout(() => {
    if (Atomics.load(active, id % ${SLOTS}) !== id) return;
    if (session === null) {
      session = new Session();
      session.connectToMainThread();
    }
    session.post("Runtime.terminateExecution");
    watch(id, ${GRACE_MS});
  }, delay);
parentPort.on("message", ({ id, ms }) => watch(id, ms + ${GRACE_MS}));
`;
