/**
 * `xorq docs serve`: generates the site, serves it on 127.0.0.1 (never on other
 * interfaces: it shows the project's code and SQL), and generates it again when a
 * project file changes, with chokidar as the build watch mode (`src/tasks/watch.ts`)
 * uses it: the same files count (YAML, SQL, TS under xorq_project/, hidden ones left
 * out), bursts of saves make one generation. It only reads the project: nothing is
 * built or run.
 *
 * ```ts
 * const server = await serveDocs({ project: "demo", port: 8080 }, (e) => console.log(e));
 * // http://127.0.0.1:8080/ ... later
 * await server.close();
 * ```
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { type Server, createServer } from "node:http";
import { extname, join, normalize, relative } from "node:path";
import { type FSWatcher, watch } from "chokidar";
import { type LoadSession, locateProject } from "../project/project.js";
import { type GenerateOptions, type GeneratedDocs, generateDocs } from "./docs-generate.js";
import { ignoresHidden, isProjectFile } from "../tasks/watch.js";

export interface ServeOptions extends GenerateOptions {
  /** Default 8080; 0 picks a free port. */
  readonly port?: number;
  /** Quiet time after the last file event before generating again (default 150 ms). */
  readonly debounceMs?: number;
}

export type ServeEvent =
  | { readonly event: "generated"; readonly trigger: "initial" | "change"; readonly docs: GeneratedDocs }
  | { readonly event: "error"; readonly trigger: "initial" | "change"; readonly message: string }
  | { readonly event: "serving"; readonly url: string; readonly dir: string };

export interface DocsServer {
  readonly url: string;
  /** Resolves when no generation is running or waiting. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".png": "image/png",
};

export async function serveDocs(options: ServeOptions, onEvent: (e: ServeEvent) => void): Promise<DocsServer> {
  const location = await locateProject(options);
  const debounceMs = options.debounceMs ?? 150;
  const session: LoadSession = {};
  let dir: string | null = null;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | null = null;
  let dirty = false;
  let busy = false;

  const generate = async (trigger: "initial" | "change") => {
    try {
      const docs = await generateDocs(options, session);
      dir = docs.dir;
      onEvent({ event: "generated", trigger, docs });
    } catch (e) {
      onEvent({ event: "error", trigger, message: (e as Error).message });
    }
  };
  const flush = () => {
    timer = null;
    if (busy || !dirty) return;
    dirty = false;
    busy = true;
    running = generate("change").finally(() => {
      busy = false;
      if (dirty && !timer) flush();
    });
  };
  const onFile = (path: string) => {
    if (!isProjectFile(path)) return;
    dirty = true;
    if (timer) clearTimeout(timer);
    timer = setTimeout(flush, debounceMs);
  };

  const watcher: FSWatcher = watch(location.projectDir, {
    ignoreInitial: true,
    ignored: ignoresHidden(location.projectDir),
  });
  watcher.on("add", onFile).on("change", onFile).on("unlink", onFile);
  await new Promise<void>((ready, fail) => {
    watcher.once("ready", ready);
    watcher.once("error", fail);
  });
  busy = true;
  running = generate("initial").finally(() => {
    busy = false;
    if (dirty && !timer) flush();
  });
  await running;

  const server: Server = createServer((req, res) => {
    void respond(dir, req.url ?? "/", res);
  });
  await new Promise<void>((listening, fail) => {
    server.once("error", fail);
    server.listen(options.port ?? 8080, "127.0.0.1", () => listening());
  });
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : options.port}/`;
  onEvent({ event: "serving", url, dir: dir ?? "" });

  return {
    url,
    async idle() {
      while (busy || timer || dirty) {
        await running;
        if (timer) await new Promise((r) => setTimeout(r, debounceMs));
      }
    },
    async close() {
      if (timer) clearTimeout(timer);
      timer = null;
      dirty = false;
      await watcher.close();
      await running;
      await new Promise<void>((closed) => server.close(() => closed()));
    },
  };
}

/** Serves a file of the site; paths that leave it are not found. */
async function respond(dir: string | null, url: string, res: import("node:http").ServerResponse): Promise<void> {
  const path = decodeURIComponent(url.split(/[?#]/)[0]!);
  const file = dir === null ? null : normalize(join(dir, path.endsWith("/") ? `${path}index.html` : path));
  const inside = file !== null && dir !== null && !relative(dir, file).startsWith("..");
  try {
    if (!inside || !(await stat(file)).isFile()) throw new Error("not a file");
  } catch {
    res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end(dir === null ? "the docs could not be generated (see the terminal)\n" : "not found\n");
    return;
  }
  res.writeHead(200, { "content-type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
  createReadStream(file).pipe(res);
}
