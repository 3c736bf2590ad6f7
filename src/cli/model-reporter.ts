/**
 * How builds and runs report progress: a listr2 list on a terminal, one plain line
 * per model otherwise (CI logs), or JSON lines with `--json`; always a summary line.
 * As dbt does, the lines count the models (`1 of 8`) and end with
 * `Done. PASS=7 ERROR=1 SKIP=0 TOTAL=8` (the JSON events stay as they are).
 */
import type { ModelEvent, ModelFinished, ModelStatus } from "../tasks/model-events.js";
import type { ProjectError } from "../project/project-errors.js";

export interface ModelReporter {
  /** Announces the models about to be processed. */
  begin(models: ReadonlyArray<{ readonly name: string; readonly hash: string }>): void;
  event(e: ModelEvent): void;
  /** The closing line; `counts` also goes into the JSON summary event. */
  summary(text: string, counts: Readonly<Record<string, number>>): Promise<void>;
}

export interface ReporterOptions {
  readonly json: boolean;
  /** The command, for JSON events ("build", "run"). */
  readonly command: string;
  readonly out?: NodeJS.WriteStream;
}

/** The interactive list only pays off for a screenful of models. */
const MAX_LIST = 60;

export function createReporter(options: ReporterOptions): ModelReporter {
  const out = options.out ?? process.stdout;
  if (options.json) return new JsonReporter(out, options.command);
  if (out.isTTY && !process.env["CI"]) return new ListReporter(out);
  return new LineReporter(out);
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

function detail(e: ModelFinished): string {
  const parts: string[] = [];
  if (e.rows !== undefined) parts.push(`${e.rows.toLocaleString("en-US")} rows`);
  parts.push(formatMs(e.ms));
  return parts.join(", ");
}

const STATUS_WIDTH = 9;

/** Counts finished models as dbt does: `k of N` per model, PASS/ERROR/SKIP at the end. */
class Tally {
  #total = 0;
  #done = 0;
  readonly #by = { pass: 0, error: 0, skip: 0 };
  begin(total: number): void {
    this.#total = total;
  }
  /** The finished model's counter ("3 of 8"). */
  finish(status: ModelStatus): string {
    this.#by[status === "error" ? "error" : status === "skipped" ? "skip" : "pass"]++;
    return `${++this.#done} of ${this.#total}`;
  }
  done(): string {
    return `Done. PASS=${this.#by.pass} ERROR=${this.#by.error} SKIP=${this.#by.skip} TOTAL=${this.#done}`;
  }
}

/**
 * One line per finished model: `built     clean_orders  3f2a9c81d0e4  (12 ms)  1 of 8`
 * (the counter last, so the status and name start the line as scripts grep them).
 */
class LineReporter implements ModelReporter {
  readonly #out: NodeJS.WriteStream;
  readonly #tally = new Tally();
  #width = 0;
  constructor(out: NodeJS.WriteStream) {
    this.#out = out;
  }
  begin(models: ReadonlyArray<{ name: string }>): void {
    this.#width = Math.min(40, Math.max(0, ...models.map((m) => m.name.length)));
    this.#tally.begin(models.length);
  }
  event(e: ModelEvent): void {
    if (e.event !== "model_finished") return;
    const line = `${e.status.padEnd(STATUS_WIDTH)} ${e.name.padEnd(this.#width)}  ${e.hash}  (${detail(e)})  ${this.#tally.finish(e.status)}`;
    this.#out.write(`${line}${e.message ? `\n          ${e.message.split("\n").join("\n          ")}` : ""}\n`);
  }
  async summary(text: string): Promise<void> {
    this.#out.write(`${text}\n${this.#tally.done()}\n`);
  }
}

class JsonReporter implements ModelReporter {
  readonly #out: NodeJS.WriteStream;
  readonly #command: string;
  constructor(out: NodeJS.WriteStream, command: string) {
    this.#out = out;
    this.#command = command;
  }
  #write(value: unknown): void {
    this.#out.write(`${JSON.stringify(value)}\n`);
  }
  begin(models: ReadonlyArray<{ name: string; hash: string }>): void {
    this.#write({ event: "started", command: this.#command, models: models.map((m) => m.name) });
  }
  event(e: ModelEvent): void {
    this.#write(e.event === "model_finished" ? { ...e, ms: Math.round(e.ms) } : e);
  }
  async summary(text: string, counts: Readonly<Record<string, number>>): Promise<void> {
    this.#write({ event: "summary", command: this.#command, text, ...counts });
  }
}

const FAILED: ReadonlyArray<ModelStatus> = ["error"];

/** A listr2 task per model, finished as the model's event arrives. */
class ListReporter implements ModelReporter {
  readonly #out: NodeJS.WriteStream;
  /** Settled by the model's event, which may come before listr starts the task. */
  readonly #done = new Map<string, { promise: Promise<ModelFinished>; resolve: (e: ModelFinished) => void }>();
  readonly #tally = new Tally();
  /** Each model's counter, taken when its event arrives (listr may start the task later). */
  readonly #counter = new Map<string, string>();
  #list: Promise<unknown> | null = null;
  #fallback: LineReporter | null = null;

  constructor(out: NodeJS.WriteStream) {
    this.#out = out;
  }

  begin(models: ReadonlyArray<{ name: string; hash: string }>): void {
    if (models.length > MAX_LIST) {
      this.#fallback = new LineReporter(this.#out);
      this.#fallback.begin(models);
      return;
    }
    this.#tally.begin(models.length);
    for (const m of models) {
      let resolve!: (e: ModelFinished) => void;
      const promise = new Promise<ModelFinished>((r) => (resolve = r));
      this.#done.set(m.name, { promise, resolve });
    }
    // listr2 is imported only when a terminal shows the list (not for --json, pipes or `xorq ls`).
    this.#list = import("listr2").then(({ Listr }) => new Listr(
      models.map((m) => ({
        title: m.name,
        task: async (_ctx: unknown, task: { title: string; skip(message?: string): void }) => {
          const e = await this.#done.get(m.name)!.promise;
          task.title = `${this.#counter.get(m.name)} ${m.name} ${e.status} (${detail(e)})`;
          if (e.status === "skipped") task.skip(`${m.name} skipped: ${e.message ?? ""}`);
          if (FAILED.includes(e.status)) throw new Error(`${m.name}: ${e.message ?? e.status}`);
        },
      })),
      { concurrent: true, exitOnError: false, rendererOptions: { collapseErrors: false } },
    ).run()).catch(() => undefined);
  }

  event(e: ModelEvent): void {
    if (this.#fallback) return this.#fallback.event(e);
    if (e.event !== "model_finished" || !this.#done.has(e.name)) return;
    this.#counter.set(e.name, this.#tally.finish(e.status));
    this.#done.get(e.name)!.resolve(e);
  }

  async summary(text: string): Promise<void> {
    if (this.#fallback) return this.#fallback.summary(text);
    await this.#list;
    this.#out.write(`${text}\n${this.#tally.done()}\n`);
  }
}

/** Project problems as JSON (for `--json`): one event with every problem. */
export function problemsEvent(e: ProjectError): unknown {
  return { event: "error", exit_code: 2, problems: e.problems };
}
