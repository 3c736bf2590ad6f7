/**
 * `xorq build --watch` as a library call: an initial build, then one rebuild per burst
 * of saves under `xorq_project/` (model, source, profile and project files).
 *
 * Each rebuild reloads the project with `loadProject` (the schema cache in
 * `target/schema_cache.json` spares the engines; the files themselves are all read
 * again) and hands the selection to `buildModels`, which writes only the artifacts
 * whose hash has none, so what a change touched (the model and its descendants,
 * whose Merkle hashes move with it) is what gets built. A broken file ends that
 * rebuild with its problems (file:line:col) and the watcher keeps going.
 *
 * ```ts
 * const handle = await watchProject({ project: "demo" }, (e) => console.log(e));
 * // ... later
 * await handle.close();
 * ```
 */
import { extname, relative, sep } from "node:path";
import { type FSWatcher, watch } from "chokidar";
import { parseSelection, selectModels } from "../project/graph/selection.js";
import { type LoadSession, type Project, locateProject, loadProject } from "../project/project.js";
import { ProjectError, type ProjectProblem } from "../project/project-errors.js";
import { parseSelector } from "../project/graph/selector-parser.js";
import { selectionGraph, writeManifest } from "../artifacts/manifest.js";
import type { ModelFinished, ModelListener } from "./model-events.js";
import { buildModels } from "./project-build.js";
import { runModels } from "./project-run.js";
import type { Services } from "../services.js";

export interface WatchOptions {
  /** Where to start looking for the project (default: the working directory). */
  readonly cwd?: string;
  /** The project directory (`--project DIR`). */
  readonly project?: string;
  readonly select?: ReadonlyArray<string>;
  readonly exclude?: ReadonlyArray<string>;
  readonly vars?: Readonly<Record<string, unknown>>;
  readonly relocateReads?: boolean;
  /** Also execute the models each rebuild wrote (`--run`). */
  readonly run?: boolean;
  /** Models run at once with `run` (default 4). */
  readonly threads?: number;
  /** Quiet time after the last file event before a rebuild starts (default 100 ms). */
  readonly debounceMs?: number;
  /** Per-model progress of builds and runs. */
  readonly onModel?: ModelListener;
  /** What builds and runs use (default: the default services); the caller closes it. */
  readonly services?: Services;
}

/** A file event, the path relative to the project root ("xorq_project/models/a.sql"). */
export interface FileChange {
  readonly kind: "add" | "change" | "unlink";
  readonly file: string;
}

export type WatchEvent =
  | { readonly event: "watching"; readonly root: string }
  | {
      readonly event: "rebuilt";
      /** "initial" for the first build, "change" for one after file events. */
      readonly trigger: "initial" | "change";
      /** The file events this rebuild covers (deduplicated, last kind per file). */
      readonly changes: ReadonlyArray<FileChange>;
      /** Models whose artifacts this rebuild wrote. */
      readonly built: ReadonlyArray<string>;
      readonly unchanged: number;
      readonly selected: number;
      readonly models: number;
      /** Models whose artifact could not be written. */
      readonly failed: ReadonlyArray<ModelFinished>;
      /** With `run`: the results of executing `built`. */
      readonly ran: ReadonlyArray<ModelFinished>;
      /** From the first file event of the burst (or the start) to the last artifact written. */
      readonly ms: number;
    }
  | {
      readonly event: "project_error";
      readonly trigger: "initial" | "change";
      readonly changes: ReadonlyArray<FileChange>;
      /** Problems with their place; empty when the error has none (then see `message`). */
      readonly problems: ReadonlyArray<ProjectProblem>;
      readonly message: string;
      readonly ms: number;
    };

export type WatchListener = (event: WatchEvent) => void;

export interface WatchHandle {
  /** The root directory of the watched project. */
  readonly root: string;
  /** Resolves when no rebuild is running or waiting. */
  idle(): Promise<void>;
  /** Stops watching (after a rebuild in progress ends). */
  close(): Promise<void>;
}

/** Files a project is made of; anything else (data, editor swap files) does not trigger a rebuild. */
const PROJECT_FILE = new Set([".yaml", ".yml", ".sql", ".ts"]);

export function isProjectFile(path: string): boolean {
  return PROJECT_FILE.has(extname(path)) && !path.endsWith(".d.ts");
}

/** chokidar's `ignored` for a project: hidden files and folders (.git, editor state) under xorq_project/. */
export function ignoresHidden(projectDir: string): (path: string) => boolean {
  return (path) => relative(projectDir, path).split(sep).some((part) => part.startsWith("."));
}

/** Builds the project, then rebuilds it on every burst of changes until `close()`. */
export async function watchProject(options: WatchOptions, onEvent: WatchListener): Promise<WatchHandle> {
  // A selector typo is a usage error now, not once per rebuild.
  for (const s of [options.select, options.exclude]) if (s && s.length > 0) parseSelector(s);
  const location = await locateProject(options);
  const debounceMs = options.debounceMs ?? 100;
  const display = (abs: string) => relative(location.root, abs).split(sep).join("/");

  // target/'s caches stay in memory between rebuilds: a rebuild re-reads only changed files.
  const session: LoadSession = {};
  let pending = new Map<string, FileChange>();
  let burstStart = 0;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  let busy = false;
  let closed = false;

  const cycle = async (trigger: "initial" | "change", changes: ReadonlyArray<FileChange>, start: number) => {
    const { event, finish } = await rebuild(options, session, trigger, changes, start);
    onEvent(event);
    await finish();
  };

  const flush = () => {
    timer = null;
    if (closed || pending.size === 0) return;
    if (busy) return; // picked up when the running rebuild ends
    const changes = [...pending.values()].sort((a, b) => (a.file < b.file ? -1 : 1));
    const start = burstStart;
    pending = new Map();
    busy = true;
    running = cycle("change", changes, start).finally(() => {
      busy = false;
      if (pending.size > 0 && !timer) flush();
    });
  };

  const onFile = (kind: FileChange["kind"]) => (path: string) => {
    if (closed || !isProjectFile(path)) return;
    if (pending.size === 0) burstStart = performance.now();
    const file = display(path);
    pending.set(file, { kind, file });
    if (timer) clearTimeout(timer);
    timer = setTimeout(flush, debounceMs);
  };

  const watcher: FSWatcher = watch(location.projectDir, {
    ignoreInitial: true,
    // Hidden files and directories (.git, editor state) are never project files.
    ignored: ignoresHidden(location.projectDir),
  });
  watcher.on("add", onFile("add")).on("change", onFile("change")).on("unlink", onFile("unlink"));
  await new Promise<void>((ready, fail) => {
    watcher.once("ready", ready);
    watcher.once("error", fail);
  });
  // Watching starts first: a save during the initial build is not lost.
  busy = true;
  running = cycle("initial", [], performance.now()).finally(() => {
    busy = false;
    if (pending.size > 0 && !timer) flush();
  });
  await running;
  onEvent({ event: "watching", root: location.root });

  return {
    root: location.root,
    async idle() {
      while (busy || timer || pending.size > 0) {
        await running;
        if (timer) await new Promise((r) => setTimeout(r, debounceMs));
      }
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await watcher.close();
      await running;
    },
  };
}

/**
 * One load + build (+ run); every failure becomes an event, never an exception. The
 * event is reported before `finish` writes target/manifest.json (10 MB at 10,000 models)
 * and closes the connections, so the latency reported is save-to-artifact.
 */
async function rebuild(
  options: WatchOptions,
  session: LoadSession,
  trigger: "initial" | "change",
  changes: ReadonlyArray<FileChange>,
  start: number,
): Promise<{ event: WatchEvent; finish: () => Promise<void> }> {
  let project: Project;
  try {
    // Chokidar saw every change since the last load: the other files are not stat'ed again.
    session.changed = trigger === "initial" ? undefined : changes.map((c) => c.file);
    project = await loadProject({ cwd: options.cwd, project: options.project, vars: options.vars }, session);
  } catch (e) {
    return { event: projectError(trigger, changes, e, start), finish: async () => session.save?.() };
  }
  let wroteArtifacts = false;
  const finish = async () => {
    try {
      if (wroteArtifacts) await writeManifest(project);
      await session.save?.();
    } finally {
      await project.close();
    }
  };
  try {
    const graph = selectionGraph(project, null);
    const names = selectModels(graph, parseSelection({ select: options.select, exclude: options.exclude }));
    const results = await buildModels(project, names, { relocateReads: options.relocateReads, onEvent: options.onModel, manifest: false, services: options.services });
    wroteArtifacts = true;
    const ms = performance.now() - start;
    const built = results.filter((r) => r.status === "built" || r.status === "relocated").map((r) => r.name);
    const ran = options.run && built.length > 0
      ? (await runModels(project, built, { threads: options.threads, onEvent: options.onModel, services: options.services })).map((r) => r.result)
      : [];
    const event: WatchEvent = {
      event: "rebuilt",
      trigger,
      changes,
      built,
      unchanged: results.filter((r) => r.status === "unchanged").length,
      selected: names.length,
      models: project.models.size,
      failed: results.filter((r) => r.status === "error"),
      ran,
      ms,
    };
    return { event, finish };
  } catch (e) {
    return { event: projectError(trigger, changes, e, start), finish };
  }
}

function projectError(trigger: "initial" | "change", changes: ReadonlyArray<FileChange>, e: unknown, start: number): WatchEvent {
  return {
    event: "project_error",
    trigger,
    changes,
    problems: e instanceof ProjectError ? e.problems : [],
    message: (e as Error).message,
    ms: performance.now() - start,
  };
}
