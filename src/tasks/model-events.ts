/**
 * Progress of a build or run, one event per model: what reporters print (a line per
 * model, a progress list on a terminal, JSON lines for CI).
 */
export type ModelStatus =
  | "built" | "unchanged" | "relocated" // build
  | "computed" | "cached" // run
  | "created" | "reused" // run, a materialized model: its physical relation was made now, or found by its key
  | "error" | "skipped";

export interface ModelStarted {
  readonly event: "model_started";
  readonly name: string;
  readonly hash: string;
}

export interface ModelFinished {
  readonly event: "model_finished";
  readonly name: string;
  readonly hash: string;
  readonly status: ModelStatus;
  readonly ms: number;
  /** Rows produced (run). */
  readonly rows?: number;
  /** A materialized model's environment view (`<schema>.<name>`), which now reads its physical relation. */
  readonly relation?: string;
  readonly message?: string;
}

export type ModelEvent = ModelStarted | ModelFinished;
export type ModelListener = (event: ModelEvent) => void;
