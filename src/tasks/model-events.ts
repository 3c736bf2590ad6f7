/**
 * Progress of a build or run, one event per model: what reporters print (a line per
 * model, a progress list on a terminal, JSON lines for CI).
 */
export type ModelStatus =
  | "built" | "unchanged" | "relocated" // build
  | "computed" | "cached" // run
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
  readonly message?: string;
}

export type ModelEvent = ModelStarted | ModelFinished;
export type ModelListener = (event: ModelEvent) => void;
